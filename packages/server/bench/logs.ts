/**
 * System Log bench: latency of `GET /api/v1/logs` over a large log, on a real Tollgate server in
 * a child process. The log (1,000,000 events by default) is generated here and bulk-inserted
 * straight into `system_log` / `system_log_targets` (the server's own `logEventColumns` and the
 * writer's `build` make the rows, so they are what the server would have written), spread over
 * the 30 days before now, ~40 event types with a skewed mix (one rare type at 0.1%), 1000
 * users as actors, 1-2 targets per event. Then each query is sent one at a time over a
 * keep-alive connection, timed end to end from here (client and loopback included), and its
 * p50/p99 compared with the target of 50 ms:
 *
 * - the three of the acceptance (marked `*`): a bounded one-hour window; `filter=eventType eq`
 *   a rare and a common type, bounded over 7 days and polling; polling pages followed by
 *   `next` from the middle of the log;
 * - informational: more pages of a bounded window; polling from a `since` without `after` and
 *   a bare `GET /api/v1/logs`; polling at the head; `eventType eq` pages followed from the
 *   middle; `target.id eq` and `actor.id eq`.
 *
 * A query that misses the target gets its SQL (as the store builds it, captured from the real
 * service and store) and its plan printed (`--explain` prints them for every query).
 *
 *   npm run bench -- logs [--events 1000000] [--runs 200] [--warmup 20] [--budget 60] [--data-dir <dir>] [--explain] [--seed 1]
 *
 * `--events` (or LOG_BENCH_EVENTS) sets the size of the log. A query whose timed requests take
 * more than `--budget` seconds in all stops early (the runs column says how many were timed).
 * Storage is SQLite in a temp dir; `--data-dir <dir>` uses and keeps <dir> instead, and reuses
 * the log already loaded there (the server never runs ANALYZE, so neither does the bench).
 * With TOLLGATE_BENCH_DATABASE_URL=postgres://... the log goes in a new schema of that
 * database instead (dropped at the end) and the figures are PostgreSQL's.
 *
 * Exits 0 whatever the figures; non-zero only if something fails.
 */
import { startChildServer } from './lib/child-process.ts';
import type { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { LogEvent as KyselyLogEvent } from 'kysely';
import pg from 'pg';
import { announceAndStopOnExit } from './lib/child-server.ts';
import { buildApp, openOrg, resolveOrgUrl, validateConfigObject } from '../src/index.ts';
import { systemContext } from '../src/domain/org/bootstrap.ts';
import type { LogListParams } from '../src/domain/system-log/service.ts';
import { SystemLogService } from '../src/domain/system-log/service.ts';
import type { LogEvent, LogTarget } from '../src/domain/system-log/types.ts';
import { parseUserAgent } from '../src/domain/system-log/user-agent.ts';
import { SYSTEM_ACTOR, SystemLog } from '../src/domain/system-log/writer.ts';
import type { EventSpec } from '../src/domain/system-log/writer.ts';
import type { CallContext } from '../src/domain/shared/context.ts';
import { randomIds } from '../src/domain/shared/ids.ts';
import { systemClock } from '../src/domain/shared/clock.ts';
import { KyselyStore } from '../src/storage/kysely-store.ts';
import { logEventColumns } from '../src/storage/log-columns.ts';
import { SQLITE_FILE, openStore } from '../src/storage/open-store.ts';
import { CurrentSchemaPostgresDialect } from '../src/storage/postgres-dialect.ts';
import type { Database } from '../src/storage/tables.ts';
import { percentile, positiveInt } from './lib/stats.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TOKEN = '00' + 'TollgateBenchLogs000123456789abcdefghijk';
const TARGET_MS = 50;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The log covers this many days before the load; the default retention (90 days) keeps all of it. */
const SPAN_DAYS = 30;
const RETENTION_DAYS = 90;
const META_FILE = 'logs-bench.json';
/** In the child process that serves PostgreSQL (tollgate-server.ts serves SQLite only). */
const CHILD_ENV = 'LOG_BENCH_SERVE_DATABASE_URL';

// ---------------------------------------------------------------------------------------------
// Options

function options() {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: process.env.LOG_BENCH_EVENTS ?? '1000000' },
      runs: { type: 'string', default: '200' },
      warmup: { type: 'string', default: '20' },
      'data-dir': { type: 'string' },
      explain: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      budget: { type: 'string', default: '60' },
    },
  });
  return {
    events: positiveInt('events', values.events.replace(/[_,]/g, '')),
    runs: positiveInt('runs', values.runs),
    warmup: nonNegativeInt('warmup', values.warmup),
    dataDir: values['data-dir'] ? path.resolve(values['data-dir']) : undefined,
    explain: values.explain,
    seed: nonNegativeInt('seed', values.seed),
    budgetMs: positiveInt('budget', values.budget) * 1000,
    databaseUrl: process.env.TOLLGATE_BENCH_DATABASE_URL || undefined,
  };
}

function nonNegativeInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${value}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// The generated log

/** A small seeded PRNG (mulberry32), so that two runs with the same --seed load the same mix. */
function prng(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

type Category = 'user' | 'app' | 'policy' | 'group' | 'token';

/** Okta event types, most frequent first; their weights follow 1/rank, except RARE_TYPE's. */
const EVENT_TYPES: [eventType: string, displayMessage: string, category: Category][] = [
  ['user.authentication.sso', 'User single sign on to app', 'app'],
  ['user.session.start', 'User login to Okta', 'user'],
  ['policy.evaluate_sign_on', 'Evaluation of sign-on policy', 'policy'],
  ['user.authentication.auth_via_mfa', 'Authentication of user via MFA', 'user'],
  ['app.oauth2.as.token.grant.access_token', 'OAuth2 access token is granted', 'app'],
  ['user.authentication.verify', 'Verify user identity', 'user'],
  ['user.session.end', 'User logout from Okta', 'user'],
  ['app.oauth2.as.authorize.code', 'OAuth2 authorization code request', 'app'],
  ['user.mfa.okta_verify', 'Okta Verify MFA verification', 'user'],
  ['app.oauth2.as.token.grant.id_token', 'OAuth2 id token is granted', 'app'],
  ['user.authentication.authenticate', 'User authentication', 'user'],
  ['user.session.access_admin_app', 'User accessing Okta admin app', 'user'],
  ['app.oauth2.as.token.grant.refresh_token', 'OAuth2 refresh token is granted', 'app'],
  ['user.mfa.okta_verify.deny_push', 'User rejected Okta Verify push', 'user'],
  ['group.user_membership.add', 'Add user to group membership', 'group'],
  ['group.user_membership.remove', 'Remove user from group membership', 'group'],
  ['user.account.update_profile', 'Update user profile for Okta', 'user'],
  ['application.user_membership.add', 'Add user to application membership', 'app'],
  ['application.user_membership.remove', 'Remove user from application membership', 'app'],
  ['user.account.update_password', 'User update password for Okta', 'user'],
  ['user.account.reset_password', 'Reset Okta password', 'user'],
  ['user.account.lock', 'Max sign in attempts exceeded', 'user'],
  ['user.account.unlock', 'Unlock user account', 'user'],
  ['user.lifecycle.create', 'Create Okta user', 'user'],
  ['user.lifecycle.activate', 'Activate Okta user', 'user'],
  ['user.lifecycle.deactivate', 'Deactivate Okta user', 'user'],
  ['user.lifecycle.suspend', 'Suspend Okta user', 'user'],
  ['user.mfa.factor.activate', 'Activate factor or authenticator', 'user'],
  ['user.mfa.factor.deactivate', 'Reset factor or authenticator', 'user'],
  ['policy.lifecycle.update', 'Update policy', 'policy'],
  ['policy.rule.update', 'Update policy rule', 'policy'],
  ['application.lifecycle.update', 'Update application', 'app'],
  ['group.lifecycle.create', 'Create Okta group', 'group'],
  ['system.api_token.create', 'Create API token', 'token'],
  ['system.api_token.revoke', 'Revoke API token', 'token'],
  ['policy.lifecycle.create', 'Create policy', 'policy'],
  ['application.lifecycle.create', 'Create application', 'app'],
  ['group.lifecycle.delete', 'Delete Okta group', 'group'],
  ['policy.rule.deactivate', 'Deactivate policy rule', 'policy'],
  ['user.account.privilege.grant', 'Grant user privilege', 'user'],
];
const RARE_TYPE = 'user.account.privilege.grant';
const RARE_SHARE = 0.001;
const COMMON_TYPE = EVENT_TYPES[0]![0];

const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
  'okta-sdk-java/8.2.5 java/17.0.9 Linux/6.1.0',
  'curl/8.5.0',
];

/** Everything the queries need to know about a loaded log (kept next to a reused SQLite log). */
interface LogMeta {
  events: number;
  targetRows: number;
  /** `published` of the first and last generated events (epoch ms). */
  start: number;
  end: number;
  firstSeq: number;
  lastSeq: number;
  users: string[];
  rareType: string;
  commonType: string;
  rareCount: number;
  commonCount: number;
  loadSeconds: number;
}

/** Makes the log's events, in `published` order, with a `SystemLog.build` fed a moving clock. */
function eventSource(total: number, seed: number, end: number) {
  const rand = prng(seed);
  const id = (prefix: string) => {
    let s = prefix;
    while (s.length < 20) s += ALPHANUMERIC[Math.floor(rand() * 62)];
    return s;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  /** Skewed towards the first items (a few very active users, apps ...). */
  const pickSkewed = <T>(items: readonly T[]): T => items[Math.floor(rand() * rand() * items.length)]!;

  const users = Array.from({ length: 1000 }, (_, i) => {
    const first = ['alex', 'sam', 'kim', 'lee', 'max', 'jo', 'ana', 'eli', 'noa', 'ray'][i % 10]!;
    const login = `${first}.user${i}@example.com`;
    return { id: id('00u'), login, displayName: `${first[0]!.toUpperCase()}${first.slice(1)} User${i}` };
  });
  const target = (type: string, idPrefix: string, name: string, alternateId?: string): LogTarget => ({
    id: id(idPrefix),
    type,
    alternateId: alternateId ?? name.toLowerCase().replace(/\W+/g, '_'),
    displayName: name,
  });
  const apps = Array.from({ length: 50 }, (_, i) => target('AppInstance', '0oa', `App ${i}`, `app_${i}`));
  const groups = Array.from({ length: 200 }, (_, i) => target('UserGroup', '00g', `Group ${i}`));
  const policies = Array.from({ length: 30 }, (_, i) => target('PolicyEntity', '00p', `Policy ${i}`, 'unknown'));
  const rules = Array.from({ length: 100 }, (_, i) => target('PolicyRule', '0pr', `Rule ${i}`, 'unknown'));
  const tokens = Array.from({ length: 20 }, (_, i) => target('Token', '00T', `Token ${i}`, 'unknown'));
  const ips = Array.from({ length: 2000 }, () => Array.from({ length: 4 }, (_, j) => (j === 0 ? 10 + Math.floor(rand() * 180) : Math.floor(rand() * 256))).join('.'));
  // Parsed once: ua-parser-js per event would double the load time for the same result.
  const agents = USER_AGENTS.map(parseUserAgent);
  const userTarget = (u: (typeof users)[number]): LogTarget => ({ id: u.id, type: 'User', alternateId: u.login, displayName: u.displayName });

  // Cumulative weights: 1/rank for all but the rare type, which gets RARE_SHARE.
  const weights = EVENT_TYPES.map(([t], i) => (t === RARE_TYPE ? 0 : 1 / (i + 1)));
  const sum = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const [i, [t]] of EVENT_TYPES.entries()) {
    acc += t === RARE_TYPE ? RARE_SHARE : (weights[i]! / sum) * (1 - RARE_SHARE);
    cumulative.push(acc);
  }
  const pickType = () => {
    const r = rand() * acc;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return EVENT_TYPES[lo]!;
  };

  let now = 0;
  const writer = new SystemLog({
    store: undefined as never, // only `build` is used
    clock: { now: () => now },
    ids: randomIds,
    sink: { writeFailed: () => undefined, dropped: () => undefined },
  });
  const start = end - SPAN_DAYS * DAY;
  const step = (end - start) / total;

  function next(i: number): LogEvent {
    // Evenly spread, with a little disorder, as concurrent requests appending give.
    now = Math.min(end, Math.round(start + (i + 0.5) * step + (rand() - 0.5) * 200));
    const [eventType, displayMessage, category] = pickType();
    const user = pickSkewed(users);
    const job = rand() < 0.04;
    const system = category === 'token' ? rand() < 0.3 : rand() < 0.02;
    const tokenId = !job && rand() < 0.3 ? pick(tokens).id : undefined;
    const agent = job ? undefined : rand() < 0.15 ? agents[5 + Math.floor(rand() * 2)]! : agents[Math.floor(rand() * 5)]!;
    const ip = pick(ips);

    const targets: LogTarget[] = [];
    let uri: string;
    const debugData: Record<string, string> = {};
    switch (category) {
      case 'user':
        targets.push(userTarget(rand() < 0.8 ? user : pickSkewed(users)));
        if (rand() < 0.3) targets.push(pickSkewed(apps));
        uri = eventType.startsWith('user.session') || eventType.startsWith('user.authentication') ? '/idp/idx/identify' : `/api/v1/users/${targets[0]!.id}`;
        debugData.behaviors = '{New Geo-Location=NEGATIVE, New Device=NEGATIVE, New IP=NEGATIVE}';
        debugData.threatSuspected = 'false';
        break;
      case 'app':
        targets.push(pickSkewed(apps));
        if (rand() < 0.3) targets.push(userTarget(user));
        uri = eventType.startsWith('app.oauth2') ? '/oauth2/v1/token' : `/api/v1/apps/${targets[0]!.id}`;
        if (eventType.startsWith('app.oauth2')) debugData.grantType = 'authorization_code';
        break;
      case 'policy':
        targets.push(pick(policies));
        if (rand() < 0.4) targets.push(pick(rules));
        uri = `/api/v1/policies/${targets[0]!.id}`;
        break;
      case 'group':
        targets.push(pickSkewed(groups));
        if (rand() < 0.8) targets.push(userTarget(pickSkewed(users)));
        uri = `/api/v1/groups/${targets[0]!.id}`;
        break;
      case 'token':
        targets.push(pick(tokens));
        uri = `/api/v1/api-tokens/${targets[0]!.id}`;
        break;
    }
    const failed = category !== 'token' && rand() < 0.06;
    const spec: EventSpec = {
      eventType,
      displayMessage,
      target: targets,
      debugData,
      ...(failed
        ? { outcome: { result: category === 'policy' ? 'DENY' : 'FAILURE', reason: category === 'policy' ? 'Sign-on policy denied' : 'INVALID_CREDENTIALS' }, severity: 'WARN' as const }
        : category === 'policy' && eventType === 'policy.evaluate_sign_on'
          ? { outcome: { result: 'ALLOW' as const } }
          : {}),
    };
    const ctx: CallContext = {
      principal: system
        ? { userId: SYSTEM_ACTOR.id, login: SYSTEM_ACTOR.alternateId, displayName: SYSTEM_ACTOR.displayName, roles: new Set(['SUPER_ADMIN']) }
        : { userId: user.id, login: user.login, displayName: user.displayName, roles: new Set(), ...(tokenId ? { apiTokenId: tokenId } : {}) },
      requestId: id('req').padEnd(25, 'X'),
      ipAddress: job ? null : ip,
      ipChain: job ? [] : [ip],
      userAgent: null, // set below from the parsed copy
      requestUri: job ? null : rand() < 0.2 ? `${uri}?limit=200` : uri,
      transactionType: job ? 'JOB' : 'WEB',
    };
    const event = writer.build(ctx, spec);
    if (agent) event.client = { userAgent: agent, ...event.client };
    return event;
  }

  return { next, users: users.map((u) => u.id), start };
}

// ---------------------------------------------------------------------------------------------
// Loading

async function loadSqlite(dataDir: string, total: number, seed: number): Promise<LogMeta> {
  const store = await openStore({ kind: 'sqlite', dataDir }); // the migrations
  await store.close();
  const db = new SqliteDatabase(path.join(dataDir, SQLITE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -524288'); // 512 MiB: the random uuid index is the bulk load's cost
  db.pragma('foreign_keys = ON');
  const insertEvent = db.prepare(
    'insert into system_log (uuid, published, event_type, actor_id, severity, outcome_result, transaction_id, api_token_id, keywords, body) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertTarget = db.prepare('insert into system_log_targets (seq, position, target_id) values (?, ?, ?)');
  const insertBatch = db.transaction((events: LogEvent[]) => {
    let seq = 0;
    let targetRows = 0;
    for (const event of events) {
      const c = logEventColumns(event);
      const info = insertEvent.run(c.uuid, c.published, c.event_type, c.actor_id, c.severity, c.outcome_result, c.transaction_id, c.api_token_id, c.keywords, JSON.stringify(event));
      seq = Number(info.lastInsertRowid);
      for (const [position, targetId] of c.targets.entries()) insertTarget.run(seq, position, targetId);
      targetRows += c.targets.length;
    }
    return { seq, targetRows };
  });

  const meta = await generate(total, seed, (batch) => insertBatch(batch));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return meta;
}

/** Generates the log in batches, handing each to `insert`; returns the meta of the whole. */
async function generate(total: number, seed: number, insert: (batch: LogEvent[]) => { seq: number; targetRows: number } | Promise<{ seq: number; targetRows: number }>): Promise<LogMeta> {
  const end = Date.now() - 1000;
  const source = eventSource(total, seed, end);
  const started = process.hrtime.bigint();
  const BATCH = 20_000;
  let firstSeq = 0;
  let lastSeq = 0;
  let targetRows = 0;
  let rareCount = 0;
  let commonCount = 0;
  let reported = 0;
  for (let i = 0; i < total; ) {
    const batch: LogEvent[] = [];
    for (const stop = Math.min(total, i + BATCH); i < stop; i++) {
      const e = source.next(i);
      if (e.eventType === RARE_TYPE) rareCount++;
      else if (e.eventType === COMMON_TYPE) commonCount++;
      batch.push(e);
    }
    const r = await insert(batch);
    if (firstSeq === 0) firstSeq = r.seq - batch.length + 1;
    lastSeq = r.seq;
    targetRows += r.targetRows;
    if (process.stderr.isTTY && i - reported >= total / 20) {
      reported = i;
      process.stderr.write(`\r  loading: ${i.toLocaleString('en')} / ${total.toLocaleString('en')}`);
    }
  }
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { events: total, targetRows, start: source.start, end, firstSeq, lastSeq, users: source.users, rareType: RARE_TYPE, commonType: COMMON_TYPE, rareCount, commonCount, loadSeconds };
}

async function loadPostgres(url: string, schema: string, total: number, seed: number): Promise<LogMeta> {
  const store = await openStore({ kind: 'postgres', url, schema }); // the migrations
  await store.close();
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    let seq = 0;
    const meta = await generate(total, seed, async (events) => {
      const cols: unknown[][] = Array.from({ length: 11 }, () => []);
      const targets: [number[], number[], string[]] = [[], [], []];
      for (const event of events) {
        const c = logEventColumns(event);
        seq++;
        const values = [seq, c.uuid, c.published, c.event_type, c.actor_id, c.severity, c.outcome_result, c.transaction_id, c.api_token_id, c.keywords, JSON.stringify(event)];
        values.forEach((v, j) => cols[j]!.push(v));
        for (const [position, targetId] of c.targets.entries()) {
          targets[0].push(seq);
          targets[1].push(position);
          targets[2].push(targetId);
        }
      }
      await client.query('begin');
      await client.query(
        `insert into system_log (seq, uuid, published, event_type, actor_id, severity, outcome_result, transaction_id, api_token_id, keywords, body) overriding system value
         select * from unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[])`,
        cols,
      );
      await client.query('insert into system_log_targets (seq, position, target_id) select * from unnest($1::bigint[], $2::integer[], $3::text[])', targets);
      await client.query('commit');
      return { seq, targetRows: targets[0].length };
    });
    await client.query(`select setval(pg_get_serial_sequence('system_log', 'seq'), ${seq})`);
    // Autovacuum would analyze the new rows within a minute or so; do it now so the plans are settled.
    await client.query('analyze system_log');
    await client.query('analyze system_log_targets');
    return meta;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The server and the client

/** Child-process mode: a real Tollgate server on PostgreSQL (tollgate-server.ts is SQLite only). */
async function serveChild(databaseUrl: string): Promise<void> {
  const [dataDir, bootstrapToken] = process.argv.slice(2);
  const config = validateConfigObject({ dataDir, databaseUrl, port: 0, logLevel: 'warn', bootstrapToken, ...BENCH_SERVER_CONFIG });
  const services = await openOrg(config, () => undefined);
  let orgUrl = '';
  const app = buildApp(config, { services, orgUrl: () => orgUrl });
  await app.listen({ port: 0, host: '127.0.0.1' });
  orgUrl = resolveOrgUrl(config, (app.server.address() as { port: number }).port);
  announceAndStopOnExit(app, 'logs-bench-server');
}

/** This bench times queries, not rate limits: the logs bucket (120/min, 60 for one token) would refuse most of its load. */
const BENCH_SERVER_CONFIG = { rateLimits: 'off' } as const;

function startServer(dataDir: string, databaseUrl?: string) {
  const script = databaseUrl ? fileURLToPath(import.meta.url) : path.join(HERE, 'tollgate-server.ts');
  return startChildServer(script, [dataDir, TOKEN, JSON.stringify(BENCH_SERVER_CONFIG)], databaseUrl ? { env: { ...process.env, [CHILD_ENV]: databaseUrl } } : {});
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(port: number, url: string): Promise<{ status: number; body: Buffer; link: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path: url, agent, headers: { authorization: `SSWS ${TOKEN}`, accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const link = res.headers.link;
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), link: Array.isArray(link) ? link.join(', ') : (link ?? '') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The path and query of the `next` link, if any. */
function nextLink(link: string): string | undefined {
  const m = /<([^>]+)>;\s*rel="next"/.exec(link);
  if (!m) return undefined;
  const u = new URL(m[1]!);
  return u.pathname + u.search;
}

/** Events in a page, counted without parsing (every event has exactly one `"uuid":`). */
function countEvents(body: Buffer): number {
  let n = 0;
  for (let i = body.indexOf('"uuid":'); i !== -1; i = body.indexOf('"uuid":', i + 7)) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// The queries

interface QuerySpec {
  name: string;
  /** One of the acceptance's three queries (the others are informational). */
  acceptance: boolean;
  /** The first URL of a chain of pages. */
  first: () => string;
  /** Pages per chain: after the first, each follows the previous page's `next` link. */
  pages: number;
}

interface Result {
  spec: QuerySpec;
  runs: number;
  p50: number;
  p99: number;
  max: number;
  meanRows: number;
  /** The last URL timed, for --explain. */
  lastUrl: string;
}

function querySpecs(meta: LogMeta, seed: number): QuerySpec[] {
  const rand = prng(seed + 7);
  const iso = (ms: number) => new Date(ms).toISOString();
  /** A window start such that [start, start + length) lies inside the log. */
  const windowStart = (length: number) => meta.start + Math.floor(rand() * Math.max(1, meta.end - meta.start - length));
  const logs = (params: Record<string, string>) => `/api/v1/logs?${new URLSearchParams(params).toString()}`;
  const bounded = (length: number, extra: Record<string, string> = {}) => () => {
    const since = windowStart(length);
    return logs({ since: iso(since), until: iso(since + length), ...extra });
  };
  const polling = (extra: Record<string, string> = {}) => () => logs({ since: iso(windowStart(DAY)), ...extra });
  const pickUser = () => meta.users[Math.floor(rand() * meta.users.length)]!;
  const middleSeq = () => meta.firstSeq + Math.floor((0.25 + rand() * 0.5) * (meta.lastSeq - meta.firstSeq));
  const eventType = (t: string) => ({ filter: `eventType eq "${t}"` });
  return [
    { name: 'bounded 1h window', acceptance: true, first: bounded(HOUR), pages: 1 },
    { name: 'bounded 1h window, 3 pages', acceptance: false, first: bounded(HOUR), pages: 3 },
    { name: `eventType eq rare, bounded 7d`, acceptance: true, first: bounded(7 * DAY, eventType(meta.rareType)), pages: 1 },
    { name: `eventType eq common, bounded 7d`, acceptance: true, first: bounded(7 * DAY, eventType(meta.commonType)), pages: 1 },
    { name: `eventType eq rare, polling`, acceptance: true, first: polling(eventType(meta.rareType)), pages: 1 },
    { name: `eventType eq common, polling`, acceptance: true, first: polling(eventType(meta.commonType)), pages: 1 },
    { name: 'eventType eq common, polling pages', acceptance: false, first: () => logs({ after: String(middleSeq()), ...eventType(meta.commonType) }), pages: 10 },
    { name: 'polling page (after=, follow next)', acceptance: true, first: () => logs({ after: String(middleSeq()) }), pages: 10 },
    { name: 'polling start (since=, no after)', acceptance: false, first: polling(), pages: 1 },
    { name: 'GET /api/v1/logs (no parameters)', acceptance: false, first: () => '/api/v1/logs', pages: 1 },
    { name: 'polling at the head (empty page)', acceptance: false, first: () => logs({ after: String(meta.lastSeq + 1000) }), pages: 1 },
    { name: 'target.id eq user, bounded 7d', acceptance: false, first: () => bounded(7 * DAY, { filter: `target.id eq "${pickUser()}"` })(), pages: 1 },
    { name: 'target.id eq user, polling', acceptance: false, first: () => polling({ filter: `target.id eq "${pickUser()}"` })(), pages: 1 },
    { name: 'target.id eq user, polling pages', acceptance: false, first: () => logs({ after: String(middleSeq()), filter: `target.id eq "${pickUser()}"` }), pages: 10 },
    { name: 'actor.id eq user, bounded 7d', acceptance: false, first: () => bounded(7 * DAY, { filter: `actor.id eq "${pickUser()}"` })(), pages: 1 },
    { name: 'actor.id eq user, polling', acceptance: false, first: () => polling({ filter: `actor.id eq "${pickUser()}"` })(), pages: 1 },
  ];
}

/**
 * Times `runs` requests after `warmup`, but stops a slow query once its timed requests have
 * taken `budgetMs` (with at least 20 timed; the warm-up gets a quarter of the budget).
 */
async function measure(port: number, spec: QuerySpec, runs: number, warmup: number, budgetMs: number): Promise<Result> {
  let url: string | undefined;
  let left = 0;
  /** Sends the next request of the current chain (or starts a chain) and times it. */
  const step = async () => {
    if (url === undefined || left === 0) {
      url = spec.first();
      left = spec.pages;
    }
    const sent = url;
    const start = process.hrtime.bigint();
    const res = await get(port, sent);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (res.status !== 200) throw new Error(`${spec.name}: GET ${sent}: ${res.status} ${res.body.toString('utf8').slice(0, 500)}`);
    left--;
    url = left > 0 ? nextLink(res.link) : undefined;
    return { ms, rows: countEvents(res.body), url: sent };
  };
  let spent = 0;
  for (let i = 0; i < warmup && spent <= budgetMs / 4; i++) spent += (await step()).ms;
  const times: number[] = [];
  let rows = 0;
  let lastUrl = '';
  spent = 0;
  while (times.length < runs && (spent <= budgetMs || times.length < 20)) {
    const r = await step();
    times.push(r.ms);
    spent += r.ms;
    rows += r.rows;
    lastUrl = r.url;
  }
  const timed = times.length;
  times.sort((a, b) => a - b);
  return { spec, runs: timed, p50: percentile(times, 50), p99: percentile(times, 99), max: times.at(-1)!, meanRows: rows / timed, lastUrl };
}

// ---------------------------------------------------------------------------------------------
// Plans

/**
 * Runs the real service and store for `url`'s parameters on a connection of our own, captures
 * the page query's SQL as Kysely compiles it, and returns it with its plan.
 */
async function explain(target: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string }, url: string): Promise<string[]> {
  const captured: { sql: string; parameters: readonly unknown[] }[] = [];
  const log = (event: KyselyLogEvent) => {
    if (event.level === 'query') captured.push({ sql: event.query.sql, parameters: event.query.parameters });
  };
  const params = Object.fromEntries(new URL(url, 'http://x').searchParams) as LogListParams;
  const out: string[] = [];
  let sqlite: SqliteDatabase.Database | undefined;
  let pool: pg.Pool | undefined;
  let db: Kysely<Database>;
  if (target.kind === 'sqlite') {
    sqlite = new SqliteDatabase(target.file, { readonly: true, fileMustExist: true });
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), log });
  } else {
    pool = new pg.Pool({ connectionString: target.url, options: `-c search_path=${target.schema}`, max: 1 });
    db = new Kysely<Database>({ dialect: new CurrentSchemaPostgresDialect({ pool }), log });
  }
  try {
    const store = new KyselyStore(db, target.kind);
    const service = new SystemLogService({ store, clock: systemClock, retentionDays: RETENTION_DAYS });
    const started = process.hrtime.bigint();
    await service.list(systemContext('reqLogsBenchExplain000000'), params);
    const serviceMs = Number(process.hrtime.bigint() - started) / 1e6;
    const page = captured.find((c) => /from "system_log" as "e"/.test(c.sql));
    if (!page) return ['(no page query captured)'];
    out.push(`SQL: ${page.sql}`);
    out.push(`parameters: ${JSON.stringify(page.parameters)}`);
    out.push(`service.list in-process: ${serviceMs.toFixed(1)} ms`);
    if (sqlite) {
      const plan = sqlite.prepare(`explain query plan ${page.sql}`).all(...(page.parameters as unknown[])) as { id: number; parent: number; detail: string }[];
      const depth = new Map<number, number>([[0, 0]]);
      for (const row of plan) {
        const d = (depth.get(row.parent) ?? 0) + 1;
        depth.set(row.id, d);
        out.push(`${'  '.repeat(d)}${row.detail}`);
      }
    } else {
      const res = await pool!.query(`explain (analyze, buffers) ${page.sql}`, page.parameters as unknown[]);
      for (const row of res.rows as Record<string, string>[]) out.push(`  ${row['QUERY PLAN']}`);
    }
  } finally {
    await db.destroy();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = options();
  const postgres = opts.databaseUrl !== undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'tollgate-bench-logs-')));
  await mkdir(dataDir, { recursive: true });
  const schema = `tg_bench_logs_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const metaFile = path.join(dataDir, META_FILE);
  let scopedUrl: string | undefined;

  let child: ReturnType<typeof spawn> | undefined;
  try {
    let meta: LogMeta;
    let reused = false;
    if (postgres) {
      const admin = new pg.Client({ connectionString: opts.databaseUrl });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.end();
      const u = new URL(opts.databaseUrl!);
      u.searchParams.set('options', `-c search_path=${schema}`);
      scopedUrl = u.toString();
      meta = await loadPostgres(opts.databaseUrl!, schema, opts.events, opts.seed);
    } else if (opts.dataDir && existsSync(metaFile)) {
      meta = JSON.parse(readFileSync(metaFile, 'utf8')) as LogMeta;
      reused = true;
    } else {
      meta = await loadSqlite(dataDir, opts.events, opts.seed);
      writeFileSync(metaFile, JSON.stringify(meta));
    }

    const storage = postgres ? `PostgreSQL (schema ${schema})` : `SQLite in ${dataDir}`;
    console.log(`logs bench: ${storage}`);
    const size = postgres ? await postgresSize(opts.databaseUrl!, schema) : sqliteSize(dataDir);
    console.log(
      `  ${reused ? 'reused' : 'loaded'} ${meta.events.toLocaleString('en')} events (${meta.targetRows.toLocaleString('en')} target rows) over ${SPAN_DAYS} days` +
        `${reused ? ` (loaded ${((Date.now() - meta.end) / 60_000).toFixed(0)} min ago)` : ` in ${meta.loadSeconds.toFixed(1)} s (${Math.round(meta.events / meta.loadSeconds).toLocaleString('en')} events/s)`}; database ${(size / 2 ** 20).toFixed(0)} MiB`,
    );
    console.log(`  ${EVENT_TYPES.length} event types: ${meta.commonType} ${meta.commonCount.toLocaleString('en')} (${((100 * meta.commonCount) / meta.events).toFixed(1)}%), rare ${meta.rareType} ${meta.rareCount.toLocaleString('en')} (${((100 * meta.rareCount) / meta.events).toFixed(2)}%); ${meta.users.length} users`);

    const server = await startServer(dataDir, scopedUrl);
    child = server.child;
    const specs = querySpecs(meta, opts.seed);
    console.log(`  each query: ${opts.runs} sequential requests timed after ${opts.warmup} warm-up, one keep-alive connection, limit 100 (default)`);
    console.log(`  ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), node ${process.version}, ${os.platform()} ${os.arch()}, loadavg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log('');
    console.log(`  ${'query'.padEnd(38)} ${'runs'.padStart(5)} ${'rows'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}  target`);
    const results: Result[] = [];
    for (const spec of specs) {
      const r = await measure(server.port, spec, opts.runs, opts.warmup, opts.budgetMs);
      results.push(r);
      const verdict = r.p99 < TARGET_MS ? 'PASS' : 'MISS';
      console.log(
        `${spec.acceptance ? '* ' : '  '}${spec.name.padEnd(38)} ${String(r.runs).padStart(5)} ${r.meanRows.toFixed(0).padStart(6)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.max.toFixed(2).padStart(8)}  ${TARGET_MS} ms ${verdict}${spec.acceptance ? '' : ' (info)'}`,
      );
    }
    const accepted = results.filter((r) => r.spec.acceptance);
    const misses = accepted.filter((r) => r.p99 >= TARGET_MS);
    console.log('');
    console.log(`acceptance (*): p99 < ${TARGET_MS} ms on ${accepted.length - misses.length} of ${accepted.length} queries${misses.length ? `; missed: ${misses.map((r) => r.spec.name).join(', ')}` : ''}`);
    console.log('rows = mean events per page; times are end to end from this process (client and loopback included)');

    child.stdin!.end();
    await new Promise((resolve) => child!.once('exit', resolve));
    child = undefined;

    const toExplain = results.filter((r) => opts.explain || r.p99 >= TARGET_MS);
    const target = postgres ? { kind: 'postgres' as const, url: opts.databaseUrl!, schema } : { kind: 'sqlite' as const, file: path.join(dataDir, SQLITE_FILE) };
    for (const r of toExplain) {
      console.log('');
      console.log(`plan: ${r.spec.name} (p99 ${r.p99.toFixed(1)} ms) — GET ${decodeURIComponent(r.lastUrl)}`);
      for (const line of await explain(target, r.lastUrl)) console.log(`  ${line}`);
    }
  } finally {
    if (child) {
      child.stdin!.end();
      await new Promise((resolve) => child!.once('exit', resolve));
    }
    agent.destroy();
    if (postgres) {
      const admin = new pg.Client({ connectionString: opts.databaseUrl });
      await admin.connect();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

function sqliteSize(dataDir: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    const file = path.join(dataDir, SQLITE_FILE + suffix);
    if (existsSync(file)) total += statSync(file).size;
  }
  return total;
}

async function postgresSize(url: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query(`select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint as size from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind = 'r'`, [schema]);
    return Number((res.rows[0] as { size: string }).size);
  } finally {
    await client.end();
  }
}

// Last, so that every module-level constant above is initialised.
if (process.env[CHILD_ENV]) {
  await serveChild(process.env[CHILD_ENV]);
} else {
  await main();
}
