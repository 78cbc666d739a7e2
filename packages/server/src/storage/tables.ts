import type { Generated } from 'kysely';
/** Kysely table types. Times are epoch milliseconds (int8 on PostgreSQL, parsed to number). */
export interface Database {
  orgs: { id: string; name: string; created: number; last_updated: number };
  bootstrap_steps: { name: string; applied: number };
  users: {
    id: string;
    login: string;
    login_lower: string;
    status: string;
    profile: string;
    created: number;
    last_updated: number;
    activated: number | null;
    status_changed: number | null;
    password_hash: string | null;
    password_changed: number | null;
    last_login: number | null;
    recovery_token_hash: string | null;
    recovery_token_expires: number | null;
    email_lower: string | null;
    first_name_lower: string | null;
    last_name_lower: string | null;
    failed_attempts: Generated<number>;
  };
  user_passwords: { user_id: string; password_hash: string; created: number };
  user_sessions: { id: string; user_id: string; kind: string; token_hash: string; created: number; expires_at: number };
  role_targets: { assignment_id: string; target_type: string; target_id: string; created: number };
  network_zones: {
    id: string;
    type: string;
    name: string;
    status: string;
    usage: string;
    /** boolean on PostgreSQL, 0/1 on SQLite. */
    system: number | boolean;
    /** JSON lists of `{type: 'CIDR' | 'RANGE', value}`. */
    gateways: string | null;
    proxies: string | null;
    created: number;
    last_updated: number;
  };
  apps: {
    id: string;
    name: string;
    label: string;
    sign_on_mode: string;
    status: string;
    client_id: string | null;
    /** SHA-256 hex of the client secret; the secret itself is shown once. */
    client_secret_hash: string | null;
    /** JSON text of the non-secret parts of these objects. */
    credentials: string | null;
    settings: string | null;
    visibility: string | null;
    profile: string | null;
    created: number;
    last_updated: number;
  };
  app_user_assignments: { app_id: string; user_id: string; scope: string; profile: string | null; created: number; last_updated: number };
  app_group_assignments: { app_id: string; group_id: string; priority: number; profile: string | null; last_updated: number };
  directory_generations: { name: string; generation: number };
  groups: {
    id: string;
    type: string;
    name: string;
    description: string | null;
    created: number;
    last_updated: number;
    last_membership_updated: number;
  };
  group_members: { group_id: string; user_id: string };
  role_assignments: {
    id: string;
    principal_type: string;
    principal_id: string;
    role_type: string;
    status: string;
    created: number;
    last_updated: number;
  };
  api_tokens: {
    id: string;
    name: string;
    user_id: string;
    client_name: string;
    token_hash: string;
    token_window: string;
    network: string;
    created: number;
    last_updated: number;
    last_used: number;
    expires_at: number;
    revoked: number | null;
  };
  system_log: {
    seq: Generated<number>;
    uuid: string;
    published: number;
    event_type: string;
    actor_id: string;
    severity: string;
    outcome_result: string;
    transaction_id: string | null;
    api_token_id: string | null;
    keywords: string;
    /** jsonb on PostgreSQL (read back as an object), text on SQLite. */
    body: unknown;
  };
  system_log_targets: { seq: number; position: number; target_id: string };
  policies: {
    id: string;
    type: string;
    name: string;
    description: string | null;
    priority: number;
    status: string;
    system: number;
    conditions: string | null;
    settings: string | null;
    created: number;
    last_updated: number;
  };
  policy_rules: {
    id: string;
    policy_id: string;
    name: string;
    priority: number;
    status: string;
    system: number;
    conditions: string | null;
    actions: string | null;
    created: number;
    last_updated: number;
  };
  policy_mappings: { id: string; policy_id: string; resource_id: string; resource_type: string; created: number };
  policy_generations: { type: string; generation: number };
  /** One row per org-wide setting; `value` is its JSON. */
  rate_limit_settings: { name: string; value: string; updated: number };
  principal_rate_limits: {
    id: string;
    principal_id: string;
    principal_type: string;
    default_percentage: number;
    default_concurrency_percentage: number;
    created: number;
    created_by: string;
    last_update: number;
    last_updated_by: string;
  };
  rate_limit_generations: { name: string; generation: number };
  concurrency_peaks: { traffic_class: string; day: string; peak: number };
}
