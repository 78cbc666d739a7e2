import type { GroupRecord, UserRecord, UserStatus } from '../org/types.ts';
import type { UserFilter } from './filter.ts';
import type { UserAccount, UserChange, UserCursor } from './types.ts';

export interface UserListQuery {
  /** Prefix of login, email, firstName or lastName, case-insensitive. */
  q?: string;
  filter?: UserFilter;
  /** Okta omits DEPROVISIONED users unless a filter or search asks. */
  includeDeprovisioned: boolean;
  /** Only users in one of these groups (a targeted admin's scope). */
  inGroups?: readonly string[];
  after?: UserCursor;
  limit: number;
}

export interface SessionRecord {
  id: string;
  userId: string;
  kind: 'SESSION_TOKEN' | 'SESSION';
  /** SHA-256 hex of the token value; the value itself is never stored. */
  tokenHash: string;
  created: number;
  expiresAt: number;
}

/** Storage the users service and sign-in need (implemented by src/storage/user-ports.ts). */
export interface UserStore {
  /** Inserts a user, with its first password when it has one (also recorded in the history). */
  insertUser(user: UserRecord, credentials?: { passwordHash: string; passwordChanged: number }): Promise<void>;
  getUser(id: string): Promise<UserAccount | undefined>;
  /** Case-insensitive, as Okta logins are. */
  findUserByLogin(login: string): Promise<UserAccount | undefined>;
  /** The user of a login with the ids of its groups, in one read (sign-in resolves the password policy from them). */
  findUserForSignIn(login: string): Promise<{ user: UserAccount; groupIds: string[] } | undefined>;
  setUserStatus(id: string, status: UserStatus, at: number): Promise<void>;
  updateUser(id: string, change: UserChange): Promise<void>;
  /** Deletes the user with its memberships, sessions, password history, API tokens and role assignments. */
  deleteUser(id: string): Promise<void>;
  listUsers(query: UserListQuery): Promise<UserAccount[]>;
  groupIdsOfUser(userId: string): Promise<string[]>;
  listGroupsOfUser(userId: string): Promise<GroupRecord[]>;

  /** Records a newly set password hash, keeping the newest `keep` (the largest history a policy may ask for). */
  addPasswordToHistory(userId: string, passwordHash: string, at: number, keep: number): Promise<void>;
  /** The newest `limit` password hashes of the user, newest first (the current one included). */
  passwordHistory(userId: string, limit: number): Promise<string[]>;

  insertSession(session: SessionRecord): Promise<void>;
  /** Deletes every session and session token of the user; answers how many there were. */
  deleteSessionsOfUser(userId: string): Promise<number>;

  /**
   * Reserves one failed-attempt slot before a password is checked, in one conditional UPDATE:
   * `failed_attempts + 1` when it is below `maxAttempts` and the user may sign in. Answers the
   * new count, or undefined when no slot was free (the user is at the limit or locked out).
   */
  reserveSignInAttempt(userId: string, maxAttempts: number): Promise<number | undefined>;
  /** LOCKED_OUT, once: only while the user may sign in and the counter is still at least `atLeast`. */
  lockOut(userId: string, atLeast: number, at: number): Promise<boolean>;
  /** The counter back to zero, nothing else (a right password that starts no session). */
  resetSignInAttempts(userId: string): Promise<void>;
  /** ACTIVE again with a zero counter, once: only while LOCKED_OUT since `lockedBefore` or earlier. */
  autoUnlock(userId: string, lockedBefore: number, at: number): Promise<boolean>;
  /**
   * A successful sign-in: the counter back to zero, `last_login` set, and the session token
   * stored when one is given, in one round trip where the dialect allows (PostgreSQL). Only while
   * the user's status still allows signing in: false (nothing written) when it no longer does.
   */
  recordSignIn(userId: string, at: number, session?: SessionRecord): Promise<boolean>;
}
