// A child-process entry for multi-instance tests (rate-limit-cluster.test.ts): `tollgate serve`
// as `src/main.ts` does it — settings from TOLLGATE_* and flags, `openOrg`, `buildApp`, listen,
// the same "listening on port N" line, graceful close on SIGTERM — plus one test route.
//
//   node --import tsx packages/server/test/helpers/cluster-server.ts [serve flags]
//
// `GET /api/v1/tg-test/slow` lies in the `api-v1` bucket and needs no authentication. It measures
// how many handlers run at once across every instance, in Redis (the server's own Redis and key
// prefix, TOLLGATE_REDIS_URL and TOLLGATE_REDIS_KEY_PREFIX): on entry it INCRs the in-flight key
// and raises the max key to the new value (one script, so the maximum is exact), holds for
// TG_TEST_HOLD_MS, then DECRs, and only then returns.
//
// Why this bounds the limiter's slots, in Redis's one serial order of commands (a command sent
// after another's reply came back runs after it, whatever the connection): a handler runs only
// after the limiter's decide script added its lease (the hook awaited it), and the lease is
// removed only when the response closes, after the handler's DECR came back. So every handler
// counted in the in-flight key at any moment holds a lease in the slot set at that moment, and
// the maximum ever seen is at most the most leases ever held at once.
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { buildApp } from '../../src/app.ts';
import { loadConfig, resolveOrgUrl } from '../../src/config/load.ts';
import { openOrg } from '../../src/main.ts';

export const SLOW_PATH = '/api/v1/tg-test/slow';
/** The measuring keys, under the servers' key prefix. */
export function probeKeys(prefix: string): { inFlight: string; maxInFlight: string } {
  return { inFlight: `${prefix}tg-test:in-flight`, maxInFlight: `${prefix}tg-test:max-in-flight` };
}
/** Not TOLLGATE_*: the config refuses unknown settings of its own prefix. */
export const HOLD_ENV = 'TG_TEST_HOLD_MS';

const ENTER_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local max = tonumber(redis.call('GET', KEYS[2]) or '0')
if n > max then redis.call('SET', KEYS[2], n) end
return n
`;

async function main(): Promise<void> {
  const { config } = loadConfig({ env: process.env, argv: process.argv.slice(2) });
  if (!config.redisUrl) throw new Error('cluster-server needs TOLLGATE_REDIS_URL');
  const holdMs = Number(process.env[HOLD_ENV] ?? '20');
  const notices: string[] = [];
  const services = await openOrg(config, (line) => notices.push(line));
  let orgUrl = config.orgUrl ? resolveOrgUrl(config, config.port) : '';
  const app = buildApp(config, { services, orgUrl: () => orgUrl });
  const probe = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  const keys = probeKeys(config.redisKeyPrefix);
  app.get(SLOW_PATH, async () => {
    const inFlight = (await probe.eval(ENTER_SCRIPT, 2, keys.inFlight, keys.maxInFlight)) as number;
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    await probe.decr(keys.inFlight);
    return { inFlight };
  });
  app.addHook('onClose', async () => {
    await probe.quit();
  });

  await app.listen({ port: config.port, host: config.host });
  const { port } = app.server.address() as AddressInfo;
  orgUrl = resolveOrgUrl(config, port);
  process.stdout.write(`Tollgate is listening on port ${port} (cluster test server).\nOrg URL: ${orgUrl}\n`);
  for (const notice of notices) process.stdout.write(`\n${notice}\n`);

  process.once('SIGTERM', () => {
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`cluster-server: close failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`cluster-server: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
