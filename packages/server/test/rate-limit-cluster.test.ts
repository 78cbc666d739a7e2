// Rate limits across instances: 4 real server processes (test/helpers/cluster-server.ts, which
// is `tollgate serve` plus one measuring route) share one PostgreSQL schema and one Redis, and
// thousands of requests from 64 keep-alive connections spread over them must be limited as if
// one server answered them all: exactly the bucket's limit admitted per window, never more than
// the concurrent limit in flight, a token held to its 50% share, and one warning/violation event
// per window (not one per instance).
//
// Isolation: a fresh PostgreSQL schema, and a Redis key prefix of this run's own
// (TOLLGATE_REDIS_KEY_PREFIX) whose keys are deleted at the end; Redis is shared between runs.
//
// Time is the real clock (separate processes cannot share a fake one). Every counter window is
// 60 s from its first request; each blast takes a few seconds, and the test asserts that every
// answer of a bucket carries one and the same X-Rate-Limit-Reset, i.e. one window.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { LogEvent } from '../src/domain/system-log/types.ts';
import { openStore } from '../src/storage/open-store.ts';
import type { StoreTarget } from '../src/storage/open-store.ts';
import { backends } from './helpers/backends.ts';
import { HOLD_ENV, probeKeys, SLOW_PATH } from './helpers/cluster-server.ts';

const DATABASE_URL = process.env.TOLLGATE_TEST_DATABASE_URL;
const REDIS_URL = process.env.TOLLGATE_TEST_REDIS_URL;
const SKIP = !DATABASE_URL
  ? 'TOLLGATE_TEST_DATABASE_URL is not set: the multi-process rate-limit suite needs PostgreSQL'
  : !REDIS_URL
    ? 'TOLLGATE_TEST_REDIS_URL is not set: the multi-process rate-limit suite needs Redis'
    : false;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = fileURLToPath(new URL('./helpers/cluster-server.ts', import.meta.url));
const LISTENING = /listening on port (\d+)/;

const INSTANCES = 4;
const CONNECTIONS_PER_INSTANCE = 16;
/** L: the `api-v1` bucket's per-minute limit. */
const API_V1_LIMIT = 400;
/** The `logs` bucket's limit: the bootstrap token may use half of it. */
const LOGS_LIMIT = 100;
const TOKEN_SHARE = LOGS_LIMIT / 2;
/** C: requests in flight at once, org-wide (a token without an entity gets half). */
const CONCURRENCY = 8;
const REQUESTS = 3000;
/** How long the measuring route holds each request: long enough that C of them overlap. */
const HOLD_MS = 50;
/** Longest one blast may take; far inside the 60 s window. */
const BLAST_DEADLINE_MS = 40_000;
const TOKEN = '00ClusterBootstrapToken0123456789abcdefgh';

interface Server {
  proc: ChildProcessWithoutNullStreams;
  /** Resolves with the port once the instance prints it; rejects if it exits first or takes 30 s. */
  ready: Promise<number>;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts one instance; the caller keeps it (to stop it) before waiting for `ready`. */
function startServer(env: NodeJS.ProcessEnv): Server {
  const proc = spawn(process.execPath, ['--import', 'tsx', ENTRY], { cwd: ROOT, env, stdio: 'pipe' });
  let out = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  proc.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line in 30 s:\n${out}`)), 30_000);
    const onData = () => {
      const match = LISTENING.exec(out);
      if (!match) return;
      clearTimeout(timer);
      proc.stdout.off('data', onData);
      resolve(Number(match[1]));
    };
    proc.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${out}`));
    });
  });
  ready.catch(() => undefined); // awaited by the caller; never an unhandled rejection after a later exit
  return { proc, ready, output: () => out, exited };
}

async function stopServer(server: Server): Promise<number | null> {
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) return server.exited;
  server.proc.kill('SIGTERM');
  const timer = setTimeout(() => server.proc.kill('SIGKILL'), 15_000);
  const code = await server.exited;
  clearTimeout(timer);
  return code;
}

/** Deletes every key under `prefix` (SCAN, never KEYS: the server is shared). */
async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

interface Answer {
  instance: number;
  status: number;
  limit: number;
  remaining: number;
  reset: number;
}

interface BlastResult {
  answers: Answer[];
  /** Concurrency 429s (`X-Rate-Limit-Limit: 0`), each retried. */
  concurrencyRefusals: number;
  elapsedMs: number;
  /** When the last request not refused by a time bucket was answered. */
  lastAdmittedMs: number;
}

function get(agent: Agent, port: number, path: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      res.resume();
    });
    req.on('error', reject);
    req.end();
  });
}

function header(headers: IncomingHttpHeaders, name: string): number {
  const value = headers[name];
  assert.equal(typeof value, 'string', `one ${name} header`);
  return Number(value);
}

/**
 * Sends `total` requests over CONNECTIONS_PER_INSTANCE keep-alive connections per instance, one
 * request at a time per connection. A concurrency 429 is retried after a short pause until the
 * request gets a time-bucket answer (admitted, or a 429 of the time bucket): a refused request
 * changes no counter (the limiter's all-or-nothing rule), so retrying it is what makes the window
 * fill, and the admitted count can then be compared with the limit exactly.
 */
async function blast(ports: readonly number[], total: number, path: string, headers: Record<string, string> = {}): Promise<BlastResult> {
  const started = Date.now();
  const deadline = started + BLAST_DEADLINE_MS;
  const agents = ports.map(() => new Agent({ keepAlive: true, maxSockets: CONNECTIONS_PER_INSTANCE }));
  const answers: Answer[] = [];
  let issued = 0;
  let concurrencyRefusals = 0;
  let lastAdmit = 0;
  const worker = async (instance: number) => {
    while (issued < total) {
      issued++;
      for (;;) {
        if (Date.now() > deadline) throw new Error(`blast of ${path} did not finish in ${BLAST_DEADLINE_MS} ms (${answers.length} answered)`);
        const res = await get(agents[instance]!, ports[instance]!, path, headers);
        const limit = res.status === 429 ? header(res.headers, 'x-rate-limit-limit') : undefined;
        if (limit === 0) {
          concurrencyRefusals++;
          await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
          continue;
        }
        if (res.status !== 429) lastAdmit = Date.now();
        const known = res.headers['x-rate-limit-limit'] !== undefined;
        answers.push({
          instance,
          status: res.status,
          limit: known ? header(res.headers, 'x-rate-limit-limit') : NaN,
          remaining: known ? header(res.headers, 'x-rate-limit-remaining') : NaN,
          reset: known ? header(res.headers, 'x-rate-limit-reset') : NaN,
        });
        break;
      }
    }
  };
  try {
    await Promise.all(ports.flatMap((_, instance) => Array.from({ length: CONNECTIONS_PER_INSTANCE }, () => worker(instance))));
  } finally {
    for (const agent of agents) agent.destroy();
  }
  return { answers, concurrencyRefusals, elapsedMs: Date.now() - started, lastAdmittedMs: lastAdmit - started };
}

function count(answers: readonly Answer[], predicate: (a: Answer) => boolean): number {
  return answers.reduce((n, a) => n + (predicate(a) ? 1 : 0), 0);
}

/** 0, 1, ..., n - 1: the X-Rate-Limit-Remaining values of a window's n admitted requests, each once. */
function countdown(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

async function poll(what: string, check: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('rate limits across 4 processes sharing PostgreSQL and Redis', { skip: SKIP, timeout: 120_000 }, () => {
  const prefix = `tollgate-test:cluster:${randomBytes(6).toString('hex')}:`;
  const probe = probeKeys(prefix);
  let redis: Redis | undefined;
  let cleanupSchema: (() => Promise<void>) | undefined;
  let target: StoreTarget;
  const servers: Server[] = [];
  let ports: number[] = [];
  let firstBlastAt = 0;

  before(async () => {
    const startedAt = Date.now();
    redis = new Redis(REDIS_URL!, { maxRetriesPerRequest: 1 });
    const postgres = backends().find((b) => b.name === 'postgres')!;
    const created = await postgres.create();
    cleanupSchema = created.cleanup;
    target = created.target;
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TOLLGATE_'))),
      TOLLGATE_PORT: '0',
      TOLLGATE_LOG_LEVEL: 'warn',
      TOLLGATE_DATABASE_URL: created.url!,
      TOLLGATE_REDIS_URL: REDIS_URL!,
      TOLLGATE_REDIS_KEY_PREFIX: prefix,
      TOLLGATE_REDIS_FAILURE: 'closed', // a Redis failure must show as a 503, never as an unlimited admission
      TOLLGATE_BOOTSTRAP_TOKEN: TOKEN,
      TOLLGATE_RATE_LIMIT_OVERRIDES: `api-v1=${API_V1_LIMIT},logs=${LOGS_LIMIT}`,
      TOLLGATE_CONCURRENCY_LIMIT: String(CONCURRENCY),
      [HOLD_ENV]: String(HOLD_MS),
    };
    // The first instance migrates and bootstraps the empty schema; the others start on a ready one.
    servers.push(startServer(env));
    await servers[0]!.ready;
    for (let i = 1; i < INSTANCES; i++) servers.push(startServer(env));
    ports = await Promise.all(servers.map((s) => s.ready));
    process.stderr.write(`rate-limit cluster: ${INSTANCES} instances up in ${Date.now() - startedAt} ms (Redis key prefix ${prefix})\n`);
  });

  after(async () => {
    await Promise.all(servers.map(stopServer));
    if (redis) {
      await deleteKeys(redis, prefix);
      await redis.quit();
    }
    await cleanupSchema?.();
  });

  it(`admits exactly ${API_V1_LIMIT} of ${REQUESTS} requests to one bucket, with never more than ${CONCURRENCY} in flight`, async () => {
    firstBlastAt = Date.now();
    const { answers, concurrencyRefusals, elapsedMs, lastAdmittedMs } = await blast(ports, REQUESTS, SLOW_PATH);
    process.stderr.write(`rate-limit cluster: api-v1 blast ${elapsedMs} ms (last admission at ${lastAdmittedMs} ms), ${concurrencyRefusals} concurrency 429s retried\n`);
    assert.equal(answers.length, REQUESTS);
    assert.deepEqual([...new Set(answers.map((a) => a.status))].sort(), [200, 429], 'only admissions and time-bucket 429s (no 503: Redis answered)');

    const admitted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(admitted.length, API_V1_LIMIT, 'exactly the limit admitted in the window, across all instances');
    assert.ok(refused.every((a) => a.limit === API_V1_LIMIT && a.remaining === 0), 'every other request got the time bucket’s 429');
    assert.ok(admitted.every((a) => a.limit === API_V1_LIMIT));
    assert.deepEqual(
      admitted.map((a) => a.remaining).sort((x, y) => x - y),
      countdown(API_V1_LIMIT),
      'each count from 1 to the limit given out once: no lost or doubled increments',
    );
    assert.equal(new Set(answers.map((a) => a.reset)).size, 1, 'one window: every answer names the same reset');
    for (let i = 0; i < INSTANCES; i++) assert.ok(count(admitted, (a) => a.instance === i) > 0, `instance ${i} admitted some`);

    // The measuring route's global maximum (see cluster-server.ts for why it bounds the slots).
    const maxInFlight = Number(await redis!.get(probe.maxInFlight));
    assert.ok(concurrencyRefusals > 0, 'the concurrent limit was reached (64 connections for 8 slots)');
    assert.ok(maxInFlight <= CONCURRENCY, `at most ${CONCURRENCY} in flight across instances, saw ${maxInFlight}`);
    assert.equal(maxInFlight, CONCURRENCY, 'and the limiter lets all of them run at once');

    // Every slot given back once its response closed (release is asynchronous: wait for it).
    await poll('every concurrency slot released', async () => {
      const slots = await keysUnder(redis!, `${prefix}s:`); // slot sets are <prefix>s:<slot key> (redis.ts); empty ones vanish
      return slots.length === 0 && Number(await redis!.get(probe.inFlight)) === 0;
    });
  });

  it(`holds the bootstrap token to its 50% share of a bucket across instances; unauthenticated requests fill the rest`, async () => {
    const auth = await blast(ports, 400, '/api/v1/logs?limit=1', { authorization: `SSWS ${TOKEN}` });
    assert.deepEqual([...new Set(auth.answers.map((a) => a.status))].sort(), [200, 429]);
    const shareAdmitted = auth.answers.filter((a) => a.status === 200);
    assert.equal(shareAdmitted.length, TOKEN_SHARE, 'exactly half the bucket for a token without a principal rate limit entity');
    assert.ok(shareAdmitted.every((a) => a.limit === TOKEN_SHARE), 'the share has fewer left than the org bucket: the headers show it');
    assert.deepEqual(
      shareAdmitted.map((a) => a.remaining).sort((x, y) => x - y),
      countdown(TOKEN_SHARE),
    );
    assert.ok(auth.answers.filter((a) => a.status === 429).every((a) => a.limit === TOKEN_SHARE && a.remaining === 0), 'refused by the share');

    // Unauthenticated /api/v1 requests count against the org bucket only: its other half.
    const anonymous = await blast(ports, 200, '/api/v1/logs?limit=1');
    const unauthorized = anonymous.answers.filter((a) => a.status !== 429);
    assert.ok(unauthorized.every((a) => a.status === 401 || a.status === 403), 'refused by authentication, not limited');
    assert.equal(unauthorized.length, LOGS_LIMIT - TOKEN_SHARE);
    assert.ok(unauthorized.every((a) => a.limit === LOGS_LIMIT));
    assert.deepEqual(
      unauthorized.map((a) => a.remaining).sort((x, y) => x - y),
      countdown(LOGS_LIMIT - TOKEN_SHARE),
    );
    assert.ok(anonymous.answers.filter((a) => a.status === 429).every((a) => a.limit === LOGS_LIMIT && a.remaining === 0));
    assert.equal(new Set([...auth.answers, ...anonymous.answers].map((a) => a.reset)).size, 1, 'one window of the logs bucket');
  });

  it('logged each warning and violation once per window, not once per instance', async () => {
    assert.ok(firstBlastAt > 0, 'runs after the blasts');
    assert.ok(Date.now() - firstBlastAt < 55_000, 'all blasts inside one 60 s concurrency-event interval');
    // SIGTERM closes each app, which flushes its System Log writer; then read the shared store.
    const codes = await Promise.all(servers.map(stopServer));
    assert.deepEqual(codes, servers.map(() => 0), servers.map((s) => s.output()).join('\n---\n'));
    const store = await openStore(target);
    let events: LogEvent[];
    try {
      events = await store.listLogEvents({ limit: 100_000 });
    } finally {
      await store.close();
    }
    const of = (eventType: string, bucket?: string) =>
      events.filter((e) => e.eventType === eventType && (bucket === undefined || e.target.some((t) => t.type === 'Bucket Uuid' && t.alternateId === bucket))).length;
    assert.equal(of('system.org.rate_limit.warning', 'api-v1'), 1);
    assert.equal(of('system.org.rate_limit.violation', 'api-v1'), 1);
    assert.equal(of('system.org.rate_limit.warning', 'logs'), 1);
    assert.equal(of('system.org.rate_limit.violation', 'logs'), 1);
    assert.equal(of('system.operation.rate_limit.violation'), 1, 'the token’s share, once');
    assert.equal(of('core.concurrency.org.limit.violation'), 1, 'one org concurrency event per 60 s');
    assert.ok(of('system.operation.concurrency_limit.violation') <= 1);
  });
});
