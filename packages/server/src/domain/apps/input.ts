import { ApiValidationError } from '../../errors/catalog.ts';
import type { Json, JsonObject } from '../policies/kinds/kind.ts';

/**
 * Collects every problem of a request body as `field: message` causes, so one 400 reports
 * them all (Okta lists every cause, not the first).
 */
export class Causes {
  readonly list: string[] = [];

  add(field: string, message: string): void {
    this.list.push(`${field}: ${message}`);
  }

  /** Throws E0000001 with every cause collected, if any. */
  throwIfAny(): void {
    if (this.list.length > 0) throw new ApiValidationError(this.list);
  }
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An optional object: undefined/null give `{}`; anything else but an object is a cause. */
export function objectAt(value: unknown, field: string, causes: Causes): JsonObject {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) {
    causes.add(field, 'must be an object');
    return {};
  }
  return value;
}

export function optionalString(value: unknown, field: string, causes: Causes, maxLength = 1024): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    causes.add(field, 'must be a string');
    return undefined;
  }
  if (value.length > maxLength) {
    causes.add(field, `must be at most ${maxLength} characters`);
    return undefined;
  }
  return value;
}

export function optionalBoolean(value: unknown, field: string, causes: Causes): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') {
    causes.add(field, 'must be true or false');
    return undefined;
  }
  return value;
}

export function optionalEnum<T extends string>(value: unknown, field: string, allowed: readonly T[], causes: Causes): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    causes.add(field, `must be one of ${allowed.join(', ')}`);
    return undefined;
  }
  return value as T;
}

/** An optional list of strings, duplicates removed in order. */
export function optionalStrings(value: unknown, field: string, causes: Causes, maxItems = 100): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    causes.add(field, 'must be an array of strings');
    return undefined;
  }
  if (value.length > maxItems) {
    causes.add(field, `must have at most ${maxItems} items`);
    return undefined;
  }
  const out: string[] = [];
  value.forEach((item, i) => {
    if (typeof item !== 'string' || item.length === 0 || item.length > 1024) causes.add(`${field}.${i}`, 'must be a non-empty string of at most 1024 characters');
    else if (!out.includes(item)) out.push(item);
  });
  return out;
}

/** A JSON object kept as given (app profiles, assignment profiles): at most `maxBytes` as JSON. */
export function freeformObject(value: unknown, field: string, causes: Causes, maxBytes = 64 * 1024): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    causes.add(field, 'must be an object');
    return undefined;
  }
  if (JSON.stringify(value).length > maxBytes) {
    causes.add(field, `must be at most ${maxBytes} bytes as JSON`);
    return undefined;
  }
  return value;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An absolute http(s) URL. */
export function checkWebUrl(value: string, field: string, causes: Causes): void {
  const url = parseUrl(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) causes.add(field, `'${value}' is not a valid absolute http or https URL`);
}

/**
 * A URL Okta sends users' browsers to (redirect, logout and sign-in initiation URIs): absolute,
 * without a fragment, and https unless it points at the local machine. Native apps may also use
 * a private-use scheme (`com.example.app:/callback`). `allowWildcard` admits one `*` in the first
 * label of an https host (`wildcard_redirect: SUBDOMAIN`).
 */
export function checkBrowserUri(value: string, field: string, causes: Causes, options: { native: boolean; allowWildcard: boolean }): void {
  const wildcard = options.allowWildcard && value.includes('*');
  const url = parseUrl(wildcard ? value.replace('*', 'wildcard') : value);
  if (!url) {
    causes.add(field, `'${value}' is not a valid absolute URI`);
    return;
  }
  if (url.hash !== '' || value.includes('#')) {
    causes.add(field, `'${value}' must not contain a fragment`);
    return;
  }
  if (value.includes('*') && !wildcard) {
    causes.add(field, `'${value}' must not contain a wildcard unless wildcard_redirect is SUBDOMAIN`);
    return;
  }
  if (wildcard && !wildcardAllowed(value)) {
    causes.add(field, `'${value}' may have one wildcard, only in the lowest-level domain of an https URI with at least one domain between it and the top-level domain`);
    return;
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:') {
    if (!LOOPBACK_HOSTS.has(url.hostname)) causes.add(field, `'${value}' must use https (http is allowed only for localhost)`);
    return;
  }
  if (!options.native || !/^[a-z][a-z0-9+.-]*:$/.test(url.protocol)) {
    causes.add(field, `'${value}' must use https (http is allowed only for localhost)`);
  }
}

function wildcardAllowed(value: string): boolean {
  const host = /^https:\/\/([^/:?#]+)/.exec(value)?.[1];
  if (host === undefined || value.split('*').length !== 2) return false;
  const labels = host.split('.');
  return labels.length >= 3 && labels[0]!.includes('*');
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The object with its null-valued and undefined keys dropped (Okta omits unset fields). */
export function compact(entries: Record<string, Json | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(entries)) if (value !== undefined && value !== null) out[key] = value;
  return out;
}
