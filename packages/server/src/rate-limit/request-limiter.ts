import { createHash } from 'node:crypto';
import type { EventSpec } from '../domain/system-log/writer.ts';
import type { ClientMode, ClientUseCase, PrincipalShare, RateLimitSettingsSnapshot } from '../domain/rate-limits/types.ts';
import { DEFAULT_PRINCIPAL_SHARE } from '../domain/rate-limits/types.ts';
import type { Bucket, BucketTable } from './buckets.ts';
import { WINDOW_MS } from './limiter.ts';
import type { CounterCheck, Lease, LimitDecision, LimitQuery, RateLimiter, SlotCheck } from './limiter.ts';
import type { ConcurrencyLimits, TrafficClass } from './concurrency.ts';

/** Okta's fixed client-based limits (wire-facts §b6): not configurable, in Okta or here. */
export const CLIENT_REQUESTS_PER_MINUTE = 60;
export const CLIENT_CONCURRENT_REQUESTS = 5;
/** The reset suggested on a concurrency 429: an estimate, as Okta's is. */
export const CONCURRENCY_RETRY_MS = 1_000;

/** Which client-based use case a bucket's requests belong to. */
const USE_CASE_OF_BUCKET: Readonly<Record<string, ClientUseCase>> = {
  'login-page': 'LOGIN_PAGE',
  'oauth2-org-authorize': 'OAUTH2_AUTHORIZE',
  'oauth2-custom-authorize': 'OAUTH2_AUTHORIZE',
  idx: 'OIE_APP_INTENT',
  'idx-introspect': 'OIE_APP_INTENT',
  'app-intent': 'OIE_APP_INTENT',
};

export function useCaseOf(bucket: Bucket): ClientUseCase | undefined {
  return USE_CASE_OF_BUCKET[bucket.id];
}

/** What the request path knows about a request when it asks for a decision. */
export interface RequestFacts {
  now: number;
  bucket: Bucket;
  trafficClass: TrafficClass;
  /** The SSWS token id (or, later, OAuth client id) the request authenticated as. */
  principalId: string | null;
  principalType: 'SSWS_TOKEN' | 'OAUTH_CLIENT' | null;
  /** Client-based facts, for requests of a client-based use case. */
  client: { useCase: ClientUseCase; ip: string; clientId: string | null; deviceId: string | null } | null;
}

/** What the planner asked, kept beside the decision to read it back. */
export interface Plan {
  facts: RequestFacts;
  query: LimitQuery;
  /** Index of the principal counter/slot in the query, -1 if none. */
  principalCounter: number;
  principalSlot: number;
  clientCounter: number;
  clientSlot: number;
  clientMode: ClientMode;
  concurrencyLimit: number;
  warningThreshold: number;
}

export interface RateLimitHeaders {
  limit: number;
  remaining: number;
  /** UTC epoch seconds. */
  reset: number;
}

export interface Verdict {
  admitted: boolean;
  headers: RateLimitHeaders;
  /** Seconds until a retry can succeed (429 only). */
  retryAfter: number;
  /** System Log events this request triggers, at most once per window each. */
  events: EventSpec[];
}

/**
 * Turns request facts into one limiter query (org bucket, principal share, client key; org
 * traffic-class, principal and client concurrency) and the limiter's decision into headers,
 * status and events. Synchronous; the limiter call in between is the only I/O.
 */
export class RequestLimiter {
  constructor(
    private readonly deps: {
      limiter: RateLimiter;
      table: BucketTable;
      settings: () => RateLimitSettingsSnapshot;
      concurrency: ConcurrencyLimits;
    },
  ) {}

  plan(facts: RequestFacts): Plan {
    const settings = this.deps.settings();
    const { bucket, now } = facts;
    const counters: CounterCheck[] = [{ key: bucket.key, limit: bucket.limit, enforce: true, warnAt: Math.ceil((bucket.limit * settings.warningThreshold) / 100) }];
    const concurrencyLimit = this.deps.concurrency.limit(facts.trafficClass);
    const slots: SlotCheck[] = [{ key: `s:${facts.trafficClass}`, limit: concurrencyLimit, enforce: true }];
    let principalCounter = -1;
    let principalSlot = -1;
    if (facts.principalId !== null) {
      const share: PrincipalShare = settings.principals.get(facts.principalId) ?? DEFAULT_PRINCIPAL_SHARE;
      if (share.percentage < 100) {
        principalCounter = counters.length;
        counters.push({ key: `p:${facts.principalId}:${bucket.id}`, limit: Math.floor((bucket.limit * share.percentage) / 100), enforce: true, warnAt: 0 });
      }
      if (share.concurrencyPercentage < 100) {
        principalSlot = slots.length;
        slots.push({ key: `sp:${facts.principalId}`, limit: Math.floor((concurrencyLimit * share.concurrencyPercentage) / 100), enforce: true });
      }
    }
    let clientCounter = -1;
    let clientSlot = -1;
    let clientMode: ClientMode = 'DISABLE';
    if (facts.client !== null) {
      const { useCase, ip, clientId, deviceId } = facts.client;
      clientMode = settings.perClient.useCaseModeOverrides[useCase] ?? settings.perClient.defaultMode;
      if (clientMode !== 'DISABLE') {
        const enforce = clientMode === 'ENFORCE';
        const key = `${useCase}|${ip}|${clientId ?? ''}|${deviceId ?? ''}`;
        clientCounter = counters.length;
        counters.push({ key: `c:${key}`, limit: CLIENT_REQUESTS_PER_MINUTE, enforce, warnAt: 0 });
        clientSlot = slots.length;
        slots.push({ key: `sc:${key}`, limit: CLIENT_CONCURRENT_REQUESTS, enforce });
      }
    }
    return {
      facts,
      query: { now, counters, slots },
      principalCounter,
      principalSlot,
      clientCounter,
      clientSlot,
      clientMode,
      concurrencyLimit,
      warningThreshold: settings.warningThreshold,
    };
  }

  decide(plan: Plan): LimitDecision | Promise<LimitDecision> {
    return this.deps.limiter.decide(plan.query);
  }

  release(lease: Lease, now: number): void {
    this.deps.limiter.release(lease, now);
  }

  /**
   * Headers: on a counter 429, the counter that refused; on a concurrency 429, `0 / 0 / now + 1 s`
   * (Okta: "the first two header values are always 0", the reset an estimate); otherwise the
   * client counter when client limits are enforced (Okta: ENFORCE headers carry the client's
   * values), else whichever of the org bucket and the principal's share has fewer requests left.
   */
  verdict(plan: Plan, decision: LimitDecision): Verdict {
    const { query, facts } = plan;
    const events: EventSpec[] = [];
    this.collectEvents(plan, decision, events);
    if (decision.admitted) this.deps.concurrency.observe(facts.trafficClass, decision.slots[0]!.inFlight, facts.now);

    if (!decision.admitted) {
      for (let i = 0; i < query.counters.length; i++) {
        const check = query.counters[i]!;
        const state = decision.counters[i]!;
        if (check.enforce && state.over) {
          const reset = Math.ceil(state.resetAt / 1000);
          return {
            admitted: false,
            headers: { limit: check.limit, remaining: 0, reset },
            retryAfter: Math.max(1, Math.ceil((state.resetAt - facts.now) / 1000)),
            events,
          };
        }
      }
      return { admitted: false, headers: { limit: 0, remaining: 0, reset: Math.ceil((facts.now + CONCURRENCY_RETRY_MS) / 1000) }, retryAfter: 1, events };
    }

    let shown = 0;
    if (plan.clientCounter !== -1 && plan.clientMode === 'ENFORCE') shown = plan.clientCounter;
    else if (plan.principalCounter !== -1) {
      const p = plan.principalCounter;
      if (query.counters[p]!.limit - decision.counters[p]!.count < query.counters[0]!.limit - decision.counters[0]!.count) shown = p;
    }
    const check = query.counters[shown]!;
    const state = decision.counters[shown]!;
    return {
      admitted: true,
      headers: { limit: check.limit, remaining: Math.max(0, check.limit - state.count), reset: Math.ceil(state.resetAt / 1000) },
      retryAfter: 0,
      events,
    };
  }

  private collectEvents(plan: Plan, decision: LimitDecision, events: EventSpec[]): void {
    if (!hasEvent(decision)) return;
    const { facts, query } = plan;
    const org = decision.counters[0]!;
    const { bucket } = facts;
    const secondsToReset = String(Math.max(0, Math.ceil((org.resetAt - facts.now) / 1000)));
    const orgDebug = (): Record<string, string> => ({
      rateLimitBucketUuid: bucket.uuid,
      rateLimitScopeType: 'ORG',
      rateLimitSecondsToReset: secondsToReset,
      threshold: String(bucket.limit),
      timeSpan: String(WINDOW_MS / 60_000),
      timeUnit: 'MINUTES',
    });
    const orgTargets = [
      { id: bucket.pattern, type: 'URL Pattern', alternateId: bucket.pattern, displayName: bucket.pattern },
      { id: bucket.uuid, type: 'Bucket Uuid', alternateId: bucket.id, displayName: bucket.id },
    ];
    if (org.warned) {
      events.push({
        eventType: 'system.org.rate_limit.warning',
        displayMessage: 'Rate limit warning',
        legacyEventType: 'core.framework.ratelimit.warning',
        severity: 'WARN',
        target: orgTargets,
        debugData: { ...orgDebug(), warningPercent: String(plan.warningThreshold) },
      });
    }
    if (org.firstOver) {
      events.push({
        eventType: 'system.org.rate_limit.violation',
        displayMessage: 'Rate limit violation',
        legacyEventType: 'core.framework.ratelimit.exceeded',
        severity: 'WARN',
        outcome: { result: 'DENY', reason: 'Rate limit exceeded' },
        target: orgTargets,
        debugData: orgDebug(),
      });
    }
    if (plan.principalCounter !== -1 && decision.counters[plan.principalCounter]!.firstOver) {
      const state = decision.counters[plan.principalCounter]!;
      events.push(this.principalEvent(plan, 'system.operation.rate_limit.violation', query.counters[plan.principalCounter]!.limit, state.resetAt));
    }
    const orgSlot = decision.slots[0]!;
    if (orgSlot.firstOver) {
      events.push({
        eventType: 'core.concurrency.org.limit.violation',
        displayMessage: 'Too many requests in flight',
        severity: 'WARN',
        outcome: { result: 'DENY', reason: 'Concurrency limit exceeded' },
        target: orgTargets.slice(0, 1),
        debugData: { concurrencyLimit: String(plan.concurrencyLimit), trafficType: facts.trafficClass },
      });
    }
    if (plan.principalSlot !== -1 && decision.slots[plan.principalSlot]!.firstOver) {
      events.push(this.principalEvent(plan, 'system.operation.concurrency_limit.violation', query.slots[plan.principalSlot]!.limit, null));
    }
    if (facts.client !== null && plan.clientCounter !== -1) {
      const kind = plan.clientMode === 'ENFORCE' ? 'violation' : 'notification';
      const counter = decision.counters[plan.clientCounter]!;
      if (counter.firstOver) events.push(this.clientEvent(plan, `system.client.rate_limit.${kind}`, CLIENT_REQUESTS_PER_MINUTE, counter.resetAt));
      if (decision.slots[plan.clientSlot]!.firstOver) {
        events.push(this.clientEvent(plan, `system.client.concurrency_rate_limit.${kind}`, CLIENT_CONCURRENT_REQUESTS, null));
      }
    }
  }

  private principalEvent(plan: Plan, eventType: string, threshold: number, resetAt: number | null): EventSpec {
    const { facts } = plan;
    const concurrency = resetAt === null;
    const debugData: Record<string, string> = {
      operationRateLimitType: 'web_request',
      operationRateLimitSubtype: facts.principalType === 'OAUTH_CLIENT' ? 'oauth_client' : 'ssws_token',
      operationRateLimitScopeType: 'org',
      operationRateLimitThreshold: String(threshold),
    };
    if (!concurrency) {
      debugData.operationRateLimitTimeSpan = '1';
      debugData.operationRateLimitTimeUnit = 'MINUTES';
      debugData.operationRateLimitSecondsToReset = String(Math.max(0, Math.ceil((resetAt - facts.now) / 1000)));
    }
    return {
      eventType,
      displayMessage: concurrency ? 'Operation concurrency limit violation' : 'Operation rate limit violation',
      severity: 'WARN',
      outcome: { result: 'DENY', reason: concurrency ? 'Principal concurrency share exceeded' : 'Principal rate limit share exceeded' },
      target: [
        { id: facts.bucket.pattern, type: 'URL Pattern', alternateId: facts.bucket.pattern, displayName: facts.bucket.pattern },
        {
          id: facts.principalId ?? 'unknown',
          type: facts.principalType === 'OAUTH_CLIENT' ? 'AppInstance' : 'Token',
          alternateId: facts.principalId ?? 'unknown',
          displayName: facts.principalType === 'OAUTH_CLIENT' ? 'OAuth client' : 'API token',
        },
      ],
      debugData,
    };
  }

  private clientEvent(plan: Plan, eventType: string, threshold: number, resetAt: number | null): EventSpec {
    const { facts } = plan;
    const client = facts.client!;
    const debugData: Record<string, string> = {
      clientRateLimitMode: plan.clientMode,
      clientRateLimitUseCase: client.useCase,
      clientIpAddress: client.ip,
      threshold: String(threshold),
    };
    if (client.clientId !== null) debugData.clientId = client.clientId;
    // The device id is a tracking identifier: the log carries its hash, as Okta's `dtHash`.
    if (client.deviceId !== null) debugData.dtHash = createHash('sha256').update(client.deviceId).digest('hex');
    if (resetAt !== null) {
      debugData.timeSpan = '1';
      debugData.timeUnit = 'MINUTES';
      debugData.rateLimitSecondsToReset = String(Math.max(0, Math.ceil((resetAt - facts.now) / 1000)));
    }
    const enforce = plan.clientMode === 'ENFORCE';
    return {
      eventType,
      displayMessage: resetAt === null ? 'Client concurrency rate limit ' + (enforce ? 'violation' : 'notification') : 'Client rate limit ' + (enforce ? 'violation' : 'notification'),
      severity: 'WARN',
      outcome: enforce ? { result: 'DENY', reason: 'Client rate limit exceeded' } : { result: 'SUCCESS' },
      target: [{ id: facts.bucket.pattern, type: 'URL Pattern', alternateId: facts.bucket.pattern, displayName: facts.bucket.pattern }],
      debugData,
    };
  }
}

/** Almost every request triggers no event: say so before building any event material. */
function hasEvent(decision: LimitDecision): boolean {
  for (const counter of decision.counters) if (counter.firstOver || counter.warned) return true;
  for (const slot of decision.slots) if (slot.firstOver) return true;
  return false;
}
