import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';

export const LOGS_TAIL_USAGE =
  'usage: tollgate logs tail [--filter EXPR] [--q KEYWORDS] [--since ISO] [--interval SECONDS] [--json] [--once] [--url ORG_URL] [--token TOKEN]';

const DEFAULT_URL = 'http://127.0.0.1:8080';
/** Okta recommends polling the System Log no more often than every 2 seconds. */
const DEFAULT_INTERVAL_S = 2;
/** The largest page Okta's System Log API serves; a full page means more are waiting. */
const PAGE_LIMIT = 1000;
/** How long one request may take before it counts as a network failure. */
const REQUEST_TIMEOUT_MS = 30_000;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
/** A rate-limit reset further away than this is taken as a clock problem and capped. */
const MAX_RATE_LIMIT_WAIT_MS = 3_600_000;
/** Event ids remembered to drop a repeat delivery (Tollgate never repeats; this is for other servers). */
const SEEN_IDS = 10_000;

interface TailOptions {
  baseUrl: URL;
  token: string;
  filter?: string;
  q?: string;
  since?: string;
  intervalMs: number;
  json: boolean;
  once: boolean;
}

type Output = (text: string) => void;

/** `tollgate logs <sub>`. Returns the exit code: 0 done (or stopped by a signal), 1 failed, 2 usage error. */
export async function logs(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'tail') {
    process.stderr.write(`tollgate: ${LOGS_TAIL_USAGE}\n`);
    return 2;
  }
  const parsed = parseTailArgs(rest, env);
  if (typeof parsed === 'string') {
    process.stderr.write(`tollgate: ${parsed}\n`);
    return 2;
  }

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  // A reader that goes away (`tollgate logs tail | head`) ends the tail quietly.
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') process.stderr.write(`tollgate: cannot write output: ${error.message}\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);
  try {
    return await tail(parsed, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      signal: stop.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
  }
}

function parseTailArgs(argv: string[], env: NodeJS.ProcessEnv): TailOptions | string {
  let values: ReturnType<typeof parse>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parse(argv));
  } catch (error) {
    const e = error as { code?: string; message: string };
    const flag = /'(-[^']*)'/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) return `unknown flag ${flag}\n${LOGS_TAIL_USAGE}`;
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) return `flag ${flag.split(' ')[0]} needs a value`;
    return `${e.message.split('.')[0] ?? 'invalid arguments'}\n${LOGS_TAIL_USAGE}`;
  }
  if (positionals.length > 0) return `unexpected argument "${positionals[0]}"\n${LOGS_TAIL_USAGE}`;

  const rawUrl = values.url ?? env.TOLLGATE_ORG_URL ?? DEFAULT_URL;
  let baseUrl: URL;
  try {
    baseUrl = new URL(rawUrl);
  } catch {
    return `invalid org URL "${rawUrl}" (--url or TOLLGATE_ORG_URL)`;
  }
  if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') return `invalid org URL "${rawUrl}": must be http or https`;

  const token = values.token ?? env.TOLLGATE_API_TOKEN;
  if (!token) return 'no API token: pass --token or set TOLLGATE_API_TOKEN';

  let intervalMs = DEFAULT_INTERVAL_S * 1000;
  if (values.interval !== undefined) {
    const seconds = /^\d+(\.\d+)?$/.test(values.interval) ? Number(values.interval) : NaN;
    if (!(seconds > 0) || seconds > 86_400) return `invalid --interval "${values.interval}": a number of seconds, above 0`;
    intervalMs = seconds * 1000;
  }

  return {
    baseUrl,
    token,
    ...(values.filter !== undefined ? { filter: values.filter } : {}),
    ...(values.q !== undefined ? { q: values.q } : {}),
    ...(values.since !== undefined ? { since: values.since } : {}),
    intervalMs,
    json: values.json === true,
    once: values.once === true,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      filter: { type: 'string' },
      q: { type: 'string' },
      since: { type: 'string' },
      interval: { type: 'string' },
      json: { type: 'boolean' },
      once: { type: 'boolean' },
      url: { type: 'string' },
      token: { type: 'string' },
    },
  });
}

/** The first request: the org's System Log in polling mode (no `until`, ascending). */
export function firstPollUrl(options: Pick<TailOptions, 'baseUrl' | 'filter' | 'q' | 'since'>): URL {
  const url = new URL(options.baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/logs`;
  url.search = '';
  url.hash = '';
  const params = url.searchParams;
  if (options.since !== undefined) params.set('since', options.since);
  if (options.filter !== undefined) params.set('filter', options.filter);
  if (options.q !== undefined) params.set('q', options.q);
  params.set('limit', String(PAGE_LIMIT));
  return url;
}

type Fetched =
  | { kind: 'page'; events: unknown[]; next: string | undefined }
  | { kind: 'fatal'; message: string }
  | { kind: 'retry'; message: string; waitMs?: number }
  | { kind: 'stopped' };

/**
 * Polls until stopped (or, with `once`, until a page comes back empty). Each event is printed as
 * one line. The `next` link is followed exactly as the server gives it.
 */
async function tail(options: TailOptions, io: { out: Output; err: Output; signal: AbortSignal }): Promise<number> {
  const { signal } = io;
  let url = firstPollUrl(options).toString();
  let backoffMs = BACKOFF_MIN_MS;
  const seen = new RecentIds(SEEN_IDS);

  while (!signal.aborted) {
    const result = await fetchPage(url, options.token, signal);
    if (result.kind === 'stopped') break;
    if (result.kind === 'fatal') {
      io.err(`tollgate: ${result.message}\n`);
      return 1;
    }
    if (result.kind === 'retry') {
      if (result.waitMs !== undefined) {
        io.err(`tollgate: ${result.message}; waiting ${formatSeconds(result.waitMs)} before trying again\n`);
        await pause(result.waitMs, signal);
        continue;
      }
      if (options.once) {
        io.err(`tollgate: ${result.message}\n`);
        return 1;
      }
      io.err(`tollgate: ${result.message}; retrying in ${formatSeconds(backoffMs)}\n`);
      await pause(backoffMs, signal);
      backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
      continue;
    }

    backoffMs = BACKOFF_MIN_MS;
    for (const event of result.events) {
      if (!isRecord(event)) continue;
      const id = typeof event.uuid === 'string' ? event.uuid : undefined;
      if (id !== undefined && !seen.add(id)) continue;
      io.out(`${options.json ? JSON.stringify(event) : formatEvent(event)}\n`);
    }

    if (options.once && result.events.length === 0) break;
    if (result.next === undefined) {
      if (options.once) break;
      io.err('tollgate: the server sent no rel="next" link, so there is nothing more to poll\n');
      return 1;
    }
    const next = new URL(result.next, url);
    if (next.origin !== options.baseUrl.origin) {
      // Following it would send the API token to another server than the one named.
      io.err(`tollgate: the server's next link points to ${next.origin}, not ${options.baseUrl.origin}; pass that as --url\n`);
      return 1;
    }
    url = next.toString();
    // A full page means more events are waiting: fetch them now. Otherwise wait for new ones.
    if (!options.once && result.events.length < PAGE_LIMIT) await pause(options.intervalMs, signal);
  }
  return 0;
}

async function fetchPage(url: string, token: string, stop: AbortSignal): Promise<Fetched> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', authorization: `SSWS ${token}`, 'user-agent': 'tollgate-cli' },
      signal: AbortSignal.any([stop, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    text = await response.text();
  } catch (error) {
    if (stop.aborted) return { kind: 'stopped' };
    return { kind: 'retry', message: `cannot reach ${new URL(url).origin}: ${networkReason(error)}` };
  }

  if (response.status === 429) {
    const body = oktaError(text);
    return {
      kind: 'retry',
      message: body ? `${body.summary} (${body.code})` : 'rate limited (HTTP 429)',
      waitMs: rateLimitWait(response.headers),
    };
  }
  if (!response.ok) {
    const body = oktaError(text);
    const message = body
      ? `${body.summary} (${body.code})${body.causes.length > 0 ? `: ${body.causes.join('; ')}` : ''}`
      : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} from ${url.split('?')[0]}`;
    // A server error or an unavailable gateway may pass; anything else will not.
    return response.status >= 500 ? { kind: 'retry', message } : { kind: 'fatal', message };
  }

  let events: unknown;
  try {
    events = JSON.parse(text);
  } catch {
    events = undefined;
  }
  if (!Array.isArray(events)) return { kind: 'fatal', message: `the response from ${url.split('?')[0]} is not a JSON array of events` };
  return { kind: 'page', events, next: linkRel(response.headers.get('link'), 'next') };
}

/** How long to wait after a 429: until `X-Rate-Limit-Reset`, measured against the server's `Date`. */
export function rateLimitWait(headers: Headers, nowMs = Date.now()): number {
  const reset = Number(headers.get('x-rate-limit-reset'));
  if (!headers.has('x-rate-limit-reset') || !Number.isFinite(reset)) return 60_000; // Okta's limits are per minute
  const serverNow = Date.parse(headers.get('date') ?? '');
  const now = Number.isNaN(serverNow) ? nowMs : serverNow;
  const waitMs = reset * 1000 - now;
  // `Date` has whole seconds: wait at least one so the window has surely moved on.
  return Math.min(Math.max(waitMs, 1000), MAX_RATE_LIMIT_WAIT_MS);
}

/** The target of the first link with relation `rel` in a `Link` header (RFC 8288), if any. */
export function linkRel(header: string | null, rel: string): string | undefined {
  if (!header) return undefined;
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const params = match[2] ?? '';
    const relParam = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (relParam?.[1] ?? relParam?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes(rel)) return match[1];
  }
  return undefined;
}

function oktaError(text: string): { code: string; summary: string; causes: string[] } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(body) || typeof body.errorCode !== 'string' || typeof body.errorSummary !== 'string') return undefined;
  const causes = Array.isArray(body.errorCauses)
    ? body.errorCauses.flatMap((c) => (isRecord(c) && typeof c.errorSummary === 'string' ? [oneLine(c.errorSummary)] : []))
    : [];
  const summary = oneLine(body.errorSummary);
  // A cause that only repeats the summary (`filter: <the same text>`) adds nothing to the line.
  const extra = causes.filter((c) => !summary.includes(c.replace(/^[\w.]+: /, '')));
  return { code: oneLine(body.errorCode), summary, causes: extra };
}

function networkReason(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { message?: string; code?: string } };
  if (e.name === 'TimeoutError') return `no response within ${REQUEST_TIMEOUT_MS / 1000} s`;
  return oneLine(e.cause?.message ?? e.message ?? String(error));
}

/**
 * One event as one line: published, severity, eventType, actor, targets, outcome, message.
 * `2026-11-21T10:00:00.123Z INFO  policy.lifecycle.create  admin@example.com -> Policy "Foo" (00p1)  SUCCESS  Add policy`
 */
export function formatEvent(event: Record<string, unknown>): string {
  const actor = isRecord(event.actor) ? event.actor : {};
  const outcome = isRecord(event.outcome) ? event.outcome : {};
  const targets = (Array.isArray(event.target) ? event.target : []).filter(isRecord).map((t) => {
    const name = text(t.displayName) || text(t.alternateId);
    return [text(t.type), name ? `"${name}"` : '', t.id !== undefined && t.id !== null ? `(${text(t.id)})` : '']
      .filter((part) => part !== '')
      .join(' ');
  });
  const who = text(actor.alternateId) || text(actor.displayName) || text(actor.id) || '-';
  const result = text(outcome.result) || '-';
  const reason = text(outcome.reason);
  return [
    `${text(event.published)} ${(text(event.severity) || '-').padEnd(5)} ${text(event.eventType) || '-'}`,
    targets.length > 0 ? `${who} -> ${targets.join(', ')}` : who,
    reason ? `${result} (${reason})` : result,
    text(event.displayMessage),
  ]
    .join('  ')
    .trimEnd();
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return oneLine(typeof value === 'string' ? value : JSON.stringify(value));
}

/** Escapes line breaks and other control characters (terminal escapes included) so a value stays on its line. */
function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** Waits `ms`, or less if `signal` fires first. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/** A bounded set of recently seen ids; `add` is false for an id already there. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}

  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
    return true;
  }
}
