import { parse } from 'scim2-parse-filter';
import type { Filter } from 'scim2-parse-filter';
import { InvalidFilterError } from '../../errors/catalog.ts';
import type { LogFilter } from './query.ts';
import type { LogEvent } from './types.ts';

/**
 * Okta's deprecated Events API (`GET /api/v1/events`) served from the System Log store. Its
 * event format is older and flatter; this maps a `LogEvent` onto it: `action.objectType` is the
 * legacy event type where Okta has one (else the System Log type), the actors are the user and
 * the client, the targets keep their ids and types.
 */
export interface LegacyEvent {
  eventId: string;
  sessionId?: string;
  requestId: string;
  published: string;
  action: { message: string; categories: string[]; objectType: string; requestUri?: string };
  actors: LegacyObject[];
  targets: LegacyObject[];
}

interface LegacyObject {
  id: string;
  displayName: string;
  login?: string;
  ipAddress?: string;
  objectType: string;
}

export function toLegacyEvent(event: LogEvent): LegacyEvent {
  const actors: LegacyObject[] = [
    { id: event.actor.id, displayName: event.actor.displayName, login: event.actor.alternateId, objectType: event.actor.type },
  ];
  if (event.client.userAgent || event.client.ipAddress) {
    actors.push({
      id: event.client.userAgent?.rawUserAgent ?? 'unknown',
      displayName: event.client.userAgent?.browser ?? 'UNKNOWN',
      ...(event.client.ipAddress ? { ipAddress: event.client.ipAddress } : {}),
      objectType: 'Client',
    });
  }
  const requestUri = event.debugContext.debugData.requestUri;
  return {
    eventId: `tev${event.uuid.replace(/-/g, '')}`,
    ...(event.authenticationContext.externalSessionId ? { sessionId: event.authenticationContext.externalSessionId } : {}),
    requestId: event.transaction.id,
    published: event.published,
    action: {
      message: event.displayMessage,
      categories: [],
      objectType: event.legacyEventType ?? event.eventType,
      ...(requestUri ? { requestUri } : {}),
    },
    actors,
    targets: event.target.map((t) => ({ id: t.id, displayName: t.displayName, login: t.alternateId, objectType: t.type })),
  };
}

/** What an Events API `filter` becomes: a System Log filter and `published` bounds. */
export interface LegacyFilter {
  filter?: LogFilter;
  /** Inclusive lower and exclusive upper bound on `published`, epoch ms. */
  since?: number;
  until?: number;
}

const MAX_FILTER_LENGTH = 2_000;

/**
 * The Events API's filter attributes: `published` (gt, ge, lt, le; joined with `and` at the
 * top level), `action.objectType`, `target.id`, `target.objectType` and `actors.id` (eq, with
 * `and`/`or`/`not`). Anything else is refused with 400 E0000053.
 */
export function parseLegacyFilter(text: string): LegacyFilter {
  if (text.length > MAX_FILTER_LENGTH) throw invalid(`the filter is longer than ${MAX_FILTER_LENGTH} characters`);
  let ast: Filter;
  try {
    ast = parse(text);
  } catch (error) {
    throw invalid((error as Error).message || 'it cannot be parsed');
  }
  const out: LegacyFilter = {};
  const rest: LogFilter[] = [];
  for (const part of ast.op === 'and' ? ast.filters : [ast]) {
    if ('attrPath' in part && part.attrPath === 'published' && part.op !== '[]') {
      bound(part, out);
    } else {
      rest.push(translate(part));
    }
  }
  if (rest.length === 1) out.filter = rest[0]!;
  else if (rest.length > 1) out.filter = { kind: 'and', items: rest };
  return out;
}

function bound(part: Filter, out: LegacyFilter): void {
  if (part.op !== 'gt' && part.op !== 'ge' && part.op !== 'lt' && part.op !== 'le') {
    throw invalid('published supports only gt, ge, lt and le');
  }
  const ms = typeof part.compValue === 'string' ? Date.parse(part.compValue) : NaN;
  if (Number.isNaN(ms)) throw invalid('published needs an ISO 8601 date-time in quotes');
  if (part.op === 'gt' || part.op === 'ge') out.since = Math.max(out.since ?? -Infinity, part.op === 'gt' ? ms + 1 : ms);
  else out.until = Math.min(out.until ?? Infinity, part.op === 'le' ? ms + 1 : ms);
}

/** Each Events API attribute as a System Log filter on the value. */
const ATTRIBUTES: Record<string, (value: string) => LogFilter> = {
  // `action.objectType` is the legacy type where there is one, else the System Log type.
  'action.objectType': (value) => ({
    kind: 'or',
    items: [
      { kind: 'compare', path: 'legacyEventType', op: 'eq', value },
      { kind: 'and', items: [{ kind: 'not', item: { kind: 'present', path: 'legacyEventType' } }, { kind: 'compare', path: 'eventType', op: 'eq', value }] },
    ],
  }),
  'target.id': (value) => ({ kind: 'compare', path: 'target.id', op: 'eq', value }),
  'target.objectType': (value) => ({ kind: 'compare', path: 'target.type', op: 'eq', value }),
  'actors.id': (value) => ({ kind: 'compare', path: 'actor.id', op: 'eq', value }),
};

function translate(part: Filter): LogFilter {
  switch (part.op) {
    case 'and':
    case 'or':
      return { kind: part.op, items: part.filters.map(translate) };
    case 'not':
      return { kind: 'not', item: translate(part.filter) };
    case 'eq': {
      if (part.attrPath === 'published') throw invalid('published bounds go at the top level, joined with and');
      const attribute = ATTRIBUTES[part.attrPath];
      if (!attribute) throw invalid(`${part.attrPath} cannot be filtered on; use published, action.objectType, target.id, target.objectType or actors.id`);
      if (typeof part.compValue !== 'string') throw invalid(`${part.attrPath} needs a string in quotes`);
      return attribute(part.compValue);
    }
    default:
      throw invalid(part.op === '[]' ? 'the [ ] operator is not supported' : `${part.attrPath} supports only eq (published: gt, ge, lt, le at the top level)`);
  }
}

function invalid(what: string): InvalidFilterError {
  return new InvalidFilterError(`Invalid SCIM filter. ${what}`, [`filter: ${what}`]);
}
