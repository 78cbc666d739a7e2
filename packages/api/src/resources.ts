/** Wire shapes of resources, as Okta's OpenAPI spec defines them. Dates are ISO strings with ms. */

export interface HrefObject {
  href: string;
  hints?: { allow: string[] };
  name?: string;
  templated?: boolean;
  type?: string;
}

/** `ApiToken` in the spec: metadata only, never the token value. */
export interface ApiTokenResource {
  id: string;
  name: string;
  userId: string;
  clientName: string;
  tokenWindow: string;
  network: { connection: 'ANYWHERE' | 'ZONE'; include?: string[]; exclude?: string[] };
  created: string;
  lastUpdated: string;
  expiresAt: string;
  _links: { self: HrefObject; user: HrefObject };
}

/** `PrincipalRateLimitEntity`: the share of the org's rate limits one API token or OAuth 2.0 app may use. */
export interface PrincipalRateLimitResource {
  id: string;
  orgId: string;
  principalId: string;
  principalType: 'SSWS_TOKEN' | 'OAUTH_CLIENT';
  defaultPercentage: number;
  defaultConcurrencyPercentage: number;
  createdDate: string;
  createdBy: string;
  lastUpdate: string;
  lastUpdatedBy: string;
}

export type PerClientRateLimitMode = 'ENFORCE' | 'PREVIEW' | 'DISABLE';

/** `PerClientRateLimitSettings`. `useCaseModeOverrides` is omitted when there are none. */
export interface PerClientRateLimitSettingsResource {
  defaultMode: PerClientRateLimitMode;
  useCaseModeOverrides?: { LOGIN_PAGE?: PerClientRateLimitMode; OAUTH2_AUTHORIZE?: PerClientRateLimitMode; OIE_APP_INTENT?: PerClientRateLimitMode };
}

/** `RateLimitWarningThresholdResponse`: a percentage from 30 to 90. */
export interface RateLimitWarningThresholdResource {
  warningThreshold: number;
}

/** `RateLimitAdminNotifications`. */
export interface RateLimitAdminNotificationsResource {
  notificationsEnabled: boolean;
}
