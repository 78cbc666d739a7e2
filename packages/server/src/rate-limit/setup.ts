import type { Config } from '../config/schema.ts';
import type { RateLimitingDeps } from '../http/rate-limit.ts';
import type { Services } from '../services.ts';
import { BucketTable, DEFAULT_CONCURRENCY } from './buckets.ts';
import type { OrgTier } from './buckets.ts';
import { OrgConcurrencyLimits, TrafficClassifier } from './concurrency.ts';
import type { RateLimiter } from './limiter.ts';
import { MemoryRateLimiter } from './memory.ts';
import { RedisRateLimiter } from './redis.ts';
import { RequestLimiter } from './request-limiter.ts';

/** How often today's agent peak is written and the adaptive agent limit recomputed. */
const PEAK_SYNC_INTERVAL_MS = 60_000;

export interface RateLimiting {
  http: RateLimitingDeps;
  /** Starts the agent-peak sync (adaptive agent limit only). */
  start(onError: (error: unknown) => void): void;
  /** Stops the sync, writes the last peak, and closes the limiter if this module opened it. */
  stop(): Promise<void>;
}

/**
 * Builds the rate-limiting parts the config asks for, or null when limits are off: the bucket
 * table of the tier with its overrides, the limiter (a given one, Redis when `redisUrl` is set,
 * else in process), concurrency limits and the traffic classifier.
 */
export function createRateLimiting(
  config: Config,
  deps: { services: Services; orgUrl: () => string; limiter?: RateLimiter },
): RateLimiting | null {
  if (config.rateLimits === 'off') return null;
  const { services } = deps;
  const tier = config.orgTier as OrgTier;
  const overrides = Object.fromEntries(
    config.rateLimitOverrides.map((entry) => {
      const [id, limit] = entry.split('=');
      return [id!, Number(limit)];
    }),
  );
  const table = new BucketTable({ tier, overrides });
  const ownLimiter = deps.limiter === undefined;
  const limiter = deps.limiter ?? (config.redisUrl ? new RedisRateLimiter({ url: config.redisUrl, prefix: config.redisKeyPrefix }) : new MemoryRateLimiter());
  const tierDefault = DEFAULT_CONCURRENCY[tier];
  const other = config.concurrencyLimit ?? tierDefault;
  const agentSetting = config.concurrencyLimitAgent;
  const concurrency = new OrgConcurrencyLimits({
    other,
    office365: config.concurrencyLimitOffice365 ?? other,
    agent: agentSetting === 'adaptive' ? { adaptive: true, floor: tierDefault } : agentSetting !== undefined ? Number(agentSetting) : other,
  });
  const requestLimiter = new RequestLimiter({ limiter, table, concurrency, settings: () => services.rateLimitSettings.snapshot() });

  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;
  const sync = (onError: (error: unknown) => void) => {
    syncing ??= concurrency
      .sync(services.store, services.clock.now())
      .catch(onError)
      .finally(() => (syncing = undefined));
    return syncing;
  };
  return {
    http: {
      requestLimiter,
      table,
      classifier: new TrafficClassifier({ agentUserAgents: config.agentUserAgents, office365Paths: config.office365Paths }),
      tokens: services.apiTokens,
      log: services.log,
      clock: services.clock,
      failure: config.redisFailure,
      secureCookies: config.orgUrl?.startsWith('https:') ?? false,
    },
    start(onError) {
      if (!concurrency.adaptive) return;
      void sync(onError);
      timer = setInterval(() => void sync(onError), PEAK_SYNC_INTERVAL_MS).unref();
    },
    async stop() {
      clearInterval(timer);
      await syncing;
      if (concurrency.adaptive) await sync(() => undefined);
      if (ownLimiter) await limiter.close();
    },
  };
}
