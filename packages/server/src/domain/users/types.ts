import type { UserProfile, UserRecord, UserStatus } from '../org/types.ts';

/**
 * A user's profile as stored: Okta's default profile attributes (login, email, firstName and
 * lastName required; the others optional), never anything else.
 */
export type FullProfile = UserProfile & { [attribute: string]: string | null };

/**
 * A user with everything the directory keeps about them. The password hash never leaves the
 * domain: the HTTP layer renders `credentials.password` as `{}` when it is set.
 */
export interface UserAccount extends UserRecord {
  profile: FullProfile;
  /** PHC string of the password's KDF output (password-hash.ts), or null without a password. */
  passwordHash: string | null;
  passwordChanged: number | null;
  lastLogin: number | null;
  /** Failed sign-ins since the last success; lockout counts with one conditional UPDATE. */
  failedAttempts: number;
  /** SHA-256 hex of the one-time reset-password token, while one is outstanding. */
  recoveryTokenHash: string | null;
  recoveryTokenExpires: number | null;
}

/** The fields a lifecycle or credentials change may write, with `lastUpdated`. */
export interface UserChange {
  status?: UserStatus;
  statusChanged?: number;
  activated?: number | null;
  profile?: FullProfile;
  passwordHash?: string | null;
  passwordChanged?: number | null;
  failedAttempts?: number;
  recoveryTokenHash?: string | null;
  recoveryTokenExpires?: number | null;
  lastUpdated: number;
}

/** Keyset position in a user list: by creation time, then id. */
export interface UserCursor {
  created: number;
  id: string;
}

export type { UserStatus };
