/**
 * Why an expression is refused: a syntax error or something outside the subset Tollgate
 * evaluates. `position` is 1-based (the first character is 1), as the rest of the API counts.
 */
export class ExpressionError extends Error {
  readonly reason: string;
  readonly position: number;

  constructor(reason: string, offset: number) {
    super(`${reason} at position ${offset + 1}`);
    this.name = 'ExpressionError';
    this.reason = reason;
    this.position = offset + 1;
  }
}

/** Throws the refusal of `reason` at the 0-based `offset`. */
export function refuse(reason: string, offset: number): never {
  throw new ExpressionError(reason, offset);
}
