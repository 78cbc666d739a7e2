import { AppDeleteForbiddenError, AppUserUnassignForbiddenError, ApiValidationError, PermissionDeniedError, ResourceNotFoundError } from '../../errors/catalog.ts';
import { demand, demandOnApp, demandUnbounded, scopeOf } from '../authz/permissions.ts';
import type { Permission } from '../authz/permissions.ts';
import { canonicalJson } from '../policies/canonical-json.ts';
import type { JsonObject } from '../policies/kinds/kind.ts';
import { APP_MAPPING_RESOURCE_TYPE } from '../policies/ports.ts';
import type { CallContext } from '../shared/context.ts';
import type { DirectoryServiceDeps } from '../shared/service-deps.ts';
import type { StorePorts } from '../store.ts';
import type { EventSpec } from '../system-log/writer.ts';
import type { LogTarget } from '../system-log/types.ts';
import { parseAppInput } from './app-input.ts';
import type { AppInput, ParsedApp } from './app-input.ts';
import { hashSecret, secretMatches } from '../shared/secret-hash.ts';
import { parseAppFilter } from './filter.ts';
import { Causes, freeformObject, objectAt } from './input.ts';
import { SECRET_METHODS } from './oidc-client.ts';
import type { AppCursor, AppGroupListQuery, AppUserListQuery } from './ports.ts';
import type { AppGroupAssignmentRecord, AppRecord, AppStatus, AppUserView, AppView } from './types.ts';

/** An app as a write returns it: with the client secret when this write set or generated one (shown once). */
export interface AppWriteResult extends AppView {
  clientSecret?: string;
}

/** `POST /apps/{appId}/users` as sent: the user's id, with an optional app profile. */
export interface AppUserInput {
  id?: unknown;
  scope?: unknown;
  profile?: unknown;
  credentials?: unknown;
}

export interface AppGroupInput {
  priority?: unknown;
  profile?: unknown;
}

/** Okta generates 64-character client secrets (the spec's examples); clients may choose 14 to 100. */
const GENERATED_SECRET_LENGTH = 64;

/**
 * Apps: custom OIDC clients and bookmarks, their lifecycle, their user and group assignments and
 * the app sign-in policy each is mapped to. Every write checks the caller's permission on the
 * app (targeted admins reach only their apps), runs in one transaction, then logs its event.
 */
export class AppService {
  constructor(private readonly deps: DirectoryServiceDeps) {}

  // --- apps ----------------------------------------------------------------------------------

  /** `q` (label or name prefix) and `filter` may be combined; a targeted admin sees only their apps. */
  async list(ctx: CallContext, query: { q?: string; filter?: string; after?: AppCursor; limit: number }): Promise<AppView[]> {
    const scope = scopeOf(ctx.principal, 'okta.apps.read');
    if (scope === null) throw new PermissionDeniedError();
    const filter = query.filter !== undefined ? parseAppFilter(query.filter) : {};
    const apps = await this.deps.store.listApps({
      ...filter,
      ...(query.q ? { q: query.q } : {}),
      ...(query.after ? { after: query.after } : {}),
      ...(scope && !scope.all ? { within: { appIds: [...scope.appIds], appNames: [...scope.appNames] } } : {}),
      limit: query.limit,
    });
    return this.withPolicies(this.deps.store, apps);
  }

  /** The apps of `ids` the caller may see, in the given order; ids naming no app are skipped. */
  async getMany(ctx: CallContext, ids: readonly string[]): Promise<AppView[]> {
    const scope = scopeOf(ctx.principal, 'okta.apps.read');
    if (scope === null) throw new PermissionDeniedError();
    const byId = new Map((await this.deps.store.getApps(ids)).map((app) => [app.id, app]));
    const apps = ids.flatMap((id) => byId.get(id) ?? []).filter((app) => scope.all || scope.appIds.has(app.id) || scope.appNames.has(app.name));
    return this.withPolicies(this.deps.store, apps);
  }

  async get(ctx: CallContext, id: string): Promise<AppView> {
    const app = await this.appFor(this.deps.store, ctx, id, 'okta.apps.read');
    return (await this.withPolicies(this.deps.store, [app]))[0]!;
  }

  /**
   * Creates an app, active unless `activate` is false, mapped to the org's default app sign-in
   * policy in the same transaction. An OIDC client gets its app id as `client_id` unless it chose
   * one, and a confidential client a generated 64-character secret unless it chose one.
   */
  async create(ctx: CallContext, input: AppInput, options: { activate: boolean }): Promise<AppWriteResult> {
    demandUnbounded(ctx.principal, 'okta.apps.create');
    const parsed = parseAppInput(input);
    const id = this.deps.ids.objectId('app');
    const now = this.deps.clock.now();
    const secret = parsed.oidc ? this.secretFor(parsed, undefined) : undefined;
    const app: AppRecord = {
      id,
      name: parsed.name,
      label: parsed.label,
      signOnMode: parsed.signOnMode,
      status: options.activate ? 'ACTIVE' : 'INACTIVE',
      clientId: parsed.oidc ? (parsed.oidc.clientId ?? id) : null,
      clientSecretHash: secret?.hash ?? null,
      credentials: parsed.credentials,
      settings: parsed.settings,
      visibility: parsed.visibility,
      accessibility: parsed.accessibility,
      profile: parsed.profile,
      created: now,
      lastUpdated: now,
    };
    const accessPolicyId = await this.deps.store.transaction(async (tx) => {
      await tx.insertApp(app);
      const policyId = await defaultAccessPolicyId(tx);
      await tx.mapAppToPolicy({ id: this.deps.ids.objectId('policyMapping'), policyId, resourceId: id, resourceType: APP_MAPPING_RESOURCE_TYPE, created: now });
      return policyId;
    });
    await this.deps.log.record(ctx, appEvent('application.lifecycle.create', 'Create application', app));
    if (app.status === 'ACTIVE') await this.deps.log.record(ctx, appEvent('application.lifecycle.activate', 'Activate application', app));
    return { app, accessPolicyId, ...(secret?.value !== undefined ? { clientSecret: secret.value } : {}) };
  }

  /**
   * Okta's update is a full replace: what is not sent goes back to its default. `name`, `status`
   * and the other read-only fields are ignored; an OIDC client keeps its `client_id` (a different
   * one is refused) and its secret unless it sends a new one or stops using one.
   */
  async replace(ctx: CallContext, id: string, input: AppInput): Promise<AppWriteResult> {
    const { app, accessPolicyId, secret, changed } = await this.deps.store.transaction(async (tx) => {
      const stored = await this.appFor(tx, ctx, id, 'okta.apps.manage');
      const parsed = parseAppInput(input, stored);
      if (parsed.oidc?.clientId !== undefined && parsed.oidc.clientId !== stored.clientId) {
        throw new ApiValidationError(['credentials.oauthClient.client_id: The client_id of an app cannot be changed']);
      }
      const secret = parsed.oidc ? this.secretFor(parsed, stored) : undefined;
      const next: AppRecord = {
        ...stored,
        label: parsed.label,
        clientSecretHash: secret?.hash ?? null,
        credentials: parsed.credentials,
        settings: parsed.settings,
        visibility: parsed.visibility,
        accessibility: parsed.accessibility,
        profile: parsed.profile,
      };
      const accessPolicyId = (await tx.accessPolicyIdsOfApps([id])).get(id);
      if (sameApp(stored, next)) return { app: stored, accessPolicyId, secret, changed: false };
      next.lastUpdated = this.deps.clock.now();
      await tx.updateApp(next);
      return { app: next, accessPolicyId, secret, changed: true };
    });
    if (changed) await this.deps.log.record(ctx, appEvent('application.lifecycle.update', 'Update application', app));
    return { app, accessPolicyId, ...(secret?.value !== undefined ? { clientSecret: secret.value } : {}) };
  }

  activate(ctx: CallContext, id: string): Promise<void> {
    return this.setStatus(ctx, id, 'ACTIVE');
  }

  deactivate(ctx: CallContext, id: string): Promise<void> {
    return this.setStatus(ctx, id, 'INACTIVE');
  }

  /** Only an inactive app can be deleted (Okta's E0000056); its assignments and policy mapping go with it. */
  async delete(ctx: CallContext, id: string): Promise<void> {
    const app = await this.deps.store.transaction(async (tx) => {
      const app = await this.appFor(tx, ctx, id, 'okta.apps.manage');
      if (app.status === 'ACTIVE') throw new AppDeleteForbiddenError([`status: The app ${app.id} is ACTIVE; deactivate it before deleting it`]);
      await tx.deleteAppPolicyMappings(id);
      await tx.deleteApp(id);
      return app;
    });
    await this.deps.log.record(ctx, appEvent('application.lifecycle.delete', 'Delete application', app));
  }

  /**
   * `PUT /apps/{appId}/policies/{policyId}`: maps the app to another app sign-in policy,
   * replacing its mapping. An unknown policy is 404; a policy of another type is 400.
   */
  async assignPolicy(ctx: CallContext, appId: string, policyId: string): Promise<void> {
    const { app, changed } = await this.deps.store.transaction(async (tx) => {
      const app = await this.appFor(tx, ctx, appId, 'okta.apps.manage');
      const policy = await tx.getPolicy(policyId);
      if (!policy) throw new ResourceNotFoundError(policyId, 'Policy');
      if (policy.type !== 'ACCESS_POLICY') {
        throw new ApiValidationError([`policyId: Only an app sign-in policy (ACCESS_POLICY) can be assigned to an app; ${policyId} is ${policy.type}`]);
      }
      if ((await tx.accessPolicyIdsOfApps([appId])).get(appId) === policyId) return { app, changed: false };
      await tx.mapAppToPolicy({
        id: this.deps.ids.objectId('policyMapping'),
        policyId,
        resourceId: appId,
        resourceType: APP_MAPPING_RESOURCE_TYPE,
        created: this.deps.clock.now(),
      });
      return { app, changed: true };
    });
    if (changed) {
      await this.deps.log.record(ctx, { ...appEvent('application.lifecycle.update', 'Update application', app), debugData: { accessPolicyId: policyId } });
    }
  }

  // --- OAuth clients (for the token endpoint) -----------------------------------------------

  /** The OIDC app behind an OAuth 2.0 `client_id`, whatever its status; the caller decides what an inactive client may do. */
  findClient(clientId: string): Promise<AppRecord | undefined> {
    return this.deps.store.findAppByClientId(clientId);
  }

  /** Whether a presented client secret is the app's, compared in constant time; false for clients without a secret. */
  verifyClientSecret(app: AppRecord, presented: string): boolean {
    return app.clientSecretHash !== null && secretMatches(presented, app.clientSecretHash);
  }

  // --- users ---------------------------------------------------------------------------------

  async listUsers(ctx: CallContext, appId: string, query: AppUserListQuery): Promise<AppUserView[]> {
    await this.appFor(this.deps.store, ctx, appId, 'okta.apps.read');
    return this.deps.store.listAppUsers(appId, query);
  }

  async getUser(ctx: CallContext, appId: string, userId: string): Promise<AppUserView> {
    await this.appFor(this.deps.store, ctx, appId, 'okta.apps.read');
    const user = await this.deps.store.getAppUser(appId, userId);
    if (!user) throw new ResourceNotFoundError(userId, 'AppUser');
    return user;
  }

  /**
   * Assigns a user directly (scope USER). Assigning a user who already is assigned directly
   * replaces the assignment's profile; one assigned through a group gains a direct assignment.
   */
  async assignUser(ctx: CallContext, appId: string, input: AppUserInput): Promise<AppUserView> {
    const causes = new Causes();
    if (typeof input.id !== 'string' || input.id === '') causes.add('id', 'The field cannot be left blank');
    if (input.scope !== undefined && input.scope !== null && input.scope !== 'USER') causes.add('scope', 'must be USER: a GROUP assignment comes from assigning a group');
    const profile = freeformObject(input.profile, 'profile', causes) ?? {};
    checkAppUserCredentials(input.credentials, causes);
    causes.throwIfAny();
    const userId = input.id as string;
    const { app, user, added } = await this.deps.store.transaction(async (tx) => {
      const app = await this.appFor(tx, ctx, appId, 'okta.apps.assignment.manage');
      const user = await tx.getUser(userId);
      if (!user) throw new ResourceNotFoundError(userId, 'User');
      await tx.lockApp(appId);
      const existing = await tx.getAppUserAssignment(appId, userId);
      const now = this.deps.clock.now();
      if (!existing || canonicalJson(existing.profile) !== canonicalJson(profile)) {
        await tx.putAppUserAssignment({ appId, userId, profile, created: existing?.created ?? now, lastUpdated: now });
      }
      return { app, user, added: !existing };
    });
    if (added) await this.deps.log.record(ctx, userEvent('application.user_membership.add', 'Add user to application membership', app, user.id, user.profile.login));
    return (await this.deps.store.getAppUser(appId, userId))!;
  }

  /** `POST /apps/{appId}/users/{userId}`: replaces the profile of a direct assignment. */
  async updateUser(ctx: CallContext, appId: string, userId: string, input: AppUserInput): Promise<AppUserView> {
    const causes = new Causes();
    const profile = freeformObject(input.profile, 'profile', causes);
    checkAppUserCredentials(input.credentials, causes);
    causes.throwIfAny();
    const { app, login, changed } = await this.deps.store.transaction(async (tx) => {
      const app = await this.appFor(tx, ctx, appId, 'okta.apps.assignment.manage');
      await tx.lockApp(appId);
      const existing = await tx.getAppUserAssignment(appId, userId);
      const viewed = await tx.getAppUser(appId, userId);
      if (!viewed) throw new ResourceNotFoundError(userId, 'AppUser');
      if (!existing) {
        if (profile === undefined) return { app, login: viewed.login, changed: false };
        throw new ApiValidationError([`profile: The user is assigned to the app through group ${viewed.groupId}; the group assignment's profile applies`]);
      }
      if (profile === undefined || canonicalJson(profile) === canonicalJson(existing.profile)) return { app, login: viewed.login, changed: false };
      await tx.putAppUserAssignment({ ...existing, profile, lastUpdated: this.deps.clock.now() });
      return { app, login: viewed.login, changed: true };
    });
    if (changed) await this.deps.log.record(ctx, userEvent('application.user_membership.update', 'Update application user', app, userId, login));
    return (await this.deps.store.getAppUser(appId, userId))!;
  }

  /**
   * Removes a direct assignment. A user assigned only through a group cannot be unassigned
   * (Okta's E0000046); one assigned both ways stays assigned, through the group.
   */
  async unassignUser(ctx: CallContext, appId: string, userId: string): Promise<void> {
    const { app, login } = await this.deps.store.transaction(async (tx) => {
      const app = await this.appFor(tx, ctx, appId, 'okta.apps.assignment.manage');
      await tx.lockApp(appId);
      const viewed = await tx.getAppUser(appId, userId);
      if (!viewed) throw new ResourceNotFoundError(userId, 'AppUser');
      if (viewed.scope === 'GROUP') {
        throw new AppUserUnassignForbiddenError(['The application cannot be unassigned from the user while their group memberships grant them access']);
      }
      await tx.deleteAppUserAssignment(appId, userId);
      return { app, login: viewed.login };
    });
    await this.deps.log.record(ctx, userEvent('application.user_membership.remove', 'Remove user from application membership', app, userId, login));
  }

  // --- groups --------------------------------------------------------------------------------

  async listGroups(ctx: CallContext, appId: string, query: AppGroupListQuery): Promise<AppGroupAssignmentRecord[]> {
    await this.appFor(this.deps.store, ctx, appId, 'okta.apps.read');
    return this.deps.store.listAppGroupAssignments(appId, query);
  }

  async getGroup(ctx: CallContext, appId: string, groupId: string): Promise<AppGroupAssignmentRecord> {
    await this.appFor(this.deps.store, ctx, appId, 'okta.apps.read');
    const assignment = await this.deps.store.getAppGroupAssignment(appId, groupId);
    if (!assignment) throw new ResourceNotFoundError(groupId, 'ApplicationGroupAssignment');
    return assignment;
  }

  /**
   * Assigns a group (its members become app users with scope GROUP) or replaces its
   * assignment. Without a priority a new assignment goes after the others (the first gets 0)
   * and an existing one keeps its own.
   */
  async assignGroup(ctx: CallContext, appId: string, groupId: string, input: AppGroupInput): Promise<AppGroupAssignmentRecord> {
    const causes = new Causes();
    let priority: number | undefined;
    if (input.priority !== undefined && input.priority !== null) {
      if (typeof input.priority !== 'number' || !Number.isInteger(input.priority) || input.priority < 0 || input.priority > 1_000_000) {
        causes.add('priority', 'must be an integer from 0 to 1000000');
      } else {
        priority = input.priority;
      }
    }
    const profile = freeformObject(input.profile, 'profile', causes);
    causes.throwIfAny();
    const { app, assignment, groupName, event } = await this.deps.store.transaction(async (tx) => {
      const app = await this.appFor(tx, ctx, appId, 'okta.apps.assignment.manage');
      const groupName = await tx.appAssignableGroupName(groupId);
      if (groupName === undefined) throw new ResourceNotFoundError(groupId, 'UserGroup');
      await tx.lockApp(appId);
      const existing = await tx.getAppGroupAssignment(appId, groupId);
      const next: AppGroupAssignmentRecord = {
        appId,
        groupId,
        priority: priority ?? existing?.priority ?? ((await tx.maxAppGroupPriority(appId)) ?? -1) + 1,
        profile: profile ?? existing?.profile ?? {},
        lastUpdated: this.deps.clock.now(),
      };
      if (existing && existing.priority === next.priority && canonicalJson(existing.profile) === canonicalJson(next.profile)) {
        return { app, assignment: existing, groupName, event: undefined };
      }
      await tx.putAppGroupAssignment(next);
      return { app, assignment: next, groupName, event: existing ? ('update' as const) : ('add' as const) };
    });
    if (event === 'add') await this.deps.log.record(ctx, groupEvent('group.application_assignment.add', 'Add assigned application to group', app, groupId, groupName));
    if (event === 'update') await this.deps.log.record(ctx, groupEvent('group.application_assignment.update', 'Update assigned application in group', app, groupId, groupName));
    return assignment;
  }

  async unassignGroup(ctx: CallContext, appId: string, groupId: string): Promise<void> {
    const { app, groupName } = await this.deps.store.transaction(async (tx) => {
      const app = await this.appFor(tx, ctx, appId, 'okta.apps.assignment.manage');
      await tx.lockApp(appId);
      if (!(await tx.getAppGroupAssignment(appId, groupId))) throw new ResourceNotFoundError(groupId, 'ApplicationGroupAssignment');
      await tx.deleteAppGroupAssignment(appId, groupId);
      return { app, groupName: (await tx.appAssignableGroupName(groupId)) ?? 'unknown' };
    });
    await this.deps.log.record(ctx, groupEvent('group.application_assignment.remove', 'Remove assigned application from group', app, groupId, groupName));
  }

  // --- internals -----------------------------------------------------------------------------

  private async setStatus(ctx: CallContext, id: string, status: AppStatus): Promise<void> {
    const { app, changed } = await this.deps.store.transaction(async (tx) => {
      const stored = await this.appFor(tx, ctx, id, 'okta.apps.manage');
      if (stored.status === status) return { app: stored, changed: false };
      const next = { ...stored, status, lastUpdated: this.deps.clock.now() };
      await tx.updateApp(next);
      return { app: next, changed: true };
    });
    if (!changed) return;
    const [eventType, message] = status === 'ACTIVE' ? ['application.lifecycle.activate', 'Activate application'] : ['application.lifecycle.deactivate', 'Deactivate application'];
    await this.deps.log.record(ctx, appEvent(eventType, message, app));
  }

  /**
   * The secret an OIDC client ends up with: the one it sent; else, while it still authenticates
   * with a secret, the stored one; else a new one. None for public and private-key clients.
   */
  private secretFor(parsed: ParsedApp, stored: AppRecord | undefined): { hash: string | null; value?: string } {
    const oidc = parsed.oidc!;
    if (!SECRET_METHODS.has(oidc.credentials.token_endpoint_auth_method)) return { hash: null };
    if (oidc.clientSecret !== undefined) return { hash: hashSecret(oidc.clientSecret), value: oidc.clientSecret };
    if (stored?.clientSecretHash) return { hash: stored.clientSecretHash };
    const value = this.deps.ids.secret(GENERATED_SECRET_LENGTH);
    return { hash: hashSecret(value), value };
  }

  /**
   * The app, when the caller may use `permission` on it: 403 before any lookup when no role grants
   * the permission at all (an unknown id does not answer 404 to a caller who may see no app), 404
   * for an unknown id, 403 for an app outside the caller's targets.
   */
  private async appFor(store: StorePorts, ctx: CallContext, id: string, permission: Permission): Promise<AppRecord> {
    demand(ctx.principal, permission);
    const app = await this.findApp(store, id);
    demandOnApp(ctx.principal, permission, app);
    return app;
  }

  private async findApp(store: StorePorts, id: string): Promise<AppRecord> {
    const app = await store.getApp(id);
    if (!app) throw new ResourceNotFoundError(id, 'AppInstance');
    return app;
  }

  private async withPolicies(store: StorePorts, apps: AppRecord[]): Promise<AppView[]> {
    const policies = await store.accessPolicyIdsOfApps(apps.map((a) => a.id));
    const fallback = apps.some((a) => !policies.has(a.id)) ? await defaultAccessPolicyId(store) : undefined;
    return apps.map((app) => ({ app, accessPolicyId: policies.get(app.id) ?? fallback }));
  }
}

/**
 * The org's default app sign-in policy (seeded at bootstrap). An app whose mapping is gone
 * (its policy was deleted) is governed by it, as new apps are.
 */
async function defaultAccessPolicyId(store: StorePorts): Promise<string> {
  const slot = (await store.policyOrder('ACCESS_POLICY')).find((p) => p.system);
  if (!slot) throw new Error('the org has no default ACCESS_POLICY; bootstrap seeds one');
  return slot.id;
}

/** OIDC and bookmark apps have no credential scheme: a user's password cannot be set on them. */
function checkAppUserCredentials(value: unknown, causes: Causes): void {
  const credentials = objectAt(value, 'credentials', causes);
  if (credentials.password !== undefined && credentials.password !== null) {
    causes.add('credentials.password', 'Credentials should not be set on this resource based on the scheme.');
  }
  if (credentials.userName !== undefined && credentials.userName !== null && (typeof credentials.userName !== 'string' || credentials.userName.length > 100)) {
    causes.add('credentials.userName', 'must be a string of at most 100 characters');
  }
}

function sameApp(a: AppRecord, b: AppRecord): boolean {
  const content = (x: AppRecord): JsonObject => ({
    label: x.label,
    clientSecretHash: x.clientSecretHash,
    credentials: x.credentials as unknown as JsonObject,
    settings: x.settings,
    visibility: x.visibility,
    accessibility: x.accessibility,
    profile: x.profile,
  });
  return canonicalJson(content(a)) === canonicalJson(content(b));
}

function appTarget(app: AppRecord): LogTarget {
  return { id: app.id, type: 'AppInstance', alternateId: app.label, displayName: app.label, detailEntry: { signOnModeType: app.signOnMode } };
}

function appEvent(eventType: string, displayMessage: string, app: AppRecord): EventSpec {
  return { eventType, displayMessage, target: [appTarget(app)] };
}

function userEvent(eventType: string, displayMessage: string, app: AppRecord, userId: string, login: string): EventSpec {
  return { eventType, displayMessage, target: [appTarget(app), { id: userId, type: 'User', alternateId: login, displayName: login }] };
}

function groupEvent(eventType: string, displayMessage: string, app: AppRecord, groupId: string, groupName: string): EventSpec {
  return { eventType, displayMessage, target: [appTarget(app), { id: groupId, type: 'UserGroup', alternateId: groupName, displayName: groupName }] };
}
