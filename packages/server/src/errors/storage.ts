import { ApiValidationError } from './catalog.ts';

/**
 * A uniqueness conflict reported by the database, already translated at the storage edge.
 * It is an E0000001 ("An object with this field already exists"), naming the field that
 * clashed, so a service that does not expect it still answers the client correctly.
 */
export class ConflictError extends ApiValidationError {
  constructor(readonly field: string) {
    super([`${field}: An object with this field already exists in the current organization`], field);
  }
}
