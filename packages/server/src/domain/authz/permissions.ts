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
  | 'okta.logs.read';

const ALL: readonly Permission[] = ['okta.apiTokens.read', 'okta.apiTokens.manage', 'tollgate.apiTokens.self', 'okta.policies.read', 'okta.policies.manage', 'okta.logs.read'];

/**
 * The one permission table. Okta lets super admins see and revoke every token and other
 * admins only the tokens they own; a user with no admin role may call no management API.
 * Policies (Security > Authentication, Authenticators, Global Session Policy in the Admin
 * Console) are managed by super and org admins and visible to read-only admins; the other
 * standard roles administer users, groups or apps and do not see them. The System Log is read
 * by super, org, read-only and report admins (Okta's Reports > System Log).
 * Later issues add rows and permissions here rather than checking roles elsewhere.
 */
const ROLE_PERMISSIONS: Record<RoleType, readonly Permission[]> = {
  SUPER_ADMIN: ALL,
  ORG_ADMIN: ['tollgate.apiTokens.self', 'okta.policies.read', 'okta.policies.manage', 'okta.logs.read'],
  APP_ADMIN: ['tollgate.apiTokens.self'],
  USER_ADMIN: ['tollgate.apiTokens.self'],
  HELP_DESK_ADMIN: ['tollgate.apiTokens.self'],
  GROUP_MEMBERSHIP_ADMIN: ['tollgate.apiTokens.self'],
  READ_ONLY_ADMIN: ['tollgate.apiTokens.self', 'okta.policies.read', 'okta.logs.read'],
  REPORT_ADMIN: ['tollgate.apiTokens.self', 'okta.logs.read'],
  API_ACCESS_MANAGEMENT_ADMIN: ['tollgate.apiTokens.self'],
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
