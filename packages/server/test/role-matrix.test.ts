// The role matrix: every admin role type × every management endpoint under /api/v1 (all but
// primary authentication), allowed or denied as the one permission table says. Each role is
// tried unbounded and, for the targetable roles, limited to a target that covers the object the
// call acts on and to one that does not. "Denied" is 403 E0000006; "allowed" is any other answer
// but a 5xx (the call may still be refused for its own reasons: 404, 400, a lifecycle 403 ...).
// Fixtures are built so most allowed calls succeed; calls that destroy or consume their object
// get a fresh one each time. A completeness check fails when the app serves a route without an
// entry here (or an entry names a route the app no longer serves).
//
// On every backend, as the issue asks: the verdicts come from the permission table, but targeted
// scopes are applied in SQL (lists filtered to target groups), which differs per dialect. About
// 5 s on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RouteOptions } from 'fastify';
import { scopeOf } from '../src/domain/authz/permissions.ts';
import type { Permission } from '../src/domain/authz/permissions.ts';
import { ROLE_LABELS } from '../src/domain/authz/roles.ts';
import type { RoleType } from '../src/domain/authz/roles.ts';
import { systemContext } from '../src/domain/org/bootstrap.ts';
import type { Principal, RoleTargets } from '../src/domain/shared/context.ts';
import { randomIds } from '../src/domain/shared/ids.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg, TestRoleTargets } from './helpers/app.ts';
import { backends } from './helpers/backends.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The objects the entries act on, made once by the admin. */
interface Fixtures {
  /** A plain user (no roles) in `group`: the user that user endpoints act on. */
  userId: string;
  userGroups: string[];
  /** Covered by the "covering" targets. */
  group: string;
  /** The target of the "other" targets: covers neither `userId` nor `group`. */
  otherGroup: string;
  /** A user (no roles) outside `group`, to add to groups. */
  outsiderId: string;
  adminTokenId: string;
  policyId: string;
  ruleId: string;
  prlId: string;
  zoneId: string;
  /** An active bookmark app (catalog name `bookmark`), assigned to nobody. */
  appId: string;
  /** Role endpoints act on these assignees (never on `userId`, so it stays a non-admin). */
  roleUserId: string;
  roleGroupId: string;
  /** HELP_DESK_ADMIN and APP_ADMIN assignments of each assignee. */
  userHelpDesk: string;
  userAppAdmin: string;
  groupHelpDesk: string;
  groupAppAdmin: string;
}

/** What a call needs beyond the fixtures: ids made fresh for it, or another token. */
type Fresh = Record<string, string>;

interface Entry {
  method: Method;
  /** The route as Fastify registers it. */
  route: string;
  /**
   * The permission the endpoint demands. `authenticated`: any valid token (revoking itself).
   * `tollgate.apiTokens.self` is held by every role; the token endpoints then show only the
   * caller's own tokens.
   */
  permission: Permission | 'authenticated';
  /** What a targeted grant must cover for the call to be allowed (none: lists, creates). */
  on?: 'user' | 'group' | 'app';
  /** Only an unbounded grant allows it (a targeted admin cannot create apps or groups: the new object is outside its targets). */
  unbounded?: true;
  url: (fx: Fixtures, fresh: Fresh) => string;
  body?: (fx: Fixtures, fresh: Fresh) => unknown;
  /** Makes the objects one call consumes; `principalLogin` is the caller's login. */
  fresh?: (org: TestOrg, fx: Fixtures, principalLogin: string) => Promise<Fresh>;
}

let seq = 0;
const next = () => ++seq;
const SIGN_ON_RULE = { type: 'SIGN_ON', name: 'Matrix rule', actions: { signon: { access: 'ALLOW', requireFactor: false } } };
const zoneBody = (name: string) => ({ type: 'IP', name, gateways: [{ type: 'CIDR', value: '10.0.0.0/8' }], proxies: null });

async function adminJson(org: TestOrg, method: Method, url: string, payload?: unknown): Promise<Record<string, string>> {
  const res = await org.request({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
  assert.ok(res.statusCode < 300, `fixture ${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.body === '' ? {} : (res.json() as Record<string, string>);
}

async function newGroup(org: TestOrg, name: string, members: string[] = []): Promise<string> {
  const now = org.clock.now();
  const id = randomIds.objectId('group');
  await org.services.store.insertGroup({ id, type: 'OKTA_GROUP', name, description: null, created: now, lastUpdated: now, lastMembershipUpdated: now });
  for (const userId of members) await org.services.store.addGroupMember(id, userId);
  return id;
}

/** An active user without roles, made by the admin through the Users API, in `groupIds`. */
async function newUser(org: TestOrg, groupIds: string[]): Promise<{ id: string }> {
  const n = next();
  const profile = { login: `matrix-user-${n}@example.com`, email: `matrix-user-${n}@example.com`, firstName: 'Matrix', lastName: `User ${n}` };
  return { id: (await adminJson(org, 'POST', `${P}/users?activate=true`, { profile, groupIds })).id! };
}

const bookmarkBody = (label: string, status?: 'INACTIVE') => ({
  name: 'bookmark',
  label,
  signOnMode: 'BOOKMARK',
  settings: { app: { url: 'https://example.com/matrix' } },
  ...(status ? { status } : {}),
});

async function newPolicy(org: TestOrg): Promise<string> {
  return (await adminJson(org, 'POST', '/api/v1/policies', { type: 'OKTA_SIGN_ON', name: `Matrix policy ${next()}` })).id!;
}

async function newToken(org: TestOrg, login: string): Promise<{ id: string; value: string }> {
  const { token, value } = await org.services.apiTokens.create(systemContext(randomIds.requestId()), { name: `matrix ${next()}`, userLogin: login });
  return { id: token.id, value };
}

const P = '/api/v1';
const policy = (fx: Fixtures) => `${P}/policies/${fx.policyId}`;
const rule = (fx: Fixtures) => `${P}/policies/${fx.policyId}/rules/${fx.ruleId}`;

/** The role endpoints, the same for user and group assignees. */
function roleEntries(kind: 'users' | 'groups'): Entry[] {
  const assignee = kind === 'users' ? ':userId' : ':groupId';
  const targetGroup = kind === 'users' ? ':groupId' : ':targetGroupId';
  const base = `${P}/${kind}/${assignee}/roles`;
  const who = (fx: Fixtures) => (kind === 'users' ? fx.roleUserId : fx.roleGroupId);
  const helpDesk = (fx: Fixtures) => `${P}/${kind}/${who(fx)}/roles/${kind === 'users' ? fx.userHelpDesk : fx.groupHelpDesk}`;
  const appAdmin = (fx: Fixtures) => `${P}/${kind}/${who(fx)}/roles/${kind === 'users' ? fx.userAppAdmin : fx.groupAppAdmin}`;
  return [
    { method: 'GET', route: base, permission: 'okta.roles.read', url: (fx) => `${P}/${kind}/${who(fx)}/roles` },
    { method: 'POST', route: base, permission: 'okta.roles.manage', url: (fx) => `${P}/${kind}/${who(fx)}/roles`, body: () => ({ type: 'REPORT_ADMIN' }) },
    { method: 'GET', route: `${base}/:roleAssignmentId`, permission: 'okta.roles.read', url: helpDesk },
    {
      method: 'DELETE',
      route: `${base}/:roleAssignmentId`,
      permission: 'okta.roles.manage',
      fresh: async (org) => {
        const subject = kind === 'users' ? (await newUser(org, [])).id : await newGroup(org, `Matrix doomed role ${next()}`);
        return { subject, id: (await adminJson(org, 'POST', `${P}/${kind}/${subject}/roles`, { type: 'ORG_ADMIN' })).id! };
      },
      url: (_fx, f) => `${P}/${kind}/${f.subject}/roles/${f.id}`,
    },
    { method: 'GET', route: `${base}/:roleAssignmentId/targets/groups`, permission: 'okta.roles.read', url: (fx) => `${helpDesk(fx)}/targets/groups` },
    { method: 'PUT', route: `${base}/:roleAssignmentId/targets/groups/${targetGroup}`, permission: 'okta.roles.manage', url: (fx) => `${helpDesk(fx)}/targets/groups/${fx.group}` },
    {
      method: 'DELETE',
      route: `${base}/:roleAssignmentId/targets/groups/${targetGroup}`,
      permission: 'okta.roles.manage',
      fresh: async (org, fx) => {
        const id = await newGroup(org, `matrix target ${next()}`);
        await adminJson(org, 'PUT', `${helpDesk(fx)}/targets/groups/${id}`);
        return { id };
      },
      url: (fx, f) => `${helpDesk(fx)}/targets/groups/${f.id}`,
    },
    { method: 'GET', route: `${base}/:roleAssignmentId/targets/catalog/apps`, permission: 'okta.roles.read', url: (fx) => `${appAdmin(fx)}/targets/catalog/apps` },
    { method: 'PUT', route: `${base}/:roleAssignmentId/targets/catalog/apps`, permission: 'okta.roles.manage', url: (fx) => `${appAdmin(fx)}/targets/catalog/apps` },
    { method: 'PUT', route: `${base}/:roleAssignmentId/targets/catalog/apps/:appName`, permission: 'okta.roles.manage', url: (fx) => `${appAdmin(fx)}/targets/catalog/apps/bookmark` },
    { method: 'DELETE', route: `${base}/:roleAssignmentId/targets/catalog/apps/:appName`, permission: 'okta.roles.manage', url: (fx) => `${appAdmin(fx)}/targets/catalog/apps/bookmark` },
    {
      method: 'PUT',
      route: `${base}/:roleAssignmentId/targets/catalog/apps/:appName/:appId`,
      permission: 'okta.roles.manage',
      url: (fx) => `${appAdmin(fx)}/targets/catalog/apps/bookmark/${fx.appId}`,
    },
    {
      method: 'DELETE',
      route: `${base}/:roleAssignmentId/targets/catalog/apps/:appName/:appId`,
      permission: 'okta.roles.manage',
      url: (fx) => `${appAdmin(fx)}/targets/catalog/apps/bookmark/${fx.appId}`,
    },
  ];
}

/**
 * The Users API. Every call that changes a user acts on a fresh active user in the covered group
 * (a lifecycle step would otherwise leave the next entry a user in the wrong status).
 */
function userEntries(): Entry[] {
  const fresh = async (org: TestOrg, fx: Fixtures) => ({ user: (await newUser(org, [fx.group])).id });
  const lifecycle = (step: string, permission: Permission): Entry => ({
    method: 'POST',
    route: `${P}/users/:id/lifecycle/${step}`,
    permission,
    on: 'user',
    fresh,
    url: (_fx, f) => `${P}/users/${f.user}/lifecycle/${step}`,
  });
  const profile = { firstName: 'Matrix', lastName: 'Changed' };
  return [
    { method: 'GET', route: `${P}/users`, permission: 'okta.users.read', url: () => `${P}/users` },
    {
      method: 'POST',
      route: `${P}/users`,
      permission: 'okta.users.create',
      // A targeted admin must put the new user in one of its groups: this one names the covered group.
      on: 'group',
      url: () => `${P}/users?activate=false`,
      body: (fx) => ({ profile: { login: `matrix-new-${next()}@example.com`, email: `matrix-new-${next()}@example.com`, firstName: 'New', lastName: 'User' }, groupIds: [fx.group] }),
    },
    { method: 'GET', route: `${P}/users/:id`, permission: 'okta.users.read', on: 'user', url: (fx) => `${P}/users/${fx.userId}` },
    { method: 'POST', route: `${P}/users/:id`, permission: 'okta.users.userprofile.manage', on: 'user', fresh, url: (_fx, f) => `${P}/users/${f.user}`, body: () => ({ profile }) },
    {
      method: 'PUT',
      route: `${P}/users/:id`,
      permission: 'okta.users.userprofile.manage',
      on: 'user',
      fresh,
      url: (_fx, f) => `${P}/users/${f.user}`,
      body: (_fx, f) => ({ profile: { ...profile, login: `${f.user}@example.com`, email: `${f.user}@example.com` } }),
    },
    { method: 'DELETE', route: `${P}/users/:id`, permission: 'okta.users.lifecycle.delete', on: 'user', fresh, url: (_fx, f) => `${P}/users/${f.user}` },
    { method: 'GET', route: `${P}/users/:id/groups`, permission: 'okta.users.read', on: 'user', url: (fx) => `${P}/users/${fx.userId}/groups` },
    lifecycle('activate', 'okta.users.lifecycle.activate'),
    lifecycle('reactivate', 'okta.users.lifecycle.activate'),
    lifecycle('deactivate', 'okta.users.lifecycle.deactivate'),
    lifecycle('suspend', 'okta.users.lifecycle.suspend'),
    lifecycle('unsuspend', 'okta.users.lifecycle.suspend'),
    lifecycle('unlock', 'okta.users.lifecycle.unlock'),
    lifecycle('expire_password', 'okta.users.credentials.expirePassword'),
    lifecycle('expire_password_with_temp_password', 'okta.users.credentials.expirePassword'),
    lifecycle('reset_password', 'okta.users.credentials.resetPassword'),
    {
      method: 'POST',
      route: `${P}/users/:userId/credentials/change_password`,
      permission: 'okta.users.credentials.manage',
      on: 'user',
      fresh,
      url: (_fx, f) => `${P}/users/${f.user}/credentials/change_password`,
      body: () => ({ oldPassword: { value: 'Old-Passw0rd-Matrix' }, newPassword: { value: 'New-Passw0rd-Matrix!' } }),
    },
    { method: 'DELETE', route: `${P}/users/:userId/sessions`, permission: 'okta.users.lifecycle.clearSessions', on: 'user', url: (fx) => `${P}/users/${fx.userId}/sessions` },
  ];
}

const ENTRIES: Entry[] = [
  // --- API tokens (issue 2) ------------------------------------------------------------------
  { method: 'GET', route: `${P}/api-tokens`, permission: 'tollgate.apiTokens.self', url: () => `${P}/api-tokens` },
  { method: 'GET', route: `${P}/api-tokens/:apiTokenId`, permission: 'tollgate.apiTokens.self', url: (fx) => `${P}/api-tokens/${fx.adminTokenId}` },
  { method: 'PUT', route: `${P}/api-tokens/:apiTokenId`, permission: 'tollgate.apiTokens.self', url: (fx) => `${P}/api-tokens/${fx.adminTokenId}`, body: () => ({ name: 'Bootstrap admin token' }) },
  {
    method: 'DELETE',
    route: `${P}/api-tokens/:apiTokenId`,
    permission: 'tollgate.apiTokens.self',
    fresh: async (org) => ({ id: (await newToken(org, 'admin@tollgate.local')).id }),
    url: (_fx, f) => `${P}/api-tokens/${f.id}`,
  },
  {
    method: 'DELETE',
    route: `${P}/api-tokens/current`,
    permission: 'authenticated',
    // Revokes the token it is called with: a second token of the caller, so the caller keeps its own.
    fresh: async (org, _fx, principalLogin) => ({ token: (await newToken(org, principalLogin)).value }),
    url: () => `${P}/api-tokens/current`,
  },

  // --- policies, rules, mappings (issue 3) ---------------------------------------------------
  { method: 'GET', route: `${P}/policies`, permission: 'okta.policies.read', url: () => `${P}/policies?type=OKTA_SIGN_ON` },
  { method: 'POST', route: `${P}/policies`, permission: 'okta.policies.manage', url: () => `${P}/policies`, body: () => ({ type: 'OKTA_SIGN_ON', name: `Matrix created ${next()}` }) },
  {
    method: 'POST',
    route: `${P}/policies/simulate`,
    permission: 'okta.policies.read',
    url: () => `${P}/policies/simulate`,
    body: (fx) => [{ appInstance: fx.appId, policyContext: { user: { id: fx.userId } } }],
  },
  { method: 'GET', route: `${P}/policies/:policyId`, permission: 'okta.policies.read', url: policy },
  { method: 'PUT', route: `${P}/policies/:policyId`, permission: 'okta.policies.manage', url: policy, body: () => ({ type: 'OKTA_SIGN_ON', name: 'Matrix policy' }) },
  { method: 'DELETE', route: `${P}/policies/:policyId`, permission: 'okta.policies.manage', fresh: async (org) => ({ id: await newPolicy(org) }), url: (_fx, f) => `${P}/policies/${f.id}` },
  { method: 'POST', route: `${P}/policies/:policyId/lifecycle/activate`, permission: 'okta.policies.manage', url: (fx) => `${policy(fx)}/lifecycle/activate` },
  { method: 'POST', route: `${P}/policies/:policyId/lifecycle/deactivate`, permission: 'okta.policies.manage', url: (fx) => `${policy(fx)}/lifecycle/deactivate` },
  { method: 'POST', route: `${P}/policies/:policyId/clone`, permission: 'okta.policies.manage', url: (fx) => `${policy(fx)}/clone` },
  { method: 'GET', route: `${P}/policies/:policyId/app`, permission: 'okta.policies.read', url: (fx) => `${policy(fx)}/app` },
  { method: 'GET', route: `${P}/policies/:policyId/mappings`, permission: 'okta.policies.read', url: (fx) => `${policy(fx)}/mappings` },
  {
    method: 'POST',
    route: `${P}/policies/:policyId/mappings`,
    permission: 'okta.policies.manage',
    url: (fx) => `${policy(fx)}/mappings`,
    body: () => ({ resourceId: '0oaNoSuchApp00000000', resourceType: 'APP' }),
  },
  { method: 'GET', route: `${P}/policies/:policyId/mappings/:mappingId`, permission: 'okta.policies.read', url: (fx) => `${policy(fx)}/mappings/rpmNoSuchMapping0000` },
  { method: 'DELETE', route: `${P}/policies/:policyId/mappings/:mappingId`, permission: 'okta.policies.manage', url: (fx) => `${policy(fx)}/mappings/rpmNoSuchMapping0000` },
  { method: 'GET', route: `${P}/policies/:policyId/rules`, permission: 'okta.policies.read', url: (fx) => `${policy(fx)}/rules` },
  { method: 'POST', route: `${P}/policies/:policyId/rules`, permission: 'okta.policies.manage', url: (fx) => `${policy(fx)}/rules`, body: () => ({ ...SIGN_ON_RULE, name: `Matrix rule ${next()}` }) },
  { method: 'GET', route: `${P}/policies/:policyId/rules/:ruleId`, permission: 'okta.policies.read', url: rule },
  { method: 'PUT', route: `${P}/policies/:policyId/rules/:ruleId`, permission: 'okta.policies.manage', url: rule, body: () => SIGN_ON_RULE },
  {
    method: 'DELETE',
    route: `${P}/policies/:policyId/rules/:ruleId`,
    permission: 'okta.policies.manage',
    fresh: async (org, fx) => ({ id: (await adminJson(org, 'POST', `${policy(fx)}/rules`, { ...SIGN_ON_RULE, name: `Doomed ${next()}` })).id! }),
    url: (fx, f) => `${policy(fx)}/rules/${f.id}`,
  },
  { method: 'POST', route: `${P}/policies/:policyId/rules/:ruleId/lifecycle/activate`, permission: 'okta.policies.manage', url: (fx) => `${rule(fx)}/lifecycle/activate` },
  { method: 'POST', route: `${P}/policies/:policyId/rules/:ruleId/lifecycle/deactivate`, permission: 'okta.policies.manage', url: (fx) => `${rule(fx)}/lifecycle/deactivate` },

  // --- System Log (issue 2) ------------------------------------------------------------------
  { method: 'GET', route: `${P}/logs`, permission: 'okta.logs.read', url: () => `${P}/logs?limit=1` },
  { method: 'GET', route: `${P}/events`, permission: 'okta.logs.read', url: () => `${P}/events?limit=1` },

  // --- rate limits (issue 4) -----------------------------------------------------------------
  { method: 'GET', route: `${P}/rate-limit-settings/per-client`, permission: 'okta.rateLimits.read', url: () => `${P}/rate-limit-settings/per-client` },
  { method: 'PUT', route: `${P}/rate-limit-settings/per-client`, permission: 'okta.rateLimits.manage', url: () => `${P}/rate-limit-settings/per-client`, body: () => ({ defaultMode: 'ENFORCE' }) },
  { method: 'GET', route: `${P}/rate-limit-settings/warning-threshold`, permission: 'okta.rateLimits.read', url: () => `${P}/rate-limit-settings/warning-threshold` },
  { method: 'PUT', route: `${P}/rate-limit-settings/warning-threshold`, permission: 'okta.rateLimits.manage', url: () => `${P}/rate-limit-settings/warning-threshold`, body: () => ({ warningThreshold: 90 }) },
  { method: 'GET', route: `${P}/rate-limit-settings/admin-notifications`, permission: 'okta.rateLimits.read', url: () => `${P}/rate-limit-settings/admin-notifications` },
  { method: 'PUT', route: `${P}/rate-limit-settings/admin-notifications`, permission: 'okta.rateLimits.manage', url: () => `${P}/rate-limit-settings/admin-notifications`, body: () => ({ notificationsEnabled: true }) },
  { method: 'GET', route: `${P}/principal-rate-limits`, permission: 'okta.principalRateLimits.read', url: () => `${P}/principal-rate-limits?filter=${encodeURIComponent('principalType eq "SSWS_TOKEN"')}` },
  {
    method: 'POST',
    route: `${P}/principal-rate-limits`,
    permission: 'okta.principalRateLimits.manage',
    fresh: async (org) => ({ id: (await newToken(org, 'admin@tollgate.local')).id }),
    url: () => `${P}/principal-rate-limits`,
    body: (_fx, f) => ({ principalId: f.id, principalType: 'SSWS_TOKEN', defaultPercentage: 50, defaultConcurrencyPercentage: 50 }),
  },
  { method: 'GET', route: `${P}/principal-rate-limits/:principalRateLimitId`, permission: 'okta.principalRateLimits.read', url: (fx) => `${P}/principal-rate-limits/${fx.prlId}` },
  {
    method: 'PUT',
    route: `${P}/principal-rate-limits/:principalRateLimitId`,
    permission: 'okta.principalRateLimits.manage',
    url: (fx) => `${P}/principal-rate-limits/${fx.prlId}`,
    body: (fx) => ({ principalId: fx.adminTokenId, principalType: 'SSWS_TOKEN', defaultPercentage: 100, defaultConcurrencyPercentage: 100 }),
  },

  // --- groups (issue 6) ----------------------------------------------------------------------
  { method: 'GET', route: `${P}/groups`, permission: 'okta.groups.read', url: () => `${P}/groups` },
  { method: 'POST', route: `${P}/groups`, permission: 'okta.groups.create', unbounded: true, url: () => `${P}/groups`, body: () => ({ profile: { name: `Matrix group ${next()}` } }) },
  { method: 'GET', route: `${P}/groups/:groupId`, permission: 'okta.groups.read', on: 'group', url: (fx) => `${P}/groups/${fx.group}` },
  { method: 'PUT', route: `${P}/groups/:groupId`, permission: 'okta.groups.manage', on: 'group', url: (fx) => `${P}/groups/${fx.group}`, body: () => ({ profile: { name: 'Matrix covered group' } }) },
  {
    method: 'DELETE',
    route: `${P}/groups/:groupId`,
    permission: 'okta.groups.manage',
    on: 'group',
    // A group the covering targets name: the fixture group itself would not survive, so the
    // targets also list every doomed group (see `coveringTargets`).
    fresh: async (org) => ({ id: await doomedGroup(org) }),
    url: (_fx, f) => `${P}/groups/${f.id}`,
  },
  { method: 'GET', route: `${P}/groups/:groupId/users`, permission: 'okta.groups.read', on: 'group', url: (fx) => `${P}/groups/${fx.group}/users` },
  { method: 'PUT', route: `${P}/groups/:groupId/users/:userId`, permission: 'okta.groups.members.manage', on: 'group', url: (fx) => `${P}/groups/${fx.group}/users/${fx.outsiderId}` },
  {
    method: 'DELETE',
    route: `${P}/groups/:groupId/users/:userId`,
    permission: 'okta.groups.members.manage',
    on: 'group',
    fresh: async (org, fx) => {
      await org.services.store.addGroupMember(fx.group, fx.outsiderId);
      return {};
    },
    url: (fx) => `${P}/groups/${fx.group}/users/${fx.outsiderId}`,
  },

  // --- network zones (issue 6) ---------------------------------------------------------------
  { method: 'GET', route: `${P}/zones`, permission: 'okta.networkZones.read', url: () => `${P}/zones` },
  { method: 'POST', route: `${P}/zones`, permission: 'okta.networkZones.manage', url: () => `${P}/zones`, body: () => zoneBody(`Matrix zone ${next()}`) },
  { method: 'GET', route: `${P}/zones/:zoneId`, permission: 'okta.networkZones.read', url: (fx) => `${P}/zones/${fx.zoneId}` },
  { method: 'PUT', route: `${P}/zones/:zoneId`, permission: 'okta.networkZones.manage', url: (fx) => `${P}/zones/${fx.zoneId}`, body: () => zoneBody('Matrix zone') },
  {
    method: 'DELETE',
    route: `${P}/zones/:zoneId`,
    permission: 'okta.networkZones.manage',
    fresh: async (org) => {
      const { id } = await adminJson(org, 'POST', `${P}/zones`, { ...zoneBody(`Doomed zone ${next()}`), status: 'INACTIVE' });
      return { id: id! };
    },
    url: (_fx, f) => `${P}/zones/${f.id}`,
  },
  { method: 'POST', route: `${P}/zones/:zoneId/lifecycle/activate`, permission: 'okta.networkZones.manage', url: (fx) => `${P}/zones/${fx.zoneId}/lifecycle/activate` },
  { method: 'POST', route: `${P}/zones/:zoneId/lifecycle/deactivate`, permission: 'okta.networkZones.manage', url: (fx) => `${P}/zones/${fx.zoneId}/lifecycle/deactivate` },

  // --- users (issue 6) -----------------------------------------------------------------------
  ...userEntries(),

  // --- apps (issue 6) ------------------------------------------------------------------------
  { method: 'GET', route: `${P}/apps`, permission: 'okta.apps.read', url: () => `${P}/apps` },
  { method: 'POST', route: `${P}/apps`, permission: 'okta.apps.create', unbounded: true, url: () => `${P}/apps`, body: () => bookmarkBody(`Matrix created ${next()}`) },
  { method: 'GET', route: `${P}/apps/:appId`, permission: 'okta.apps.read', on: 'app', url: (fx) => `${P}/apps/${fx.appId}` },
  { method: 'PUT', route: `${P}/apps/:appId`, permission: 'okta.apps.manage', on: 'app', url: (fx) => `${P}/apps/${fx.appId}`, body: () => bookmarkBody('Matrix app') },
  {
    method: 'DELETE',
    route: `${P}/apps/:appId`,
    permission: 'okta.apps.manage',
    on: 'app',
    fresh: async (org) => ({ id: (await adminJson(org, 'POST', `${P}/apps?activate=false`, bookmarkBody(`Doomed app ${next()}`))).id! }),
    url: (_fx, f) => `${P}/apps/${f.id}`,
  },
  { method: 'POST', route: `${P}/apps/:appId/lifecycle/activate`, permission: 'okta.apps.manage', on: 'app', url: (fx) => `${P}/apps/${fx.appId}/lifecycle/activate` },
  { method: 'POST', route: `${P}/apps/:appId/lifecycle/deactivate`, permission: 'okta.apps.manage', on: 'app', url: (fx) => `${P}/apps/${fx.appId}/lifecycle/deactivate` },
  { method: 'PUT', route: `${P}/apps/:appId/policies/:policyId`, permission: 'okta.apps.manage', on: 'app', url: (fx) => `${P}/apps/${fx.appId}/policies/${fx.policyId}` },
  { method: 'GET', route: `${P}/apps/:appId/users`, permission: 'okta.apps.read', on: 'app', url: (fx) => `${P}/apps/${fx.appId}/users` },
  { method: 'POST', route: `${P}/apps/:appId/users`, permission: 'okta.apps.assignment.manage', on: 'app', url: (fx) => `${P}/apps/${fx.appId}/users`, body: (fx) => ({ id: fx.outsiderId, scope: 'USER' }) },
  { method: 'GET', route: `${P}/apps/:appId/users/:userId`, permission: 'okta.apps.read', on: 'app', url: (fx) => `${P}/apps/${fx.appId}/users/${fx.outsiderId}` },
  { method: 'POST', route: `${P}/apps/:appId/users/:userId`, permission: 'okta.apps.assignment.manage', on: 'app', url: (fx) => `${P}/apps/${fx.appId}/users/${fx.outsiderId}`, body: () => ({}) },
  {
    method: 'DELETE',
    route: `${P}/apps/:appId/users/:userId`,
    permission: 'okta.apps.assignment.manage',
    on: 'app',
    fresh: async (org, fx) => {
      const { id } = await newUser(org, []);
      await adminJson(org, 'POST', `${P}/apps/${fx.appId}/users`, { id, scope: 'USER' });
      return { user: id };
    },
    url: (fx, f) => `${P}/apps/${fx.appId}/users/${f.user}`,
  },
  { method: 'GET', route: `${P}/apps/:appId/groups`, permission: 'okta.apps.read', on: 'app', url: (fx) => `${P}/apps/${fx.appId}/groups` },
  { method: 'GET', route: `${P}/apps/:appId/groups/:groupId`, permission: 'okta.apps.read', on: 'app', url: (fx) => `${P}/apps/${fx.appId}/groups/${fx.otherGroup}` },
  { method: 'PUT', route: `${P}/apps/:appId/groups/:groupId`, permission: 'okta.apps.assignment.manage', on: 'app', url: (fx) => `${P}/apps/${fx.appId}/groups/${fx.otherGroup}` },
  {
    method: 'DELETE',
    route: `${P}/apps/:appId/groups/:groupId`,
    permission: 'okta.apps.assignment.manage',
    on: 'app',
    fresh: async (org, fx) => {
      const group = await newGroup(org, `Matrix app group ${next()}`);
      await adminJson(org, 'PUT', `${P}/apps/${fx.appId}/groups/${group}`);
      return { group };
    },
    url: (fx, f) => `${P}/apps/${fx.appId}/groups/${f.group}`,
  },

  // --- admin roles (issue 6) -----------------------------------------------------------------
  ...roleEntries('users'),
  ...roleEntries('groups'),
];

/**
 * Groups made for DELETE /groups/{id}: the covering targets of every principal name them in
 * advance (targets may name groups that do not exist yet), so a covered caller can delete them.
 */
const DOOMED_GROUPS: string[] = Array.from({ length: 40 }, () => randomIds.objectId('group'));
let doomedNext = 0;
async function doomedGroup(org: TestOrg): Promise<string> {
  const id = DOOMED_GROUPS[doomedNext++];
  assert.ok(id, 'more DELETE /groups/{id} calls than DOOMED_GROUPS');
  const now = org.clock.now();
  await org.services.store.insertGroup({ id, type: 'OKTA_GROUP', name: `Doomed group ${id}`, description: null, created: now, lastUpdated: now, lastMembershipUpdated: now });
  return id;
}

/**
 * Endpoints whose allowed calls are refused for their own reasons after the permission check,
 * which still proves they were not denied: mappings need an app an access policy can map (the
 * fixtures name none); the user lifecycle steps act on a fresh ACTIVE user without a password
 * (activate: already active; unlock: not locked out; expire/change password: no password;
 * suspend/unsuspend: the users area's answers for this state); the app-target calls on the
 * fixture APP_ADMIN assignments run in an order where each meets a state Okta refuses (the last
 * target, an instance under a name target, an instance never targeted).
 */
const EXPECTED_NEVER_2XX: readonly string[] = [
  'POST /api/v1/policies/:policyId/mappings ',
  'GET /api/v1/policies/:policyId/mappings/:mappingId ',
  'DELETE /api/v1/policies/:policyId/mappings/:mappingId ',
  'PUT /api/v1/apps/:appId/policies/:policyId ',
  'POST /api/v1/users/:id/lifecycle/activate ',
  'POST /api/v1/users/:id/lifecycle/suspend ',
  'POST /api/v1/users/:id/lifecycle/unsuspend ',
  'POST /api/v1/users/:id/lifecycle/unlock ',
  'POST /api/v1/users/:id/lifecycle/expire_password ',
  'POST /api/v1/users/:id/lifecycle/expire_password_with_temp_password ',
  'POST /api/v1/users/:userId/credentials/change_password ',
  ...(['users/:userId', 'groups/:groupId'] as const).flatMap((assignee) => [
    `DELETE /api/v1/${assignee}/roles/:roleAssignmentId/targets/catalog/apps/:appName `,
    `PUT /api/v1/${assignee}/roles/:roleAssignmentId/targets/catalog/apps/:appName/:appId `,
    `DELETE /api/v1/${assignee}/roles/:roleAssignmentId/targets/catalog/apps/:appName/:appId `,
  ]),
];

/** One way to hold a role: unbounded, or limited to targets that cover the fixtures or do not. */
interface Mode {
  role: RoleType;
  name: 'unbounded' | 'covering' | 'other';
  targets?: TestRoleTargets;
}

const GROUP_TARGETABLE: readonly RoleType[] = ['USER_ADMIN', 'HELP_DESK_ADMIN', 'GROUP_MEMBERSHIP_ADMIN'];

function modes(fx: Fixtures): Mode[] {
  const all: Mode[] = [];
  for (const role of Object.keys(ROLE_LABELS) as RoleType[]) {
    all.push({ role, name: 'unbounded' });
    if (GROUP_TARGETABLE.includes(role)) {
      all.push({ role, name: 'covering', targets: { groupIds: [fx.group, ...DOOMED_GROUPS] } });
      all.push({ role, name: 'other', targets: { groupIds: [fx.otherGroup] } });
    }
    if (role === 'APP_ADMIN') {
      all.push({ role, name: 'covering', targets: { appNames: ['bookmark'] } });
      all.push({ role, name: 'other', targets: { appNames: ['oidc_client'] } });
    }
  }
  return all;
}

/** The table's verdict for one call, computed from permissions.ts itself. */
function expectedAllowed(entry: Entry, mode: Mode, fx: Fixtures, fresh: Fresh): boolean {
  if (entry.permission === 'authenticated') return true;
  const targets: RoleTargets | undefined = mode.targets && {
    groupIds: new Set(mode.targets.groupIds ?? []),
    appIds: new Set(mode.targets.appIds ?? []),
    appNames: new Set(mode.targets.appNames ?? []),
  };
  const principal: Principal = {
    userId: 'matrix',
    login: 'matrix',
    displayName: 'matrix',
    roles: new Set([mode.role]),
    ...(targets ? { targets: new Map([[mode.role, targets]]) } : {}),
  };
  const scope = scopeOf(principal, entry.permission);
  if (scope === null) return false;
  if (scope.all) return true;
  if (entry.unbounded) return false;
  if (entry.on === undefined) return true;
  if (entry.on === 'user') return fx.userGroups.some((g) => scope.groupIds.has(g));
  if (entry.on === 'group') return scope.groupIds.has(fresh.id ?? fx.group);
  return scope.appNames.has('bookmark');
}

for (const backend of backends()) {
  describe(`role matrix (${backend.name})`, () => {
    let org: TestOrg;
    let fx: Fixtures;
    const registered: { method: string; url: string }[] = [];

    before(async () => {
      org = await startOrg(backend, {
        prepare: (app) =>
          app.addHook('onRoute', (route: RouteOptions) => {
            for (const method of [route.method].flat()) registered.push({ method, url: route.url });
          }),
      });
      const user = await org.userWithToken('matrix-subject@example.com');
      const outsider = await org.userWithToken('matrix-outsider@example.com');
      const roleUser = await org.userWithToken('matrix-role-subject@example.com');
      const group = await newGroup(org, 'Matrix covered group', [user.userId]);
      const otherGroup = await newGroup(org, 'Matrix other group');
      const roleGroupId = await newGroup(org, 'Matrix role subjects');
      const policyId = await newPolicy(org);
      const ruleId = (await adminJson(org, 'POST', `${P}/policies/${policyId}/rules`, SIGN_ON_RULE)).id!;
      const admin = (await adminJson(org, 'GET', `${P}/api-tokens`)) as unknown as { id: string; name: string }[];
      const adminTokenId = admin.find((t) => t.name === 'Bootstrap admin token')!.id;
      const prlId = (await adminJson(org, 'POST', `${P}/principal-rate-limits`, { principalId: adminTokenId, principalType: 'SSWS_TOKEN', defaultPercentage: 100, defaultConcurrencyPercentage: 100 })).id!;
      const zoneId = (await adminJson(org, 'POST', `${P}/zones`, zoneBody('Matrix zone'))).id!;
      const appId = (await adminJson(org, 'POST', `${P}/apps`, bookmarkBody('Matrix app'))).id!;
      const assignment = async (path: string, type: RoleType) => (await adminJson(org, 'POST', `${P}/${path}/roles`, { type })).id!;
      fx = {
        userId: user.userId,
        userGroups: [group],
        group,
        otherGroup,
        outsiderId: outsider.userId,
        adminTokenId,
        policyId,
        ruleId,
        prlId,
        zoneId,
        appId,
        roleUserId: roleUser.userId,
        roleGroupId,
        userHelpDesk: await assignment(`users/${roleUser.userId}`, 'HELP_DESK_ADMIN'),
        userAppAdmin: await assignment(`users/${roleUser.userId}`, 'APP_ADMIN'),
        groupHelpDesk: await assignment(`groups/${roleGroupId}`, 'HELP_DESK_ADMIN'),
        groupAppAdmin: await assignment(`groups/${roleGroupId}`, 'APP_ADMIN'),
      };
    });
    after(() => org.close());

    it('has an entry for every management route the app serves, and no entry for a route it does not', () => {
      const served = new Set(
        registered
          .filter((r) => r.method !== 'HEAD' && r.url.startsWith(`${P}/`) && !r.url.startsWith(`${P}/authn`))
          .map((r) => `${r.method} ${r.url}`),
      );
      const listed = new Set(ENTRIES.map((e) => `${e.method} ${e.route}`));
      assert.equal(listed.size, ENTRIES.length, 'an endpoint is listed twice');
      assert.deepEqual([...served].filter((r) => !listed.has(r)).sort(), [], 'routes without a matrix entry');
      assert.deepEqual([...listed].filter((r) => !served.has(r)).sort(), [], 'matrix entries for routes the app does not serve');
    });

    it('allows and denies every role × endpoint as the permission table says', async () => {
      const failures: string[] = [];
      let calls = 0;
      /** Status codes per endpoint: every endpoint must have served at least one success, or the fixtures test nothing. */
      const outcomes = new Map<string, Map<number, number>>();
      for (const mode of modes(fx)) {
        const login = `matrix-${mode.role.toLowerCase()}-${mode.name}@example.com`;
        const principal = await org.userWithToken(login, [mode.role], mode.targets ? { [mode.role]: mode.targets } : {});
        for (const entry of ENTRIES) {
          const fresh = entry.fresh ? await entry.fresh(org, fx, login) : {};
          const url = entry.url(fx, fresh);
          const body = entry.body?.(fx, fresh);
          const res = await org.request({ method: entry.method, url, token: fresh.token ?? principal.token, ...(body === undefined ? {} : { payload: body as object }) });
          calls++;
          const key = `${entry.method} ${entry.route}`;
          const seen = outcomes.get(key) ?? new Map<number, number>();
          seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
          outcomes.set(key, seen);
          const denied = res.statusCode === 403 && (res.json() as { errorCode?: string }).errorCode === 'E0000006';
          const allowed = expectedAllowed(entry, mode, fx, fresh);
          const what = `${mode.role} (${mode.name}) ${entry.method} ${entry.route}`;
          if (res.statusCode >= 500) failures.push(`${what}: ${res.statusCode} ${res.body}`);
          else if (allowed && denied) failures.push(`${what}: expected allowed, got 403 E0000006`);
          else if (!allowed && !denied) failures.push(`${what}: expected 403 E0000006, got ${res.statusCode} ${res.body.slice(0, 200)}`);
        }
      }
      assert.ok(calls > 1000, `only ${calls} calls`);
      if (process.env.MATRIX_OUTCOMES) for (const [key, seen] of outcomes) process.stderr.write(`${key}: ${JSON.stringify(Object.fromEntries(seen))}\n`);
      const neverSucceeded = [...outcomes].filter(([, seen]) => ![...seen.keys()].some((status) => status < 300)).map(([key, seen]) => `${key} ${JSON.stringify(Object.fromEntries(seen))}`);
      assert.deepEqual(neverSucceeded.filter((key) => !EXPECTED_NEVER_2XX.some((prefix) => key.startsWith(prefix))), [], 'endpoints whose allowed calls never succeeded');
      assert.deepEqual(failures, []);
    });
  });
}
