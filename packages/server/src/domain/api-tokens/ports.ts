import type { ApiTokenNetwork, ApiTokenRecord, ApiTokenWithOwner } from './types.ts';

/** Keyset position in the (created, id) order of tokens. */
export interface ApiTokenCursor {
  created: number;
  id: string;
}

export interface ApiTokenStore {
  insertApiToken(token: ApiTokenRecord): Promise<void>;
  /** An unrevoked token by the hash of its value, with its owner. */
  findApiTokenByHash(tokenHash: string): Promise<ApiTokenWithOwner | undefined>;
  /** An unrevoked token by id. */
  getApiToken(id: string): Promise<ApiTokenRecord | undefined>;
  /** Unrevoked tokens in (created, id) order. `q` matches name or clientName, case-insensitively. */
  listApiTokens(query: { userId?: string; q?: string; after?: ApiTokenCursor; limit: number }): Promise<ApiTokenRecord[]>;
  updateApiToken(id: string, change: { name: string; network: ApiTokenNetwork; lastUpdated: number }): Promise<void>;
  /** Marks the token revoked; false when it was not active. */
  revokeApiToken(id: string, at: number): Promise<boolean>;
  /** Records use: sets lastUsed/expiresAt only if the stored lastUsed is older than `staleBefore`. */
  touchApiToken(id: string, lastUsed: number, expiresAt: number, staleBefore: number): Promise<void>;
  /** Whether any token, active or revoked, was ever created. */
  hasAnyApiToken(): Promise<boolean>;
}
