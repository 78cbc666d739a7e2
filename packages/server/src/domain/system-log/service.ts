import { ApiValidationError, InvalidFilterError, InvalidPagingError } from '../../errors/catalog.ts';
import { demand } from '../authz/permissions.ts';
import type { Clock } from '../shared/clock.ts';
import type { CallContext } from '../shared/context.ts';
import { parseLogFilter } from './filter.ts';
import { parseLegacyFilter, toLegacyEvent } from './legacy-events.ts';
import type { LegacyEvent } from './legacy-events.ts';
import type { SystemLogStore } from './ports.ts';
import type { LogQuery, StoredLogEvent } from './query.ts';
import type { LogEvent } from './types.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Okta refuses a `since` further back than this. */
const MAX_SINCE_AGE_MS = 180 * DAY_MS;
/** Okta's default window: `since` is 7 days before `until` (or now). */
const DEFAULT_WINDOW_MS = 7 * DAY_MS;
const LOG_LIMIT = { default: 100, max: 1000 };
/** The Events API's default and maximum page. */
const LEGACY_LIMIT = { default: 1000, max: 1000 };
const MAX_KEYWORDS = 10;
const MAX_KEYWORD_LENGTH = 40;
const PURGE_BATCH = 5_000;

/** `GET /api/v1/logs` parameters as they arrive (strings, all optional). */
export interface LogListParams {
  since?: string;
  until?: string;
  after?: string;
  filter?: string;
  q?: string;
  limit?: string;
  sortOrder?: string;
}

/** `GET /api/v1/events` parameters. */
export interface LegacyListParams {
  startDate?: string;
  after?: string;
  filter?: string;
  limit?: string;
}

export interface LogPage {
  events: StoredLogEvent[];
  /** The `after` value of the `next` link; absent on the last page of a bounded query. */
  next?: string;
}

/**
 * Reads the System Log the way Okta's API does, in one of two modes:
 * - **polling** (no `until`, ascending): ordered by persistence (`seq`); the page always has a
 *   `next` cursor, and following it returns exactly the events stored since, none twice.
 * - **bounded** (`until` given, or descending): ordered by `published` within [since, until);
 *   the last page has no `next`.
 * Events older than the retention are invisible whether or not the purge has run yet.
 */
export class SystemLogService {
  constructor(
    private readonly deps: {
      store: SystemLogStore;
      clock: Clock;
      /** Events older than this many days are purged and never returned. */
      retentionDays: number;
    },
  ) {}

  async list(ctx: CallContext, params: LogListParams): Promise<LogPage> {
    demand(ctx.principal, 'okta.logs.read');
    const now = this.deps.clock.now();
    const causes: string[] = [];
    const sortOrder = params.sortOrder ?? 'ASCENDING';
    if (sortOrder !== 'ASCENDING' && sortOrder !== 'DESCENDING') {
      throw new ApiValidationError(['sortOrder: must be ASCENDING or DESCENDING']);
    }
    const limit = parseLogLimit(params.limit, causes);
    const until = params.until === undefined ? undefined : parseInstant('until', params.until, causes);
    const since = params.since === undefined ? undefined : parseInstant('since', params.since, causes);
    if (params.after !== undefined && params.since !== undefined) causes.push('after: cannot be combined with since');
    const keywords = parseKeywords(params.q, causes);
    if (since !== undefined && until !== undefined && since > until) causes.push('since: must not be later than until');
    if (causes.length > 0) throw new ApiValidationError(causes);
    if (since !== undefined && since < now - MAX_SINCE_AGE_MS) {
      throw new InvalidFilterError('Invalid parameter: The since parameter is over 180 days prior to the current day.', [
        'since: must be within the last 180 days',
      ]);
    }
    const filter = params.filter === undefined || params.filter.trim() === '' ? undefined : parseLogFilter(params.filter);

    const retentionFloor = now - this.deps.retentionDays * DAY_MS;
    const polling = until === undefined && sortOrder === 'ASCENDING';
    const query: LogQuery = {
      mode: polling ? 'polling' : 'bounded',
      sortOrder,
      since: retentionFloor,
      keywords,
      limit,
      ...(filter ? { filter } : {}),
    };

    if (polling) {
      const after = params.after === undefined ? undefined : decodePollingCursor(params.after);
      if (after !== undefined) query.after = { seq: after.seq };
      const windowStart = after === undefined ? (since ?? now - DEFAULT_WINDOW_MS) : after.since;
      if (windowStart !== undefined) query.since = Math.max(retentionFloor, windowStart);
      return this.poll(query, after?.since);
    }

    const end = until ?? now;
    const cursor = params.after === undefined ? undefined : decodeBoundedCursor(params.after);
    const start = cursor?.since ?? since ?? end - DEFAULT_WINDOW_MS;
    query.since = Math.max(retentionFloor, start);
    query.until = end;
    if (cursor) query.after = { seq: cursor.seq, published: cursor.published };
    const events = await this.deps.store.queryLogEvents({ ...query, limit: limit + 1 });
    const page = events.slice(0, limit);
    const last = page.at(-1);
    return {
      events: page,
      ...(events.length > limit && last ? { next: `${last.published}_${last.seq}_${start}` } : {}),
    };
  }

  /**
   * The legacy Events API: persistence order, like polling, with a `next` cursor on every
   * page. `startDate` excludes `filter` and `after`; without any of the three, the last hour.
   */
  async listLegacy(ctx: CallContext, params: LegacyListParams): Promise<{ events: LegacyEvent[]; next: string }> {
    demand(ctx.principal, 'okta.logs.read');
    const now = this.deps.clock.now();
    const causes: string[] = [];
    if (params.startDate !== undefined && params.filter !== undefined) causes.push('startDate: cannot be combined with filter');
    if (params.startDate !== undefined && params.after !== undefined) causes.push('startDate: cannot be combined with after');
    const startDate = params.startDate === undefined ? undefined : parseInstant('startDate', params.startDate, causes);
    const limit = parseLogLimit(params.limit, causes, LEGACY_LIMIT);
    if (causes.length > 0) throw new ApiValidationError(causes);
    const legacy = params.filter === undefined ? {} : parseLegacyFilter(params.filter);
    const after = params.after === undefined ? undefined : decodePollingCursor(params.after);
    const retentionFloor = now - this.deps.retentionDays * DAY_MS;
    const defaultSince = params.filter === undefined && after === undefined ? now - HOUR_MS : retentionFloor;
    const query: LogQuery = {
      mode: 'polling',
      sortOrder: 'ASCENDING',
      since: Math.max(retentionFloor, startDate ?? legacy.since ?? defaultSince),
      keywords: [],
      limit,
      ...(legacy.until !== undefined ? { until: legacy.until } : {}),
      ...(legacy.filter ? { filter: legacy.filter } : {}),
      ...(after !== undefined ? { after: { seq: after.seq } } : {}),
    };
    if (after?.since !== undefined) query.since = Math.max(retentionFloor, after.since);
    const { events, next } = await this.poll(query, after?.since);
    return { events: events.map((e) => toLegacyEvent(JSON.parse(e.json) as LogEvent)), next };
  }

  /**
   * One page in persistence order and the cursor after it. The high-water mark is read first:
   * every event up to it is visible to the page query that follows, so a page that is not full
   * may move the cursor there, past events the filter skipped, without ever passing one that
   * is still to come.
   */
  private async poll(query: LogQuery, carriedSince?: number): Promise<{ events: StoredLogEvent[]; next: string }> {
    const highWater = await this.deps.store.lastLogSeq();
    const events = await this.deps.store.queryLogEvents(query);
    const from = query.after?.seq ?? 0;
    // `limit=0` reads nothing, so it may not move the cursor either; a first page keeps its
    // window start in the cursor, so the next page still begins at `since`.
    if (query.limit === 0) return { events, next: encodePollingCursor(from, query.after ? carriedSince : query.since) };
    const last = events.at(-1)?.seq ?? from;
    const full = events.length === query.limit;
    return { events, next: encodePollingCursor(full ? last : Math.max(last, highWater), carriedSince) };
  }

  /** Deletes events older than the retention, in batches; returns how many went. */
  async purgeExpired(): Promise<number> {
    const before = this.deps.clock.now() - this.deps.retentionDays * DAY_MS;
    let total = 0;
    for (;;) {
      const deleted = await this.deps.store.purgeLogEvents(before, PURGE_BATCH);
      total += deleted;
      if (deleted < PURGE_BATCH) return total;
    }
  }
}

function parseLogLimit(raw: string | undefined, causes: string[], spec = LOG_LIMIT): number {
  if (raw === undefined) return spec.default;
  if (!/^\d{1,9}$/.test(raw)) {
    causes.push(`limit: must be an integer from 0 to ${spec.max}`);
    return spec.default;
  }
  return Math.min(Number(raw), spec.max);
}

/**
 * ISO 8601 instants as Okta accepts them: a date, or a date and time with an offset or Z. A
 * time without an offset is UTC (never the server's zone), and impossible dates (February 30)
 * are refused rather than rolled over.
 */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function parseInstant(name: string, raw: string, causes: string[]): number | undefined {
  const m = ISO_INSTANT.exec(raw);
  let ms = NaN;
  if (m) {
    const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => (v === undefined ? undefined : Number(v)));
    const date = new Date(Date.UTC(year!, month! - 1, day!));
    const real = date.getUTCFullYear() === year && date.getUTCMonth() === month! - 1 && date.getUTCDate() === day;
    if (real && hour <= 23 && minute <= 59 && second <= 59) ms = Date.parse(m[4] !== undefined && m[7] === undefined ? `${raw}Z` : raw);
  }
  if (Number.isNaN(ms)) {
    causes.push(`${name}: must be an ISO 8601 date-time, such as 2026-11-01T00:00:00.000Z`);
    return undefined;
  }
  return ms;
}

function parseKeywords(q: string | undefined, causes: string[]): string[] {
  if (q === undefined) return [];
  const keywords = q.split(/\s+/).filter((k) => k.length > 0);
  if (keywords.length > MAX_KEYWORDS) causes.push(`q: at most ${MAX_KEYWORDS} keywords`);
  if (keywords.some((k) => k.length > MAX_KEYWORD_LENGTH)) causes.push(`q: each keyword has at most ${MAX_KEYWORD_LENGTH} characters`);
  return keywords.map((k) => k.toLowerCase());
}

/** Polling cursors: the last `seq` read, and the window start when a first page had `limit=0`. */
function encodePollingCursor(seq: number, since?: number): string {
  return since === undefined ? String(seq) : `${seq}_${since}`;
}

function decodePollingCursor(raw: string): { seq: number; since?: number } {
  const match = /^(\d{1,15})(?:_(\d{1,15}))?$/.exec(raw);
  if (!match) throw new InvalidPagingError();
  return { seq: Number(match[1]), ...(match[2] !== undefined ? { since: Number(match[2]) } : {}) };
}

function decodeBoundedCursor(raw: string): { published: number; seq: number; since: number } {
  const match = /^(\d{1,15})_(\d{1,15})_(\d{1,15})$/.exec(raw);
  if (!match) throw new InvalidPagingError();
  return { published: Number(match[1]), seq: Number(match[2]), since: Number(match[3]) };
}
