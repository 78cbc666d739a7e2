import type { ConcurrencyPeak, PrincipalRateLimitRecord, PrincipalType, StoredRateLimitSettings } from './types.ts';

/** Keyset position in the (createdDate, id) order of principal rate limits. */
export interface PrincipalRateLimitCursor {
  created: number;
  id: string;
}

export interface PrincipalRateLimitQuery {
  principalType: PrincipalType;
  principalId?: string;
  after?: PrincipalRateLimitCursor;
  limit: number;
}

/**
 * The org's rate-limit settings and principal rate limits. Every transaction that writes
 * either calls `bumpRateLimitGeneration`, so `rateLimitGeneration` moves whenever anything a
 * reader loaded may differ, on every instance sharing the database.
 */
export interface RateLimitSettingsStore {
  bumpRateLimitGeneration(): Promise<void>;
  /** The change counter (0 before the first change); a cheap read for cache validation. */
  rateLimitGeneration(): Promise<number>;

  readRateLimitSettings(): Promise<StoredRateLimitSettings>;
  /** Inserts or replaces one setting. */
  writeRateLimitSetting<K extends keyof StoredRateLimitSettings>(name: K, value: NonNullable<StoredRateLimitSettings[K]>, updated: number): Promise<void>;

  /** Conflicts (E0000001 naming `principalRateLimitMediated`) when the principal already has one. */
  insertPrincipalRateLimit(record: PrincipalRateLimitRecord): Promise<void>;
  /** Writes the percentages and the last-update fields. */
  updatePrincipalRateLimit(record: PrincipalRateLimitRecord): Promise<void>;
  getPrincipalRateLimit(id: string): Promise<PrincipalRateLimitRecord | undefined>;
  findPrincipalRateLimitByPrincipal(principalId: string): Promise<PrincipalRateLimitRecord | undefined>;
  /** In (createdDate, id) order. */
  listPrincipalRateLimits(query: PrincipalRateLimitQuery): Promise<PrincipalRateLimitRecord[]>;
  /** Every principal rate limit, for the settings snapshot. */
  allPrincipalRateLimits(): Promise<PrincipalRateLimitRecord[]>;
}

/** Daily concurrency peaks per traffic class, the history adaptive concurrency limits learn from. */
export interface ConcurrencyPeakStore {
  /** Raises the day's peak to `peak` if it is higher: one atomic upsert, safe across instances. */
  recordConcurrencyPeak(trafficClass: string, day: string, peak: number): Promise<void>;
  /** The class's peaks from `sinceDay` (inclusive, `YYYY-MM-DD`) on, oldest first. */
  concurrencyPeaks(trafficClass: string, sinceDay: string): Promise<ConcurrencyPeak[]>;
}
