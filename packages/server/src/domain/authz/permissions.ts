import { PermissionDeniedError } from '../../errors/catalog.ts';
import type { Principal } from '../shared/context.ts';
import type { RoleType } from './roles.ts';

/**
 * Permissions are named after Okta's OAuth scopes where one exists, so that scoped OAuth
 * access tokens can later be checked against the same table. `tollgate.*` names cover
 * distinctions Okta makes without a scope of their own.
 */
export type Permission =
  /** Read every API token's metadata. */
  | 'okta.apiTokens.read'
  /** Update or revoke any API token. */
  | 'okta.apiTokens.manage'
  /** Read, update and revoke the caller's own API tokens. */
  | 'tollgate.apiTokens.self'
  /** Read policies, their rules and mappings. */
  | 'okta.policies.read'
  /** Create, change, reorder, activate, deactivate and delete policies and rules. */
  | 'okta.policies.manage'
  /** Read the System Log (and the legacy Events API). */
  | 'okta.logs.read'
  /** Read the org's rate-limit settings (per-client modes, warning threshold, notifications). */
  | 'okta.rateLimits.read'
  /** Change the org's rate-limit settings. */
  | 'okta.rateLimits.manage'
  /** Read principal rate limits (the share of the org's limits an API token or OAuth client may use). */
  | 'okta.principalRateLimits.read'
  /** Create and replace principal rate limits. */
  | 'okta.principalRateLimits.manage';

const ALL: readonly Permission[] = [
  'okta.apiTokens.read',
  'okta.apiTokens.manage',
  'tollgate.apiTokens.self',
  'okta.policies.read',
  'okta.policies.manage',
  'okta.logs.read',
  'okta.rateLimits.read',
  'okta.rateLimits.manage',
  'okta.principalRateLimits.read',
  'okta.principalRateLimits.manage',
];

/** Seeing rate-limit settings and principal rate limits: the roles Okta shows the rate-limit dashboard. */
const RATE_LIMITS_READ: readonly Permission[] = ['okta.rateLimits.read', 'okta.principalRateLimits.read'];
const RATE_LIMITS_MANAGE: readonly Permission[] = [...RATE_LIMITS_READ, 'okta.rateLimits.manage', 'okta.principalRateLimits.manage'];

/**
 * The one permission table. Okta lets super admins see and revoke every token and other
 * admins only the tokens they own; a user with no admin role may call no management API.
 * Policies (Security > Authentication, Authenticators, Global Session Policy in the Admin
 * Console) are managed by super and org admins and visible to read-only admins; the other
 * standard roles administer users, groups or apps and do not see them. The System Log is read
 * by super, org, read-only and report admins (Okta's Reports > System Log).
 * Rate-limit settings and principal rate limits are read by the roles Okta lets open the
 * rate-limit dashboard (super, org, app, read-only, report and API access management admins;
 * wire-facts §b8; Okta's list also has MOBILE_ADMIN, a role Tollgate does not have) and changed
 * by super and org admins only.
 * Later issues add rows and permissions here rather than checking roles elsewhere.
 */
const ROLE_PERMISSIONS: Record<RoleType, readonly Permission[]> = {
  SUPER_ADMIN: ALL,
  ORG_ADMIN: ['tollgate.apiTokens.self', 'okta.policies.read', 'okta.policies.manage', 'okta.logs.read', ...RATE_LIMITS_MANAGE],
  APP_ADMIN: ['tollgate.apiTokens.self', ...RATE_LIMITS_READ],
  USER_ADMIN: ['tollgate.apiTokens.self'],
  HELP_DESK_ADMIN: ['tollgate.apiTokens.self'],
  GROUP_MEMBERSHIP_ADMIN: ['tollgate.apiTokens.self'],
  READ_ONLY_ADMIN: ['tollgate.apiTokens.self', 'okta.policies.read', 'okta.logs.read', ...RATE_LIMITS_READ],
  REPORT_ADMIN: ['tollgate.apiTokens.self', 'okta.logs.read', ...RATE_LIMITS_READ],
  API_ACCESS_MANAGEMENT_ADMIN: ['tollgate.apiTokens.self', ...RATE_LIMITS_READ],
  ACCESS_CERTIFICATIONS_ADMIN: ['tollgate.apiTokens.self'],
  ACCESS_REQUESTS_ADMIN: ['tollgate.apiTokens.self'],
  WORKFLOWS_ADMIN: ['tollgate.apiTokens.self'],
};

export function can(principal: Principal, permission: Permission): boolean {
  for (const role of principal.roles) {
    if (ROLE_PERMISSIONS[role].includes(permission)) return true;
  }
  return false;
}

/** Throws 403 E0000006 unless the principal holds the permission. */
export function demand(principal: Principal, permission: Permission): void {
  if (!can(principal, permission)) throw new PermissionDeniedError();
}
