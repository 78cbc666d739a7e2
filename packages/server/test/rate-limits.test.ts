import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { validateConfigObject } from '../src/config/load.ts';
import { BucketTable } from '../src/rate-limit/buckets.ts';
import { RedisRateLimiter } from '../src/rate-limit/redis.ts';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import type { LogEvent } from '../src/domain/system-log/types.ts';

const [sqlite] = backends();
const START = Date.UTC(2026, 10, 1, 12, 0, 0, 0);
const RESET_S = Math.ceil((START + 60_000) / 1000);

function one(res: LightMyRequestResponse, name: string): string | undefined {
  const values = res.headers[name];
  if (Array.isArray(values)) assert.fail(`${name} sent ${values.length} times`);
  return values === undefined ? undefined : String(values);
}

function rl(res: LightMyRequestResponse): [number, number, number] | undefined {
  const limit = one(res, 'x-rate-limit-limit');
  if (limit === undefined) return undefined;
  return [Number(limit), Number(one(res, 'x-rate-limit-remaining')), Number(one(res, 'x-rate-limit-reset'))];
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Routes the tests hit without authentication, standing in for flows later issues add. */
function testRoutes(gate?: { promise: Promise<void> }) {
  return (app: FastifyInstance) => {
    const ok = async () => ({ ok: true });
    app.get('/api/v1/tg-test/ping', ok);
    app.get('/api/v1/tg-test/slow', async () => {
      await gate?.promise;
      return { ok: true };
    });
    app.get('/api/v1/tg-test/throw', async () => {
      throw new Error('handler failed');
    });
    app.get('/oauth2/v1/keys', ok);
    app.get('/.well-known/openid-configuration', ok);
    app.get('/oauth2/v1/userinfo', ok);
    app.get('/oauth2/:authServerId/v1/userinfo', ok);
    app.get('/oauth2/v1/authorize', ok);
    app.get('/oauth2/:authServerId/v1/authorize', ok);
    app.get('/login/login.htm', async () => {
      await gate?.promise;
      return { ok: true };
    });
    app.get('/idp/idx/identify', ok);
  };
}

async function eventsOf(org: TestOrg, eventType: string): Promise<LogEvent[]> {
  await org.services.log.settled();
  const all = await org.services.store.listLogEvents({ limit: 10_000 });
  return all.filter((e) => e.eventType === eventType);
}

describe('bucket table', () => {
  const table = new BucketTable({ tier: 'WORKFORCE' });
  const cases: [string, string, string | null][] = [
    ['GET', '/api/v1/users', 'users'],
    ['POST', '/api/v1/users?activate=true', 'users'],
    ['DELETE', '/api/v1/users', 'api-v1'],
    ['GET', '/api/v1/users/00u1', 'users-id-read'],
    ['GET', '/api/v1/users/me', 'users-id-read'],
    ['PUT', '/api/v1/users/00u1', 'users-id-write'],
    ['POST', '/api/v1/users/00u1', 'users-id-write'],
    ['DELETE', '/api/v1/users/00u1', 'users-id-write'],
    ['PATCH', '/api/v1/users/00u1', 'api-v1'],
    ['GET', '/api/v1/users/00u1/roles', 'api-v1'],
    ['GET', '/api/v1/users/:id', 'users-id-read'],
    ['GET', '/api/v1/apps', 'apps'],
    ['GET', '/api/v1/apps/0oa1', 'apps-id'],
    ['GET', '/api/v1/apps/0oa1/users', 'apps'],
    ['GET', '/api/v1/groups', 'groups'],
    ['GET', '/api/v1/groups/00g1', 'groups-id'],
    ['GET', '/api/v1/groups/00g1/users', 'api-v1'],
    ['GET', '/api/v1/logs', 'logs'],
    ['GET', '/api/v1/events', 'events'],
    ['GET', '/api/v1/policies', 'api-v1'],
    ['POST', '/api/v1/policies/00p1/rules', 'api-v1'],
    ['GET', '/api/v1/principal-rate-limits', 'api-v1'],
    ['POST', '/api/v1/authn', 'authn'],
    ['POST', '/api/v1/authn/factors/f1/verify', 'authn'],
    ['DELETE', '/api/v1/sessions/s1', 'sessions'],
    ['GET', '/oauth2/v1/authorize', 'oauth2-org-authorize'],
    ['POST', '/oauth2/v1/token', 'oauth2-org-token'],
    ['GET', '/oauth2/v1/userinfo', 'oauth2-org'],
    ['GET', '/oauth2/v1/clients/0oa1', 'oauth2-clients'],
    ['GET', '/oauth2/default/v1/authorize', 'oauth2-custom-authorize'],
    ['POST', '/oauth2/aus1/v1/token', 'oauth2-custom-token'],
    ['POST', '/oauth2/aus1/v1/introspect', 'oauth2-custom'],
    ['GET', '/oauth2/v1/keys', null],
    ['GET', '/oauth2/default/v1/keys', null],
    ['GET', '/.well-known/openid-configuration', null],
    ['GET', '/.well-known/oauth-authorization-server', null],
    ['GET', '/oauth2/default/.well-known/openid-configuration', null],
    ['GET', '/oauth2/anything', 'oauth2'],
    ['GET', '/login/login.htm', 'login-page'],
    ['POST', '/idp/idx/identify', 'idx'],
    ['POST', '/idp/idx/introspect', 'idx-introspect'],
    ['GET', '/app/salesforce/0oa1/sso/saml', 'app-intent'],
    ['GET', '/', null],
    ['GET', '/favicon.ico', null],
  ];
  for (const [method, path, expected] of cases) {
    it(`${method} ${path} → ${expected ?? 'not limited'}`, () => {
      assert.equal(table.match(method, path)?.id ?? null, expected);
    });
  }

  it('takes the limits of the tier, and overrides', () => {
    assert.equal(new BucketTable({ tier: 'INTEGRATOR_FREE' }).buckets.get('logs')!.limit, 20);
    assert.equal(new BucketTable({ tier: 'ONE_APP' }).buckets.get('api-v1')!.limit, 600);
    assert.equal(table.buckets.get('api-v1')!.limit, 1200);
    assert.equal(new BucketTable({ tier: 'WORKFORCE', overrides: { logs: 7 } }).buckets.get('logs')!.limit, 7);
  });

  it('gives each bucket a stable uuid', () => {
    const a = new BucketTable({ tier: 'WORKFORCE' }).buckets.get('logs')!.uuid;
    assert.equal(a, new BucketTable({ tier: 'ENTERPRISE' }).buckets.get('logs')!.uuid);
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(a, table.buckets.get('events')!.uuid);
  });
});

describe('org buckets over HTTP', () => {
  let org: TestOrg;
  before(async () => {
    org = await startOrg(sqlite!, { config: { rateLimits: 'on', rateLimitOverrides: ['api-v1=3', 'oauth2-org=2', 'oauth2-custom=2'] }, prepare: testRoutes() });
  });
  after(() => org.close());

  it('counts down across the window, refuses the request after the limit, and resets', async () => {
    const ping = () => org.request({ method: 'GET', url: '/api/v1/tg-test/ping', token: null });
    assert.deepEqual(rl(await ping()), [3, 2, RESET_S]);
    org.clock.advance(10_000);
    assert.deepEqual(rl(await ping()), [3, 1, RESET_S]);
    assert.deepEqual(rl(await ping()), [3, 0, RESET_S]);

    const refused = await ping();
    assert.equal(refused.statusCode, 429);
    assert.deepEqual(rl(refused), [3, 0, RESET_S]);
    assert.equal(one(refused, 'retry-after'), '50');
    assert.equal(one(refused, 'date'), new Date(START + 10_000).toUTCString());
    assert.match(one(refused, 'x-okta-request-id') ?? '', /^\S+$/);
    const body = refused.json();
    assert.equal(body.errorCode, 'E0000047');
    assert.equal(body.errorSummary, 'API call exceeded rate limit due to too many requests.');
    assert.equal(body.errorLink, 'E0000047');
    assert.deepEqual(body.errorCauses, []);

    org.clock.set(START + 59_999);
    const last = await ping();
    assert.equal(last.statusCode, 429);
    assert.equal(one(last, 'retry-after'), '1');
    org.clock.set(START + 60_000);
    const fresh = await ping();
    assert.equal(fresh.statusCode, 200);
    assert.deepEqual(rl(fresh), [3, 2, Math.ceil((START + 120_000) / 1000)]);
  });

  it('does not limit or count the keys and .well-known documents', async () => {
    for (let i = 0; i < 5; i++) {
      const keys = await org.request({ method: 'GET', url: '/oauth2/v1/keys', token: null });
      assert.equal(keys.statusCode, 200);
      assert.equal(rl(keys), undefined);
      const wellKnown = await org.request({ method: 'GET', url: '/.well-known/openid-configuration', token: null });
      assert.equal(rl(wellKnown), undefined);
    }
  });

  it('keeps the org authorization server and the custom ones (together) in separate buckets', async () => {
    const get = (url: string) => org.request({ method: 'GET', url, token: null });
    assert.equal((await get('/oauth2/v1/userinfo')).statusCode, 200);
    assert.equal((await get('/oauth2/v1/userinfo')).statusCode, 200);
    assert.equal((await get('/oauth2/v1/userinfo')).statusCode, 429);
    assert.equal((await get('/oauth2/aus1/v1/userinfo')).statusCode, 200);
    assert.deepEqual(rl(await get('/oauth2/default/v1/userinfo'))?.slice(0, 2), [2, 0]);
    assert.equal((await get('/oauth2/aus2/v1/userinfo')).statusCode, 429);
  });

  it('limits 404s by the bucket of their path', async () => {
    org.clock.advance(120_000);
    for (let i = 0; i < 3; i++) assert.equal((await org.request({ method: 'GET', url: '/api/v1/no-such-thing', token: null })).statusCode, 404);
    assert.equal((await org.request({ method: 'GET', url: '/api/v1/no-such-thing', token: null })).statusCode, 429);
  });
});

describe('principal shares over HTTP', () => {
  let org: TestOrg;
  before(async () => {
    org = await startOrg(sqlite!, { config: { rateLimits: 'on', rateLimitOverrides: ['logs=10'] } });
  });
  after(() => org.close());

  it('lets a token use its share of a bucket (50% by default), and the org bucket caps them all', async () => {
    const first = await org.userWithToken('first@example.com', ['READ_ONLY_ADMIN']);
    const second = await org.userWithToken('second@example.com', ['READ_ONLY_ADMIN']);
    const third = await org.userWithToken('third@example.com', ['READ_ONLY_ADMIN']);
    const logs = (token: string) => org.request({ method: 'GET', url: '/api/v1/logs', token });
    for (let i = 0; i < 5; i++) {
      const res = await logs(first.token);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(rl(res)?.slice(0, 2), [5, 4 - i], 'the share, having fewer left, is what the headers show');
    }
    const refused = await logs(first.token);
    assert.equal(refused.statusCode, 429);
    assert.deepEqual(rl(refused)?.slice(0, 2), [5, 0]);
    for (let i = 0; i < 5; i++) assert.equal((await logs(second.token)).statusCode, 200);
    const orgFull = await logs(third.token);
    assert.equal(orgFull.statusCode, 429);
    assert.deepEqual(rl(orgFull)?.slice(0, 2), [10, 0], 'the org bucket refused');

    const violations = await eventsOf(org, 'system.operation.rate_limit.violation');
    assert.equal(violations.length, 1);
    assert.equal(violations[0]!.debugContext.debugData.operationRateLimitSubtype, 'ssws_token');
    assert.equal(violations[0]!.target.find((t) => t.type === 'Token')?.id, first.tokenId);
  });

  it('follows a principal rate limit entity', async () => {
    org.clock.advance(60_000);
    const admin = await org.userWithToken('admin2@example.com', ['SUPER_ADMIN']);
    const created = await org.request({
      method: 'POST',
      url: '/api/v1/principal-rate-limits',
      token: admin.token,
      payload: { principalId: admin.tokenId, principalType: 'SSWS_TOKEN', defaultPercentage: 100, defaultConcurrencyPercentage: 100 },
    });
    assert.equal(created.statusCode, 201, created.body);
    for (let i = 0; i < 10; i++) {
      const res = await org.request({ method: 'GET', url: '/api/v1/logs', token: admin.token });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(rl(res)?.slice(0, 2), [10, 9 - i]);
    }
    assert.equal((await org.request({ method: 'GET', url: '/api/v1/logs', token: admin.token })).statusCode, 429);
  });

  it('counts requests whose token does not authenticate against the org bucket', async () => {
    org.clock.advance(60_000);
    for (let i = 0; i < 10; i++) assert.equal((await org.request({ method: 'GET', url: '/api/v1/logs', token: 'not-a-token' })).statusCode, 401);
    const refused = await org.request({ method: 'GET', url: '/api/v1/logs', token: 'not-a-token' });
    assert.equal(refused.statusCode, 429);
  });
});

describe('concurrency over HTTP', () => {
  let org: TestOrg;
  let gate = deferred();
  before(async () => {
    org = await startOrg(sqlite!, {
      config: { rateLimits: 'on', concurrencyLimit: 2 },
      prepare: testRoutes({
        get promise() {
          return gate.promise;
        },
      }),
    });
  });
  after(() => org.close());

  it('refuses the first request over the limit with 0/0 headers, reports the time bucket below it, and frees slots', async () => {
    const slow = () => org.request({ method: 'GET', url: '/api/v1/tg-test/slow', token: null });
    const held = [slow(), slow()];
    await new Promise((r) => setImmediate(r));
    const refused = await slow();
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json().errorCode, 'E0000047');
    assert.deepEqual(rl(refused), [0, 0, Math.ceil((START + 1000) / 1000)]);
    assert.equal(one(refused, 'retry-after'), '1');
    assert.equal((await slow()).statusCode, 429);
    gate.resolve();
    for (const res of await Promise.all(held)) {
      assert.equal(res.statusCode, 200);
      assert.equal(rl(res)![0], 1200, 'below the concurrent limit the headers report the time-based bucket');
    }
    const after = await slow();
    assert.equal(after.statusCode, 200);
    assert.equal(rl(after)![0], 1200);

    const events = await eventsOf(org, 'core.concurrency.org.limit.violation');
    assert.equal(events.length, 1, 'one event for two refusals within 60 s');
    assert.equal(events[0]!.debugContext.debugData.concurrencyLimit, '2');
  });

  it('logs the next concurrency violation only 60 s after the last one', async () => {
    gate = deferred();
    const slow = () => org.request({ method: 'GET', url: '/api/v1/tg-test/slow', token: null });
    const held = [slow(), slow()];
    await new Promise((r) => setImmediate(r));
    org.clock.advance(59_000);
    assert.equal((await slow()).statusCode, 429);
    assert.equal((await eventsOf(org, 'core.concurrency.org.limit.violation')).length, 1);
    org.clock.advance(1_000);
    assert.equal((await slow()).statusCode, 429);
    assert.equal((await eventsOf(org, 'core.concurrency.org.limit.violation')).length, 2);
    gate.resolve();
    await Promise.all(held);
  });

  it('frees the slot when the handler throws', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await org.request({ method: 'GET', url: '/api/v1/tg-test/throw', token: null })).statusCode, 500);
    gate = deferred();
    const slow = () => org.request({ method: 'GET', url: '/api/v1/tg-test/slow', token: null });
    const held = [slow(), slow()];
    await new Promise((r) => setImmediate(r));
    assert.equal((await slow()).statusCode, 429, 'exactly the two held requests are in flight');
    gate.resolve();
    await Promise.all(held);
  });
});

describe('concurrency slots and client disconnects', () => {
  it('frees the slot when the client goes away before the response', async () => {
    const gate = deferred();
    const entered = deferred();
    let first = true;
    const org = await startOrg(sqlite!, {
      config: { rateLimits: 'on', concurrencyLimit: 1 },
      listen: true,
      prepare: (app) =>
        app.get('/api/v1/tg-test/slow', async () => {
          if (first) {
            first = false;
            entered.resolve();
            await gate.promise;
          }
          return { ok: true };
        }),
    });
    try {
      const url = new URL('/api/v1/tg-test/slow', org.orgUrl);
      const abandoned = httpRequest(url);
      abandoned.on('error', () => undefined);
      abandoned.end();
      await entered.promise;
      assert.equal((await fetch(url)).status, 429, 'the first request holds the only slot');
      abandoned.destroy();
      // The server learns of the disconnect asynchronously: ask until it has (the handler is still waiting).
      let status = 429;
      for (let attempt = 0; attempt < 200 && status === 429; attempt++) {
        await new Promise((r) => setTimeout(r, 5));
        status = (await fetch(url)).status;
      }
      assert.equal(status, 200, 'the abandoned request gave its slot back');
    } finally {
      gate.resolve();
      await org.close();
    }
  });
});

describe('client-based limits over HTTP', () => {
  let org: TestOrg;
  before(async () => {
    org = await startOrg(sqlite!, { config: { rateLimits: 'on', trustedProxies: ['127.0.0.1'], rateLimitOverrides: ['login-page=1000'] }, prepare: testRoutes() });
  });
  after(() => org.close());

  const login = (headers: Record<string, string> = {}) => org.request({ method: 'GET', url: '/login/login.htm', token: null, headers });
  const setMode = (body: Record<string, unknown>) => org.request({ method: 'PUT', url: '/api/v1/rate-limit-settings/per-client', payload: body });

  it('sets the device cookie on a browser request that has none', async () => {
    const browser = await login({ accept: 'text/html' });
    assert.match(String(browser.headers['set-cookie']), /^DT=DI[A-Za-z0-9_-]+; Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.equal((await login({ accept: 'application/json' })).headers['set-cookie'], undefined);
    assert.equal((await login({ accept: 'text/html', cookie: 'DT=DIexistingdevice1' })).headers['set-cookie'], undefined);
  });

  it('ENFORCE: 60 a minute per IP + device, with the client values in the headers; NAT neighbours and the null device have their own', async () => {
    org.clock.advance(60_000);
    const alice = { cookie: 'DT=DIalice0000001', 'x-forwarded-for': '203.0.113.5' };
    for (let i = 0; i < 60; i++) {
      const res = await login(alice);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(rl(res)?.slice(0, 2), [60, 59 - i]);
    }
    const refused = await login(alice);
    assert.equal(refused.statusCode, 429);
    assert.deepEqual(rl(refused)?.slice(0, 2), [60, 0]);
    assert.equal((await login({ cookie: 'DT=DIbob000000001', 'x-forwarded-for': '203.0.113.5' })).statusCode, 200, 'same IP, other device');
    assert.equal((await login({ cookie: 'DT=DIalice0000001', 'x-forwarded-for': '198.51.100.7' })).statusCode, 200, 'same device, other IP');
    assert.equal((await login({ 'x-forwarded-for': '203.0.113.5' })).statusCode, 200, 'the null device of that IP');

    const violations = await eventsOf(org, 'system.client.rate_limit.violation');
    assert.equal(violations.length, 1);
    const debug = violations[0]!.debugContext.debugData;
    assert.equal(debug.clientIpAddress, '203.0.113.5');
    assert.equal(debug.clientRateLimitUseCase, 'LOGIN_PAGE');
    assert.match(debug.dtHash ?? '', /^[0-9a-f]{64}$/);
    for (const value of Object.values(debug)) assert.equal(typeof value, 'string');
  });

  it('keys /authorize by client_id too', async () => {
    org.clock.advance(60_000);
    const device = { cookie: 'DT=DIcarol0000001' };
    for (let i = 0; i < 60; i++) assert.equal((await org.request({ method: 'GET', url: '/oauth2/v1/authorize?client_id=0oaA', token: null, headers: device })).statusCode, 200);
    assert.equal((await org.request({ method: 'GET', url: '/oauth2/v1/authorize?client_id=0oaA', token: null, headers: device })).statusCode, 429);
    assert.equal((await org.request({ method: 'GET', url: '/oauth2/v1/authorize?client_id=0oaB', token: null, headers: device })).statusCode, 200);
    const violation = (await eventsOf(org, 'system.client.rate_limit.violation')).at(-1)!;
    assert.equal(violation.debugContext.debugData.clientId, '0oaA');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const untrusted = await startOrg(sqlite!, { config: { rateLimits: 'on' }, prepare: testRoutes() });
    try {
      for (let i = 0; i < 60; i++) {
        await untrusted.request({ method: 'GET', url: '/login/login.htm', token: null, headers: { 'x-forwarded-for': `203.0.113.${i}` } });
      }
      const res = await untrusted.request({ method: 'GET', url: '/login/login.htm', token: null, headers: { 'x-forwarded-for': '198.51.100.1' } });
      assert.equal(res.statusCode, 429, 'all came from the socket address');
    } finally {
      await untrusted.close();
    }
  });

  it('PREVIEW: never blocks, logs one notification per window, and the headers carry the org values', async () => {
    org.clock.advance(60_000);
    assert.equal((await setMode({ defaultMode: 'PREVIEW' })).statusCode, 200);
    const dave = { cookie: 'DT=DIdave00000001' };
    for (let i = 0; i < 65; i++) {
      const res = await login(dave);
      assert.equal(res.statusCode, 200);
      assert.equal(rl(res)![0], 1000);
    }
    assert.equal((await eventsOf(org, 'system.client.rate_limit.notification')).length, 1);
  });

  it('DISABLE: no client decision, no client events; the org bucket still applies', async () => {
    org.clock.advance(60_000);
    assert.equal((await setMode({ defaultMode: 'ENFORCE', useCaseModeOverrides: { LOGIN_PAGE: 'DISABLE' } })).statusCode, 200);
    const before = (await eventsOf(org, 'system.client.rate_limit.notification')).length + (await eventsOf(org, 'system.client.rate_limit.violation')).length;
    const erin = { cookie: 'DT=DIerin00000001' };
    for (let i = 0; i < 70; i++) assert.equal((await login(erin)).statusCode, 200);
    const after = (await eventsOf(org, 'system.client.rate_limit.notification')).length + (await eventsOf(org, 'system.client.rate_limit.violation')).length;
    assert.equal(after, before);
    // The override only covers LOGIN_PAGE: /authorize is still enforced.
    for (let i = 0; i < 60; i++) await org.request({ method: 'GET', url: '/oauth2/v1/authorize?client_id=0oaC', token: null, headers: erin });
    assert.equal((await org.request({ method: 'GET', url: '/oauth2/v1/authorize?client_id=0oaC', token: null, headers: erin })).statusCode, 429);
  });
});

describe('client concurrency over HTTP', () => {
  it('allows 5 in flight per client in ENFORCE, and logs the violation', async () => {
    const gate = deferred();
    const org = await startOrg(sqlite!, { config: { rateLimits: 'on' }, prepare: testRoutes(gate) });
    try {
      const frank = { cookie: 'DT=DIfrank0000001' };
      const held = Array.from({ length: 5 }, () => org.request({ method: 'GET', url: '/login/login.htm', token: null, headers: frank }));
      await new Promise((r) => setImmediate(r));
      const refused = await org.request({ method: 'GET', url: '/login/login.htm', token: null, headers: frank });
      assert.equal(refused.statusCode, 429);
      assert.deepEqual(rl(refused)?.slice(0, 2), [0, 0]);
      const other = org.request({ method: 'GET', url: '/login/login.htm', token: null, headers: { cookie: 'DT=DIgrace0000001' } });
      gate.resolve();
      assert.equal((await other).statusCode, 200);
      await Promise.all(held);
      assert.equal((await eventsOf(org, 'system.client.concurrency_rate_limit.violation')).length, 1);
    } finally {
      await org.close();
    }
  });
});

describe('warning and violation events', () => {
  it('warns once at the threshold and logs one violation per bucket per window', async () => {
    const org = await startOrg(sqlite!, { config: { rateLimits: 'on', rateLimitOverrides: ['api-v1=10'] }, prepare: testRoutes() });
    try {
      const ping = () => org.request({ method: 'GET', url: '/api/v1/tg-test/ping', token: null });
      for (let i = 0; i < 8; i++) await ping();
      assert.equal((await eventsOf(org, 'system.org.rate_limit.warning')).length, 0);
      await ping();
      const warnings = await eventsOf(org, 'system.org.rate_limit.warning');
      assert.equal(warnings.length, 1, 'the 9th of 10 crosses 90%');
      const warning = warnings[0]!;
      assert.equal(warning.severity, 'WARN');
      assert.equal(warning.displayMessage, 'Rate limit warning');
      assert.equal(warning.legacyEventType, 'core.framework.ratelimit.warning');
      assert.deepEqual(
        { ...warning.debugContext.debugData, requestId: undefined, rateLimitBucketUuid: undefined },
        {
          requestId: undefined,
          rateLimitBucketUuid: undefined,
          rateLimitScopeType: 'ORG',
          rateLimitSecondsToReset: '60',
          threshold: '10',
          timeSpan: '1',
          timeUnit: 'MINUTES',
          warningPercent: '90',
          requestUri: '/api/v1/tg-test/ping',
          url: '/api/v1/tg-test/ping',
        },
      );
      assert.deepEqual(
        warning.target.map((t) => t.type),
        ['URL Pattern', 'Bucket Uuid'],
      );
      assert.equal(warning.target[0]!.id, '/api/v1');
      assert.equal(warning.target[1]!.id, warning.debugContext.debugData.rateLimitBucketUuid);

      await ping();
      await ping();
      await ping();
      assert.equal((await eventsOf(org, 'system.org.rate_limit.violation')).length, 1);
      assert.equal((await eventsOf(org, 'system.org.rate_limit.warning')).length, 1);
      org.clock.advance(60_000);
      for (let i = 0; i < 11; i++) await ping();
      assert.equal((await eventsOf(org, 'system.org.rate_limit.warning')).length, 2);
      assert.equal((await eventsOf(org, 'system.org.rate_limit.violation')).length, 2);
    } finally {
      await org.close();
    }
  });

  it('warns at the configured threshold', async () => {
    const org = await startOrg(sqlite!, { config: { rateLimits: 'on', rateLimitOverrides: ['api-v1=10'] }, prepare: testRoutes() });
    try {
      const put = await org.request({ method: 'PUT', url: '/api/v1/rate-limit-settings/warning-threshold', payload: { warningThreshold: 30 } });
      assert.equal(put.statusCode, 200, put.body);
      org.clock.advance(60_000);
      for (let i = 0; i < 3; i++) await org.request({ method: 'GET', url: '/api/v1/tg-test/ping', token: null });
      const warnings = await eventsOf(org, 'system.org.rate_limit.warning');
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]!.debugContext.debugData.warningPercent, '30');
    } finally {
      await org.close();
    }
  });
});

describe('rate limits off', () => {
  it('are on unless configured off', () => {
    assert.equal(validateConfigObject({}).rateLimits, 'on');
  });

  it('answers without limits or headers', async () => {
    const org = await startOrg(sqlite!, { config: { rateLimits: 'off', rateLimitOverrides: ['api-v1=1'] }, prepare: testRoutes() });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await org.request({ method: 'GET', url: '/api/v1/tg-test/ping', token: null });
        assert.equal(res.statusCode, 200);
        assert.equal(rl(res), undefined);
      }
    } finally {
      await org.close();
    }
  });
});

describe('when Redis is unreachable', () => {
  for (const failure of ['open', 'closed'] as const) {
    it(`fails ${failure}`, async () => {
      const limiter = new RedisRateLimiter({ url: 'redis://127.0.0.1:1', prefix: 'tollgate-test:down:' });
      const org = await startOrg(sqlite!, { config: { rateLimits: 'on', redisFailure: failure }, prepare: testRoutes(), rateLimiter: limiter });
      try {
        const res = await org.request({ method: 'GET', url: '/api/v1/tg-test/ping', token: null });
        if (failure === 'open') {
          assert.equal(res.statusCode, 200);
          assert.equal(rl(res), undefined);
        } else {
          assert.equal(res.statusCode, 503);
          assert.equal(res.json().errorCode, 'E0000009');
          assert.equal(one(res, 'retry-after'), '1');
        }
        await org.request({ method: 'GET', url: '/api/v1/tg-test/ping', token: null });
        const lines = org.logLines.filter((l) => l.includes('rate-limit backend unavailable'));
        assert.equal(lines.length, 1, 'one log line per minute, not one per request');
      } finally {
        await org.close();
        await limiter.close();
      }
    });
  }
});

describe('with the Redis limiter', { skip: process.env.TOLLGATE_TEST_REDIS_URL ? false : 'TOLLGATE_TEST_REDIS_URL is not set' }, () => {
  it('admits exactly the limit across two apps sharing Redis', async () => {
    const prefix = `tollgate-test:${Math.random().toString(36).slice(2)}:`;
    const url = process.env.TOLLGATE_TEST_REDIS_URL!;
    const limiters = [new RedisRateLimiter({ url, prefix }), new RedisRateLimiter({ url, prefix })];
    const orgs = await Promise.all(limiters.map((rateLimiter) => startOrg(sqlite!, { config: { rateLimits: 'on', rateLimitOverrides: ['api-v1=25'] }, prepare: testRoutes(), rateLimiter })));
    try {
      const results = await Promise.all(
        Array.from({ length: 80 }, (_, i) => orgs[i % 2]!.request({ method: 'GET', url: '/api/v1/tg-test/ping', token: null })),
      );
      assert.equal(results.filter((r) => r.statusCode === 200).length, 25);
      assert.equal(results.filter((r) => r.statusCode === 429).length, 55);
    } finally {
      await Promise.all(orgs.map((o) => o.close()));
      await Promise.all(limiters.map((l) => l.close()));
    }
  });
});
