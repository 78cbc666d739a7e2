import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError, REQUEST_ID } from './helpers/assertions.ts';

for (const backend of backends()) {
  describe(`HTTP contract (${backend.name})`, () => {
    let org: TestOrg;
    before(async () => {
      org = await startOrg(backend, {
        config: { bodyLimit: 4096 },
        // Routes only this suite has, to reach the error paths every endpoint inherits.
        prepare: (app) => {
          app.register(
            async (scope) => {
              scope.get('/explode', async () => {
                throw new Error('secret internal detail: password=hunter2 at /srv/db.ts:42');
              });
              scope.post('/echo', async (request) => ({ received: request.body ?? null }));
            },
            { prefix: '/__test' },
          );
        },
      });
    });
    after(() => org.close());

    it('puts X-Okta-Request-Id on successes, errors and 404s, a new one each time', async () => {
      const ok = await org.request({ method: 'GET', url: '/api/v1/api-tokens' });
      const denied = await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: null });
      const missing = await org.request({ method: 'GET', url: '/nowhere' });
      const ids = [ok, denied, missing].map((r) => String(r.headers['x-okta-request-id']));
      for (const id of ids) assert.match(id, REQUEST_ID);
      assert.equal(new Set(ids).size, 3);
    });

    it('ignores a client-sent request id header', async () => {
      const res = await org.request({ method: 'GET', url: '/api/v1/api-tokens', headers: { 'x-okta-request-id': 'reqSPOOFED', 'request-id': 'x' } });
      assert.notEqual(res.headers['x-okta-request-id'], 'reqSPOOFED');
      assert.match(String(res.headers['x-okta-request-id']), REQUEST_ID);
    });

    it('answers an unknown path with 404 E0000008 in Okta’s envelope, not Fastify’s', async () => {
      const res = await org.request({ method: 'GET', url: '/api/v1/no-such-thing' });
      assertOktaError(res, 404, 'E0000008', 'The requested path was not found');
      assertOktaError(await org.request({ method: 'GET', url: '/', token: null }), 404, 'E0000008');
    });

    it('answers a known path with a wrong method with 405 E0000022 and Allow', async () => {
      const res = await org.request({ method: 'PATCH', url: '/api/v1/api-tokens/00Tabc' });
      assertOktaError(res, 405, 'E0000022', 'The endpoint does not support the provided HTTP method');
      assert.equal(res.headers.allow, 'GET, PUT, DELETE');
      const post = await org.request({ method: 'POST', url: '/api/v1/api-tokens' });
      assertOktaError(post, 405, 'E0000022');
      assert.equal(post.headers.allow, 'GET');
    });

    it('treats //api/v1/... as /api/v1/..., and builds links from the normalized path', async () => {
      const res = await org.request({ method: 'GET', url: '//api/v1//api-tokens?limit=5' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual([res.headers.link].flat(), ['<http://tollgate.test:8080/api/v1/api-tokens?limit=5>; rel="self"']);
    });

    it('answers malformed JSON with 400 E0000003', async () => {
      const res = await org.request({ method: 'POST', url: '/__test/echo', headers: { 'content-type': 'application/json' }, payload: '{"name": ' });
      assertOktaError(res, 400, 'E0000003', 'The request body was not well-formed.');
      const put = await org.request({ method: 'PUT', url: '/api/v1/api-tokens/00Tx', headers: { 'content-type': 'application/json' }, payload: '{oops}' });
      assertOktaError(put, 400, 'E0000003');
    });

    it('refuses a prototype-pollution body as malformed', async () => {
      const res = await org.request({ method: 'POST', url: '/__test/echo', headers: { 'content-type': 'application/json' }, payload: '{"__proto__": {"admin": true}}' });
      assertOktaError(res, 400, 'E0000003');
    });

    it('accepts an empty body with Content-Length: 0 as no body (bodiless POSTs)', async () => {
      const res = await org.request({ method: 'POST', url: '/__test/echo', headers: { 'content-type': 'application/json', 'content-length': '0' }, payload: '' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { received: null });
      const noType = await org.request({ method: 'POST', url: '/__test/echo' });
      assert.deepEqual(noType.json(), { received: null });
    });

    it('answers a body over the configured limit with 413 and a cause naming the limit, without crashing', async () => {
      const res = await org.request({
        method: 'POST',
        url: '/__test/echo',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'x'.repeat(5000) }),
      });
      const body = assertOktaError(res, 413, 'E0000001', 'Api validation failed: request body');
      assert.deepEqual(body.errorCauses, [{ errorSummary: 'request body: must not exceed 4096 bytes' }]);
      assert.equal((await org.request({ method: 'GET', url: '/api/v1/api-tokens' })).statusCode, 200, 'still serving');
    });

    it('refuses a non-JSON content type with 415 E0000012', async () => {
      const res = await org.request({ method: 'POST', url: '/__test/echo', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
      assertOktaError(res, 415, 'E0000012', 'Unsupported media type');
    });

    it('turns an unexpected exception into 500 E0000009, logs it with the request id, and leaks nothing', async () => {
      const res = await org.request({ method: 'GET', url: '/__test/explode' });
      const body = assertOktaError(res, 500, 'E0000009', 'Internal Server Error');
      assert.deepEqual(body.errorCauses, []);
      assert.doesNotMatch(res.body, /secret|hunter2|srv|stack/);
      const requestId = String(res.headers['x-okta-request-id']);
      const logged = org.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.reqId === requestId && l.level === 50);
      assert.ok(logged, 'the error is logged with the request id');
      assert.equal(logged.errorId, (body as unknown as { errorId: string }).errorId);
      assert.match(JSON.stringify(logged.err), /secret internal detail/);
    });

    it('serves JSON with Content-Type application/json and dates as YYYY-MM-DDTHH:mm:ss.SSSZ', async () => {
      const res = await org.request({ method: 'GET', url: '/api/v1/api-tokens' });
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const [token] = res.json();
      for (const field of ['created', 'lastUpdated', 'expiresAt']) assert.match(token[field], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    });

    it('answers no-content operations with 204, no body and no content type', async () => {
      const extra = await org.userWithToken('nobody-204@example.com', ['SUPER_ADMIN']);
      const res = await org.request({ method: 'DELETE', url: `/api/v1/api-tokens/${extra.tokenId}` });
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, '');
      assert.equal(res.headers['content-type'], undefined);
      assert.match(String(res.headers['x-okta-request-id']), REQUEST_ID);
    });

    it('never logs tokens', async () => {
      await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: '00NotARealTokenButSecretish0123456789abcd' });
      await org.request({ method: 'GET', url: '/__test/explode' });
      assert.ok(org.logLines.every((l) => !l.includes('00NotARealToken') && !l.includes('00TestAdminToken')));
    });
  });
}
