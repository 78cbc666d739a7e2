export interface ApiTokenNetwork {
  connection: 'ANYWHERE' | 'ZONE';
  include?: string[];
  exclude?: string[];
}

/** An SSWS token as stored: only the SHA-256 of its value is kept. */
export interface ApiTokenRecord {
  id: string;
  name: string;
  userId: string;
  clientName: string;
  /** Hex SHA-256 of the token value. */
  tokenHash: string;
  /** ISO 8601 duration of inactivity after which the token expires (Okta: P30D). */
  tokenWindow: string;
  network: ApiTokenNetwork;
  created: number;
  lastUpdated: number;
  lastUsed: number;
  expiresAt: number;
  revoked: number | null;
}

/** A token found by its hash together with the facts about its owner that authentication needs. */
export interface ApiTokenWithOwner {
  token: ApiTokenRecord;
  owner: { id: string; login: string; status: string; firstName: string | null; lastName: string | null };
}
