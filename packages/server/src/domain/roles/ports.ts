import type { RoleAssignmentRecord } from '../org/types.ts';

export type RolePrincipalType = RoleAssignmentRecord['principalType'];

/** A group target, an app-instance target, or a catalog app-name target (every app of that name). */
export type RoleTargetType = 'GROUP' | 'APP' | 'APP_NAME';

export interface RoleTargetRecord {
  assignmentId: string;
  targetType: RoleTargetType;
  /** A group id, an app id, or a catalog app name. */
  targetId: string;
  created: number;
}

/**
 * One row of what a user holds: an active assignment (direct or through a group) and one of its
 * targets, or no target at all (`targetType` null) when the assignment has none.
 */
export interface RoleGrantRow {
  roleType: string;
  assignmentId: string;
  targetType: RoleTargetType | null;
  targetId: string | null;
}

/** What the roles service shows of an app it targets or checks a target against. */
export interface RoleTargetApp {
  id: string;
  name: string;
  label: string;
  status: string;
  signOnMode: string;
  lastUpdated: number;
}

/** Keyset position in a target list: targets sort by (type, id). */
export interface RoleTargetCursor {
  targetType: RoleTargetType;
  targetId: string;
}

/** Storage the roles service needs (implemented by src/storage/role-ports.ts). */
export interface RoleStore {
  /** Inserts an assignment; throws RoleAlreadyAssignedError (409 E0000090) when the principal already holds the type. */
  insertRoleAssignmentOnce(assignment: RoleAssignmentRecord): Promise<void>;
  getRoleAssignment(principalType: RolePrincipalType, principalId: string, id: string): Promise<RoleAssignmentRecord | undefined>;
  /** The principal's own assignments (not those it holds through groups), oldest first. */
  listRoleAssignments(principalType: RolePrincipalType, principalId: string): Promise<RoleAssignmentRecord[]>;
  /** Deletes the assignment and its targets; false when it was already gone. */
  deleteRoleAssignment(id: string): Promise<boolean>;
  touchRoleAssignment(id: string, at: number): Promise<void>;
  /** Holds the assignment's row until the transaction ends, so target changes on it are serialized. */
  lockRoleAssignment(id: string): Promise<void>;
  /** Every target of the given assignments. */
  roleTargetsOf(assignmentIds: readonly string[]): Promise<RoleTargetRecord[]>;
  /** One page of an assignment's targets of the given types, in (type, id) order. */
  listRoleTargetPage(assignmentId: string, types: readonly RoleTargetType[], after: RoleTargetCursor | undefined, limit: number): Promise<RoleTargetRecord[]>;
  /** Adds a target; false when the assignment already had it. */
  addRoleTarget(target: RoleTargetRecord): Promise<boolean>;
  /** Removes targets; returns how many there were. */
  removeRoleTargets(assignmentId: string, type: RoleTargetType, targetIds: readonly string[]): Promise<number>;
  /** The user's active assignments, direct and through groups, one row per target (one index-driven read). */
  roleGrantsOfUser(userId: string): Promise<RoleGrantRow[]>;
  /** Apps by id (those that exist). */
  roleApps(ids: readonly string[]): Promise<RoleTargetApp[]>;
  /** Apps whose catalog name is `name`. */
  roleAppsNamed(name: string): Promise<RoleTargetApp[]>;
}
