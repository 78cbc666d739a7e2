import type { Json, JsonObject } from '../policies/kinds/kind.ts';
import {
  checkBrowserUri,
  checkWebUrl,
  compact,
  isObject,
  objectAt,
  optionalBoolean,
  optionalEnum,
  optionalString,
  optionalStrings,
} from './input.ts';
import type { Causes } from './input.ts';
import type { OAuthClientCredentials, TokenEndpointAuthMethod } from './types.ts';

export const APPLICATION_TYPES = ['web', 'browser', 'native', 'service'] as const;
export type ApplicationType = (typeof APPLICATION_TYPES)[number];

export const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'];

/** Methods where the client proves itself with the shared secret. */
export const SECRET_METHODS: ReadonlySet<TokenEndpointAuthMethod> = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SAML2_BEARER = 'urn:ietf:params:oauth:grant-type:saml2-bearer';

/** Okta's GrantType enum. */
const GRANT_TYPES = [
  'authorization_code',
  'client_credentials',
  'implicit',
  'interaction_code',
  'password',
  'refresh_token',
  DEVICE_CODE,
  JWT_BEARER,
  SAML2_BEARER,
  TOKEN_EXCHANGE,
  'urn:openid:params:grant-type:ciba',
  'urn:okta:params:oauth:grant-type:otp',
  'urn:okta:params:oauth:grant-type:oob',
  'http://auth0.com/oauth/grant-type/mfa-otp',
  'http://auth0.com/oauth/grant-type/mfa-oob',
] as const;

/**
 * The grant types each application type may use, after Okta's client-registration rules: a
 * single-page app is a public browser client (code, implicit, refresh, interaction code); a
 * service app only authenticates itself (client credentials); web and native apps have the
 * wider sets, and only native apps get the device and direct-authentication grants.
 */
const ALLOWED_GRANTS: Record<ApplicationType, ReadonlySet<string>> = {
  web: new Set(['authorization_code', 'implicit', 'refresh_token', 'client_credentials', 'password', 'interaction_code', TOKEN_EXCHANGE, JWT_BEARER, SAML2_BEARER]),
  browser: new Set(['authorization_code', 'implicit', 'refresh_token', 'interaction_code']),
  native: new Set(GRANT_TYPES.filter((g) => g !== 'client_credentials' && g !== 'urn:openid:params:grant-type:ciba')),
  service: new Set(['client_credentials']),
};

const RESPONSE_TYPES = ['code', 'id_token', 'token'] as const;

/** `settings.oauthClient` fields that are URLs of pages or documents (not browser redirects). */
const WEB_URL_FIELDS = ['client_uri', 'logo_uri', 'policy_uri', 'tos_uri', 'jwks_uri', 'sector_identifier_uri', 'frontchannel_logout_uri'] as const;

export interface OidcClientInput {
  /** `settings.oauthClient` as sent. */
  settings: unknown;
  /** `credentials.oauthClient` as sent. */
  credentials: unknown;
}

export interface ParsedOidcClient {
  /** `settings.oauthClient` with Okta's defaults filled in. */
  settings: JsonObject;
  credentials: OAuthClientCredentials;
  /** A client-chosen `client_id`, when sent. */
  clientId?: string;
  /** A client-chosen secret, when sent (the service hashes it; it is never stored). */
  clientSecret?: string;
}

/**
 * Validates an OIDC client's metadata the way Okta does when an app is created or replaced and
 * fills in Okta's defaults. Adds a cause per problem; the result is meaningful only when none
 * were added.
 */
export function parseOidcClient(input: OidcClientInput, causes: Causes): ParsedOidcClient {
  const s = objectAt(input.settings, 'settings.oauthClient', causes);
  const c = objectAt(input.credentials, 'credentials.oauthClient', causes);
  const f = (name: string) => `settings.oauthClient.${name}`;
  const cf = (name: string) => `credentials.oauthClient.${name}`;

  const type = optionalEnum(s.application_type, f('application_type'), APPLICATION_TYPES, causes) ?? 'web';
  const grants = grantTypes(s.grant_types, type, causes);

  // --- client authentication -----------------------------------------------------------------
  const method = optionalEnum(c.token_endpoint_auth_method, cf('token_endpoint_auth_method'), AUTH_METHODS, causes) ?? (type === 'browser' ? 'none' : 'client_secret_basic');
  if (type === 'browser' && method !== 'none') {
    causes.add(cf('token_endpoint_auth_method'), `A 'browser' application is a public client; token_endpoint_auth_method must be 'none'`);
  }
  if ((type === 'web' || type === 'service') && method === 'none') {
    causes.add(cf('token_endpoint_auth_method'), `A '${type}' application is a confidential client; token_endpoint_auth_method cannot be 'none'`);
  }
  const pkceSent = optionalBoolean(c.pkce_required, cf('pkce_required'), causes);
  const pkce = pkceSent ?? (type === 'browser' || type === 'native' || method === 'none');
  if (method === 'none' && !pkce) causes.add(cf('pkce_required'), `must be true when token_endpoint_auth_method is 'none'`);
  const autoKeyRotation = optionalBoolean(c.autoKeyRotation, cf('autoKeyRotation'), causes) ?? true;

  const clientId = optionalString(c.client_id, cf('client_id'), causes, 1000);
  if (clientId !== undefined) {
    if (clientId.length < 6 || clientId.length > 100) causes.add(cf('client_id'), `'client_id' must be between 6 and 100 characters long.`);
    else if (!/^[A-Za-z0-9$\-_.+!*'(),]+$/.test(clientId)) causes.add(cf('client_id'), `'client_id' must consist of alphanumeric characters or the following special characters: $-_.+!*'(),`);
    else if (clientId === 'ALL_CLIENTS') causes.add(cf('client_id'), `'ALL_CLIENTS' is a reserved word and cannot be used as a client_id`);
  }
  const clientSecret = secret(c.client_secret, method, causes);

  // --- redirects and responses ---------------------------------------------------------------
  const wildcard = optionalEnum(s.wildcard_redirect, f('wildcard_redirect'), ['DISABLED', 'SUBDOMAIN'] as const, causes) ?? 'DISABLED';
  const uriOptions = { native: type === 'native', allowWildcard: wildcard === 'SUBDOMAIN' };
  const redirects = optionalStrings(s.redirect_uris, f('redirect_uris'), causes) ?? [];
  redirects.forEach((uri, i) => checkBrowserUri(uri, `${f('redirect_uris')}.${i}`, causes, uriOptions));
  if (redirects.length === 0 && (grants.includes('authorization_code') || grants.includes('implicit'))) {
    causes.add(f('redirect_uris'), `At least one redirect URI is required when grant_types include authorization_code or implicit`);
  }
  const logoutRedirects = optionalStrings(s.post_logout_redirect_uris, f('post_logout_redirect_uris'), causes);
  logoutRedirects?.forEach((uri, i) => checkBrowserUri(uri, `${f('post_logout_redirect_uris')}.${i}`, causes, { ...uriOptions, allowWildcard: false }));
  const responses = responseTypes(s.response_types, grants, type, causes);

  const initiateLoginUri = optionalString(s.initiate_login_uri, f('initiate_login_uri'), causes);
  if (initiateLoginUri !== undefined) checkBrowserUri(initiateLoginUri, f('initiate_login_uri'), causes, { native: false, allowWildcard: false });
  const idpInitiated = idpInitiatedLogin(s.idp_initiated_login, type, grants, initiateLoginUri, causes);

  const urls: Record<string, string | undefined> = {};
  for (const name of WEB_URL_FIELDS) {
    const value = optionalString(s[name], f(name), causes);
    if (value !== undefined) checkWebUrl(value, f(name), causes);
    urls[name] = value;
  }
  const jwks = keySet(s.jwks, causes);
  if (method === 'private_key_jwt' && jwks === undefined && urls.jwks_uri === undefined) {
    causes.add(f('jwks'), `A client using 'private_key_jwt' needs its public keys: set jwks or jwks_uri`);
  }
  if (jwks !== undefined && urls.jwks_uri !== undefined) causes.add(f('jwks'), 'jwks and jwks_uri cannot both be set');

  const refreshToken = refreshTokenSettings(s.refresh_token, type, grants, causes);
  const dpop = optionalBoolean(s.dpop_bound_access_tokens, f('dpop_bound_access_tokens'), causes) ?? false;
  if (dpop && (grants.includes('client_credentials') || grants.includes('implicit'))) {
    causes.add(f('dpop_bound_access_tokens'), 'client_credentials and implicit are not allowed in grant_types when dpop_bound_access_tokens is true');
  }
  const participateSlo = optionalBoolean(s.participate_slo, f('participate_slo'), causes);
  if (participateSlo === true && type !== 'web' && type !== 'browser') causes.add(f('participate_slo'), `can be enabled only for 'web' and 'browser' applications`);

  const settings = compact({
    client_uri: urls.client_uri,
    logo_uri: urls.logo_uri,
    redirect_uris: redirects,
    post_logout_redirect_uris: logoutRedirects,
    response_types: responses,
    grant_types: grants,
    application_type: type,
    consent_method: optionalEnum(s.consent_method, f('consent_method'), ['REQUIRED', 'TRUSTED'] as const, causes) ?? 'TRUSTED',
    issuer_mode: optionalEnum(s.issuer_mode, f('issuer_mode'), ['ORG_URL', 'CUSTOM_URL', 'DYNAMIC'] as const, causes) ?? 'ORG_URL',
    idp_initiated_login: idpInitiated,
    initiate_login_uri: initiateLoginUri,
    policy_uri: urls.policy_uri,
    tos_uri: urls.tos_uri,
    jwks_uri: urls.jwks_uri,
    jwks,
    sector_identifier_uri: urls.sector_identifier_uri,
    subject_type: optionalEnum(s.subject_type, f('subject_type'), ['public', 'pairwise'] as const, causes),
    refresh_token: refreshToken,
    network: network(s.network, causes),
    participate_slo: participateSlo,
    frontchannel_logout_uri: urls.frontchannel_logout_uri,
    frontchannel_logout_session_required: optionalBoolean(s.frontchannel_logout_session_required, f('frontchannel_logout_session_required'), causes),
    wildcard_redirect: wildcard,
    dpop_bound_access_tokens: dpop,
  });
  return {
    settings,
    credentials: { autoKeyRotation, token_endpoint_auth_method: method, pkce_required: pkce },
    ...(clientId !== undefined ? { clientId } : {}),
    ...(clientSecret !== undefined ? { clientSecret } : {}),
  };
}

function grantTypes(value: unknown, type: ApplicationType, causes: Causes): string[] {
  const field = 'settings.oauthClient.grant_types';
  if (value === undefined || value === null) {
    causes.add(field, 'The field cannot be left blank');
    return [];
  }
  const grants = optionalStrings(value, field, causes) ?? [];
  if (Array.isArray(value) && value.length === 0) causes.add(field, 'The field cannot be left blank');
  for (const grant of grants) {
    if (!(GRANT_TYPES as readonly string[]).includes(grant)) causes.add(field, `'${grant}' is not a valid grant type`);
    else if (!ALLOWED_GRANTS[type].has(grant)) causes.add(field, `'${grant}' is not allowed for a '${type}' application`);
  }
  if (type === 'web' && grants.length > 0 && !grants.includes('authorization_code')) {
    causes.add(field, `A 'web' application must include 'authorization_code'`);
  }
  return grants;
}

/**
 * `code` belongs to the authorization-code grant and `token`/`id_token` to the implicit grant
 * (a service app's client-credentials grant returns a `token`). Unset, they follow the grants.
 */
function responseTypes(value: unknown, grants: readonly string[], type: ApplicationType, causes: Causes): string[] {
  const field = 'settings.oauthClient.response_types';
  const sent = optionalStrings(value, field, causes);
  const code = grants.includes('authorization_code');
  const implicit = grants.includes('implicit');
  const responses = sent ?? (type === 'service' ? ['token'] : [...(code ? ['code'] : []), ...(implicit ? ['token', 'id_token'] : [])]);
  for (const response of responses) {
    if (!(RESPONSE_TYPES as readonly string[]).includes(response)) causes.add(field, `must be one of ${RESPONSE_TYPES.join(', ')}`);
    else if (response === 'code' && !code) causes.add(field, `'code' requires the 'authorization_code' grant type`);
    else if (response !== 'code' && !implicit && !(type === 'service' && response === 'token')) causes.add(field, `'${response}' requires the 'implicit' grant type`);
  }
  if (code && !responses.includes('code')) causes.add(field, `must include 'code' when grant_types include 'authorization_code'`);
  if (implicit && !responses.includes('token') && !responses.includes('id_token')) {
    causes.add(field, `must include 'token' or 'id_token' when grant_types include 'implicit'`);
  }
  return responses;
}

function secret(value: unknown, method: TokenEndpointAuthMethod, causes: Causes): string | undefined {
  const field = 'credentials.oauthClient.client_secret';
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    causes.add(field, 'must be a string');
    return undefined;
  }
  if (!SECRET_METHODS.has(method)) {
    causes.add(field, `'client_secret' can't be used when 'token_endpoint_auth_method' is '${method}'.`);
    return undefined;
  }
  if (!/^[\x20-\x7E]+$/.test(value)) causes.add(field, `'client_secret' must only contain printable ASCII: [x20-x7E]+`);
  else if (value.length > 100) causes.add(field, `'client_secret' can't be more than '100' characters long.`);
  else if (value.length < 14) causes.add(field, `'client_secret' must be at least '14' characters long.`);
  else if (method === 'client_secret_jwt' && value.length < 32) {
    causes.add(field, `'client_secret' must be at least '32' characters long when 'token_endpoint_auth_method' is 'client_secret_jwt'.`);
  }
  return value;
}

function idpInitiatedLogin(value: unknown, type: ApplicationType, grants: readonly string[], initiateLoginUri: string | undefined, causes: Causes): JsonObject {
  const field = 'settings.oauthClient.idp_initiated_login';
  const o = objectAt(value, field, causes);
  const mode = optionalEnum(o.mode, `${field}.mode`, ['DISABLED', 'SPEC', 'OKTA'] as const, causes) ?? 'DISABLED';
  const scopes = optionalStrings(o.default_scope, `${field}.default_scope`, causes) ?? [];
  if (mode !== 'DISABLED') {
    if (initiateLoginUri === undefined) causes.add('settings.oauthClient.initiate_login_uri', `is required when idp_initiated_login.mode is ${mode}`);
    if ((type === 'web' || type === 'browser') && !grants.some((g) => g === 'authorization_code' || g === 'implicit' || g === 'interaction_code')) {
      causes.add(`${field}.mode`, `${mode} requires grant_types to include authorization_code, implicit or interaction_code`);
    }
  }
  return { mode, default_scope: scopes };
}

function refreshTokenSettings(value: unknown, type: ApplicationType, grants: readonly string[], causes: Causes): JsonObject | undefined {
  const field = 'settings.oauthClient.refresh_token';
  if (!grants.includes('refresh_token')) {
    if (value !== undefined && value !== null) causes.add(field, `can be set only when grant_types include 'refresh_token'`);
    return undefined;
  }
  const o = objectAt(value, field, causes);
  const rotation = optionalEnum(o.rotation_type, `${field}.rotation_type`, ['ROTATE', 'STATIC'] as const, causes) ?? (type === 'browser' ? 'ROTATE' : 'STATIC');
  let leeway = 30;
  if (o.leeway !== undefined && o.leeway !== null) {
    if (typeof o.leeway !== 'number' || !Number.isInteger(o.leeway) || o.leeway < 0 || o.leeway > 60) causes.add(`${field}.leeway`, 'must be an integer from 0 to 60');
    else leeway = o.leeway;
  }
  return { rotation_type: rotation, leeway };
}

/** A JSON Web Key Set: `{keys: [...]}`, each key an object with a `kty`; kept as given. */
function keySet(value: unknown, causes: Causes): JsonObject | undefined {
  const field = 'settings.oauthClient.jwks';
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || !Array.isArray(value.keys)) {
    causes.add(field, 'must be an object with a keys array');
    return undefined;
  }
  if (value.keys.length > 50) causes.add(`${field}.keys`, 'You have reached the maximum number of keys allowed (50)');
  const kids = new Set<string>();
  value.keys.forEach((key: Json, i: number) => {
    if (!isObject(key) || typeof key.kty !== 'string') causes.add(`${field}.keys.${i}`, 'must be a JSON Web Key with a kty');
    else if (typeof key.kid === 'string') {
      if (kids.has(key.kid)) causes.add(`${field}.keys.${i}.kid`, `All keys in the 'jwks' must have a unique 'kid'.`);
      kids.add(key.kid);
    }
  });
  return { keys: value.keys };
}

function network(value: unknown, causes: Causes): JsonObject | undefined {
  const field = 'settings.oauthClient.network';
  if (value === undefined || value === null) return undefined;
  const o = objectAt(value, field, causes);
  const connection = optionalEnum(o.connection, `${field}.connection`, ['ANYWHERE', 'ZONE'] as const, causes);
  if (connection === undefined) {
    if (o.connection === undefined || o.connection === null) causes.add(`${field}.connection`, 'The field cannot be left blank');
    return undefined;
  }
  const include = optionalStrings(o.include, `${field}.include`, causes);
  const exclude = optionalStrings(o.exclude, `${field}.exclude`, causes);
  if (connection === 'ZONE' && (include ?? []).length === 0 && (exclude ?? []).length === 0) {
    causes.add(`${field}.include`, 'A ZONE connection needs zones to include or exclude');
  }
  return compact({ connection, include, exclude });
}
