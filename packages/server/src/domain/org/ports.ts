import type { RoleType } from '../authz/roles.ts';
import type { GroupRecord, OrgRecord, RoleAssignmentRecord } from './types.ts';

export interface OrgStore {
  getOrg(): Promise<OrgRecord | undefined>;
  insertOrg(org: OrgRecord): Promise<void>;
  /** Names of the bootstrap steps already applied. */
  appliedBootstrapSteps(): Promise<Set<string>>;
  /** Records a step; fails with a conflict if another process recorded it first. */
  markBootstrapStep(name: string, at: number): Promise<void>;
}

export interface DirectoryStore {
  // insertUser, getUser, setUserStatus and findUserByLogin: see UserStore (domain/users/ports.ts).
  insertGroup(group: GroupRecord): Promise<void>;
  findGroupByName(type: GroupRecord['type'], name: string): Promise<GroupRecord | undefined>;
  addGroupMember(groupId: string, userId: string): Promise<void>;
  insertRoleAssignment(assignment: RoleAssignmentRecord): Promise<void>;
  /** Those of `ids` that name no group. */
  missingGroupIds(ids: readonly string[]): Promise<string[]>;
  /** Those of `ids` that name no user. */
  missingUserIds(ids: readonly string[]): Promise<string[]>;
  /** Active role types held by the user directly or through a group. */
  roleTypesOfUser(userId: string): Promise<Set<RoleType>>;
}
