import type { GroupRecord } from '../org/types.ts';
import type { UserAccount } from '../users/types.ts';
import type { GroupCondition } from './search.ts';

/** Keyset position in a group list: groups are listed in (created, id) order. */
export interface GroupCursor {
  created: number;
  id: string;
}

export interface GroupListQuery {
  /** Name prefix, case-insensitive (`q`). */
  namePrefix?: string;
  /** A parsed `search` or `filter` expression. */
  condition?: GroupCondition;
  /** Only these groups (a group-targeted admin's scope); an empty set lists nothing. */
  onlyIds?: ReadonlySet<string>;
  after?: GroupCursor;
  limit: number;
}

/** Storage the groups service needs (implemented by src/storage/group-ports.ts). */
export interface GroupStore {
  /**
   * Serialises group creation and renaming until the transaction ends, so that the name check
   * and the write see no concurrent rename (names are unique, case-insensitively).
   */
  lockGroupNames(): Promise<void>;
  /** A group other than `exceptId` whose name equals `name`, ignoring case. */
  findGroupNamed(name: string, exceptId?: string): Promise<GroupRecord | undefined>;
  getGroup(id: string): Promise<GroupRecord | undefined>;
  /** Groups by id (those that exist), in no particular order. */
  getGroups(ids: readonly string[]): Promise<GroupRecord[]>;
  listGroups(query: GroupListQuery): Promise<GroupRecord[]>;
  /** Writes name, description and lastUpdated. */
  updateGroup(group: GroupRecord): Promise<void>;
  /**
   * Deletes the group with its memberships, app assignments, the admin roles granted to it and
   * every role target naming it.
   */
  deleteGroup(id: string): Promise<void>;
  /** Adds the membership and moves `lastMembershipUpdated` to `at`; false when it already existed. */
  addMembership(groupId: string, userId: string, at: number): Promise<boolean>;
  /** Removes the membership and moves `lastMembershipUpdated` to `at`; false when there was none. */
  removeMembership(groupId: string, userId: string, at: number): Promise<boolean>;
  /** Members in user-id order after `afterUserId`, at most `limit`. */
  listGroupMembers(groupId: string, query: { afterUserId?: string; limit: number }): Promise<UserAccount[]>;
  /** Ids of every member (for forgetting their cached authentications, after a change to the group or its roles). */
  groupMemberIds(groupId: string): Promise<string[]>;
  /** Member counts of the given groups (absent groups count 0). */
  countGroupMembers(groupIds: readonly string[]): Promise<Map<string, number>>;

  /**
   * Records that part of the directory changed (`groups`: groups and memberships; `zones`:
   * network zones). Call in the transaction that changes it, so every instance's caches built
   * from it notice on their next read of `directoryGeneration`.
   */
  bumpDirectoryGeneration(name: string): Promise<void>;
  /** The counter (0 before the first change). */
  directoryGeneration(name: string): Promise<number>;
}
