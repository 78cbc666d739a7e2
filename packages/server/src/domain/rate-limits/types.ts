/** Okta's client-based rate-limit modes (`/api/v1/rate-limit-settings/per-client`). */
export type ClientMode = 'ENFORCE' | 'PREVIEW' | 'DISABLE';
export const CLIENT_MODES: readonly ClientMode[] = ['ENFORCE', 'PREVIEW', 'DISABLE'];

/** The browser flows client-based limits cover. */
export type ClientUseCase = 'LOGIN_PAGE' | 'OAUTH2_AUTHORIZE' | 'OIE_APP_INTENT';
export const CLIENT_USE_CASES: readonly ClientUseCase[] = ['LOGIN_PAGE', 'OAUTH2_AUTHORIZE', 'OIE_APP_INTENT'];

export type PrincipalType = 'SSWS_TOKEN' | 'OAUTH_CLIENT';
export const PRINCIPAL_TYPES: readonly PrincipalType[] = ['SSWS_TOKEN', 'OAUTH_CLIENT'];

/** The share of each org bucket and of the concurrent limit one principal may use. */
export interface PrincipalShare {
  /** Percent of each per-minute org bucket. */
  readonly percentage: number;
  /** Percent of the org's concurrent limit. */
  readonly concurrencyPercentage: number;
}

/** Okta's default for a token or OAuth client without a principal rate limit entity. */
export const DEFAULT_PRINCIPAL_SHARE: PrincipalShare = { percentage: 50, concurrencyPercentage: 50 };

export interface PerClientSettings {
  readonly defaultMode: ClientMode;
  readonly useCaseModeOverrides: Readonly<Partial<Record<ClientUseCase, ClientMode>>>;
}

/**
 * Everything the request path reads about rate-limit settings, as one immutable value: the
 * limiter reads it synchronously and a refresh swaps it whole.
 */
export interface RateLimitSettingsSnapshot {
  readonly perClient: PerClientSettings;
  /** Percent of a bucket at which `system.org.rate_limit.warning` fires (30-90). */
  readonly warningThreshold: number;
  readonly notificationsEnabled: boolean;
  /** Principals with an entity of their own; the others use DEFAULT_PRINCIPAL_SHARE. */
  readonly principals: ReadonlyMap<string, PrincipalShare>;
}

/** Okta's `PrincipalRateLimitEntity` as stored and served. */
export interface PrincipalRateLimit {
  id: string;
  orgId: string;
  principalId: string;
  principalType: PrincipalType;
  defaultPercentage: number;
  defaultConcurrencyPercentage: number;
  createdDate: number;
  createdBy: string;
  lastUpdate: number;
  lastUpdatedBy: string;
}

/** A principal rate limit as stored: `orgId` is the org's, added when served. */
export type PrincipalRateLimitRecord = Omit<PrincipalRateLimit, 'orgId'>;

/** The org-wide settings as stored; an absent one has its default. */
export interface StoredRateLimitSettings {
  perClient?: PerClientSettings;
  warningThreshold?: number;
  notificationsEnabled?: boolean;
}

/** The highest number of requests of one traffic class in flight at once on one UTC day. */
export interface ConcurrencyPeak {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  peak: number;
}
