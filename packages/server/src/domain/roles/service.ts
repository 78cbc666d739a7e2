import {
  ApiValidationError,
  BuiltInGroupRoleError,
  ResourceNotFoundError,
  RoleTypeMismatchError,
} from '../../errors/catalog.ts';
import { demand } from '../authz/permissions.ts';
import { isRoleType, ROLE_LABELS } from '../authz/roles.ts';
import type { RoleType } from '../authz/roles.ts';
import type { GroupRecord, RoleAssignmentRecord, UserRecord } from '../org/types.ts';
import type { CallContext } from '../shared/context.ts';
import type { DirectoryServiceDeps } from '../shared/service-deps.ts';
import type { StorePorts } from '../store.ts';
import type { EventSpec } from '../system-log/writer.ts';
import type { RolePrincipalType, RoleTargetApp, RoleTargetCursor, RoleTargetRecord, RoleTargetType } from './ports.ts';

/** Roles that take group targets (Okta: "USER_ADMIN, HELP_DESK_ADMIN, or GROUP_MEMBERSHIP_ADMIN"). */
export const GROUP_TARGET_ROLES: ReadonlySet<RoleType> = new Set<RoleType>(['USER_ADMIN', 'HELP_DESK_ADMIN', 'GROUP_MEMBERSHIP_ADMIN']);
/** The role that takes app targets. */
export const APP_TARGET_ROLES: ReadonlySet<RoleType> = new Set<RoleType>(['APP_ADMIN']);
const APP_TARGET_TYPES: readonly RoleTargetType[] = ['APP', 'APP_NAME'];
const GROUP_TARGET_TYPES: readonly RoleTargetType[] = ['GROUP'];

/** Who an assignment belongs to, as the URL names it. */
export interface RoleAssignee {
  type: RolePrincipalType;
  id: string;
}

/** An assignee that exists: the user or group record, for events and checks. */
type ResolvedAssignee = { type: 'USER'; id: string; user: UserRecord } | { type: 'GROUP'; id: string; group: GroupRecord };

/** `expand=targets/groups` or `expand=targets/catalog/apps` on a role list or get. */
export type RoleExpand = 'groups' | 'apps';

/** An assignment with the targets an expand asked for. */
export interface RoleAssignmentView {
  assignment: RoleAssignmentRecord;
  groups?: GroupRecord[];
  apps?: AppTargetView[];
}

/** A group target and its group (absent when the group was deleted). */
export interface GroupTargetView {
  groupId: string;
  group: GroupRecord | undefined;
}

/**
 * An app target: every app of a catalog name, or one app instance (`app` absent when it was
 * deleted). `cursor` is its position in the assignment's target list.
 */
export type AppTargetView = { cursor: RoleTargetCursor } & ({ kind: 'name'; name: string; apps: RoleTargetApp[] } | { kind: 'instance'; appId: string; app: RoleTargetApp | undefined });

/**
 * Admin role assignments and their targets (Okta's Roles API, wire-facts §e). Reads need
 * `okta.roles.read`; every change needs `okta.roles.manage`, which only super admins hold.
 * Each change runs in one transaction, drops the cached authentications of every user whose
 * privileges it changes (the assignee, or every member of the assignee group), then logs its
 * event.
 */
export class RoleService {
  constructor(private readonly deps: DirectoryServiceDeps) {}

  async list(ctx: CallContext, assignee: RoleAssignee, expand?: RoleExpand): Promise<RoleAssignmentView[]> {
    demand(ctx.principal, 'okta.roles.read');
    const { store } = this.deps;
    await this.resolveAssignee(store, assignee);
    const assignments = await store.listRoleAssignments(assignee.type, assignee.id);
    return this.views(store, assignments, expand);
  }

  async get(ctx: CallContext, assignee: RoleAssignee, assignmentId: string, expand?: RoleExpand): Promise<RoleAssignmentView> {
    demand(ctx.principal, 'okta.roles.read');
    const { store } = this.deps;
    await this.resolveAssignee(store, assignee);
    const assignment = await this.findAssignment(store, assignee, assignmentId);
    const [view] = await this.views(store, [assignment], expand);
    return view!;
  }

  /** Grants a standard role. `CUSTOM` is refused: Tollgate has no custom roles or resource sets. */
  async assign(ctx: CallContext, assignee: RoleAssignee, input: { type: string }): Promise<RoleAssignmentRecord> {
    demand(ctx.principal, 'okta.roles.manage');
    const roleType = standardRoleType(input.type);
    const { store, clock, ids } = this.deps;
    const { assignment, resolved } = await store.transaction(async (tx) => {
      const resolved = await this.resolveAssignee(tx, assignee);
      if (resolved.type === 'GROUP' && resolved.group.type === 'BUILT_IN') throw new BuiltInGroupRoleError(resolved.group.name);
      const now = clock.now();
      const assignment: RoleAssignmentRecord = {
        id: ids.objectId('roleAssignment'),
        principalType: assignee.type,
        principalId: assignee.id,
        roleType,
        status: 'ACTIVE',
        created: now,
        lastUpdated: now,
      };
      await tx.insertRoleAssignmentOnce(assignment);
      return { assignment, resolved };
    });
    await this.forgetAffected(resolved);
    await this.deps.log.record(ctx, privilegeEvent(resolved, 'grant', { privilegeGranted: ROLE_LABELS[roleType] }));
    return assignment;
  }

  async unassign(ctx: CallContext, assignee: RoleAssignee, assignmentId: string): Promise<void> {
    demand(ctx.principal, 'okta.roles.manage');
    const { store } = this.deps;
    const { assignment, resolved } = await store.transaction(async (tx) => {
      const resolved = await this.resolveAssignee(tx, assignee);
      const assignment = await this.findAssignment(tx, assignee, assignmentId);
      // A concurrent unassign may have won between the read and the delete: then it is not found.
      if (!(await tx.deleteRoleAssignment(assignment.id))) throw new ResourceNotFoundError(assignmentId, 'RoleAssignment');
      return { assignment, resolved };
    });
    await this.forgetAffected(resolved);
    await this.deps.log.record(ctx, privilegeEvent(resolved, 'revoke', { privilegeRevoked: ROLE_LABELS[assignment.roleType] }));
  }

  // --- group targets -------------------------------------------------------------------------

  /**
   * Up to `limit` of the assignment's group targets after `after`, in group-id order, each with
   * its group (absent when the group was deleted: the target then limits the role to nothing).
   * A role that takes no group targets, or has none, lists none (Okta: "If the role isn't scoped
   * to specific group targets, an empty array [] is returned").
   */
  async listGroupTargets(ctx: CallContext, assignee: RoleAssignee, assignmentId: string, page: { after?: string; limit: number }): Promise<GroupTargetView[]> {
    demand(ctx.principal, 'okta.roles.read');
    const { store } = this.deps;
    await this.resolveAssignee(store, assignee);
    const assignment = await this.findAssignment(store, assignee, assignmentId);
    if (!GROUP_TARGET_ROLES.has(assignment.roleType)) return [];
    const after: RoleTargetCursor | undefined = page.after === undefined ? undefined : { targetType: 'GROUP', targetId: page.after };
    const ids = (await store.listRoleTargetPage(assignment.id, GROUP_TARGET_TYPES, after, page.limit)).map((r) => r.targetId);
    const byId = new Map((await store.getGroups(ids)).map((g) => [g.id, g]));
    return ids.map((groupId) => ({ groupId, group: byId.get(groupId) }));
  }

  /** Limits the assignment to the group too (the first target turns an unbounded role into a limited one). */
  async addGroupTarget(ctx: CallContext, assignee: RoleAssignee, assignmentId: string, groupId: string): Promise<void> {
    demand(ctx.principal, 'okta.roles.manage');
    await this.changeTargets(ctx, assignee, assignmentId, GROUP_TARGET_ROLES, async (tx, assignment, now) => {
      const [group] = await tx.getGroups([groupId]);
      if (!group) throw new ResourceNotFoundError(groupId, 'UserGroup');
      const added = await tx.addRoleTarget({ assignmentId: assignment.id, targetType: 'GROUP', targetId: group.id, created: now });
      return added ? { roleTargetAdded: `group ${group.id}` } : undefined;
    });
  }

  /** Okta refuses removing the last target: that would silently widen the role to every group. */
  async removeGroupTarget(ctx: CallContext, assignee: RoleAssignee, assignmentId: string, groupId: string): Promise<void> {
    demand(ctx.principal, 'okta.roles.manage');
    await this.changeTargets(ctx, assignee, assignmentId, GROUP_TARGET_ROLES, async (tx, assignment) => {
      const held = (await tx.roleTargetsOf([assignment.id])).filter((t) => t.targetType === 'GROUP');
      if (!held.some((t) => t.targetId === groupId)) throw new ResourceNotFoundError(groupId, 'UserGroup');
      if (held.length <= 1) throw lastTargetError('groupId', 'group');
      await tx.removeRoleTargets(assignment.id, 'GROUP', [groupId]);
      return { roleTargetRemoved: `group ${groupId}` };
    });
  }

  // --- app targets ---------------------------------------------------------------------------

  /** Up to `limit` of the assignment's app targets after `after`: catalog names first, then app instances, each in id order. */
  async listAppTargets(ctx: CallContext, assignee: RoleAssignee, assignmentId: string, page: { after?: RoleTargetCursor; limit: number }): Promise<AppTargetView[]> {
    demand(ctx.principal, 'okta.roles.read');
    const { store } = this.deps;
    await this.resolveAssignee(store, assignee);
    const assignment = await this.findAssignment(store, assignee, assignmentId);
    if (!APP_TARGET_ROLES.has(assignment.roleType)) return [];
    return appTargetViews(store, await store.listRoleTargetPage(assignment.id, APP_TARGET_TYPES, page.after, page.limit));
  }

  /**
   * Limits APP_ADMIN to every app of a catalog name. As in Okta, this replaces the assignment's
   * instance targets of apps of that name. Tollgate's catalog is the apps the org has: a name no
   * app carries is not found.
   */
  async addAppNameTarget(ctx: CallContext, assignee: RoleAssignee, assignmentId: string, appName: string): Promise<void> {
    demand(ctx.principal, 'okta.roles.manage');
    await this.changeTargets(ctx, assignee, assignmentId, APP_TARGET_ROLES, async (tx, assignment, now) => {
      const apps = await tx.roleAppsNamed(appName);
      if (apps.length === 0) throw new ResourceNotFoundError(appName, 'CatalogApp');
      const added = await tx.addRoleTarget({ assignmentId: assignment.id, targetType: 'APP_NAME', targetId: appName, created: now });
      const replaced = await tx.removeRoleTargets(assignment.id, 'APP', apps.map((a) => a.id));
      return added || replaced > 0 ? { roleTargetAdded: `app name ${appName}` } : undefined;
    });
  }

  async removeAppNameTarget(ctx: CallContext, assignee: RoleAssignee, assignmentId: string, appName: string): Promise<void> {
    demand(ctx.principal, 'okta.roles.manage');
    await this.changeTargets(ctx, assignee, assignmentId, APP_TARGET_ROLES, async (tx, assignment) => {
      const held = await tx.roleTargetsOf([assignment.id]);
      if (!held.some((t) => t.targetType === 'APP_NAME' && t.targetId === appName)) throw new ResourceNotFoundError(appName, 'CatalogApp');
      if (held.filter((t) => APP_TARGET_TYPES.includes(t.targetType)).length <= 1) throw lastTargetError('appName', 'app');
      await tx.removeRoleTargets(assignment.id, 'APP_NAME', [appName]);
      return { roleTargetRemoved: `app name ${appName}` };
    });
  }

  /**
   * Limits APP_ADMIN to one app instance. Okta does not let an assignment that already manages
   * every app of the name also hold a subset of them.
   */
  async addAppTarget(ctx: CallContext, assignee: RoleAssignee, assignmentId: string, appName: string, appId: string): Promise<void> {
    demand(ctx.principal, 'okta.roles.manage');
    await this.changeTargets(ctx, assignee, assignmentId, APP_TARGET_ROLES, async (tx, assignment, now) => {
      const [app] = await tx.roleApps([appId]);
      if (!app || app.name !== appName) throw new ResourceNotFoundError(appId, 'AppInstance');
      const held = await tx.roleTargetsOf([assignment.id]);
      if (held.some((t) => t.targetType === 'APP_NAME' && t.targetId === appName)) {
        throw new ApiValidationError([`appId: The role already targets every ${appName} app; remove that target before targeting single instances`], 'appId');
      }
      const added = await tx.addRoleTarget({ assignmentId: assignment.id, targetType: 'APP', targetId: app.id, created: now });
      return added ? { roleTargetAdded: `app ${app.id}` } : undefined;
    });
  }

  async removeAppTarget(ctx: CallContext, assignee: RoleAssignee, assignmentId: string, appName: string, appId: string): Promise<void> {
    demand(ctx.principal, 'okta.roles.manage');
    await this.changeTargets(ctx, assignee, assignmentId, APP_TARGET_ROLES, async (tx, assignment) => {
      const held = await tx.roleTargetsOf([assignment.id]);
      if (!held.some((t) => t.targetType === 'APP' && t.targetId === appId)) throw new ResourceNotFoundError(appId, 'AppInstance');
      const [app] = await tx.roleApps([appId]);
      if (app && app.name !== appName) throw new ResourceNotFoundError(appId, 'AppInstance');
      if (held.filter((t) => APP_TARGET_TYPES.includes(t.targetType)).length <= 1) throw lastTargetError('appId', 'app');
      await tx.removeRoleTargets(assignment.id, 'APP', [appId]);
      return { roleTargetRemoved: `app ${appId}` };
    });
  }

  /** `PUT …/targets/catalog/apps`: drops every app target, so the role applies to all apps again. */
  async targetAllApps(ctx: CallContext, assignee: RoleAssignee, assignmentId: string): Promise<void> {
    demand(ctx.principal, 'okta.roles.manage');
    await this.changeTargets(ctx, assignee, assignmentId, APP_TARGET_ROLES, async (tx, assignment) => {
      const held = (await tx.roleTargetsOf([assignment.id])).filter((t) => APP_TARGET_TYPES.includes(t.targetType));
      if (held.length === 0) return undefined;
      for (const type of APP_TARGET_TYPES) {
        await tx.removeRoleTargets(assignment.id, type, held.filter((t) => t.targetType === type).map((t) => t.targetId));
      }
      return { roleTargetRemoved: 'every app target' };
    });
  }

  // --- shared --------------------------------------------------------------------------------

  /**
   * One target change: the assignment is found and locked, its role must take this kind of
   * target (else 400 E0000091), `change` runs and says what changed (undefined: nothing, no
   * event). The assignment's `lastUpdated` moves with every change.
   */
  private async changeTargets(
    ctx: CallContext,
    assignee: RoleAssignee,
    assignmentId: string,
    roles: ReadonlySet<RoleType>,
    change: (tx: StorePorts, assignment: RoleAssignmentRecord, now: number) => Promise<Record<string, string> | undefined>,
  ): Promise<void> {
    const { store, clock } = this.deps;
    const outcome = await store.transaction(async (tx) => {
      const resolved = await this.resolveAssignee(tx, assignee);
      const assignment = await this.findAssignment(tx, assignee, assignmentId);
      if (!roles.has(assignment.roleType)) throw new RoleTypeMismatchError();
      await tx.lockRoleAssignment(assignment.id);
      const now = clock.now();
      const detail = await change(tx, assignment, now);
      if (detail) await tx.touchRoleAssignment(assignment.id, now);
      return { resolved, assignment, detail };
    });
    if (!outcome.detail) return;
    await this.forgetAffected(outcome.resolved);
    await this.deps.log.record(ctx, privilegeEvent(outcome.resolved, 'grant', { privilegeGranted: ROLE_LABELS[outcome.assignment.roleType], ...outcome.detail }));
  }

  private async resolveAssignee(tx: StorePorts, assignee: RoleAssignee): Promise<ResolvedAssignee> {
    if (assignee.type === 'USER') {
      const user = await tx.getUser(assignee.id);
      if (!user) throw new ResourceNotFoundError(assignee.id, 'User');
      return { type: 'USER', id: user.id, user };
    }
    const [group] = await tx.getGroups([assignee.id]);
    if (!group) throw new ResourceNotFoundError(assignee.id, 'UserGroup');
    return { type: 'GROUP', id: group.id, group };
  }

  private async findAssignment(tx: StorePorts, assignee: RoleAssignee, id: string): Promise<RoleAssignmentRecord> {
    const assignment = await tx.getRoleAssignment(assignee.type, assignee.id, id);
    if (!assignment || !isRoleType(assignment.roleType)) throw new ResourceNotFoundError(id, 'RoleAssignment');
    return assignment;
  }

  private async views(tx: StorePorts, assignments: RoleAssignmentRecord[], expand: RoleExpand | undefined): Promise<RoleAssignmentView[]> {
    const known = assignments.filter((a) => isRoleType(a.roleType));
    if (!expand) return known.map((assignment) => ({ assignment }));
    const targets = await tx.roleTargetsOf(known.map((a) => a.id));
    const byAssignment = new Map<string, RoleTargetRecord[]>();
    for (const t of targets) byAssignment.set(t.assignmentId, [...(byAssignment.get(t.assignmentId) ?? []), t]);
    if (expand === 'groups') {
      // One read for every assignment's target groups; a deleted group is left out.
      const groups = new Map((await tx.getGroups(targets.filter((t) => t.targetType === 'GROUP').map((t) => t.targetId))).map((g) => [g.id, g]));
      return known.map((assignment) => ({
        assignment,
        groups: (byAssignment.get(assignment.id) ?? []).flatMap((t) => (t.targetType === 'GROUP' ? (groups.get(t.targetId) ?? []) : [])),
      }));
    }
    const views: RoleAssignmentView[] = [];
    for (const assignment of known) {
      views.push({ assignment, apps: await appTargetViews(tx, (byAssignment.get(assignment.id) ?? []).filter((t) => APP_TARGET_TYPES.includes(t.targetType))) });
    }
    return views;
  }

  private async forgetAffected(resolved: ResolvedAssignee): Promise<void> {
    if (resolved.type === 'USER') this.deps.apiTokens.forgetUser(resolved.id);
    else this.deps.apiTokens.forgetUsers(await this.deps.store.groupMemberIds(resolved.id));
  }
}

/** The role type of a standard assignment request, or 400 naming `type`. */
function standardRoleType(type: string): RoleType {
  if (type === 'CUSTOM') {
    throw new ApiValidationError(['type: Tollgate has no custom roles or resource sets; assign one of the standard role types'], 'type');
  }
  if (!isRoleType(type)) throw new ApiValidationError([`type: ${type} is not a standard role type (${Object.keys(ROLE_LABELS).join(', ')})`], 'type');
  return type;
}

async function appTargetViews(tx: StorePorts, targets: RoleTargetRecord[]): Promise<AppTargetView[]> {
  const instances = new Map((await tx.roleApps(targets.filter((t) => t.targetType === 'APP').map((t) => t.targetId))).map((a) => [a.id, a]));
  const views: AppTargetView[] = [];
  for (const t of targets) {
    const cursor = { targetType: t.targetType, targetId: t.targetId };
    if (t.targetType === 'APP_NAME') views.push({ cursor, kind: 'name', name: t.targetId, apps: await tx.roleAppsNamed(t.targetId) });
    else views.push({ cursor, kind: 'instance', appId: t.targetId, app: instances.get(t.targetId) });
  }
  return views;
}

function lastTargetError(field: string, kind: 'group' | 'app'): ApiValidationError {
  return new ApiValidationError(
    [`${field}: The last ${kind} target of a role assignment cannot be removed; unassign the role and assign it again to make it apply to every ${kind}`],
    field,
  );
}

function privilegeEvent(resolved: ResolvedAssignee, action: 'grant' | 'revoke', debugData: Record<string, string>): EventSpec {
  if (resolved.type === 'USER') {
    const { profile } = resolved.user;
    return {
      eventType: `user.account.privilege.${action}`,
      displayMessage: action === 'grant' ? 'Grant user privilege' : 'Revoke user privilege',
      target: [{ id: resolved.id, type: 'User', alternateId: profile.login, displayName: [profile.firstName, profile.lastName].filter(Boolean).join(' ') || profile.login }],
      debugData,
    };
  }
  return {
    eventType: `group.privilege.${action}`,
    displayMessage: action === 'grant' ? 'Grant group privilege' : 'Revoke group privilege',
    target: [{ id: resolved.id, type: 'UserGroup', alternateId: resolved.group.name, displayName: resolved.group.name }],
    debugData,
  };
}
