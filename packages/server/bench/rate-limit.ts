/**
 * Rate-limit bench: what limiting costs, in four figures, each printed next to its target.
 *
 * 1. In-process decision cost: one request's `RequestLimiter.plan` + `decide` (memory limiter)
 *    + `verdict` + `release` of its lease, for the foundation bench's request (`GET
 *    /api/v1/api-tokens/{id}` by an SSWS token without a principal rate limit entity): the org
 *    `api-v1` counter, the token's 50% share counter, the org and token concurrency slots.
 *    Timed one request per sample with `process.hrtime.bigint()` around it (`--batch N` times N
 *    requests per sample and divides), `--samples` samples after a fifth as many discarded;
 *    p50/p99 in µs (targets <= 1 and <= 5). The timer's own cost (an empty sample) is printed
 *    beside it and not subtracted. `plan` alone, `verdict` alone, `MemoryRateLimiter.decide` +
 *    `release` alone, and the traffic classification the hook does before planning, are timed
 *    the same way, to show where the time goes.
 * 2. Redis decision latency: the same query (fresh `now` each time) decided by
 *    `RedisRateLimiter` one at a time on loopback, each awaited; the release is sent after it,
 *    not awaited, as the server does. p50/p99 in µs (target p99 <= 150), with the CPU time per
 *    decision of this process and of redis-server (`INFO cpu`: all of Redis's clients, so other
 *    users of a shared Redis inflate it), next to a sequential PING as the round-trip floor.
 * 3. Redis decisions/s from one process: `--redis-concurrency` loops (default 64 and 128) each
 *    deciding and releasing back to back for `--redis-duration` seconds over one limiter (one
 *    connection, as a server has); decisions / wall seconds (target >= 25,000).
 *    Keys go under a unique prefix and are deleted at the end.
 * 4. HTTP throughput with limiting on vs off: a real Tollgate server (SQLite, temp dir) in a
 *    child process with `rateLimits: 'on'` (in-process limiter, `api-v1=9999999` so neither the
 *    org bucket nor the token's 50% share is reached, `concurrencyLimit` at least 4 x
 *    connections so the token's 50% concurrency share is never full) and one with
 *    `rateLimits: 'off'`, one at a time, freshly started for every run, in ABBA order (off on,
 *    on off, off on ...; an even `--rounds` balances it) so a drift in the machine's speed
 *    cancels out; autocannon here. req/s of each (median of the rounds, every run printed), the
 *    ratio on/off (target >= 0.95), and the non-2xx counts, which must be 0 for a valid figure.
 *    Each run also shows the server's CPU time per request (/proc/<pid>/stat over the measured
 *    seconds, 10 ms ticks), whose on/off difference is the limiter's cost per request and is
 *    less thrown by other load on the machine than req/s.
 *
 *   npm run bench -- rate-limit [--samples 1000000] [--batch 1] [--redis-url redis://127.0.0.1:6379]
 *     [--redis-samples 20000] [--redis-concurrency 64,128] [--redis-duration 5]
 *     [--rounds 4] [--duration 8] [--warmup 2] [--connections 10] [--only decide,redis,http] [--cpu-prof <dir>]
 *
 * An unreachable Redis skips parts 2 and 3 and says so. `--cpu-prof <dir>` starts the Tollgate
 * children of part 4 with `--cpu-prof`, writing to <dir>/on and <dir>/off; for parts 1-3 run
 * this file under `node --cpu-prof --import tsx`.
 * Exits 0 whatever the figures; non-zero only if something crashes.
 */
import { startChildServer, stopChildServer } from './lib/child-process.ts';
import type { ChildServer } from './lib/child-process.ts';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { RateLimitSettingsSnapshot } from '../src/domain/rate-limits/types.ts';
import { BucketTable } from '../src/rate-limit/buckets.ts';
import { OrgConcurrencyLimits, TrafficClassifier } from '../src/rate-limit/concurrency.ts';
import type { LimitDecision, LimitQuery, RateLimiter } from '../src/rate-limit/limiter.ts';
import { MemoryRateLimiter } from '../src/rate-limit/memory.ts';
import { RedisRateLimiter } from '../src/rate-limit/redis.ts';
import { RequestLimiter } from '../src/rate-limit/request-limiter.ts';
import type { Plan, RequestFacts } from '../src/rate-limit/request-limiter.ts';
import { validateConfigObject } from '../src/index.ts';
import { percentile, positiveInt } from './lib/stats.ts';

// ---------------------------------------------------------------------------------------------
// Options and targets

const TARGET_DECISION_P50_US = 1;
const TARGET_DECISION_P99_US = 5;
const TARGET_REDIS_P99_US = 150;
const TARGET_REDIS_DECISIONS_PER_S = 25_000;
const TARGET_HTTP_RATIO = 0.95;

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** A fixed bootstrap token: `00` and 40 alphanumerics, like Okta's. */
const TOKEN = '00' + 'TollgateBenchRateLimit0123456789abcdefgh';
const ROUTE = '/api/v1/api-tokens/:apiTokenId';
/** The largest override the config accepts (7 digits); the token's 50% share is then ~5M/min. */
const API_V1_LIMIT = 9_999_999;
const USER_AGENT = 'okta-sdk-nodejs/8.1.0 node/20.19.0 linux/6.8.0';
const PARTS = ['decide', 'redis', 'http'] as const;
type Part = (typeof PARTS)[number];

const { values: opts } = parseArgs({
  options: {
    samples: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '1' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    'redis-samples': { type: 'string', default: '20000' },
    'redis-concurrency': { type: 'string', default: '64,128' },
    'redis-duration': { type: 'string', default: '5' },
    rounds: { type: 'string', default: '4' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    only: { type: 'string', default: PARTS.join(',') },
    'cpu-prof': { type: 'string' },
  },
});
const samples = positiveInt('samples', opts.samples);
const batch = positiveInt('batch', opts.batch);
const redisUrl = opts['redis-url'];
const redisSamples = positiveInt('redis-samples', opts['redis-samples']);
const redisConcurrency = opts['redis-concurrency'].split(',').map((c) => positiveInt('redis-concurrency', c));
const redisDuration = positiveInt('redis-duration', opts['redis-duration']);
const rounds = positiveInt('rounds', opts.rounds);
const duration = positiveInt('duration', opts.duration);
const warmup = positiveInt('warmup', opts.warmup);
const connections = positiveInt('connections', opts.connections);
const cpuProfDir = opts['cpu-prof'] ? path.resolve(opts['cpu-prof']) : undefined;
const only = new Set(
  opts.only.split(',').map((p) => {
    if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only takes ${PARTS.join(', ')}; got ${p}`);
    return p as Part;
  }),
);
/** High enough that the token's 50% concurrency share never refuses the load of any part. */
const CONCURRENCY_LIMIT = Math.max(1000, 4 * connections, 4 * Math.max(...redisConcurrency));

// ---------------------------------------------------------------------------------------------
// Reporting

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** Nearest-rank percentile of sorted values. */

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Verdict {
  figure: string;
  value: string;
  target: string;
  pass: boolean | null;
}
const summary: Verdict[] = [];

/** Records a target's outcome for the summary and returns its `PASS`/`MISS` tag. */
function judge(figure: string, value: string, target: string, pass: boolean | null): string {
  summary.push({ figure, value, target, pass });
  return pass === null ? 'n/a' : pass ? 'PASS' : 'MISS';
}

interface Distribution {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

function distribution(values: Float64Array): Distribution {
  let sum = 0;
  for (const v of values) sum += v;
  const sorted = values.slice().sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), max: sorted[sorted.length - 1]!, mean: sum / values.length };
}

const us = (ns: number, digits = 3) => fmt(ns / 1000, digits);
function distributionLine(label: string, d: Distribution, digits = 3): string {
  return `${label.padEnd(48)}${us(d.p50, digits).padStart(9)}${us(d.p99, digits).padStart(9)}${us(d.p999, digits).padStart(9)}${us(d.max, 1).padStart(10)}${us(d.mean, digits).padStart(9)}`;
}
const DISTRIBUTION_HEADER = `${'µs per request'.padEnd(48)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'p99.9'.padStart(9)}${'max'.padStart(10)}${'mean'.padStart(9)}`;

// ---------------------------------------------------------------------------------------------
// The realistic request, as the Fastify hook plans it

interface Scenario {
  requestLimiter: RequestLimiter;
  classifier: TrafficClassifier;
  facts: (now: number) => RequestFacts;
}

/**
 * The foundation bench's request as the hook sees it: route bucket `api-v1` (looked up once per
 * route, as `onRoute` does), traffic class `other`, the bootstrap token as principal with no
 * principal rate limit entity (so its 50% share counter and slot are in the query), no
 * client-based use case. Settings as a fresh Workforce org has them.
 */
function scenario(limiter: RateLimiter, principalId: string): Scenario {
  const table = new BucketTable({ tier: 'WORKFORCE', overrides: { 'api-v1': API_V1_LIMIT } });
  const bucket = table.match('GET', ROUTE);
  if (bucket?.id !== 'api-v1') throw new Error(`${ROUTE} is not in the api-v1 bucket: ${bucket?.id}`);
  const settings: RateLimitSettingsSnapshot = {
    perClient: { defaultMode: 'ENFORCE', useCaseModeOverrides: {} },
    warningThreshold: 90,
    notificationsEnabled: true,
    principals: new Map(),
  };
  const concurrency = new OrgConcurrencyLimits({ other: CONCURRENCY_LIMIT, office365: CONCURRENCY_LIMIT, agent: CONCURRENCY_LIMIT });
  const requestLimiter = new RequestLimiter({ limiter, table, concurrency, settings: () => settings });
  const defaults = validateConfigObject({});
  const classifier = new TrafficClassifier({ agentUserAgents: defaults.agentUserAgents, office365Paths: defaults.office365Paths });
  return {
    requestLimiter,
    classifier,
    facts: (now) => ({ now, bucket, trafficClass: 'other', principalId, principalType: 'SSWS_TOKEN', client: null }),
  };
}

function checkAdmitted(plan: Plan, decision: LimitDecision, where: string): void {
  if (!decision.admitted) throw new Error(`${where}: refused ${JSON.stringify({ query: plan.query, decision })}`);
}

// ---------------------------------------------------------------------------------------------
// Part 1: in-process decisions

/**
 * Times `body` `samples` times (after `samples / 5` discarded), `batch` calls per sample, with
 * `process.hrtime.bigint()` around each sample; returns ns per call of every sample.
 */
function timeSamples(body: () => void, count: number, perSample: number): Float64Array {
  const warm = Math.ceil(count / 5);
  for (let i = 0; i < warm; i++) for (let j = 0; j < perSample; j++) body();
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < perSample; j++) body();
    out[i] = Number(process.hrtime.bigint() - t0) / perSample;
  }
  return out;
}

function partDecide(): void {
  console.log('');
  console.log(`== 1. in-process decision (MemoryRateLimiter) | ${fmt(samples)} samples after ${fmt(Math.ceil(samples / 5))} discarded | ${batch} request(s) per sample`);
  console.log('   one sample = process.hrtime.bigint() before and after; not corrected for the timer, whose own cost is the first line');
  const principalId = 'bench00token00id0000';

  // The request path, as the hook runs it after authentication: clock, facts, plan, decide, verdict, release.
  const full = scenario(new MemoryRateLimiter(), principalId);
  let admittedCount = 0;
  const fullRequest = () => {
    const now = Date.now();
    const plan = full.requestLimiter.plan(full.facts(now));
    const decision = full.requestLimiter.decide(plan) as LimitDecision;
    const verdict = full.requestLimiter.verdict(plan, decision);
    if (verdict.admitted) admittedCount++;
    if (decision.lease !== null) full.requestLimiter.release(decision.lease, now);
  };
  // One call first, to show what is decided.
  {
    const now = Date.now();
    const plan = full.requestLimiter.plan(full.facts(now));
    const decision = full.requestLimiter.decide(plan) as LimitDecision;
    checkAdmitted(plan, decision, 'in-process');
    const verdict = full.requestLimiter.verdict(plan, decision);
    if (decision.lease !== null) full.requestLimiter.release(decision.lease, now);
    console.log(`   query: counters ${plan.query.counters.map((c) => `${c.key}<${fmt(c.limit)}`).join(', ')} | slots ${plan.query.slots.map((s) => `${s.key}<${fmt(s.limit)}`).join(', ')}`);
    console.log(`   verdict: admitted ${verdict.admitted}, headers ${JSON.stringify(verdict.headers)}, ${verdict.events.length} events`);
  }

  // The memory limiter alone, on a fixed query with a fresh `now`.
  const alone = scenario(new MemoryRateLimiter(), principalId);
  const fixedPlan = alone.requestLimiter.plan(alone.facts(Date.now()));
  const limiter = new MemoryRateLimiter();
  const decideOnly = () => {
    const decision = limiter.decide({ now: Date.now(), counters: fixedPlan.query.counters, slots: fixedPlan.query.slots });
    if (decision.lease !== null) limiter.release(decision.lease, 0);
  };
  // plan alone and verdict alone, on the same request (verdict re-reads one admitted decision).
  const planOnly = () => {
    alone.requestLimiter.plan(alone.facts(Date.now()));
  };
  const fixedDecision = limiter.decide(fixedPlan.query);
  checkAdmitted(fixedPlan, fixedDecision, 'in-process');
  if (fixedDecision.lease !== null) limiter.release(fixedDecision.lease, 0);
  const verdictOnly = () => {
    alone.requestLimiter.verdict(fixedPlan, fixedDecision);
  };
  const classify = () => {
    full.classifier.classify(USER_AGENT, '/api/v1/api-tokens/x');
  };
  const empty = () => {};

  // Each body runs as one block after its own warm-up; the full request (the figure with targets) runs last.
  const timer = distribution(timeSamples(empty, samples, batch));
  const classified = distribution(timeSamples(classify, samples, batch));
  const decided = distribution(timeSamples(decideOnly, samples, batch));
  const planned = distribution(timeSamples(planOnly, samples, batch));
  const judged = distribution(timeSamples(verdictOnly, samples, batch));
  const before = admittedCount;
  const fullDist = distribution(timeSamples(fullRequest, samples, batch));
  const expected = Math.ceil(samples / 5) * batch + samples * batch;
  if (admittedCount - before !== expected) throw new Error(`in-process: ${expected - (admittedCount - before)} of ${expected} requests refused`);

  console.log('');
  console.log(DISTRIBUTION_HEADER);
  console.log(distributionLine('timer alone (empty sample)', timer));
  console.log(distributionLine('classify (traffic class from User-Agent)', classified));
  console.log(distributionLine('RequestLimiter plan', planned));
  console.log(distributionLine('MemoryRateLimiter decide + release', decided));
  console.log(distributionLine('RequestLimiter verdict', judged));
  console.log(distributionLine('plan + decide + verdict + release', fullDist));
  console.log('');
  const p50Tag = judge('in-process decision p50', `${us(fullDist.p50)} µs`, `<= ${TARGET_DECISION_P50_US} µs`, fullDist.p50 / 1000 <= TARGET_DECISION_P50_US);
  const p99Tag = judge('in-process decision p99', `${us(fullDist.p99)} µs`, `<= ${TARGET_DECISION_P99_US} µs`, fullDist.p99 / 1000 <= TARGET_DECISION_P99_US);
  console.log(`in-process decision p50 ${us(fullDist.p50)} µs   target <= ${TARGET_DECISION_P50_US} µs   ${p50Tag}`);
  console.log(`in-process decision p99 ${us(fullDist.p99)} µs   target <= ${TARGET_DECISION_P99_US} µs   ${p99Tag}`);
  console.log(`memory decide alone     p50 ${us(decided.p50)} µs, p99 ${us(decided.p99)} µs   (informational)`);
}

// ---------------------------------------------------------------------------------------------
// Parts 2 and 3: Redis

/** Redis's own CPU seconds (user + sys, main thread and children), from `INFO cpu`. */
async function redisCpuSeconds(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  let total = 0;
  for (const line of info.split('\n')) {
    const m = /^used_cpu_(sys|user):([\d.]+)/.exec(line.trim());
    if (m) total += Number(m[2]);
  }
  return total;
}

async function deleteKeys(admin: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await admin.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

async function partRedis(): Promise<void> {
  console.log('');
  const prefix = `tollgate:bench:rl:${process.pid}-${randomBytes(6).toString('hex')}:`;
  console.log(`== 2-3. RedisRateLimiter on ${redisUrl} | key prefix ${prefix}`);
  const admin = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await admin.connect();
  } catch (error) {
    console.log(`   Redis unreachable (${(error as Error).message}): parts 2 and 3 SKIPPED`);
    judge('Redis decision p99', 'skipped', `<= ${TARGET_REDIS_P99_US} µs`, null);
    judge('Redis decisions/s', 'skipped', `>= ${fmt(TARGET_REDIS_DECISIONS_PER_S)}`, null);
    admin.disconnect();
    return;
  }
  const version = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?';
  let errors = 0;
  const limiter = new RedisRateLimiter({ url: redisUrl, prefix, onError: () => errors++ });
  try {
    const s = scenario(limiter, 'bench00token00id0000');
    const basePlan = s.requestLimiter.plan(s.facts(Date.now()));
    const { counters, slots } = basePlan.query;
    console.log(`   redis ${version} | query: ${counters.length} counters, ${slots.length} slots (one EVALSHA of ${counters.length + 2 * slots.length} keys per decision; release = ZREM of ${slots.length} keys, pipelined)`);
    const decideOnce = async (): Promise<LimitDecision> => {
      const query: LimitQuery = { now: Date.now(), counters, slots };
      const decision = await limiter.decide(query);
      if (!decision.admitted) throw new Error(`Redis refused ${JSON.stringify(decision)}`);
      if (decision.lease !== null) limiter.release(decision.lease, query.now);
      return decision;
    };

    // Part 2: one decision at a time, after the round-trip floor (PING on a plain ioredis client).
    const warm = Math.ceil(redisSamples / 5);
    for (let i = 0; i < warm; i++) await admin.ping();
    const pings = new Float64Array(redisSamples);
    for (let i = 0; i < redisSamples; i++) {
      const t0 = process.hrtime.bigint();
      await admin.ping();
      pings[i] = Number(process.hrtime.bigint() - t0);
    }
    for (let i = 0; i < warm; i++) await decideOnce();
    const latencies = new Float64Array(redisSamples);
    const cpu0 = process.cpuUsage();
    const redisCpu0 = await redisCpuSeconds(admin);
    const wall0 = process.hrtime.bigint();
    for (let i = 0; i < redisSamples; i++) {
      const t0 = process.hrtime.bigint();
      const query: LimitQuery = { now: Date.now(), counters, slots };
      const decision = await limiter.decide(query);
      latencies[i] = Number(process.hrtime.bigint() - t0);
      if (!decision.admitted) throw new Error(`Redis refused ${JSON.stringify(decision)}`);
      if (decision.lease !== null) limiter.release(decision.lease, query.now);
    }
    const wallNs = Number(process.hrtime.bigint() - wall0);
    const cpu = process.cpuUsage(cpu0);
    const redisCpu = (await redisCpuSeconds(admin)) - redisCpu0;
    const d = distribution(latencies);
    console.log('');
    console.log(`2. sequential: ${fmt(redisSamples)} decisions after ${fmt(warm)} discarded, each awaited; timed from the call to the resolved promise | loadavg ${loadavg()}`);
    console.log(DISTRIBUTION_HEADER.replace('µs per request', 'µs per decision'));
    console.log(distributionLine('PING (plain ioredis client, round-trip floor)', distribution(pings), 1));
    console.log(distributionLine('RedisRateLimiter decide (loopback)', d, 1));
    console.log(
      `   ${fmt(redisSamples / (wallNs / 1e9))} decisions/s sequential | CPU per decision: this process ${fmt(((cpu.user + cpu.system) / redisSamples), 1)} µs, redis-server ${fmt((redisCpu * 1e6) / redisSamples, 1)} µs`,
    );
    const p99Tag = judge('Redis decision p99', `${us(d.p99, 1)} µs`, `<= ${TARGET_REDIS_P99_US} µs`, d.p99 / 1000 <= TARGET_REDIS_P99_US);
    console.log(`Redis decision p99 ${us(d.p99, 1)} µs (p50 ${us(d.p50, 1)} µs)   target <= ${TARGET_REDIS_P99_US} µs   ${p99Tag}`);

    // Part 3: many decisions in flight from this one process.
    console.log('');
    console.log(`3. concurrent: N loops deciding + releasing back to back over one limiter (one connection) for ${redisDuration} s after 1 s discarded`);
    console.log(`${'loops'.padEnd(8)}${'decisions/s'.padStart(12)}${'p50 µs'.padStart(9)}${'p99 µs'.padStart(9)}${'node CPU µs/dec'.padStart(17)}${'redis CPU µs/dec'.padStart(18)}${'errors'.padStart(8)}  loadavg`);
    let best = 0;
    for (const n of redisConcurrency) {
      const run = async (ms: number, record: number[] | null) => {
        const end = Date.now() + ms;
        let count = 0;
        await Promise.all(
          Array.from({ length: n }, async () => {
            while (Date.now() < end) {
              const t0 = record ? process.hrtime.bigint() : 0n;
              await decideOnce();
              if (record) record.push(Number(process.hrtime.bigint() - t0));
              count++;
            }
          }),
        );
        return count;
      };
      await run(1000, null);
      const record: number[] = [];
      const errorsBefore = errors;
      const c0 = process.cpuUsage();
      const r0 = await redisCpuSeconds(admin);
      const w0 = process.hrtime.bigint();
      const count = await run(redisDuration * 1000, record);
      const seconds = Number(process.hrtime.bigint() - w0) / 1e9;
      const c = process.cpuUsage(c0);
      const r = (await redisCpuSeconds(admin)) - r0;
      const sorted = Float64Array.from(record).sort();
      const rate = count / seconds;
      best = Math.max(best, rate);
      const tag = judge(`Redis decisions/s, ${n} in flight`, fmt(rate), `>= ${fmt(TARGET_REDIS_DECISIONS_PER_S)}`, rate >= TARGET_REDIS_DECISIONS_PER_S);
      console.log(
        `${String(n).padEnd(8)}${fmt(rate).padStart(12)}${us(percentile(sorted, 50), 0).padStart(9)}${us(percentile(sorted, 99), 0).padStart(9)}${fmt((c.user + c.system) / count, 1).padStart(17)}${fmt((r * 1e6) / count, 1).padStart(18)}${String(errors - errorsBefore).padStart(8)}  ${loadavg()}  ${tag} (target >= ${fmt(TARGET_REDIS_DECISIONS_PER_S)})`,
      );
    }
    console.log(`Redis decisions/s per process (best) ${fmt(best)}   target >= ${fmt(TARGET_REDIS_DECISIONS_PER_S)}   ${best >= TARGET_REDIS_DECISIONS_PER_S ? 'PASS' : 'MISS'}`);
    if (errors > 0) console.log(`!!!!!!!! WARNING: ${errors} Redis connection/release errors !!!!!!!!`);
  } finally {
    await limiter.close();
    const deleted = await deleteKeys(admin, prefix);
    console.log(`   deleted ${deleted} keys under ${prefix}`);
    await admin.quit();
  }
}

// ---------------------------------------------------------------------------------------------
// Part 4: HTTP throughput, limits on vs off

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { total: number };
  /** In ms, recorded at 1 ms resolution. */
  latency: { p50: number; p99: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (opts: { url: string; connections: number; pipelining: number; duration: number; headers: Record<string, string> }) => Promise<AutocannonResult>;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

type Kind = 'off' | 'on';
const CONFIGS: Record<Kind, string> = {
  off: JSON.stringify({ rateLimits: 'off' }),
  on: JSON.stringify({ rateLimits: 'on', rateLimitOverrides: [`api-v1=${API_V1_LIMIT}`], concurrencyLimit: CONCURRENCY_LIMIT }),
};

async function get(url: string): Promise<{ status: number; body: string; limit: string | null; remaining: string | null }> {
  const res = await fetch(url, { headers: { authorization: `SSWS ${TOKEN}` } });
  return { status: res.status, body: await res.text(), limit: res.headers.get('x-rate-limit-limit'), remaining: res.headers.get('x-rate-limit-remaining') };
}

const rps = (r: AutocannonResult) => r.requests.total / r.duration;

/** CPU time (user + system) a process has used, in ms, from /proc (Linux; null elsewhere). */
function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of stat(5)) in clock ticks, USER_HZ = 100 on Linux.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

async function partHttp(): Promise<void> {
  console.log('');
  console.log(`== 4. HTTP: GET /api/v1/api-tokens/{id}, SSWS auth, Tollgate on SQLite | ${connections} connections, pipelining 1 | warm-up ${warmup} s (discarded) + ${duration} s measured per run | ${rounds} round(s), off and on in ABBA order, fresh server per run`);
  console.log(`   on:  ${CONFIGS.on}`);
  console.log(`   off: ${CONFIGS.off}`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-bench-rl-'));
  const running = new Set<ChildServer>();
  const start = async (kind: Kind): Promise<ChildServer> => {
    const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(cpuProfDir, kind)}`] : [];
    const server = await startChildServer(path.join(HERE, 'tollgate-server.ts'), [dataDir, TOKEN, CONFIGS[kind]], { nodeArgs });
    running.add(server);
    return server;
  };
  const stop = async (server: ChildServer) => {
    await stopChildServer(server);
    running.delete(server);
  };
  try {
    const setup = await start('on');
    const list = await get(`http://127.0.0.1:${setup.port}/api/v1/api-tokens`);
    if (list.status !== 200) throw new Error(`GET /api/v1/api-tokens: ${list.status} ${list.body}`);
    const id = (JSON.parse(list.body) as { id: string }[])[0]?.id;
    if (!id) throw new Error(`GET /api/v1/api-tokens returned no token: ${list.body}`);
    await stop(setup);
    const resourcePath = `/api/v1/api-tokens/${id}`;

    const runs: { kind: Kind; result: AutocannonResult; cpuUsPerRequest: number | null }[] = [];
    console.log('');
    console.log(
      `${'run'.padEnd(4)}${'limits'.padEnd(8)}${'req/s'.padStart(9)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'requests'.padStart(10)}${'secs'.padStart(7)}${'non-2xx'.padStart(9)}${'errors'.padStart(8)}${'srv CPU µs/req'.padStart(16)}  x-rate-limit-limit/remaining after  loadavg`,
    );
    let i = 0;
    for (let r = 0; r < rounds; r++) {
      // ABBA order (off on, on off, ...) so a drift in the machine's speed over the runs cancels out.
      for (const kind of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        i++;
        const server = await start(kind);
        try {
          const url = `http://127.0.0.1:${server.port}${resourcePath}`;
          const check = await get(url);
          if (check.status !== 200) throw new Error(`${kind}: GET ${resourcePath} answered ${check.status}: ${check.body}`);
          if ((check.limit !== null) !== (kind === 'on')) throw new Error(`${kind}: x-rate-limit-limit is ${check.limit}`);
          const load = { url, connections, pipelining: 1, headers: { authorization: `SSWS ${TOKEN}` } };
          await autocannon({ ...load, duration: warmup });
          const cpu0 = processCpuMs(server.child.pid);
          const result = await autocannon({ ...load, duration });
          const cpu1 = processCpuMs(server.child.pid);
          const cpuUsPerRequest = cpu0 === null || cpu1 === null ? null : ((cpu1 - cpu0) * 1000) / result.requests.total;
          const after = await get(url);
          runs.push({ kind, result, cpuUsPerRequest });
          const bad = result.non2xx + result.errors + result.timeouts;
          console.log(
            `${String(i).padEnd(4)}${kind.padEnd(8)}${fmt(rps(result)).padStart(9)}${fmt(result.latency.p50).padStart(8)}${fmt(result.latency.p99).padStart(8)}${fmt(result.requests.total).padStart(10)}${fmt(result.duration, 2).padStart(7)}${fmt(result.non2xx).padStart(9)}${fmt(result.errors + result.timeouts).padStart(8)}${(cpuUsPerRequest === null ? '-' : fmt(cpuUsPerRequest, 1)).padStart(16)}  ${(after.limit === null ? '-' : `${after.limit}/${after.remaining}`).padEnd(34)}  ${loadavg()}${bad > 0 ? '  <-- FAILURES' : ''}`,
          );
          if (bad > 0) {
            console.log(`!!!!!!!! WARNING: run ${i} (${kind}) had ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts; status codes ${JSON.stringify(result.statusCodeStats)} -- NOT valid !!!!!!!!`);
          }
        } finally {
          await stop(server);
        }
      }
    }

    const of = (kind: Kind) => runs.filter((r) => r.kind === kind);
    const off = median(of('off').map((r) => rps(r.result)));
    const on = median(of('on').map((r) => rps(r.result)));
    const ratio = on / off;
    const non2xx = (kind: Kind) => of(kind).reduce((n, r) => n + r.result.non2xx, 0);
    const failures = (kind: Kind) => of(kind).reduce((n, r) => n + r.result.errors + r.result.timeouts, 0);
    console.log('');
    const cpuOf = (kind: Kind) => {
      const values = of(kind).flatMap((r) => (r.cpuUsPerRequest === null ? [] : [r.cpuUsPerRequest]));
      return values.length === 0 ? null : median(values);
    };
    const cpuOff = cpuOf('off');
    const cpuOn = cpuOf('on');
    const cpuText = (v: number | null) => (v === null ? '' : `   server CPU ${fmt(v, 1)} µs/req`);
    console.log(`median off ${fmt(off).padStart(8)} req/s${cpuText(cpuOff)}   non-2xx ${fmt(non2xx('off'))}, errors ${fmt(failures('off'))}`);
    console.log(`median on  ${fmt(on).padStart(8)} req/s${cpuText(cpuOn)}   non-2xx ${fmt(non2xx('on'))}, errors ${fmt(failures('on'))}`);
    if (cpuOff !== null && cpuOn !== null) {
      console.log(`server CPU per request off/on ${(cpuOff / cpuOn).toFixed(3)} (limiting costs ${fmt(cpuOn - cpuOff, 1)} µs of CPU per request; informational, less sensitive to other load than req/s)`);
    }
    const valid = non2xx('off') + non2xx('on') + failures('off') + failures('on') === 0;
    const tag = judge('HTTP req/s ratio on/off', ratio.toFixed(3), `>= ${TARGET_HTTP_RATIO}`, valid ? ratio >= TARGET_HTTP_RATIO : null);
    console.log(`ratio on/off ${ratio.toFixed(3)}   target >= ${TARGET_HTTP_RATIO.toFixed(2)}   ${valid ? tag : 'INVALID (non-2xx or errors)'}`);
    if (cpuProfDir) console.log(`Tollgate CPU profiles in ${cpuProfDir}/on and ${cpuProfDir}/off (the set-up server's among the on ones; the tsx loader thread writes one per process too)`);
  } finally {
    await Promise.all([...running].map(stopChildServer));
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`rate-limit bench | node ${process.version} | ${cpus[0]?.model.trim() ?? 'unknown cpu'} x${cpus.length} | loadavg ${loadavg()}`);
  console.log(`request: GET ${ROUTE} by an SSWS token without a principal rate limit entity (50% shares) | api-v1=${fmt(API_V1_LIMIT)}/min, concurrency limit ${fmt(CONCURRENCY_LIMIT)}`);
  if (only.has('decide')) partDecide();
  if (only.has('redis')) await partRedis();
  if (only.has('http')) await partHttp();

  console.log('');
  console.log('== summary');
  for (const v of summary) {
    console.log(`${v.figure.padEnd(36)}${v.value.padStart(14)}   target ${v.target.padEnd(12)} ${v.pass === null ? 'n/a' : v.pass ? 'PASS' : 'MISS'}`);
  }
  console.log(`loadavg at end ${loadavg()}`);
}

await main();
