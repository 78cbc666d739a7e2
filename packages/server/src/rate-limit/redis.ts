import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { CONCURRENCY_EVENT_INTERVAL_MS, LimiterUnavailableError, SLOT_LEASE_MS, WINDOW_MS } from './limiter.ts';
import type { CounterCheck, CounterState, Lease, LimitDecision, LimitQuery, RateLimiter, SlotState } from './limiter.ts';

export interface RedisRateLimiterOptions {
  /** redis:// or rediss:// URL. */
  readonly url: string;
  /** Prepended to every key, e.g. 'tollgate:rl:'; instances sharing limits share the prefix. */
  readonly prefix: string;
  /** Longest a decision waits for Redis before it fails with `LimiterUnavailableError`. Default 500. */
  readonly commandTimeoutMs?: number;
  /** Connection and release errors, which never reach a caller; may fire once per reconnect attempt. */
  readonly onError?: (error: Error) => void;
}

/**
 * How long Redis keeps a key past the last moment it can matter. Expiries are relative to the
 * query's `now`, so they only collect garbage and never decide: a window ends when `now` passes
 * its `resetAt`, not when its key expires. The margin absorbs clock skew between instances.
 */
const EXPIRY_MARGIN_MS = 60_000;
/** Bound on the locally remembered refusals; past it new refusals simply go to Redis again. */
const MAX_LOCAL_REFUSALS = 10_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 500;
const MAX_RECONNECT_DELAY_MS = 1_000;
const CONNECT_TIMEOUT_MS = 1_000;

const FLAG_OVER = 1;
const FLAG_FIRST_OVER = 2;
const FLAG_WARNED = 4;

/**
 * One decision, atomically. Counter keys are hashes {c: count, r: resetAt, o: overSeen, w: warned}
 * (o and w exist only once set). Slot keys are sorted sets of lease members scored by when the
 * lease lapses; each has an event key holding when its last `firstOver` was reported.
 *
 * KEYS: counter keys (nc), slot sets (ns), slot event keys (ns).
 * ARGV: now, nc, ns, lease id, then limit, enforce (1/0), warnAt per counter, then limit, enforce
 * per slot.
 * Returns integers: admitted (1/0), then count, resetAt, flags per counter, then inFlight, flags per
 * slot; flags are FLAG_OVER | FLAG_FIRST_OVER | FLAG_WARNED. Checks run in query order on live
 * state, so a key listed twice behaves as it does in memory.ts.
 */
const DECIDE_SCRIPT = `
local now = tonumber(ARGV[1])
local nc = tonumber(ARGV[2])
local ns = tonumber(ARGV[3])
local lease = ARGV[4]
local out = {1}
local admitted = 1
local warnSeen = {}
local a = 5
for i = 1, nc do
  local key = KEYS[i]
  local limit = tonumber(ARGV[a])
  local h = redis.call('HMGET', key, 'c', 'r', 'o', 'w')
  local count, resetAt, overSeen
  if h[2] and now < tonumber(h[2]) then
    count = tonumber(h[1])
    resetAt = tonumber(h[2])
    overSeen = h[3]
    warnSeen[i] = h[4]
  else
    count = 0
    resetAt = now + ${WINDOW_MS}
    overSeen = false
    warnSeen[i] = false
    redis.call('DEL', key)
    redis.call('HSET', key, 'c', 0, 'r', resetAt)
    redis.call('PEXPIRE', key, ${WINDOW_MS + EXPIRY_MARGIN_MS})
  end
  local flags = 0
  if count >= limit then
    flags = ${FLAG_OVER}
    if not overSeen then
      flags = ${FLAG_OVER | FLAG_FIRST_OVER}
      redis.call('HSET', key, 'o', 1)
    end
    if ARGV[a + 1] == '1' then admitted = 0 end
  end
  out[#out + 1] = count
  out[#out + 1] = resetAt
  out[#out + 1] = flags
  a = a + 3
end
for j = 1, ns do
  local key = KEYS[nc + j]
  local limit = tonumber(ARGV[a])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local inFlight = redis.call('ZCARD', key)
  local flags = 0
  if inFlight >= limit then
    flags = ${FLAG_OVER}
    local eventKey = KEYS[nc + ns + j]
    local last = redis.call('GET', eventKey)
    if not last or now - tonumber(last) >= ${CONCURRENCY_EVENT_INTERVAL_MS} then
      flags = ${FLAG_OVER | FLAG_FIRST_OVER}
      redis.call('SET', eventKey, now, 'PX', ${CONCURRENCY_EVENT_INTERVAL_MS + EXPIRY_MARGIN_MS})
    end
    if ARGV[a + 1] == '1' then admitted = 0 end
  end
  out[#out + 1] = inFlight
  out[#out + 1] = flags
  a = a + 2
end
if admitted == 0 then
  out[1] = 0
  return out
end
for i = 1, nc do
  local key = KEYS[i]
  local count = redis.call('HINCRBY', key, 'c', 1)
  local o = 2 + (i - 1) * 3
  out[o] = count
  local warnAt = tonumber(ARGV[4 + (i - 1) * 3 + 3])
  if warnAt > 0 and count >= warnAt and not warnSeen[i] and redis.call('HSETNX', key, 'w', 1) == 1 then
    out[o + 2] = out[o + 2] + ${FLAG_WARNED}
  end
end
for j = 1, ns do
  local key = KEYS[nc + j]
  redis.call('ZADD', key, now + ${SLOT_LEASE_MS}, lease .. ':' .. (j - 1))
  redis.call('PEXPIRE', key, ${SLOT_LEASE_MS + EXPIRY_MARGIN_MS})
  out[2 + nc * 3 + (j - 1) * 2] = redis.call('ZCARD', key)
end
return out
`;
const DECIDE_SHA = createHash('sha1').update(DECIDE_SCRIPT).digest('hex');

interface LocalRefusal {
  /** The refused window's end; the refusal is only remembered until then. */
  readonly resetAt: number;
  /** The count Redis reported; a query with a higher limit goes to Redis again. */
  readonly count: number;
}

/**
 * The shared limiter: exact across every instance using the same Redis and prefix, one round
 * trip per decision (one script does every check and every increment atomically).
 *
 * Refused enforced counters are remembered in process until their window ends, so a client
 * hammering past its limit costs no round trip. Such a local refusal reads nothing else: it
 * reports the remembered counters as over (count as last seen, `firstOver` false, which Redis
 * already reported once) and every other counter as an untouched fresh window (count 0, resetAt
 * now + WINDOW_MS) and every slot as empty. Its slots' violation events are not raised.
 *
 * Failure: when Redis cannot be reached, a decision fails fast with `LimiterUnavailableError`
 * (no offline queue, no retries, at most `commandTimeoutMs`) and the client keeps reconnecting in
 * the background. A decision that timed out may still have been counted by Redis.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;
  private readonly onError: (error: Error) => void;
  private readonly refusals = new Map<string, LocalRefusal>();
  private nextSweep = 0;
  private readonly instanceId = randomBytes(9).toString('base64url');
  private leaseSeq = 0;
  /** Settles on the first connection attempt's outcome; decisions made before it wait for it. */
  private firstAttempt: Promise<void> | null;

  constructor(options: RedisRateLimiterOptions) {
    this.prefix = options.prefix;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.onError = options.onError ?? (() => {});
    this.client = new Redis(options.url, {
      // A limiter that queues or retries holds requests hostage to an outage: fail now, let the
      // configured failure mode answer, and reconnect in the background.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A decision resent after a reconnect would be counted twice.
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.commandTimeoutMs,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    });
    this.client.on('error', (error: Error) => this.onError(error));
    this.firstAttempt = new Promise<void>((resolve) => {
      const settle = () => {
        this.client.off('ready', settle);
        this.client.off('error', settle);
        this.client.off('end', settle);
        this.firstAttempt = null;
        resolve();
      };
      this.client.on('ready', settle);
      this.client.on('error', settle);
      this.client.on('end', settle);
    });
  }

  async decide(query: LimitQuery): Promise<LimitDecision> {
    const { now } = query;
    if (now >= this.nextSweep) this.sweep(now);
    const local = this.refuseLocally(query);
    if (local !== null) return local;

    const nc = query.counters.length;
    const ns = query.slots.length;
    const leaseId = ns === 0 ? '' : `${this.instanceId}:${(++this.leaseSeq).toString(36)}`;
    const args: (string | number)[] = new Array(nc + 2 * ns + 4 + 3 * nc + 2 * ns);
    let k = 0;
    for (let i = 0; i < nc; i++) args[k++] = `${this.prefix}c:${query.counters[i]!.key}`;
    for (let j = 0; j < ns; j++) args[k++] = `${this.prefix}s:${query.slots[j]!.key}`;
    for (let j = 0; j < ns; j++) args[k++] = `${this.prefix}e:${query.slots[j]!.key}`;
    args[k++] = now;
    args[k++] = nc;
    args[k++] = ns;
    args[k++] = leaseId;
    for (let i = 0; i < nc; i++) {
      const check = query.counters[i]!;
      args[k++] = check.limit;
      args[k++] = check.enforce ? 1 : 0;
      args[k++] = check.warnAt;
    }
    for (let j = 0; j < ns; j++) {
      const check = query.slots[j]!;
      args[k++] = check.limit;
      args[k++] = check.enforce ? 1 : 0;
    }

    const reply = await this.run(nc + 2 * ns, args);
    if (!Array.isArray(reply) || reply.length !== 1 + 3 * nc + 2 * ns) {
      throw new LimiterUnavailableError(new Error('unexpected reply from the rate-limit script'));
    }
    const r = reply as number[];
    const admitted = r[0] === 1;
    const counters: CounterState[] = new Array(nc);
    let p = 1;
    for (let i = 0; i < nc; i++) {
      const count = r[p]!;
      const resetAt = r[p + 1]!;
      const flags = r[p + 2]!;
      p += 3;
      const over = (flags & FLAG_OVER) !== 0;
      counters[i] = { count, resetAt, over, firstOver: (flags & FLAG_FIRST_OVER) !== 0, warned: (flags & FLAG_WARNED) !== 0 };
      if (!admitted && over && query.counters[i]!.enforce) this.remember(query.counters[i]!.key, resetAt, count);
    }
    const slots: SlotState[] = new Array(ns);
    for (let j = 0; j < ns; j++) {
      const flags = r[p + 1]!;
      slots[j] = { inFlight: r[p]!, over: (flags & FLAG_OVER) !== 0, firstOver: (flags & FLAG_FIRST_OVER) !== 0 };
      p += 2;
    }
    if (!admitted || ns === 0) return { admitted, counters, slots, lease: null };
    const keys: string[] = new Array(ns);
    for (let j = 0; j < ns; j++) keys[j] = query.slots[j]!.key;
    return { admitted, counters, slots, lease: { keys, id: leaseId } };
  }

  /** Time is not needed: a lease's lapse was fixed when it was taken. */
  release(lease: Lease, _now?: number): void {
    const n = lease.keys.length;
    if (n === 0) return;
    const report = (error: unknown) => this.onError(error instanceof Error ? error : new Error(String(error)));
    if (n === 1) {
      this.client.zrem(`${this.prefix}s:${lease.keys[0]!}`, `${lease.id}:0`).catch(report);
      return;
    }
    const pipeline = this.client.pipeline();
    for (let j = 0; j < n; j++) pipeline.zrem(`${this.prefix}s:${lease.keys[j]!}`, `${lease.id}:${j}`);
    pipeline.exec().then((results) => {
      for (const [error] of results ?? []) if (error) report(error);
    }, report);
  }

  async close(): Promise<void> {
    this.refusals.clear();
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // Falls through to a hard disconnect.
      }
    }
    this.client.disconnect();
  }

  /** Runs the script by hash; Redis loads it on a miss (first use, restart, SCRIPT FLUSH). */
  private async run(numKeys: number, args: (string | number)[]): Promise<unknown> {
    if (this.firstAttempt !== null) await this.waitForFirstAttempt(this.firstAttempt);
    try {
      return await this.client.evalsha(DECIDE_SHA, numKeys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw new LimiterUnavailableError(error);
    }
    try {
      return await this.client.eval(DECIDE_SCRIPT, numKeys, ...args);
    } catch (error) {
      throw new LimiterUnavailableError(error);
    }
  }

  /** Lets decisions made while the client first connects wait for it, never past the command timeout. */
  private async waitForFirstAttempt(attempt: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.commandTimeoutMs);
    });
    await Promise.race([attempt, timeout]);
    clearTimeout(timer);
  }

  /** A refusal from remembered over-limit counters, or null when Redis must decide. */
  private refuseLocally(query: LimitQuery): LimitDecision | null {
    if (this.refusals.size === 0) return null;
    const { now } = query;
    let refused = false;
    for (let i = 0; i < query.counters.length && !refused; i++) refused = this.knownOver(query.counters[i]!, now) !== undefined;
    if (!refused) return null;
    const counters: CounterState[] = new Array(query.counters.length);
    for (let i = 0; i < counters.length; i++) {
      const known = this.knownOver(query.counters[i]!, now);
      counters[i] =
        known === undefined
          ? { count: 0, resetAt: now + WINDOW_MS, over: false, firstOver: false, warned: false }
          : { count: known.count, resetAt: known.resetAt, over: true, firstOver: false, warned: false };
    }
    const slots: SlotState[] = new Array(query.slots.length);
    for (let j = 0; j < slots.length; j++) slots[j] = { inFlight: 0, over: false, firstOver: false };
    return { admitted: false, counters, slots, lease: null };
  }

  /** The remembered refusal that still refuses this check, if any. */
  private knownOver(check: CounterCheck, now: number): LocalRefusal | undefined {
    if (!check.enforce) return undefined;
    const known = this.refusals.get(check.key);
    return known !== undefined && now < known.resetAt && check.limit <= known.count ? known : undefined;
  }

  private remember(key: string, resetAt: number, count: number): void {
    if (this.refusals.size >= MAX_LOCAL_REFUSALS && !this.refusals.has(key)) return;
    this.refusals.set(key, { resetAt, count });
  }

  /** Forgets refusals whose window has ended, once per window. */
  private sweep(now: number): void {
    this.nextSweep = now + WINDOW_MS;
    for (const [key, refusal] of this.refusals) if (now >= refusal.resetAt) this.refusals.delete(key);
  }
}
