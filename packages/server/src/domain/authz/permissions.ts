import { PermissionDeniedError } from '../../errors/catalog.ts';
import type { Principal, RoleTargets } from '../shared/context.ts';
import type { RoleType } from './roles.ts';

/**
 * Permissions are named after Okta's OAuth scopes and Okta's admin-role permission names
 * (`okta.users.lifecycle.unlock` ...) where one exists, so that scoped OAuth access tokens and
 * custom roles can later be checked against the same table. `tollgate.*` names cover
 * distinctions Okta makes without a name of its own.
 */
export const PERMISSIONS = [
  /** Read every API token's metadata. */
  'okta.apiTokens.read',
  /** Update or revoke any API token. */
  'okta.apiTokens.manage',
  /** Read, update and revoke the caller's own API tokens. */
  'tollgate.apiTokens.self',
  /** Read policies, their rules and mappings. */
  'okta.policies.read',
  /** Create, change, reorder, activate, deactivate and delete policies and rules. */
  'okta.policies.manage',
  /** Read the System Log (and the legacy Events API). */
  'okta.logs.read',
  /** Read the org's rate-limit settings (per-client modes, warning threshold, notifications). */
  'okta.rateLimits.read',
  /** Change the org's rate-limit settings. */
  'okta.rateLimits.manage',
  /** Read principal rate limits (the share of the org's limits an API token or OAuth client may use). */
  'okta.principalRateLimits.read',
  /** Create and replace principal rate limits. */
  'okta.principalRateLimits.manage',

  /** See users, their profiles and their groups. Targetable: users in the target groups. */
  'okta.users.read',
  /** Create users. Targeted admins must put the new user in one of their groups. */
  'okta.users.create',
  /** Change a user's profile (partial POST and full PUT). Targetable. */
  'okta.users.userprofile.manage',
  /** Set a user's password as an admin, and change it without the old one. Targetable. */
  'okta.users.credentials.manage',
  /** Reset a user's password (`lifecycle/reset_password`), including a temporary password. Targetable. */
  'okta.users.credentials.resetPassword',
  /** Expire a user's password (`lifecycle/expire_password`). Targetable. */
  'okta.users.credentials.expirePassword',
  /** Reset a user's factors (`lifecycle/reset_factors`). Targetable. */
  'okta.users.credentials.resetFactors',
  /** Activate and reactivate users. Targetable. */
  'okta.users.lifecycle.activate',
  /** Deactivate users. Targetable. */
  'okta.users.lifecycle.deactivate',
  /** Suspend and unsuspend users. Targetable. */
  'okta.users.lifecycle.suspend',
  /** Unlock locked-out users. Targetable. */
  'okta.users.lifecycle.unlock',
  /** Delete deactivated users. Targetable. */
  'okta.users.lifecycle.delete',
  /** Clear a user's sessions (`DELETE /users/{id}/sessions`). Targetable. */
  'okta.users.lifecycle.clearSessions',

  /** See groups and their members. Targetable: the target groups. */
  'okta.groups.read',
  /** Create groups. */
  'okta.groups.create',
  /** Change and delete groups. Targetable. */
  'okta.groups.manage',
  /** Add users to and remove them from groups. Targetable: the target groups. */
  'okta.groups.members.manage',

  /** See apps and their assignments. Targetable: the target apps. */
  'okta.apps.read',
  /** Create apps. */
  'okta.apps.create',
  /** Change, activate, deactivate and delete apps, and set their sign-in policy. Targetable. */
  'okta.apps.manage',
  /** Assign apps to users and groups. Targetable. */
  'okta.apps.assignment.manage',

  /** See network zones. */
  'okta.networkZones.read',
  /** Create, change, activate, deactivate and delete network zones. */
  'okta.networkZones.manage',

  /** See admin role assignments and their targets. */
  'okta.roles.read',
  /** Grant and revoke admin roles and change their targets. */
  'okta.roles.manage',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** Permissions whose grant can be limited by a role's group targets: every user and group permission (users are reached through their groups). */
const GROUP_TARGETABLE: ReadonlySet<Permission> = new Set(PERMISSIONS.filter((p) => p.startsWith('okta.users.') || p.startsWith('okta.groups.')));

/** Permissions whose grant can be limited by a role's app targets: every app permission. */
const APP_TARGETABLE: ReadonlySet<Permission> = new Set(PERMISSIONS.filter((p) => p.startsWith('okta.apps.')));

const READS: readonly Permission[] = PERMISSIONS.filter((p) => p.endsWith('.read') && p !== 'okta.apiTokens.read');
const RATE_LIMITS_READ: readonly Permission[] = ['okta.rateLimits.read', 'okta.principalRateLimits.read'];
const USER_LIFECYCLE: readonly Permission[] = PERMISSIONS.filter((p) => p.startsWith('okta.users.lifecycle.'));
const USER_CREDENTIALS: readonly Permission[] = PERMISSIONS.filter((p) => p.startsWith('okta.users.credentials.'));

/**
 * The one permission table: every management endpoint demands one of these permissions, and
 * this table alone says which role holds it (docs/admin-roles.md has the endpoint list).
 *
 * - SUPER_ADMIN: everything.
 * - ORG_ADMIN: everything except what Okta reserves to super admins: granting and revoking admin
 *   roles, every API token, and acting on users who hold SUPER_ADMIN (see `userIsProtected`).
 * - APP_ADMIN (targetable by app): apps and their assignments; sees users and groups to assign.
 * - USER_ADMIN, "Group Administrator" (targetable by group): users' whole lifecycle, profiles and
 *   credentials, group membership, creating groups and changing its groups.
 * - HELP_DESK_ADMIN (targetable by group): Okta's fixed list: reset passwords, set a temporary
 *   password (`expire_password?tempPassword=true`, hence expirePassword), reset factors, unlock,
 *   clear sessions, view users' profiles and groups; nothing else.
 * Creating an app or a group is limited by targets only in that a targeted admin may not do it:
 * the new object would be outside its targets (`demandUnbounded`).
 * - GROUP_MEMBERSHIP_ADMIN (targetable by group): sees users and groups, adds and removes members.
 * - READ_ONLY_ADMIN: every read, no write.
 * - REPORT_ADMIN: the System Log and the rate-limit dashboard.
 * - API_ACCESS_MANAGEMENT_ADMIN: apps (OAuth clients) to read, the rate-limit dashboard.
 * - The governance and workflows roles: users, groups and apps to read.
 * Every role may manage its holder's own API tokens. The rate-limit rows are those of issue 4.
 */
const ROLE_PERMISSIONS: Record<RoleType, readonly Permission[]> = {
  SUPER_ADMIN: PERMISSIONS,
  ORG_ADMIN: PERMISSIONS.filter((p) => p !== 'okta.apiTokens.read' && p !== 'okta.apiTokens.manage' && p !== 'okta.roles.manage'),
  APP_ADMIN: [
    'tollgate.apiTokens.self',
    ...RATE_LIMITS_READ,
    'okta.apps.read',
    'okta.apps.create',
    'okta.apps.manage',
    'okta.apps.assignment.manage',
    'okta.users.read',
    'okta.groups.read',
  ],
  USER_ADMIN: [
    'tollgate.apiTokens.self',
    'okta.users.read',
    'okta.users.create',
    'okta.users.userprofile.manage',
    ...USER_CREDENTIALS,
    ...USER_LIFECYCLE,
    'okta.groups.read',
    'okta.groups.create',
    'okta.groups.manage',
    'okta.groups.members.manage',
  ],
  HELP_DESK_ADMIN: [
    'tollgate.apiTokens.self',
    'okta.users.read',
    'okta.users.credentials.resetPassword',
    'okta.users.credentials.expirePassword',
    'okta.users.credentials.resetFactors',
    'okta.users.lifecycle.unlock',
    'okta.users.lifecycle.clearSessions',
    'okta.groups.read',
  ],
  GROUP_MEMBERSHIP_ADMIN: ['tollgate.apiTokens.self', 'okta.users.read', 'okta.groups.read', 'okta.groups.members.manage'],
  READ_ONLY_ADMIN: ['tollgate.apiTokens.self', ...READS],
  REPORT_ADMIN: ['tollgate.apiTokens.self', 'okta.logs.read', ...RATE_LIMITS_READ],
  API_ACCESS_MANAGEMENT_ADMIN: ['tollgate.apiTokens.self', 'okta.apps.read', ...RATE_LIMITS_READ],
  ACCESS_CERTIFICATIONS_ADMIN: ['tollgate.apiTokens.self', 'okta.users.read', 'okta.groups.read', 'okta.apps.read'],
  ACCESS_REQUESTS_ADMIN: ['tollgate.apiTokens.self', 'okta.users.read', 'okta.groups.read', 'okta.apps.read'],
  WORKFLOWS_ADMIN: ['tollgate.apiTokens.self', 'okta.users.read', 'okta.groups.read', 'okta.apps.read'],
};

const ROLE_PERMISSION_SETS = new Map<RoleType, ReadonlySet<Permission>>(
  Object.entries(ROLE_PERMISSIONS).map(([role, permissions]) => [role as RoleType, new Set(permissions)]),
);

/** The permissions a role type holds (for docs and the role-matrix test). */
export function permissionsOf(role: RoleType): ReadonlySet<Permission> {
  return ROLE_PERMISSION_SETS.get(role)!;
}

/**
 * Where a principal may use a permission: everywhere, or only on the listed groups (and the
 * users in them) and apps. `null` when no role grants it.
 */
export type Scope = { all: true } | { all: false; groupIds: ReadonlySet<string>; appIds: ReadonlySet<string>; appNames: ReadonlySet<string> };

const ALL: Scope = { all: true };

/**
 * The union of the scopes of the principal's roles that hold `permission`. A role without
 * targets (or a permission its targets do not limit) grants everywhere.
 */
export function scopeOf(principal: Principal, permission: Permission): Scope | null {
  let groupIds: Set<string> | undefined;
  let appIds: Set<string> | undefined;
  let appNames: Set<string> | undefined;
  let granted = false;
  for (const role of principal.roles) {
    if (!ROLE_PERMISSION_SETS.get(role)!.has(permission)) continue;
    granted = true;
    const targets: RoleTargets | undefined = principal.targets?.get(role);
    const limitedByGroups = GROUP_TARGETABLE.has(permission) && targets !== undefined && targets.groupIds.size > 0;
    const limitedByApps = APP_TARGETABLE.has(permission) && targets !== undefined && (targets.appIds.size > 0 || targets.appNames.size > 0);
    if (!limitedByGroups && !limitedByApps) return ALL;
    if (limitedByGroups) for (const id of targets.groupIds) (groupIds ??= new Set()).add(id);
    if (limitedByApps) {
      for (const id of targets.appIds) (appIds ??= new Set()).add(id);
      for (const name of targets.appNames) (appNames ??= new Set()).add(name);
    }
  }
  if (!granted) return null;
  return { all: false, groupIds: groupIds ?? new Set(), appIds: appIds ?? new Set(), appNames: appNames ?? new Set() };
}

export function can(principal: Principal, permission: Permission): boolean {
  return scopeOf(principal, permission) !== null;
}

/** Throws 403 E0000006 unless the principal holds the permission somewhere. */
export function demand(principal: Principal, permission: Permission): void {
  if (!can(principal, permission)) throw new PermissionDeniedError();
}

/** Throws 403 E0000006 unless the principal holds the permission without targets. */
export function demandUnbounded(principal: Principal, permission: Permission): Scope {
  const scope = scopeOf(principal, permission);
  if (scope === null || !scope.all) throw new PermissionDeniedError();
  return scope;
}

/** What a permission check needs to know about the user acted on. */
export interface UserFacts {
  id: string;
  /** The groups the user is a member of. */
  groupIds: Iterable<string>;
  /** The admin roles the user holds (directly or through groups). */
  roles: ReadonlySet<RoleType>;
}

/**
 * Okta reserves acting on admins to higher admins: only a super admin may change a user who
 * holds SUPER_ADMIN, and admins whose roles are limited to users (help desk, group and group
 * membership admins) may not change any admin. Reads are never reserved.
 */
export function userIsProtected(principal: Principal, user: Pick<UserFacts, 'roles'>): boolean {
  if (principal.roles.has('SUPER_ADMIN') || user.roles.size === 0) return false;
  if (user.roles.has('SUPER_ADMIN')) return true;
  return !principal.roles.has('ORG_ADMIN');
}

/**
 * Throws 403 E0000006 unless the principal may use `permission` on this user: granted
 * everywhere, or the user is in one of the granting roles' target groups; and, for anything but
 * a read, the user is not an admin reserved to higher admins.
 */
export function demandOnUser(principal: Principal, permission: Permission, user: UserFacts): void {
  const scope = scopeOf(principal, permission);
  if (scope === null) throw new PermissionDeniedError();
  if (!scope.all && !someIn(user.groupIds, scope.groupIds)) throw new PermissionDeniedError();
  if (permission !== 'okta.users.read' && userIsProtected(principal, user)) throw new PermissionDeniedError();
}

/** Throws 403 E0000006 unless the principal may use `permission` on this group. */
export function demandOnGroup(principal: Principal, permission: Permission, groupId: string): void {
  const scope = scopeOf(principal, permission);
  if (scope === null || (!scope.all && !scope.groupIds.has(groupId))) throw new PermissionDeniedError();
}

/** Throws 403 E0000006 unless the principal may use `permission` on this app (by id or by its catalog name). */
export function demandOnApp(principal: Principal, permission: Permission, app: { id: string; name: string }): void {
  const scope = scopeOf(principal, permission);
  if (scope === null || (!scope.all && !scope.appIds.has(app.id) && !scope.appNames.has(app.name))) throw new PermissionDeniedError();
}

function someIn(values: Iterable<string>, set: ReadonlySet<string>): boolean {
  for (const value of values) if (set.has(value)) return true;
  return false;
}
