// Every API-token response Tollgate can give, validated against Okta's published management
// OpenAPI spec (../shared/okta/openapi/management-oneOfInheritance.yaml) through openapi-backend.
// Where the spec lists no response for a status Tollgate answers (401 everywhere, 400 on lists,
// 405/413/415), the body is validated against `#/components/schemas/Error` and the gap is asserted,
// so a spec update that closes it shows up here.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LightMyRequestResponse } from 'fastify';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError, linkOf } from './helpers/assertions.ts';
import {
  assertErrorMatchesSpec,
  assertMatchesSchema,
  assertMatchesSpec,
  BROKEN_TIME_DURATION_PATTERN,
  FIXED_TIME_DURATION_PATTERN,
  loadSpec,
  loadSpecFrom,
  SPEC_PATH,
  specStatuses,
} from './helpers/openapi.ts';

/** Spec loading (read + YAML parse + openapi-backend init) must stay well under this. */
const SPEC_LOAD_BUDGET_MS = 15_000;

const WRONG_TOKEN = '00wrongwrongwrongwrongwrongwrongwrongwrong';

/** A response-shaped object for exercising the validator itself. */
function fakeResponse(statusCode: number, body: unknown, contentType: string | undefined = 'application/json; charset=utf-8'): LightMyRequestResponse {
  const text = body === undefined ? '' : JSON.stringify(body);
  return { statusCode, headers: contentType ? { 'content-type': contentType } : {}, body: text, payload: text } as unknown as LightMyRequestResponse;
}

interface Token {
  id: string;
  _links: { self: unknown; user: unknown };
}

/** `_links` is outside the spec's ApiToken schema (which names it `_link`): check it on its own. */
async function assertTokenLinks(token: Token, what: string) {
  await assertMatchesSchema('LinksSelf', token._links, `${what}: _links`);
  await assertMatchesSchema('HrefObject', token._links.user, `${what}: _links.user`);
}

describe('the OpenAPI validator (Okta management spec)', () => {
  it('loads and initialises the spec once, in reasonable time', async (t) => {
    const first = await loadSpec();
    assert.equal(await loadSpec(), first, 'one load per process');
    const { readMs, parseMs, initMs, totalMs } = first.timings;
    t.diagnostic(`spec load: read ${readMs.toFixed(0)} ms, YAML parse ${parseMs.toFixed(0)} ms, openapi-backend init ${initMs.toFixed(0)} ms, total ${totalMs.toFixed(0)} ms`);
    assert.ok(totalMs < SPEC_LOAD_BUDGET_MS, `loading the spec took ${totalMs.toFixed(0)} ms`);
  });

  it('expects the spec under ../shared/okta/openapi/, and names the path when the file is missing', async () => {
    assert.equal(SPEC_PATH, fileURLToPath(new URL('../../../../shared/okta/openapi/management-oneOfInheritance.yaml', import.meta.url)));
    const missing = join(tmpdir(), 'no-such-dir', 'management-oneOfInheritance.yaml');
    await assert.rejects(loadSpecFrom(missing), (error: Error) => error.message.includes(`expected it at ${missing}`));
  });

  it('patches the spec’s TimeDuration pattern, which as published rejects P30D (its own example value)', async () => {
    assert.equal(new RegExp(BROKEN_TIME_DURATION_PATTERN, 'u').test('P30D'), false);
    assert.equal(new RegExp(BROKEN_TIME_DURATION_PATTERN, 'u').test('P'), true);
    const fixed = new RegExp(FIXED_TIME_DURATION_PATTERN, 'u');
    for (const ok of ['P30D', 'PT1H', 'P1Y2M3W4DT5H6M7S']) assert.ok(fixed.test(ok), ok);
    for (const bad of ['P', 'PT', 'P1DT', '30D', 'P1H']) assert.ok(!fixed.test(bad), bad);
    const { patches } = await loadSpec();
    assert.equal(patches.length, 3, 'this spec copy needs exactly the TimeDuration, duplicate-enum and IdP provider type patches');
    assert.match(patches[0]!, /^components\.schemas\.TimeDuration\.pattern: /);
    assert.match(patches[1]!, /^enum duplicates removed: .*components\.schemas\.EnrollmentPolicyAuthenticatorGracePeriod\.properties\.type/);
    assert.match(patches[2]!, /^components\.schemas\.IdpPolicyRuleActionProvider\.properties\.type: /);
  });

  it('accepts the spec’s own ApiToken examples (which carry `_links`, not the schema’s `_link`)', async () => {
    const { raw } = await loadSpec();
    const examples = (raw.components as { examples: Record<string, { value: unknown }> }).examples;
    const one = examples.ApiTokenMetadataResponse!.value as Token;
    await assertMatchesSchema('ApiToken', one, 'example ApiTokenMetadataResponse');
    await assertTokenLinks(one, 'example ApiTokenMetadataResponse');
    for (const token of examples.ApiTokenListMetadataResponse!.value as Token[]) {
      await assertMatchesSchema('ApiToken', token, 'example ApiTokenListMetadataResponse');
    }
  });

  it('ApiToken allows additional properties, so `_links` is no mismatch', async () => {
    const { schemaDoc } = await loadSpec();
    const apiToken = (schemaDoc.components as { schemas: Record<string, Record<string, unknown>> }).schemas.ApiToken!;
    assert.equal(apiToken.additionalProperties, undefined);
    assert.ok('_link' in (apiToken.properties as object), 'the spec names it _link');
    assert.ok(!('_links' in (apiToken.properties as object)));
  });

  it('fails with every Ajv error when a body does not match', async () => {
    const bad = fakeResponse(200, { name: 42, created: 'yesterday', tokenWindow: 'P', network: { connection: 1 } });
    await assert.rejects(assertMatchesSpec('getApiToken', bad), (error: Error) => {
      assert.match(error.message, /getApiToken \(status 200\): the body does not match the spec's 200 response schema/);
      for (const path of ['/name must be string', '/created must match format "date-time"', '/tokenWindow must match pattern', '/network/connection must be string']) {
        assert.ok(error.message.includes(path), `${path} in\n${error.message}`);
      }
      return true;
    });
    await assert.rejects(assertMatchesSpec('listApiTokens', fakeResponse(200, { not: 'an array' })), /must be array/);
    await assert.rejects(assertMatchesSpec('getApiToken', fakeResponse(404, { errorCode: 7 })), /\/errorCode must be string/);
  });

  it('fails when the status or the operation is not in the spec, or the content does not fit', async () => {
    await assert.rejects(assertMatchesSpec('getApiToken', fakeResponse(401, { errorCode: 'E0000011' })), /the spec lists no 401 response for getApiToken; it lists 200, 403, 404, 429/);
    await assert.rejects(assertMatchesSpec('noSuchOperation', fakeResponse(200, {})), /operation noSuchOperation is not in the spec/);
    await assert.rejects(assertMatchesSpec('revokeApiToken', fakeResponse(204, {})), /has no content, but the body is not empty/);
    await assert.rejects(assertMatchesSpec('getApiToken', fakeResponse(200, { name: 'x' }, 'text/plain')), /the spec declares application\/json/);
    await assert.rejects(assertMatchesSchema('NoSuchSchema', {}), /the spec has no schema NoSuchSchema/);
    await assert.rejects(assertErrorMatchesSpec('getApiToken', fakeResponse(401, { errorCode: ['E0000011'] })), /a status the spec does not list: does not match #\/components\/schemas\/Error/);
  });
});

for (const backend of backends()) {
  describe(`API token responses match Okta's OpenAPI spec (${backend.name})`, () => {
    let org: TestOrg;
    let adminTokenId: string;

    before(async () => {
      // A small body limit reaches 413 without megabytes of payload.
      org = await startOrg(backend, { config: { bodyLimit: 4096 } });
      await loadSpec();
      const [bootstrap] = (await org.request({ method: 'GET', url: '/api/v1/api-tokens' })).json();
      adminTokenId = bootstrap.id;
      for (let i = 0; i < 2; i++) {
        await org.userWithToken(`conformance${i}@example.com`, ['ORG_ADMIN']);
        org.clock.advance(1000);
      }
    });
    after(() => org.close());

    describe('successes', () => {
      it('listApiTokens 200, default page and limit=1 pages', async () => {
        const all = await org.request({ method: 'GET', url: '/api/v1/api-tokens' });
        const tokens = (await assertMatchesSpec('listApiTokens', all)) as Token[];
        assert.ok(tokens.length >= 3);
        for (const token of tokens) await assertTokenLinks(token, `listApiTokens ${token.id}`);

        let res = await org.request({ method: 'GET', url: '/api/v1/api-tokens?limit=1' });
        let pages = 0;
        for (;;) {
          const page = (await assertMatchesSpec('listApiTokens', res)) as Token[];
          assert.equal(page.length, 1);
          pages++;
          const next = linkOf(res, 'next');
          if (!next) break;
          res = await org.request({ method: 'GET', url: next.replace(/^https?:\/\/[^/]+/, '') });
        }
        assert.equal(pages, tokens.length);

        const none = await org.request({ method: 'GET', url: '/api/v1/api-tokens?q=no-such-token' });
        assert.deepEqual(await assertMatchesSpec('listApiTokens', none), []);
      });

      it('getApiToken 200', async () => {
        const res = await org.request({ method: 'GET', url: `/api/v1/api-tokens/${adminTokenId}` });
        const token = (await assertMatchesSpec('getApiToken', res)) as Token;
        assert.equal(token.id, adminTokenId);
        await assertTokenLinks(token, 'getApiToken');
      });

      it('upsertApiToken 200, with a minimal body and with the token echoed back', async () => {
        const target = await org.userWithToken('upsert@example.com', ['SUPER_ADMIN']);
        const url = `/api/v1/api-tokens/${target.tokenId}`;
        const renamed = (await assertMatchesSpec('upsertApiToken', await org.request({ method: 'PUT', url, payload: { name: 'Renamed' } }))) as Token & { name: string };
        assert.equal(renamed.name, 'Renamed');
        await assertTokenLinks(renamed, 'upsertApiToken');
        // The spec's own request example: readOnly clientName/created and a userId, ANYWHERE.
        const echoed = await org.request({ method: 'PUT', url, payload: { ...renamed, name: 'Echoed', network: { connection: 'ANYWHERE' } } });
        assert.equal(((await assertMatchesSpec('upsertApiToken', echoed)) as { name: string }).name, 'Echoed');
      });

      it('revokeApiToken 204 and revokeCurrentApiToken 204', async () => {
        const victim = await org.userWithToken('revoke@example.com', ['SUPER_ADMIN']);
        assert.equal(await assertMatchesSpec('revokeApiToken', await org.request({ method: 'DELETE', url: `/api/v1/api-tokens/${victim.tokenId}` })), undefined);
        const self = await org.userWithToken('current@example.com');
        assert.equal(await assertMatchesSpec('revokeCurrentApiToken', await org.request({ method: 'DELETE', url: '/api/v1/api-tokens/current', token: self.token })), undefined);
      });
    });

    describe('errors the spec lists', () => {
      it('getApiToken, upsertApiToken and revokeApiToken 404 E0000007', async () => {
        const revoked = await org.userWithToken('gone@example.com', ['SUPER_ADMIN']);
        await org.request({ method: 'DELETE', url: `/api/v1/api-tokens/${revoked.tokenId}` });
        for (const id of ['00Tnope', revoked.tokenId]) {
          const url = `/api/v1/api-tokens/${id}`;
          for (const [operationId, res] of [
            ['getApiToken', await org.request({ method: 'GET', url })],
            ['upsertApiToken', await org.request({ method: 'PUT', url, payload: { name: 'x' } })],
            ['revokeApiToken', await org.request({ method: 'DELETE', url })],
          ] as const) {
            assertOktaError(res, 404, 'E0000007');
            await assertMatchesSpec(operationId, res);
          }
        }
      });

      it('upsertApiToken 400: E0000001 for invalid fields, E0000003 for a malformed body', async () => {
        const url = `/api/v1/api-tokens/${adminTokenId}`;
        for (const payload of [{}, { name: 42 }, { name: 'ok', network: { connection: 'SOMEWHERE' } }, { name: 'ok', network: { connection: 'ZONE' } }, { name: 'ok', userId: '00uOther' }]) {
          const res = await org.request({ method: 'PUT', url, payload });
          assertOktaError(res, 400, 'E0000001');
          await assertMatchesSpec('upsertApiToken', res);
        }
        for (const payload of ['{', '', '{"__proto__": {}}']) {
          const res = await org.request({ method: 'PUT', url, headers: { 'content-type': 'application/json' }, payload });
          assertOktaError(res, 400, 'E0000003');
          await assertMatchesSpec('upsertApiToken', res);
        }
      });

      it('403 E0000005 without an Authorization header, on every operation', async () => {
        for (const [operationId, method, url] of [
          ['listApiTokens', 'GET', '/api/v1/api-tokens'],
          ['getApiToken', 'GET', `/api/v1/api-tokens/${adminTokenId}`],
          ['upsertApiToken', 'PUT', `/api/v1/api-tokens/${adminTokenId}`],
          ['revokeApiToken', 'DELETE', `/api/v1/api-tokens/${adminTokenId}`],
          ['revokeCurrentApiToken', 'DELETE', '/api/v1/api-tokens/current'],
        ] as const) {
          const res = await org.request({ method, url, token: null, ...(method === 'PUT' ? { payload: { name: 'x' } } : {}) });
          assertOktaError(res, 403, 'E0000005');
          await assertMatchesSpec(operationId, res);
        }
      });

      it('403 E0000006 for a user without an admin role', async () => {
        const plain = await org.userWithToken('plain@example.com');
        for (const [operationId, method, url] of [
          ['listApiTokens', 'GET', '/api/v1/api-tokens'],
          ['getApiToken', 'GET', `/api/v1/api-tokens/${plain.tokenId}`],
          ['upsertApiToken', 'PUT', `/api/v1/api-tokens/${plain.tokenId}`],
          ['revokeApiToken', 'DELETE', `/api/v1/api-tokens/${adminTokenId}`],
        ] as const) {
          const res = await org.request({ method, url, token: plain.token, ...(method === 'PUT' ? { payload: { name: 'x' } } : {}) });
          assertOktaError(res, 403, 'E0000006');
          await assertMatchesSpec(operationId, res);
        }
      });
    });

    describe('errors the spec does not list (validated against #/components/schemas/Error)', () => {
      it('401 E0000011 for a wrong or revoked token, on every operation', async () => {
        const revoked = await org.userWithToken('revoked-caller@example.com', ['SUPER_ADMIN']);
        await org.request({ method: 'DELETE', url: '/api/v1/api-tokens/current', token: revoked.token });
        for (const token of [WRONG_TOKEN, revoked.token]) {
          for (const [operationId, method, url] of [
            ['listApiTokens', 'GET', '/api/v1/api-tokens'],
            ['getApiToken', 'GET', `/api/v1/api-tokens/${adminTokenId}`],
            ['upsertApiToken', 'PUT', `/api/v1/api-tokens/${adminTokenId}`],
            ['revokeApiToken', 'DELETE', `/api/v1/api-tokens/${adminTokenId}`],
            ['revokeCurrentApiToken', 'DELETE', '/api/v1/api-tokens/current'],
          ] as const) {
            const res = await org.request({ method, url, token, ...(method === 'PUT' ? { payload: { name: 'x' } } : {}) });
            assertOktaError(res, 401, 'E0000011');
            assert.deepEqual(await assertErrorMatchesSpec(operationId, res), { listed: false }, `the spec now lists 401 for ${operationId}`);
          }
        }
      });

      it('listApiTokens 400 E0000001 for a bad limit and E0000029 for a forged cursor', async () => {
        assert.ok(!(await specStatuses('listApiTokens')).includes('400'));
        for (const [url, code] of [
          ['/api/v1/api-tokens?limit=0', 'E0000001'],
          ['/api/v1/api-tokens?limit=abc', 'E0000001'],
          ['/api/v1/api-tokens?after=garbage!', 'E0000029'],
        ] as const) {
          const res = await org.request({ method: 'GET', url });
          assertOktaError(res, 400, code);
          assert.deepEqual(await assertErrorMatchesSpec('listApiTokens', res), { listed: false });
        }
      });

      it('upsertApiToken 413 for a body over the limit and 415 for a non-JSON body', async () => {
        const url = `/api/v1/api-tokens/${adminTokenId}`;
        const big = await org.request({ method: 'PUT', url, payload: { name: 'x'.repeat(5000) } });
        assertOktaError(big, 413, 'E0000001');
        assert.deepEqual(await assertErrorMatchesSpec('upsertApiToken', big), { listed: false });
        const text = await org.request({ method: 'PUT', url, headers: { 'content-type': 'text/plain' }, payload: 'name=x' });
        assertOktaError(text, 415, 'E0000012');
        assert.deepEqual(await assertErrorMatchesSpec('upsertApiToken', text), { listed: false });
      });

      it('405 E0000022 and 404 E0000008 (no operation in the spec)', async () => {
        const post = await org.request({ method: 'POST', url: '/api/v1/api-tokens', payload: { name: 'x' } });
        assertOktaError(post, 405, 'E0000022');
        await assertMatchesSchema('Error', post.json(), 'POST /api/v1/api-tokens');
        const unknown = await org.request({ method: 'GET', url: '/api/v1/api-tokens/a/b' });
        assertOktaError(unknown, 404, 'E0000008');
        await assertMatchesSchema('Error', unknown.json(), 'GET /api/v1/api-tokens/a/b');
      });
    });
  });
}

// The rate-limit settings and principal rate limit responses, validated the same way.
for (const backend of backends()) {
  describe(`rate-limit settings and principal rate limit responses match Okta's OpenAPI spec (${backend.name})`, () => {
    let org: TestOrg;
    let adminTokenId: string;
    let prlId: string;
    const prlUrl = '/api/v1/principal-rate-limits';
    const sswsList = `${prlUrl}?filter=${encodeURIComponent('principalType eq "SSWS_TOKEN"')}`;
    const settings = [
      ['getRateLimitSettingsPerClient', 'replaceRateLimitSettingsPerClient', '/api/v1/rate-limit-settings/per-client', { defaultMode: 'ENFORCE', useCaseModeOverrides: { OAUTH2_AUTHORIZE: 'PREVIEW', OIE_APP_INTENT: 'DISABLE' } }, { defaultMode: 'SOMETIMES' }],
      ['getRateLimitSettingsWarningThreshold', 'replaceRateLimitSettingsWarningThreshold', '/api/v1/rate-limit-settings/warning-threshold', { warningThreshold: 66 }, { warningThreshold: 95 }],
      ['getRateLimitSettingsAdminNotifications', 'replaceRateLimitSettingsAdminNotifications', '/api/v1/rate-limit-settings/admin-notifications', { notificationsEnabled: false }, { notificationsEnabled: 'no' }],
    ] as const;

    before(async () => {
      org = await startOrg(backend);
      await loadSpec();
      const [bootstrap] = (await org.request({ method: 'GET', url: '/api/v1/api-tokens' })).json();
      adminTokenId = bootstrap.id;
    });
    after(() => org.close());

    it('rate-limit settings: GET 200 (defaults and after a PUT), PUT 200 and 400', async () => {
      for (const [getId, putId, url, valid, invalid] of settings) {
        await assertMatchesSpec(getId, await org.request({ method: 'GET', url }));
        await assertMatchesSpec(putId, await org.request({ method: 'PUT', url, payload: valid }));
        assert.deepEqual(await assertMatchesSpec(getId, await org.request({ method: 'GET', url })), valid);
        const bad = await org.request({ method: 'PUT', url, payload: invalid });
        assertOktaError(bad, 400, 'E0000001');
        await assertMatchesSpec(putId, bad);
      }
    });

    it('principal rate limits: createPrincipalRateLimitEntity 201, get 200, replace 200, list 200 with pages', async () => {
      const created = await org.request({ method: 'POST', url: prlUrl, payload: { principalId: adminTokenId, principalType: 'SSWS_TOKEN', defaultPercentage: 50, defaultConcurrencyPercentage: 75 } });
      assert.equal(created.statusCode, 201);
      prlId = ((await assertMatchesSpec('createPrincipalRateLimitEntity', created)) as { id: string }).id;
      const got = (await assertMatchesSpec('getPrincipalRateLimitEntity', await org.request({ method: 'GET', url: `${prlUrl}/${prlId}` }))) as Record<string, unknown>;
      const replaced = await org.request({ method: 'PUT', url: `${prlUrl}/${prlId}`, payload: { ...got, defaultConcurrencyPercentage: 90 } });
      assert.equal(((await assertMatchesSpec('replacePrincipalRateLimitEntity', replaced)) as { defaultConcurrencyPercentage: number }).defaultConcurrencyPercentage, 90);
      const second = { principalId: (await org.userWithToken('prl-conformance@example.com')).tokenId, principalType: 'SSWS_TOKEN' };
      assert.equal((await org.request({ method: 'POST', url: prlUrl, payload: second })).statusCode, 201);
      const first = await org.request({ method: 'GET', url: `${sswsList}&limit=1` });
      assert.equal(((await assertMatchesSpec('listPrincipalRateLimitEntities', first)) as unknown[]).length, 1);
      const next = linkOf(first, 'next');
      assert.ok(next);
      await assertMatchesSpec('listPrincipalRateLimitEntities', await org.request({ method: 'GET', url: next.replace(/^https?:\/\/[^/]+/, '') }));
      const none = await org.request({ method: 'GET', url: `${prlUrl}?filter=${encodeURIComponent('principalType eq "OAUTH_CLIENT"')}` });
      assert.deepEqual(await assertMatchesSpec('listPrincipalRateLimitEntities', none), []);
    });

    it('principal rate limits: 400 (validation, duplicate, filter), 404 (entity, principal), 403', async () => {
      for (const [operationId, method, url, payload, status, code] of [
        ['createPrincipalRateLimitEntity', 'POST', prlUrl, { principalId: adminTokenId, principalType: 'SSWS_TOKEN' }, 400, 'E0000001'],
        ['createPrincipalRateLimitEntity', 'POST', prlUrl, { principalId: adminTokenId, principalType: 'SSWS_TOKEN', defaultPercentage: 0 }, 400, 'E0000001'],
        ['createPrincipalRateLimitEntity', 'POST', prlUrl, { principalId: '00Tnope', principalType: 'SSWS_TOKEN' }, 404, 'E0000007'],
        ['createPrincipalRateLimitEntity', 'POST', prlUrl, { principalId: '0oanope', principalType: 'OAUTH_CLIENT' }, 404, 'E0000007'],
        ['getPrincipalRateLimitEntity', 'GET', `${prlUrl}/prlnope`, undefined, 404, 'E0000007'],
        ['replacePrincipalRateLimitEntity', 'PUT', `${prlUrl}/prlnope`, { principalId: adminTokenId, principalType: 'SSWS_TOKEN' }, 404, 'E0000007'],
        ['replacePrincipalRateLimitEntity', 'PUT', `${prlUrl}/${prlId}`, { principalId: '00Tother', principalType: 'SSWS_TOKEN' }, 400, 'E0000001'],
        ['listPrincipalRateLimitEntities', 'GET', prlUrl, undefined, 400, 'E0000001'],
        ['listPrincipalRateLimitEntities', 'GET', `${prlUrl}?filter=${encodeURIComponent('principalType eq "USER"')}`, undefined, 400, 'E0000001'],
      ] as const) {
        const res = await org.request({ method, url, ...(payload ? { payload } : {}) });
        assertOktaError(res, status, code);
        await assertMatchesSpec(operationId, res);
      }
      const helpDesk = await org.userWithToken('prl-help-desk@example.com', ['HELP_DESK_ADMIN']);
      const denied: [string, 'GET' | 'POST' | 'PUT', string, object | undefined][] = [
        ['listPrincipalRateLimitEntities', 'GET', sswsList, undefined],
        ['createPrincipalRateLimitEntity', 'POST', prlUrl, { principalId: helpDesk.tokenId, principalType: 'SSWS_TOKEN' }],
        ['getPrincipalRateLimitEntity', 'GET', `${prlUrl}/${prlId}`, undefined],
        ['replacePrincipalRateLimitEntity', 'PUT', `${prlUrl}/${prlId}`, { principalId: adminTokenId, principalType: 'SSWS_TOKEN' }],
      ];
      for (const [getId, putId, url, valid] of settings) denied.push([getId, 'GET', url, undefined], [putId, 'PUT', url, valid]);
      for (const [operationId, method, url, payload] of denied) {
        const res = await org.request({ method, url, token: helpDesk.token, ...(payload ? { payload } : {}) });
        assertOktaError(res, 403, 'E0000006');
        await assertMatchesSpec(operationId, res);
      }
    });

    it('statuses the spec does not list: 401, 400 on a bad cursor, 405 for DELETE', async () => {
      for (const [operationId, method, url] of [
        ['listPrincipalRateLimitEntities', 'GET', sswsList],
        ['getPrincipalRateLimitEntity', 'GET', `${prlUrl}/${prlId}`],
        ['getRateLimitSettingsPerClient', 'GET', '/api/v1/rate-limit-settings/per-client'],
      ] as const) {
        const res = await org.request({ method, url, token: WRONG_TOKEN });
        assertOktaError(res, 401, 'E0000011');
        assert.deepEqual(await assertErrorMatchesSpec(operationId, res), { listed: false });
      }
      const cursor = await org.request({ method: 'GET', url: `${sswsList}&after=garbage!` });
      assertOktaError(cursor, 400, 'E0000029');
      assert.deepEqual(await assertErrorMatchesSpec('listPrincipalRateLimitEntities', cursor), { listed: true });
      const del = await org.request({ method: 'DELETE', url: `${prlUrl}/${prlId}` });
      assertOktaError(del, 405, 'E0000022');
      await assertMatchesSchema('Error', del.json(), 'DELETE /api/v1/principal-rate-limits/{id}');
    });
  });
}
