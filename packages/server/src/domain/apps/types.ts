import type { JsonObject } from '../policies/kinds/kind.ts';

export type AppStatus = 'ACTIVE' | 'INACTIVE';

/** The app kinds Tollgate serves: custom OIDC clients and bookmarks. */
export type AppName = 'oidc_client' | 'bookmark';
export type SignOnMode = 'OPENID_CONNECT' | 'BOOKMARK';

export const SIGN_ON_MODE_OF: Record<AppName, SignOnMode> = { oidc_client: 'OPENID_CONNECT', bookmark: 'BOOKMARK' };

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'none';

/** The stored part of `credentials.oauthClient` (the client id has its own column, the secret is never stored). */
export interface OAuthClientCredentials {
  autoKeyRotation: boolean;
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  pkce_required: boolean;
}

export interface AppCredentials {
  userNameTemplate: { template: string; type: string };
  signing: JsonObject;
  /** OIDC apps only. */
  oauthClient?: OAuthClientCredentials;
}

/**
 * An app instance. `settings`, `visibility` and `accessibility` are Okta's objects as served,
 * defaults filled in; `settings.oauthClient` of an OIDC app is the validated client metadata.
 */
export interface AppRecord {
  id: string;
  name: AppName;
  label: string;
  signOnMode: SignOnMode;
  status: AppStatus;
  /** OIDC apps: the OAuth 2.0 `client_id` (by default the app id). Null for bookmarks. */
  clientId: string | null;
  /** SHA-256 (hex) of the client secret of a confidential OIDC client; null when it has none. */
  clientSecretHash: string | null;
  credentials: AppCredentials;
  settings: JsonObject;
  visibility: JsonObject;
  accessibility: JsonObject;
  /** OIDC apps only (Okta: "only available to OAuth 2.0 client apps"). */
  profile: JsonObject | null;
  created: number;
  lastUpdated: number;
}

/** An app with the id of the app sign-in (ACCESS_POLICY) policy it is mapped to. */
export interface AppView {
  app: AppRecord;
  accessPolicyId: string | undefined;
}

/** A user's direct assignment to an app (scope USER). Group-derived assignments are computed on read. */
export interface AppUserAssignmentRecord {
  appId: string;
  userId: string;
  profile: JsonObject;
  created: number;
  lastUpdated: number;
}

export interface AppGroupAssignmentRecord {
  appId: string;
  groupId: string;
  priority: number;
  profile: JsonObject;
  lastUpdated: number;
}

/**
 * A user as an app sees them: assigned directly (scope USER, which wins when both apply) or
 * through one or more assigned groups (scope GROUP; `groupId` is the highest-priority one).
 */
export interface AppUserView {
  appId: string;
  userId: string;
  login: string;
  email: string | null;
  scope: 'USER' | 'GROUP';
  /** The group the assignment comes from (scope GROUP). */
  groupId: string | null;
  profile: JsonObject;
  created: number;
  lastUpdated: number;
}
