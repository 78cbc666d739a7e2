import { randomBytes } from 'node:crypto';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { systemContext } from '../domain/org/bootstrap.ts';
import type { CallContext } from '../domain/shared/context.ts';
import type { EventSpec, SystemLog } from '../domain/system-log/writer.ts';
import type { ClientUseCase } from '../domain/rate-limits/types.ts';
import type { Clock } from '../domain/shared/clock.ts';
import type { ApiTokenService } from '../domain/api-tokens/service.ts';
import { RateLimitExceededError, ServiceUnavailableError } from '../errors/catalog.ts';
import type { Bucket, BucketTable } from '../rate-limit/buckets.ts';
import type { TrafficClassifier } from '../rate-limit/concurrency.ts';
import type { LimitDecision } from '../rate-limit/limiter.ts';
import { LimiterUnavailableError } from '../rate-limit/limiter.ts';
import { useCaseOf } from '../rate-limit/request-limiter.ts';
import type { RequestLimiter } from '../rate-limit/request-limiter.ts';
import { identifyCaller } from './auth.ts';

/** Okta's device-token cookie: identifies a browser for client-based limits. */
export const DEVICE_COOKIE = 'DT';
/** How long a device cookie lives: a year, renewed by nothing (Okta's DT is long-lived too). */
const DEVICE_COOKIE_MAX_AGE_S = 365 * 86_400;
/** At most one "Redis unavailable" line in the server log per this interval. */
const UNAVAILABLE_LOG_INTERVAL_MS = 60_000;

/** Distinct `METHOD path` pairs whose bucket is remembered; the memo starts over when full. */
const BUCKET_MEMO_SIZE = 10_000;

export interface RateLimitingDeps {
  requestLimiter: RequestLimiter;
  table: BucketTable;
  classifier: TrafficClassifier;
  tokens: ApiTokenService;
  log: SystemLog;
  clock: Clock;
  /** What to do when a shared backend cannot be reached. */
  failure: 'open' | 'closed';
  /** Whether cookies set here carry `Secure` (the org is served over https). */
  secureCookies: boolean;
}

/**
 * Okta's rate limits on every request: identify the caller (SSWS, for principal shares), decide
 * the org bucket, the principal's share, client-based limits and concurrency in one limiter call,
 * answer the `X-Rate-Limit-*` headers or a 429, and give the concurrency slots back when the
 * response ends, however it ends (finished, client gone, handler threw). Paths no bucket covers
 * are not limited and carry no rate-limit headers.
 */
export function installRateLimiting(app: FastifyInstance, deps: RateLimitingDeps): void {
  const { requestLimiter, table, classifier, tokens, log, clock } = deps;
  let lastUnavailableLog = -Infinity;
  // Bucket matching splits the path; most traffic repeats paths, so the answer is memoized.
  // (Fastify's `request.routeOptions` builds a new object on every read: too slow to look up.)
  const memo = new Map<string, Bucket | null>();
  const bucketOf = (method: string, path: string): Bucket | null => {
    const key = method + ' ' + path;
    let bucket = memo.get(key);
    if (bucket === undefined) {
      bucket = table.match(method, path);
      if (memo.size >= BUCKET_MEMO_SIZE) memo.clear();
      memo.set(key, bucket);
    }
    return bucket;
  };

  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    const bucket = bucketOf(request.method, path);
    if (bucket === null) return;
    const now = clock.now();
    if (path.startsWith('/api/v1/')) await identifyCaller(request, tokens);
    const principal = request.callContext?.principal;
    const useCase = useCaseOf(bucket);
    const client = useCase === undefined ? null : clientFacts(request, reply, useCase, deps.secureCookies);
    const plan = requestLimiter.plan({
      now,
      bucket,
      trafficClass: classifier.classify(request.headers['user-agent'], path),
      principalId: principal?.apiTokenId ?? null,
      principalType: principal?.apiTokenId ? 'SSWS_TOKEN' : null,
      client,
    });

    let decision: LimitDecision;
    try {
      const pending = requestLimiter.decide(plan);
      decision = pending instanceof Promise ? await pending : pending;
    } catch (error) {
      if (!(error instanceof LimiterUnavailableError)) throw error;
      if (now - lastUnavailableLog >= UNAVAILABLE_LOG_INTERVAL_MS) {
        lastUnavailableLog = now;
        request.log.error({ err: error.cause ?? error, failure: deps.failure }, `rate-limit backend unavailable: requests are ${deps.failure === 'open' ? 'admitted unlimited' : 'refused with 503'}`);
      }
      if (deps.failure === 'open') return;
      reply.header('retry-after', '1');
      throw new ServiceUnavailableError();
    }

    const verdict = requestLimiter.verdict(plan, decision);
    if (verdict.events.length > 0) recordEvents(log, eventContext(request), verdict.events);
    reply.header('x-rate-limit-limit', verdict.headers.limit);
    reply.header('x-rate-limit-remaining', verdict.headers.remaining);
    reply.header('x-rate-limit-reset', verdict.headers.reset);
    if (!verdict.admitted) {
      reply.header('retry-after', verdict.retryAfter);
      // Okta's SDKs wait `X-Rate-Limit-Reset - Date`: both from the same clock.
      reply.header('date', new Date(now).toUTCString());
      throw new RateLimitExceededError();
    }
    const lease = decision.lease;
    if (lease !== null) {
      const limiter = requestLimiter;
      reply.raw.once('close', () => limiter.release(lease, clock.now()));
    }
  });
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * The client key's parts: the client address (Fastify's `request.ip` is the address before any
 * trusted proxy), the OAuth `client_id` on /authorize, and the device id of the `DT` cookie. A
 * browser request without one gets a new cookie and is counted, this once, with the requests
 * that have no device (Okta's null-device quota).
 */
function clientFacts(request: FastifyRequest, reply: FastifyReply, useCase: ClientUseCase, secure: boolean) {
  const header = request.headers.cookie;
  let deviceId: string | null = null;
  if (header !== undefined) {
    const cookies = parseCookie(header);
    deviceId = cookies[DEVICE_COOKIE] ?? cookies[DEVICE_COOKIE.toLowerCase()] ?? null;
    if (deviceId !== null && !/^[A-Za-z0-9_-]{8,128}$/.test(deviceId)) deviceId = null;
  }
  if (deviceId === null && isBrowser(request)) {
    reply.header(
      'set-cookie',
      serializeCookie(DEVICE_COOKIE, `DI${randomBytes(18).toString('base64url')}`, { path: '/', maxAge: DEVICE_COOKIE_MAX_AGE_S, httpOnly: true, secure, sameSite: secure ? 'none' : 'lax' }),
    );
  }
  let clientId: string | null = null;
  if (useCase === 'OAUTH2_AUTHORIZE') {
    const value = (request.query as Record<string, unknown> | undefined)?.client_id;
    if (typeof value === 'string' && value !== '') clientId = value.slice(0, 128);
  }
  return { useCase, ip: request.ip, clientId, deviceId };
}

/** A browser asks for HTML or says it is Mozilla-compatible; scripts and SDKs do neither. */
function isBrowser(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  if (accept !== undefined && accept.includes('text/html')) return true;
  return request.headers['user-agent']?.startsWith('Mozilla/') ?? false;
}

/** Rate-limit events are the server's: the actor is the caller when known, else Tollgate itself. */
function eventContext(request: FastifyRequest): CallContext {
  const base = request.callContext ?? systemContext(request.id);
  return {
    ...base,
    requestId: request.id,
    ipAddress: request.ip,
    ipChain: request.ips && request.ips.length > 0 ? [...request.ips].reverse() : [request.ip],
    userAgent: request.headers['user-agent'] ?? null,
    requestUri: request.url,
    transactionType: 'WEB',
  };
}

function recordEvents(log: SystemLog, ctx: CallContext, events: readonly EventSpec[]): void {
  for (const event of events) void log.record(ctx, event);
}
