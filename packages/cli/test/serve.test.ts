import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { backends } from '../../server/test/helpers/backends.ts';
import type { Backend } from '../../server/test/helpers/backends.ts';
import { cleanEnv, runTollgate, startTollgate } from './helpers/process.ts';
import type { Running } from './helpers/process.ts';

const TOKEN_LINE = /^ {4}(00[A-Za-z0-9_-]{40})$/m;
const LISTENING = /listening on port (\d+)/;

async function api(port: number, token: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { authorization: `SSWS ${token}`, ...init.headers } });
}

/**
 * Sends a request whose body is held back until `between` has run. `Expect: 100-continue` makes
 * the server confirm it has the request (it answers `100 Continue`) before `between` starts, so
 * the request is provably in flight.
 */
function slowRequest(port: number, head: string, body: string, between: () => Promise<void>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let started = false;
    socket.on('data', (d) => {
      response += d.toString('utf8');
      if (!started && response.startsWith('HTTP/1.1 100 Continue')) {
        started = true;
        between().then(() => socket.write(body), reject);
      }
    });
    socket.on('end', () => resolve(response));
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(`${head}Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
    });
  });
}

/** Where a backend puts the server's data: flags for SQLite, an env URL for PostgreSQL. */
async function place(backend: Backend): Promise<{ args: string[]; env: Record<string, string>; dataDir?: string; cleanup: () => Promise<void> }> {
  const created = await backend.create();
  if (created.target.kind === 'sqlite') {
    return { args: ['--data-dir', created.target.dataDir], env: {}, dataDir: created.target.dataDir, cleanup: created.cleanup };
  }
  return { args: [], env: { TOLLGATE_DATABASE_URL: created.url! }, cleanup: created.cleanup };
}

for (const backend of backends()) {
  describe(`tollgate serve and tokens, as separate processes (${backend.name})`, () => {
    let where: Awaited<ReturnType<typeof place>>;
    let server: Running;
    let port: number;
    let adminToken: string;
    let cliToken: string;

    before(async () => {
      where = await place(backend);
    });
    after(async () => {
      if (server && server.proc.exitCode === null) server.proc.kill('SIGKILL');
      await where.cleanup();
    });

    it('first start: prints the org URL and, once, the bootstrap admin token, which authenticates', async () => {
      server = startTollgate(['serve', '--port', '0', ...where.args], cleanEnv(where.env));
      port = Number((await server.waitFor(LISTENING))[1]);
      assert.match(server.stdout(), new RegExp(`Org URL: http://127\\.0\\.0\\.1:${port}\\n`));
      adminToken = (await server.waitFor(TOKEN_LINE))[1]!;
      const res = await api(port, adminToken, '/api/v1/api-tokens');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const [token] = (await res.json()) as { name: string; _links: { self: { href: string } } }[];
      assert.equal(token?.name, 'Bootstrap admin token');
      assert.ok(token?._links.self.href.startsWith(`http://127.0.0.1:${port}/api/v1/api-tokens/00T`), 'links use the bound port');
      assert.ok(!JSON.stringify(token).includes(adminToken));
    });

    it('tokens create, while the server runs: prints only the value on stdout, and the server accepts it', async () => {
      const run = await runTollgate(['tokens', 'create', '--name', 'ci token', ...where.args], cleanEnv(where.env));
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^00[A-Za-z0-9_-]{40}\n$/);
      assert.match(run.stderr, /Created API token 00T\w+ "ci token"/);
      cliToken = run.stdout.trim();
      const res = await api(port, cliToken, '/api/v1/api-tokens?q=ci%20token');
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as unknown[]).length, 1);
    });

    it('tokens create for a named user, and clear failures for bad input', async () => {
      const missing = await runTollgate(['tokens', 'create', '--name', 'x', '--user', 'ghost@example.com', ...where.args], cleanEnv(where.env));
      assert.equal(missing.code, 1);
      assert.equal(missing.stdout, '');
      assert.match(missing.stderr, /no user with login ghost@example.com/);
      const named = await runTollgate(['tokens', 'create', '--name', 'named', '--user', 'ADMIN@tollgate.local', ...where.args], cleanEnv(where.env));
      assert.equal(named.code, 0, named.stderr);
      const noName = await runTollgate(['tokens', 'create', ...where.args], cleanEnv(where.env));
      assert.equal(noName.code, 2);
      assert.match(noName.stderr, /usage: tollgate tokens create --name NAME/);
    });

    it('SIGTERM: finishes the in-flight request, then exits 0 and closes the database', async () => {
      const list = (await (await api(port, adminToken, '/api/v1/api-tokens?q=ci%20token')).json()) as { id: string }[];
      const id = list[0]!.id;
      const response = await slowRequest(
        port,
        `PUT /api/v1/api-tokens/${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: SSWS ${adminToken}\r\nContent-Type: application/json\r\n`,
        JSON.stringify({ name: 'renamed during shutdown' }),
        async () => {
          server.proc.kill('SIGTERM');
          await server.waitFor(/shutting down/);
        },
      );
      assert.match(response, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
      assert.match(response, /"name":"renamed during shutdown"/);
      assert.equal(await server.exited, 0, server.stderr());
      await assert.rejects(fetch(`http://127.0.0.1:${port}/api/v1/api-tokens`), 'no longer accepting');
      if (where.dataDir) {
        const wal = join(where.dataDir, 'tollgate.db-wal');
        assert.ok(!existsSync(wal) || statSync(wal).size === 0, 'SQLite was closed cleanly (WAL checkpointed)');
      }
    });

    it('restart: keeps all data, prints no token, and old tokens still work', async () => {
      server = startTollgate(['serve', '--port', '0', ...where.args], cleanEnv(where.env));
      port = Number((await server.waitFor(LISTENING))[1]);
      assert.doesNotMatch(server.stdout(), TOKEN_LINE);
      assert.equal((await api(port, adminToken, '/api/v1/api-tokens')).status, 200);
      const res = await api(port, cliToken, '/api/v1/api-tokens?q=renamed');
      assert.equal(((await res.json()) as { name: string }[])[0]?.name, 'renamed during shutdown');
      server.proc.kill('SIGINT');
      assert.equal(await server.exited, 0);
    });
  });
}

for (const backend of backends()) {
  it(`two processes starting on the same empty database (${backend.name}) migrate and bootstrap it exactly once`, async () => {
    const where = await place(backend);
    const env = cleanEnv(where.env);
    const runs = await Promise.all(['a', 'b', 'c'].map((name) => runTollgate(['tokens', 'create', '--name', name, ...where.args], env)));
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const announced = runs.filter((r) => TOKEN_LINE.test(r.stderr));
    assert.equal(announced.length, 1, 'exactly one process created the bootstrap token');
    const admin = TOKEN_LINE.exec(announced[0]!.stderr)![1]!;
    const server = startTollgate(['serve', '--port', '0', ...where.args], env);
    const port = Number((await server.waitFor(LISTENING))[1]);
    const tokens = (await (await api(port, admin, '/api/v1/api-tokens')).json()) as { name: string }[];
    assert.deepEqual(tokens.map((t) => t.name).sort(), ['Bootstrap admin token', 'a', 'b', 'c']);
    server.proc.kill('SIGTERM');
    await server.exited;
    await where.cleanup();
  });
}

describe('tollgate serve settings', () => {
  it('uses TOLLGATE_BOOTSTRAP_TOKEN as the first token, without printing it, and ignores it afterwards', async () => {
    const [sqlite] = backends();
    const where = await place(sqlite!);
    const token = '00DeterministicBootstrapToken0123456789ab';
    const env = cleanEnv({ TOLLGATE_BOOTSTRAP_TOKEN: token });
    const first = startTollgate(['serve', '--port', '0', ...where.args], env);
    const port = Number((await first.waitFor(LISTENING))[1]);
    await first.waitFor(/uses the API token from TOLLGATE_BOOTSTRAP_TOKEN/);
    assert.ok(!first.stdout().includes(token) && !first.stderr().includes(token));
    assert.equal((await api(port, token, '/api/v1/api-tokens')).status, 200);
    first.proc.kill('SIGTERM');
    await first.exited;

    const second = startTollgate(['serve', '--port', '0', ...where.args], cleanEnv({ TOLLGATE_BOOTSTRAP_TOKEN: '00AnotherTokenValue0123456789abcdefghijkl' }));
    const port2 = Number((await second.waitFor(LISTENING))[1]);
    await second.waitFor(/TOLLGATE_BOOTSTRAP_TOKEN is ignored/);
    assert.equal((await api(port2, '00AnotherTokenValue0123456789abcdefghijkl', '/api/v1/api-tokens')).status, 401);
    second.proc.kill('SIGTERM');
    await second.exited;
    await where.cleanup();
  });

  it('a System Log write that fails does not fail the change, and is logged by the running server', async () => {
    const [sqlite] = backends();
    const where = await place(sqlite!);
    const token = '00LogFailureBootstrapToken0123456789abcde';
    const server = startTollgate(['serve', '--port', '0', ...where.args], cleanEnv({ TOLLGATE_BOOTSTRAP_TOKEN: token }));
    const port = Number((await server.waitFor(LISTENING))[1]);
    const created = await runTollgate(['tokens', 'create', '--name', 'doomed', ...where.args], cleanEnv());
    assert.equal(created.code, 0, created.stderr);
    // Break the System Log table behind the server's back (another connection, as an operator might).
    const db = new Database(join(where.dataDir!, 'tollgate.db'));
    db.exec('drop table system_log_targets; drop table system_log');
    db.close();
    const doomed = (await (await api(port, token, '/api/v1/api-tokens?q=doomed')).json()) as { id: string }[];
    const res = await api(port, token, `/api/v1/api-tokens/${doomed[0]!.id}`, { method: 'DELETE' });
    assert.equal(res.status, 204, 'the revoke itself succeeds');
    try {
      await server.waitFor(/"msg":"could not write System Log event/, 5000);
    } finally {
      server.proc.kill('SIGTERM');
    }
    assert.match(server.stdout(), /"eventType":"system\.api_token\.revoke"/);
    await server.exited;
    await where.cleanup();
  });

  it('refuses a bad setting with exit code 2 and one line naming it', async () => {
    const run = await runTollgate(['serve', '--port', '99999'], cleanEnv());
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^tollgate: invalid setting TOLLGATE_PORT \(--port\): .+\n$/);
    const unknown = await runTollgate(['serve'], cleanEnv({ TOLLGATE_COLOUR: 'blue' }));
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'tollgate: unknown setting TOLLGATE_COLOUR\n');
  });

  it('a port already in use: exit code 1 and one line saying so, no stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const [sqlite] = backends();
    const where = await place(sqlite!);
    const run = await runTollgate(['serve', '--port', String(port), ...where.args], cleanEnv());
    blocker.close();
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^tollgate: listen EADDRINUSE.*\n$/);
    await where.cleanup();
  });

  it('prints usage for help and for an unknown command', async () => {
    const help = await runTollgate(['help'], cleanEnv());
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: tollgate <command>/);
    const bad = await runTollgate(['frobnicate'], cleanEnv());
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown command "frobnicate"/);
  });
});
