/**
 * Foundation bench: requests/s of an authenticated `GET /api/v1/api-tokens/{id}` on a real
 * Tollgate server (SQLite in a fresh temp dir) next to a bare Fastify server with one route
 * returning the same JSON, and the ratio tollgate/bare (target >= 0.6).
 *
 *   npm run bench -- foundation [--rounds 2] [--duration 10] [--warmup 2] [--connections 10] [--cpu-prof <dir>]
 *
 * Each server runs in its own child process, one at a time, freshly started for every run;
 * the load generator (autocannon) runs here. Runs go bare, tollgate, bare, tollgate ... and
 * every run is printed next to the medians, so the noise is visible. `--cpu-prof <dir>` starts
 * the Tollgate children with `--cpu-prof` and writes their profiles to <dir>.
 *
 * Rate limits are on in Tollgate (the default, in-process limiter), so the figure includes their
 * cost, but they must not refuse the load: by Okta's rule the bench's token may use only 50% of
 * the `api-v1` bucket (1200/min for Workforce) and of the concurrent limit, so the Tollgate
 * children get `rateLimitOverrides: ['api-v1=9999999']` (the largest override the config takes)
 * and `concurrencyLimit: max(75, 4 x connections)`. Any non-2xx response is flagged as making
 * the figures invalid. `npm run bench -- rate-limit` measures the limiter's cost on its own.
 * Exits 0 whatever the ratio; non-zero only if something crashes.
 */
import { startChildServer, stopChildServer } from './lib/child-process.ts';
import type { ChildServer } from './lib/child-process.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { positiveInt } from './lib/stats.ts';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { total: number };
  /** In ms, recorded at 1 ms resolution (so autocannon's average is useless below ~1 ms). */
  latency: { p50: number; p99: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  pipelining: number;
  duration: number;
  headers: Record<string, string>;
}) => Promise<AutocannonResult>;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TARGET_RATIO = 0.6;
/** A fixed bootstrap token: `00` and 40 alphanumerics, like Okta's. */
const TOKEN = '00' + 'TollgateBenchFoundation0123456789abcdefg';
const ROUTE = '/api/v1/api-tokens/:apiTokenId';

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    'cpu-prof': { type: 'string' },
  },
});
const rounds = positiveInt('rounds', opts.rounds);
const duration = positiveInt('duration', opts.duration);
const warmup = positiveInt('warmup', opts.warmup);
const connections = positiveInt('connections', opts.connections);
const cpuProfDir = opts['cpu-prof'] ? path.resolve(opts['cpu-prof']) : undefined;
/** Settings of the Tollgate children: limits on, but far above what the load can reach (see above). */
const TOLLGATE_CONFIG = JSON.stringify({ rateLimitOverrides: ['api-v1=9999999'], concurrencyLimit: Math.max(75, 4 * connections) });

type Kind = 'bare' | 'tollgate';

interface Run {
  kind: Kind;
  result: AutocannonResult;
}

async function get(url: string): Promise<{ status: number; body: string; contentType: string | null }> {
  const res = await fetch(url, { headers: { authorization: `SSWS ${TOKEN}` } });
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') };
}

/** Completed requests per second over the measured wall time. */
const rps = (r: AutocannonResult) => r.requests.total / r.duration;
/** Mean latency by Little's law: each connection always has exactly one request outstanding. */
const meanMs = (r: AutocannonResult) => (connections * 1000) / rps(r);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(
    `foundation bench | node ${process.version} | ${cpus[0]?.model.trim() ?? 'unknown cpu'} x${cpus.length} | loadavg ${loadavg()}`,
  );
  console.log(
    `GET /api/v1/api-tokens/{id}, SSWS auth | ${connections} connections, pipelining 1 | warm-up ${warmup} s (discarded) + ${duration} s measured per run | ${rounds} round(s)`,
  );
  console.log('req/s = completed requests / measured seconds; mean ms = connections / req/s (closed loop); p50/p99 from autocannon, 1 ms resolution');
  console.log(`Tollgate config: ${TOLLGATE_CONFIG} (rate limits on, in process, never reached)`);

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-bench-'));
  const running = new Set<ChildServer>();
  const start = async (kind: Kind, args: string[]): Promise<ChildServer> => {
    const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
    const server = await startChildServer(path.join(HERE, `${kind}-server.ts`), args, { nodeArgs });
    running.add(server);
    return server;
  };
  const stop = async (server: ChildServer) => {
    await stopChildServer(server);
    running.delete(server);
  };

  try {
    // Set-up: bootstrap the org, find the token's id and the exact response body.
    const setup = await start('tollgate', [dataDir, TOKEN, TOLLGATE_CONFIG]);
    const list = await get(`http://127.0.0.1:${setup.port}/api/v1/api-tokens`);
    if (list.status !== 200) throw new Error(`GET /api/v1/api-tokens: ${list.status} ${list.body}`);
    const tokens = JSON.parse(list.body) as { id: string }[];
    const id = tokens[0]?.id;
    if (!id) throw new Error(`GET /api/v1/api-tokens returned no token: ${list.body}`);
    const resourcePath = `/api/v1/api-tokens/${id}`;
    const one = await get(`http://127.0.0.1:${setup.port}${resourcePath}`);
    if (one.status !== 200) throw new Error(`GET ${resourcePath}: ${one.status} ${one.body}`);
    await stop(setup);
    const body = one.body;
    console.log(`token ${id} | response ${Buffer.byteLength(body)} bytes, ${one.contentType}`);
    console.log('');

    const runs: Run[] = [];
    const order: Kind[] = [];
    for (let r = 0; r < rounds; r++) order.push('bare', 'tollgate');

    console.log(
      `${'run'.padEnd(4)}${'server'.padEnd(10)}${'req/s'.padStart(9)}${'mean ms'.padStart(8)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'requests'.padStart(10)}${'secs'.padStart(7)}${'non-2xx'.padStart(9)}${'errors'.padStart(8)}  loadavg`,
    );
    for (const [i, kind] of order.entries()) {
      const server = await start(kind, kind === 'bare' ? [ROUTE, body] : [dataDir, TOKEN, TOLLGATE_CONFIG]);
      try {
        const url = `http://127.0.0.1:${server.port}${resourcePath}`;
        // Sanity check: same status, same bytes, whichever server it is.
        const check = await get(url);
        if (check.status !== 200) throw new Error(`${kind}: GET ${resourcePath} answered ${check.status}: ${check.body}`);
        if (check.body.length !== body.length || (kind === 'bare' && check.body !== body)) {
          throw new Error(`${kind}: response body differs from Tollgate's:\n${check.body}\nvs\n${body}`);
        }
        const load = { url, connections, pipelining: 1, headers: { authorization: `SSWS ${TOKEN}` } };
        await autocannon({ ...load, duration: warmup });
        const result = await autocannon({ ...load, duration });
        runs.push({ kind, result });
        const bad = result.non2xx + result.errors + result.timeouts;
        console.log(
          `${String(i + 1).padEnd(4)}${kind.padEnd(10)}${fmt(rps(result)).padStart(9)}${fmt(meanMs(result), 2).padStart(8)}${fmt(result.latency.p50).padStart(8)}${fmt(result.latency.p99).padStart(8)}${fmt(result.requests.total).padStart(10)}${fmt(result.duration, 2).padStart(7)}${fmt(result.non2xx).padStart(9)}${fmt(result.errors + result.timeouts).padStart(8)}  ${loadavg()}${bad > 0 ? '  <-- FAILURES' : ''}`,
        );
        if (bad > 0) {
          console.log('');
          console.log(`!!!!!!!! WARNING: ${kind} run ${i + 1} had ${result.non2xx} non-2xx responses, ${result.errors} errors, ${result.timeouts} timeouts !!!!!!!!`);
          console.log(`!!!!!!!! status codes: ${JSON.stringify(result.statusCodeStats)} -- this figure is NOT valid !!!!!!!!`);
          console.log('');
        }
      } finally {
        await stop(server);
      }
    }

    const medianOf = (kind: Kind, pick: (r: AutocannonResult) => number) =>
      median(runs.filter((r) => r.kind === kind).map((r) => pick(r.result)));
    const bare = medianOf('bare', rps);
    const tollgate = medianOf('tollgate', rps);
    const ratio = tollgate / bare;
    const failures = runs.reduce((n, r) => n + r.result.non2xx + r.result.errors + r.result.timeouts, 0);

    console.log('');
    for (const [kind, value] of [['bare', bare], ['tollgate', tollgate]] as const) {
      const lat = (pick: (r: AutocannonResult) => number) => medianOf(kind, pick);
      console.log(
        `median ${kind.padEnd(9)}${fmt(value).padStart(8)} req/s   latency mean ${fmt(lat(meanMs), 2)} ms, p50 ${fmt(lat((r) => r.latency.p50))} ms, p99 ${fmt(lat((r) => r.latency.p99))} ms`,
      );
    }
    console.log(`ratio tollgate/bare ${ratio.toFixed(2)}   target >= ${TARGET_RATIO.toFixed(2)}   ${ratio >= TARGET_RATIO ? 'PASS' : 'BELOW'}`);
    if (failures > 0) console.log(`!!!!!!!! WARNING: ${failures} failed requests in total: the figures above are NOT valid !!!!!!!!`);
    console.log(`loadavg at end ${loadavg()}${cpuProfDir ? ` | Tollgate CPU profiles in ${cpuProfDir}` : ''}`);
  } finally {
    await Promise.all([...running].map(stopChildServer));
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
