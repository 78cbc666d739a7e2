import { OktaError } from '../errors/catalog.ts';
import { ConflictError } from '../errors/storage.ts';

/**
 * Which request field a unique constraint protects, by PostgreSQL constraint name and by
 * SQLite's `table.column` wording. A conflict on an unlisted constraint names `id`.
 */
const FIELD_BY_CONSTRAINT: Record<string, string> = {
  users_login_lower_key: 'login',
  'users.login_lower': 'login',
  bootstrap_steps_pkey: 'name',
  'bootstrap_steps.name': 'name',
  api_tokens_token_hash_key: 'token',
  'api_tokens.token_hash': 'token',
  policies_type_name_key: 'name',
  'policies.type': 'name',
  policy_rules_policy_name_key: 'name',
  'policy_rules.policy_id': 'name',
  policy_mappings_policy_resource_key: 'resourceId',
  'policy_mappings.policy_id': 'resourceId',
  // Okta's own name for it: a second entity for a principal answers `Api validation failed: principalRateLimitMediated`.
  principal_rate_limits_principal_id_key: 'principalRateLimitMediated',
  'principal_rate_limits.principal_id': 'principalRateLimitMediated',
};

interface DriverError {
  code?: string;
  constraint?: string;
  message?: string;
}

/**
 * The storage edge: driver errors become catalog errors here and nowhere else. Uniqueness
 * conflicts become E0000001 naming the field; anything else stays an internal error (the
 * HTTP layer renders it as a bare E0000009 and logs the cause).
 */
export function translateDriverError(error: unknown): unknown {
  if (error instanceof OktaError || typeof error !== 'object' || error === null) return error;
  const e = error as DriverError;
  if (e.code === '23505') {
    return new ConflictError(FIELD_BY_CONSTRAINT[e.constraint ?? ''] ?? 'id');
  }
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const column = /constraint failed: ([\w.]+)/.exec(e.message ?? '')?.[1] ?? '';
    return new ConflictError(FIELD_BY_CONSTRAINT[column] ?? 'id');
  }
  return error;
}
