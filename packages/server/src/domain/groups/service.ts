import { ApiValidationError, PermissionDeniedError, ResourceNotFoundError, UnsupportedOperationError } from '../../errors/catalog.ts';
import { ConflictError } from '../../errors/storage.ts';
import { demandOnGroup, demandUnbounded, scopeOf, userIsProtected } from '../authz/permissions.ts';
import type { GroupRecord, UserRecord } from '../org/types.ts';
import type { CallContext } from '../shared/context.ts';
import type { DirectoryServiceDeps } from '../shared/service-deps.ts';
import type { StorePorts } from '../store.ts';
import type { EventSpec } from '../system-log/writer.ts';
import { detachFromPolicies } from './policy-references.ts';
import type { UserAccount } from '../users/types.ts';
import type { GroupCursor } from './ports.ts';
import type { GroupCondition } from './search.ts';

/** What a client may set on an OKTA_GROUP: its profile's name and description. */
export interface GroupInput {
  profile: { name: string; description?: string | null };
}

export interface GroupListOptions {
  q?: string;
  condition?: GroupCondition;
  after?: GroupCursor;
  limit: number;
  /** `expand=stats`: member counts per group. */
  stats: boolean;
}

export interface ListedGroup {
  group: GroupRecord;
  /** Present with `expand=stats`. */
  usersCount?: number;
}

/** The name of the `directory_generations` row group and membership changes bump. */
export const GROUPS_GENERATION = 'groups';

/**
 * Groups and their members. Only OKTA_GROUP groups are managed through the API: the built-in
 * Everyone group (and any APP_GROUP) is refused where Okta refuses: changing or deleting it is
 * 403 E0000006, adding a member is 400 E0000060 "Unsupported operation.", removing one is 403
 * E0000006. Group names are unique across all groups, ignoring case.
 */
export class GroupService {
  constructor(private readonly deps: DirectoryServiceDeps) {}

  /** Lists groups; a group-targeted admin sees only its target groups (never Everyone unless targeted). */
  async list(ctx: CallContext, options: GroupListOptions): Promise<ListedGroup[]> {
    const scope = scopeOf(ctx.principal, 'okta.groups.read');
    if (scope === null) throw new PermissionDeniedError();
    const groups = await this.deps.store.listGroups({
      limit: options.limit,
      ...(options.q ? { namePrefix: options.q } : {}),
      ...(options.condition ? { condition: options.condition } : {}),
      ...(options.after ? { after: options.after } : {}),
      ...(scope.all ? {} : { onlyIds: scope.groupIds }),
    });
    if (!options.stats) return groups.map((group) => ({ group }));
    const counts = await this.deps.store.countGroupMembers(groups.map((g) => g.id));
    return groups.map((group) => ({ group, usersCount: counts.get(group.id) ?? 0 }));
  }

  async get(ctx: CallContext, id: string, options: { stats: boolean } = { stats: false }): Promise<ListedGroup> {
    demandOnGroup(ctx.principal, 'okta.groups.read', id);
    const group = await findGroup(this.deps.store, id);
    if (!options.stats) return { group };
    const counts = await this.deps.store.countGroupMembers([id]);
    return { group, usersCount: counts.get(id) ?? 0 };
  }

  async create(ctx: CallContext, input: GroupInput): Promise<GroupRecord> {
    demandUnbounded(ctx.principal, 'okta.groups.create');
    const name = checkedName(input.profile.name);
    const group = await this.deps.store.transaction(async (tx) => {
      await tx.lockGroupNames();
      if (await tx.findGroupNamed(name)) throw new ConflictError('profile.name');
      const now = this.deps.clock.now();
      const group: GroupRecord = {
        id: this.deps.ids.objectId('group'),
        type: 'OKTA_GROUP',
        name,
        description: input.profile.description ?? null,
        created: now,
        lastUpdated: now,
        lastMembershipUpdated: now,
      };
      await tx.insertGroup(group);
      await tx.bumpDirectoryGeneration(GROUPS_GENERATION);
      return group;
    });
    await this.deps.log.record(ctx, groupEvent('group.lifecycle.create', 'Create Okta group', group));
    return group;
  }

  /** Replaces the profile (PUT). Unchanged input changes nothing, not even `lastUpdated`. */
  async replace(ctx: CallContext, id: string, input: GroupInput): Promise<GroupRecord> {
    demandOnGroup(ctx.principal, 'okta.groups.manage', id);
    const name = checkedName(input.profile.name);
    const { group, changed } = await this.deps.store.transaction(async (tx) => {
      const stored = await findGroup(tx, id);
      if (stored.type !== 'OKTA_GROUP') throw new PermissionDeniedError();
      await demandNotAdminGroup(tx, ctx, id);
      const description = input.profile.description ?? null;
      if (stored.name === name && stored.description === description) return { group: stored, changed: false };
      await tx.lockGroupNames();
      if (await tx.findGroupNamed(name, id)) throw new ConflictError('profile.name');
      const group: GroupRecord = { ...stored, name, description, lastUpdated: this.deps.clock.now() };
      await tx.updateGroup(group);
      await tx.bumpDirectoryGeneration(GROUPS_GENERATION);
      return { group, changed: true };
    });
    if (changed) await this.deps.log.record(ctx, groupEvent('group.profile.update', 'Update Okta group profile', group));
    return group;
  }

  /**
   * Deletes an OKTA_GROUP (or APP_GROUP) with its memberships, app assignments and the admin
   * roles granted to it, and takes it out of policies (see policy-references.ts). Members'
   * cached authentications are forgotten, since their roles may have come through the group.
   */
  async delete(ctx: CallContext, id: string): Promise<void> {
    demandOnGroup(ctx.principal, 'okta.groups.manage', id);
    const { group, members, detached } = await this.deps.store.transaction(async (tx) => {
      const group = await findGroup(tx, id);
      if (group.type === 'BUILT_IN') throw new PermissionDeniedError();
      await demandNotAdminGroup(tx, ctx, id);
      const members = await tx.groupMemberIds(id);
      // Delete first, then detach: on PostgreSQL the delete waits for any transaction that checked
      // this group as a policy reference (missingGroupIds locks it FOR SHARE), so the policies it
      // wrote are committed, and seen, before they are scanned.
      await tx.deleteGroup(id);
      const detached = await detachFromPolicies(tx, { kind: 'group', id, name: group.name }, this.deps.clock.now());
      await tx.bumpDirectoryGeneration(GROUPS_GENERATION);
      return { group, members, detached };
    });
    for (const userId of members) this.deps.apiTokens.forgetUser(userId);
    const debugData: Record<string, string> = {};
    if (detached.policies.length > 0) debugData.policiesChanged = detached.policies.map((p) => p.id).join(',');
    if (detached.rules.length > 0) debugData.policyRulesChanged = detached.rules.map((r) => r.rule.id).join(',');
    await this.deps.log.record(ctx, { ...groupEvent('group.lifecycle.delete', 'Delete Okta group', group), debugData });
  }

  async listMembers(ctx: CallContext, id: string, query: { afterUserId?: string; limit: number }): Promise<UserAccount[]> {
    demandOnGroup(ctx.principal, 'okta.groups.read', id);
    await findGroup(this.deps.store, id);
    return this.deps.store.listGroupMembers(id, query);
  }

  /** Adds a user to an OKTA_GROUP; adding a member again changes nothing and logs nothing. */
  async addMember(ctx: CallContext, groupId: string, userId: string): Promise<void> {
    demandOnGroup(ctx.principal, 'okta.groups.members.manage', groupId);
    const result = await this.deps.store.transaction(async (tx) => {
      const { group, user } = await this.findMembership(tx, groupId, userId);
      if (group.type !== 'OKTA_GROUP') throw new UnsupportedOperationError();
      await demandNotAdminGroup(tx, ctx, groupId);
      const added = await tx.addMembership(groupId, userId, this.deps.clock.now());
      if (added) await tx.bumpDirectoryGeneration(GROUPS_GENERATION);
      return { group, user, added };
    });
    if (!result.added) return;
    this.deps.apiTokens.forgetUser(userId);
    await this.deps.log.record(ctx, membershipEvent('group.user_membership.add', 'Add user to group membership', result.group, result.user));
  }

  /** Removes a user from an OKTA_GROUP; removing a non-member changes nothing and logs nothing. */
  async removeMember(ctx: CallContext, groupId: string, userId: string): Promise<void> {
    demandOnGroup(ctx.principal, 'okta.groups.members.manage', groupId);
    const result = await this.deps.store.transaction(async (tx) => {
      const { group, user } = await this.findMembership(tx, groupId, userId);
      if (group.type !== 'OKTA_GROUP') throw new PermissionDeniedError();
      await demandNotAdminGroup(tx, ctx, groupId);
      const removed = await tx.removeMembership(groupId, userId, this.deps.clock.now());
      if (removed) await tx.bumpDirectoryGeneration(GROUPS_GENERATION);
      return { group, user, removed };
    });
    if (!result.removed) return;
    this.deps.apiTokens.forgetUser(userId);
    await this.deps.log.record(ctx, membershipEvent('group.user_membership.remove', 'Remove user from group membership', result.group, result.user));
  }

  private async findMembership(tx: StorePorts, groupId: string, userId: string): Promise<{ group: GroupRecord; user: UserRecord }> {
    const group = await findGroup(tx, groupId);
    const user = await tx.getUser(userId);
    if (!user) throw new ResourceNotFoundError(userId, 'User');
    return { group, user };
  }
}

async function findGroup(store: StorePorts, id: string): Promise<GroupRecord> {
  const group = await store.getGroup(id);
  if (!group) throw new ResourceNotFoundError(id, 'UserGroup');
  return group;
}

/**
 * A group that grants admin roles is reserved as its members' roles are (`userIsProtected`):
 * changing its members, name or existence changes who holds those roles, so only a super admin
 * touches a group granting SUPER_ADMIN (else an org admin could join it), and only org and super
 * admins touch any other admin group.
 */
export async function demandNotAdminGroup(tx: StorePorts, ctx: CallContext, groupId: string): Promise<void> {
  if (ctx.principal.roles.has('SUPER_ADMIN')) return;
  const roles = new Set((await tx.listRoleAssignments('GROUP', groupId)).map((a) => a.roleType));
  if (userIsProtected(ctx.principal, { roles })) throw new PermissionDeniedError();
}

/** Names are kept as given; a name of only spaces is no name. */
function checkedName(name: string): string {
  if (name.trim() === '') throw new ApiValidationError(['profile.name: The field cannot be left blank']);
  return name;
}

function groupTarget(group: GroupRecord) {
  return { id: group.id, type: 'UserGroup', alternateId: 'unknown', displayName: group.name };
}

function groupEvent(eventType: string, displayMessage: string, group: GroupRecord): EventSpec {
  return { eventType, displayMessage, target: [groupTarget(group)] };
}

function membershipEvent(eventType: string, displayMessage: string, group: GroupRecord, user: UserRecord): EventSpec {
  const displayName = [user.profile.firstName, user.profile.lastName].filter(Boolean).join(' ') || user.profile.login;
  return { eventType, displayMessage, target: [{ id: user.id, type: 'User', alternateId: user.profile.login, displayName }, groupTarget(group)] };
}
