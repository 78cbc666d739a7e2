import type { AppGroupAssignmentRecord, AppRecord, AppStatus, AppUserAssignmentRecord, AppUserView } from './types.ts';

/** Keyset position in the app list (creation order). */
export interface AppCursor {
  created: number;
  id: string;
}

export interface AppListQuery {
  /** Label or name prefix, case-insensitive. */
  q?: string;
  status?: AppStatus;
  name?: string;
  id?: string;
  /** Apps the user is assigned to, directly or through a group. */
  userId?: string;
  /** Apps assigned to the group. */
  groupId?: string;
  /** A targeted admin's reach: only these apps (by id or by name). */
  within?: { appIds: readonly string[]; appNames: readonly string[] };
  after?: AppCursor;
  limit: number;
}

export interface AppUserListQuery {
  /** Prefix of the user's login, email, first or last name, case-insensitive. */
  q?: string;
  /** User id to continue after. */
  after?: string;
  limit: number;
}

export interface AppGroupListQuery {
  /** Group name prefix, case-insensitive. */
  q?: string;
  after?: { priority: number; groupId: string };
  limit: number;
}

/** Storage the apps service needs (implemented by src/storage/app-ports.ts). */
export interface AppStore {
  /** Fails with a ConflictError naming `client_id` when another app has the client id. */
  insertApp(app: AppRecord): Promise<void>;
  /** Writes every field of the stored app. */
  updateApp(app: AppRecord): Promise<void>;
  /** Deletes the app with its user and group assignments. */
  deleteApp(id: string): Promise<void>;
  getApp(id: string): Promise<AppRecord | undefined>;
  /** Apps by id (those that exist), in no particular order. */
  getApps(ids: readonly string[]): Promise<AppRecord[]>;
  /** The OIDC app whose OAuth 2.0 client id this is (case-sensitive, as client ids are). */
  findAppByClientId(clientId: string): Promise<AppRecord | undefined>;
  listApps(query: AppListQuery): Promise<AppRecord[]>;
  /** Those of `ids` that name no app (for references from policy conditions). */
  missingAppIds(ids: readonly string[]): Promise<string[]>;
  /**
   * Serialises assignment changes of one app until the transaction ends (priorities of group
   * assignments are computed from the others).
   */
  lockApp(id: string): Promise<void>;

  getAppUserAssignment(appId: string, userId: string): Promise<AppUserAssignmentRecord | undefined>;
  /** Inserts or replaces the direct assignment. */
  putAppUserAssignment(assignment: AppUserAssignmentRecord): Promise<void>;
  deleteAppUserAssignment(appId: string, userId: string): Promise<void>;
  /** The user as the app sees them, direct or through a group; undefined when not assigned. */
  getAppUser(appId: string, userId: string): Promise<AppUserView | undefined>;
  /** The app's users, direct and through groups, in user-id order. */
  listAppUsers(appId: string, query: AppUserListQuery): Promise<AppUserView[]>;

  getAppGroupAssignment(appId: string, groupId: string): Promise<AppGroupAssignmentRecord | undefined>;
  /** Inserts or replaces the group assignment. */
  putAppGroupAssignment(assignment: AppGroupAssignmentRecord): Promise<void>;
  deleteAppGroupAssignment(appId: string, groupId: string): Promise<void>;
  /** In priority order, then group id. */
  listAppGroupAssignments(appId: string, query: AppGroupListQuery): Promise<AppGroupAssignmentRecord[]>;
  /** The highest priority among the app's group assignments, or undefined when it has none. */
  maxAppGroupPriority(appId: string): Promise<number | undefined>;
  /** A group's name, or undefined when no group has this id (what assignments and their events need). */
  appAssignableGroupName(groupId: string): Promise<string | undefined>;
}
