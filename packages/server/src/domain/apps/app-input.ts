import type { JsonObject } from '../policies/kinds/kind.ts';
import { Causes, checkWebUrl, compact, freeformObject, isObject, objectAt, optionalBoolean, optionalEnum, optionalString } from './input.ts';
import { parseOidcClient } from './oidc-client.ts';
import type { ParsedOidcClient } from './oidc-client.ts';
import { SIGN_ON_MODE_OF } from './types.ts';
import type { AppCredentials, AppName, AppRecord, SignOnMode } from './types.ts';

/**
 * An app as a client sends it (create or full replace). Read-only fields a client echoes back
 * (`id`, `status`, `created`, `_links`, `features` ...) are ignored, as Okta ignores them.
 */
export interface AppInput {
  name?: unknown;
  signOnMode?: unknown;
  label?: unknown;
  settings?: unknown;
  credentials?: unknown;
  visibility?: unknown;
  accessibility?: unknown;
  profile?: unknown;
}

export interface ParsedApp {
  name: AppName;
  signOnMode: SignOnMode;
  label: string;
  credentials: AppCredentials;
  settings: JsonObject;
  visibility: JsonObject;
  accessibility: JsonObject;
  profile: JsonObject | null;
  /** OIDC apps: the client's parts that are not stored as sent (client id and secret). */
  oidc?: ParsedOidcClient;
}

const SERVED_MODES = Object.values(SIGN_ON_MODE_OF);
const SERVED_NAMES = Object.keys(SIGN_ON_MODE_OF) as AppName[];

/** The app link a new app shows on the (absent) end-user dashboard, as Okta names it. */
const APP_LINK: Record<AppName, string> = { oidc_client: 'oidc_client_link', bookmark: 'login' };

/**
 * Validates an app and fills in Okta's defaults, answering one 400 with every cause. On replace
 * (`previous` given) the name and sign-on mode are the stored ones: Okta ignores a sent `name`
 * and cannot turn an app into another kind.
 */
export function parseAppInput(input: AppInput, previous?: AppRecord): ParsedApp {
  const causes = new Causes();
  const { name, signOnMode } = previous ? kindOnReplace(input, previous, causes) : kindOnCreate(input, causes);
  causes.throwIfAny();

  const label = optionalString(input.label, 'label', causes, 255);
  const labelMissing = label === undefined ? input.label === undefined || input.label === null : label.trim() === '';
  if (labelMissing) causes.add('label', 'The field cannot be left blank');
  const settingsIn = objectAt(input.settings, 'settings', causes);
  const credentialsIn = objectAt(input.credentials, 'credentials', causes);
  const common = commonSettings(settingsIn, causes);

  let settings: JsonObject;
  let oidc: ParsedOidcClient | undefined;
  if (name === 'oidc_client') {
    oidc = parseOidcClient({ settings: settingsIn.oauthClient, credentials: credentialsIn.oauthClient }, causes);
    settings = { app: {}, ...common, oauthClient: oidc.settings };
  } else {
    settings = { app: bookmarkApp(settingsIn.app, causes), ...common };
  }
  const profile = freeformObject(input.profile, 'profile', causes) ?? null;
  if (profile !== null && name !== 'oidc_client') causes.add('profile', 'is available only to OAuth 2.0 client (OPENID_CONNECT) apps');

  const credentials: AppCredentials = { userNameTemplate: userNameTemplate(credentialsIn.userNameTemplate, causes), signing: {} };
  if (oidc) credentials.oauthClient = oidc.credentials;
  const parsed: ParsedApp = {
    name,
    signOnMode,
    label: label ?? '',
    credentials,
    settings,
    visibility: visibility(input.visibility, name, causes),
    accessibility: accessibility(input.accessibility, causes),
    profile,
    ...(oidc ? { oidc } : {}),
  };
  causes.throwIfAny();
  return parsed;
}

function kindOnCreate(input: AppInput, causes: Causes): { name: AppName; signOnMode: SignOnMode } {
  const mode = input.signOnMode;
  if (mode === undefined || mode === null) {
    causes.add('signOnMode', 'The field cannot be left blank');
  } else if (typeof mode !== 'string' || !(SERVED_MODES as string[]).includes(mode)) {
    causes.add('signOnMode', `Tollgate serves custom OPENID_CONNECT and BOOKMARK apps only; ${JSON.stringify(mode)} is not supported`);
  }
  const name = input.name ?? (mode === 'OPENID_CONNECT' ? 'oidc_client' : mode === 'BOOKMARK' ? 'bookmark' : undefined);
  if (typeof name !== 'string' || !(SERVED_NAMES as string[]).includes(name)) {
    causes.add('name', `Tollgate serves the oidc_client and bookmark apps only; ${JSON.stringify(name ?? null)} is not supported`);
    return { name: 'bookmark', signOnMode: 'BOOKMARK' };
  }
  const appName = name as AppName;
  if (typeof mode === 'string' && (SERVED_MODES as string[]).includes(mode) && SIGN_ON_MODE_OF[appName] !== mode) {
    causes.add('signOnMode', `The ${appName} app has signOnMode ${SIGN_ON_MODE_OF[appName]}, not ${mode}`);
  }
  return { name: appName, signOnMode: SIGN_ON_MODE_OF[appName] };
}

function kindOnReplace(input: AppInput, previous: AppRecord, causes: Causes): { name: AppName; signOnMode: SignOnMode } {
  if (input.signOnMode !== undefined && input.signOnMode !== null && input.signOnMode !== previous.signOnMode) {
    causes.add('signOnMode', `The sign-on mode of an app cannot be changed from ${previous.signOnMode}`);
  }
  return { name: previous.name, signOnMode: previous.signOnMode };
}

/** The settings every app has: implicit assignment and admin / end-user notes. */
function commonSettings(settings: JsonObject, causes: Causes): JsonObject {
  const notes = objectAt(settings.notes, 'settings.notes', causes);
  return {
    implicitAssignment: optionalBoolean(settings.implicitAssignment, 'settings.implicitAssignment', causes) ?? false,
    notes: compact({
      admin: optionalString(notes.admin, 'settings.notes.admin', causes, 250),
      enduser: optionalString(notes.enduser, 'settings.notes.enduser', causes, 250),
    }),
  };
}

function bookmarkApp(value: unknown, causes: Causes): JsonObject {
  const app = objectAt(value, 'settings.app', causes);
  const url = optionalString(app.url, 'settings.app.url', causes);
  if (url === undefined) {
    if (app.url === undefined || app.url === null) causes.add('settings.app.url', 'The field cannot be left blank');
  } else {
    checkWebUrl(url, 'settings.app.url', causes);
  }
  return { requestIntegration: optionalBoolean(app.requestIntegration, 'settings.app.requestIntegration', causes) ?? false, url: url ?? '' };
}

function userNameTemplate(value: unknown, causes: Causes): { template: string; type: string } {
  const o = objectAt(value, 'credentials.userNameTemplate', causes);
  return {
    template: optionalString(o.template, 'credentials.userNameTemplate.template', causes) ?? '${source.login}',
    type: optionalEnum(o.type, 'credentials.userNameTemplate.type', ['NONE', 'BUILT_IN', 'CUSTOM'] as const, causes) ?? 'BUILT_IN',
  };
}

function visibility(value: unknown, name: AppName, causes: Causes): JsonObject {
  const o = objectAt(value, 'visibility', causes);
  const hide = objectAt(o.hide, 'visibility.hide', causes);
  let appLinks: JsonObject = { [APP_LINK[name]]: true };
  if (o.appLinks !== undefined && o.appLinks !== null) {
    if (!isObject(o.appLinks) || Object.values(o.appLinks).some((v) => typeof v !== 'boolean')) {
      causes.add('visibility.appLinks', 'must map app link names to true or false');
    } else {
      appLinks = o.appLinks;
    }
  }
  return {
    autoLaunch: optionalBoolean(o.autoLaunch, 'visibility.autoLaunch', causes) ?? false,
    autoSubmitToolbar: optionalBoolean(o.autoSubmitToolbar, 'visibility.autoSubmitToolbar', causes) ?? false,
    hide: {
      iOS: optionalBoolean(hide.iOS, 'visibility.hide.iOS', causes) ?? false,
      web: optionalBoolean(hide.web, 'visibility.hide.web', causes) ?? false,
    },
    appLinks,
  };
}

function accessibility(value: unknown, causes: Causes): JsonObject {
  const o = objectAt(value, 'accessibility', causes);
  const out = compact({
    selfService: optionalBoolean(o.selfService, 'accessibility.selfService', causes) ?? false,
    errorRedirectUrl: optionalString(o.errorRedirectUrl, 'accessibility.errorRedirectUrl', causes),
    loginRedirectUrl: optionalString(o.loginRedirectUrl, 'accessibility.loginRedirectUrl', causes),
  });
  for (const field of ['errorRedirectUrl', 'loginRedirectUrl'] as const) {
    if (typeof out[field] === 'string') checkWebUrl(out[field], `accessibility.${field}`, causes);
  }
  return out;
}
