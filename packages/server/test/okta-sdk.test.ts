// The official Okta Node SDK (@okta/okta-sdk-nodejs) against a real listening Tollgate: the
// API token operations, pagination through `Link: rel="next"`, errors as OktaApiError, and an
// org URL with a trailing slash (which makes the SDK request `//api/v1/...`).
//
// The SDK's response cache stays ON (its default), as for real users: it stores single-resource
// GETs under the body's `_links.self.href` and clears a path and its parents on PUT/DELETE through
// the same client. The tests only read state changed through the same client (or through a client
// that never cached it), so the cache cannot hide a change; one test asserts the cache hit, which
// proves `_links.self.href` is exactly orgUrl + path.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import okta from '@okta/okta-sdk-nodejs';
import type { ApiToken, Client, OktaApiError as OktaApiErrorType } from '@okta/okta-sdk-nodejs';
import { backends } from './helpers/backends.ts';
import { ADMIN_TOKEN } from './helpers/app.ts';
import { ERROR_ID, REQUEST_ID } from './helpers/assertions.ts';
import { startListeningOrg } from './helpers/listening-org.ts';
import { sdkClient } from './helpers/okta-sdk.ts';
import type { ListeningOrg } from './helpers/listening-org.ts';

/** Tokens beyond the bootstrap one: more than the server's default page of 20, which the SDK gets because it sends no `limit`. */
const EXTRA_TOKENS = 25;
const DEFAULT_PAGE = 20;


async function listAll(client: Client): Promise<ApiToken[]> {
  const items: ApiToken[] = [];
  await (await client.apiTokenApi.listApiTokens()).each((token) => {
    items.push(token);
  });
  return items;
}

/** Asserts that `promise` rejects with an OktaApiError of this status and code; returns it. */
async function oktaApiError(promise: Promise<unknown>, status: number, errorCode: string): Promise<OktaApiErrorType> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof okta.OktaApiError, `expected OktaApiError, got ${String(caught)}`);
  const error = caught as OktaApiErrorType;
  assert.equal(error.status, status, error.message);
  assert.equal(error.errorCode, errorCode, error.message);
  assert.equal(error.errorLink, errorCode);
  assert.match(error.errorId, ERROR_ID);
  assert.ok(error.message.startsWith(`Okta HTTP ${status} ${errorCode} `), error.message);
  assert.match(String(error.headers.get('x-okta-request-id')), REQUEST_ID);
  return error;
}

for (const backend of backends()) {
  describe(`Okta Node SDK against Tollgate: API tokens (${backend.name})`, () => {
    let org: ListeningOrg;
    let client: Client;
    let adminTokenId: string;

    before(async () => {
      org = await startListeningOrg(backend);
      client = sdkClient(org.orgUrl, { token: ADMIN_TOKEN });
      const [bootstrap, ...others] = await org.services.store.listApiTokens({ limit: 2 });
      assert.deepEqual(others, [], 'a new org has only the bootstrap token');
      adminTokenId = bootstrap!.id;
      // All created at the same (fake) instant: pages are ordered by the id tie-breaker.
      for (let i = 0; i < EXTRA_TOKENS; i++) await org.userWithToken(`sdk-page-${i}@example.com`);
    });
    after(() => org.close());

    it('lists every token, following Link rel="next" past the default page of 20', async () => {
      const expected = (await org.services.store.listApiTokens({ limit: 1000 })).map((t) => t.id);
      assert.equal(expected.length, EXTRA_TOKENS + 1);
      const before = org.requests.length;
      const tokens = await listAll(client);

      assert.deepEqual(tokens.map((t) => t.id), expected, 'every token once, in the server’s order');
      const admin = tokens.find((t) => t.id === adminTokenId)!;
      assert.equal(admin.name, 'Bootstrap admin token');
      assert.equal(admin.clientName, 'Okta API');
      assert.equal(admin.tokenWindow, 'P30D');
      assert.equal(admin.network?.connection, 'ANYWHERE');
      assert.ok(admin.created instanceof Date && !Number.isNaN(admin.created.getTime()));
      assert.ok(admin.expiresAt instanceof Date && admin.expiresAt > admin.created);

      const pages = org.requests.slice(before);
      assert.equal(pages.length, Math.ceil((EXTRA_TOKENS + 1) / DEFAULT_PAGE));
      assert.deepEqual(pages[0], { method: 'GET', url: '/api/v1/api-tokens' }, 'the SDK asks for the first page without limit');
      const next = new URL(pages[1]!.url, org.orgUrl);
      assert.equal(next.pathname, '/api/v1/api-tokens');
      assert.equal(next.searchParams.get('limit'), String(DEFAULT_PAGE));
      assert.ok(next.searchParams.get('after'));
    });

    it('gets one token; a repeat GET comes from the SDK cache, keyed by _links.self.href', async () => {
      const before = org.requests.length;
      const token = await client.apiTokenApi.getApiToken({ apiTokenId: adminTokenId });
      assert.equal(token.id, adminTokenId);
      assert.equal(token.name, 'Bootstrap admin token');
      assert.equal(typeof token.userId, 'string');
      assert.equal(org.requests.length, before + 1);
      assert.deepEqual(org.requests.at(-1), { method: 'GET', url: `/api/v1/api-tokens/${adminTokenId}` });

      const again = await client.apiTokenApi.getApiToken({ apiTokenId: adminTokenId });
      assert.equal(again.id, adminTokenId);
      assert.equal(org.requests.length, before + 1, 'served from the cache: self.href equals orgUrl + path');
    });

    it('upserts (renames) a token, with a minimal body and with the fetched token echoed back', async () => {
      const target = await org.userWithToken('sdk-rename@example.com', ['SUPER_ADMIN']);
      const renamed = await client.apiTokenApi.upsertApiToken({ apiTokenId: target.tokenId, apiTokenUpdate: { name: 'Renamed by SDK' } });
      assert.equal(renamed.id, target.tokenId);
      assert.equal(renamed.name, 'Renamed by SDK');
      assert.equal(renamed.userId, target.userId);

      // The usual SDK pattern: fetch, change, send back. The SDK serializes ApiTokenUpdate's
      // fields (clientName, created without milliseconds, name, network, userId).
      const fetched = await client.apiTokenApi.getApiToken({ apiTokenId: target.tokenId });
      assert.equal(fetched.name, 'Renamed by SDK');
      fetched.name = 'Echoed by SDK';
      const echoed = await client.apiTokenApi.upsertApiToken({ apiTokenId: target.tokenId, apiTokenUpdate: fetched });
      assert.equal(echoed.name, 'Echoed by SDK');
      assert.equal(echoed.clientName, 'Okta API');
      assert.equal((await client.apiTokenApi.getApiToken({ apiTokenId: target.tokenId })).name, 'Echoed by SDK', 'the PUT cleared the cached GET');
      assert.equal((await org.services.store.getApiToken(target.tokenId))?.name, 'Echoed by SDK');
    });

    it('revokes a token by id (resolves with nothing); getting it then throws OktaApiError 404 E0000007', async () => {
      const victim = await org.userWithToken('sdk-victim@example.com', ['SUPER_ADMIN']);
      // Cache it first: the DELETE through the same client must clear it.
      assert.equal((await client.apiTokenApi.getApiToken({ apiTokenId: victim.tokenId })).id, victim.tokenId);
      assert.equal(await client.apiTokenApi.revokeApiToken({ apiTokenId: victim.tokenId }), undefined);

      const error = await oktaApiError(client.apiTokenApi.getApiToken({ apiTokenId: victim.tokenId }), 404, 'E0000007');
      assert.equal(error.errorSummary, `Not found: Resource not found: ${victim.tokenId} (ApiToken)`);
      assert.deepEqual(error.errorCauses, []);
      await oktaApiError(client.apiTokenApi.revokeApiToken({ apiTokenId: victim.tokenId }), 404, 'E0000007');
      await oktaApiError(client.apiTokenApi.upsertApiToken({ apiTokenId: victim.tokenId, apiTokenUpdate: { name: 'x' } }), 404, 'E0000007');
      await oktaApiError(listAll(sdkClient(org.orgUrl, { token: victim.token })), 401, 'E0000011');
    });

    it('a wrong token: OktaApiError 401 E0000011 on every operation', async () => {
      const wrong = sdkClient(org.orgUrl, { token: '00wrongwrongwrongwrongwrongwrongwrongwrong' });
      const error = await oktaApiError(listAll(wrong), 401, 'E0000011');
      assert.equal(error.errorSummary, 'Invalid token provided');
      await oktaApiError(wrong.apiTokenApi.getApiToken({ apiTokenId: adminTokenId }), 401, 'E0000011');
      await oktaApiError(wrong.apiTokenApi.upsertApiToken({ apiTokenId: adminTokenId, apiTokenUpdate: { name: 'x' } }), 401, 'E0000011');
      await oktaApiError(wrong.apiTokenApi.revokeApiToken({ apiTokenId: adminTokenId }), 401, 'E0000011');
      await oktaApiError(wrong.apiTokenApi.revokeCurrentApiToken(), 401, 'E0000011');
    });

    it('a user without an admin role: OktaApiError 403 E0000006', async () => {
      const plain = await org.userWithToken('sdk-plain@example.com');
      const error = await oktaApiError(listAll(sdkClient(org.orgUrl, { token: plain.token })), 403, 'E0000006');
      assert.equal(error.errorSummary, 'You do not have permission to perform the requested action');
    });

    it('revokeCurrentApiToken revokes the calling token (resolves with nothing); it then gets 401', async () => {
      const self = await org.userWithToken('sdk-self@example.com', ['SUPER_ADMIN']);
      const own = sdkClient(org.orgUrl, { token: self.token });
      assert.equal((await own.apiTokenApi.getApiToken({ apiTokenId: self.tokenId })).id, self.tokenId);
      assert.equal(await own.apiTokenApi.revokeCurrentApiToken(), undefined);
      await oktaApiError(listAll(own), 401, 'E0000011');
      await oktaApiError(client.apiTokenApi.getApiToken({ apiTokenId: self.tokenId }), 404, 'E0000007');
    });

    it('works with an orgUrl that ends in a slash (the SDK then requests //api/v1/...)', async () => {
      const slashed = sdkClient(`${org.orgUrl}/`, { token: ADMIN_TOKEN });
      const before = org.requests.length;
      const expected = (await org.services.store.listApiTokens({ limit: 1000 })).map((t) => t.id);
      assert.ok(expected.length > DEFAULT_PAGE);
      assert.deepEqual((await listAll(slashed)).map((t) => t.id), expected);
      assert.equal(org.requests[before]?.url, '//api/v1/api-tokens', 'the SDK doubled the slash');
      // The next link comes from the server's org URL, so the second page has a single slash.
      assert.match(org.requests[before + 1]?.url ?? '', /^\/api\/v1\/api-tokens\?/);

      const target = await org.userWithToken('sdk-slash@example.com', ['SUPER_ADMIN']);
      assert.equal((await slashed.apiTokenApi.getApiToken({ apiTokenId: target.tokenId })).id, target.tokenId);
      assert.equal((await slashed.apiTokenApi.upsertApiToken({ apiTokenId: target.tokenId, apiTokenUpdate: { name: 'Slashed' } })).name, 'Slashed');
      assert.equal(await slashed.apiTokenApi.revokeApiToken({ apiTokenId: target.tokenId }), undefined);
      await oktaApiError(slashed.apiTokenApi.getApiToken({ apiTokenId: target.tokenId }), 404, 'E0000007');
      assert.ok(org.requests.slice(before).filter((r) => r.url.startsWith('//api/v1/api-tokens/')).length >= 4);

      const own = await org.userWithToken('sdk-slash-self@example.com');
      assert.equal(await sdkClient(`${org.orgUrl}/`, { token: own.token }).apiTokenApi.revokeCurrentApiToken(), undefined);
      assert.equal(org.requests.at(-1)?.url, '//api/v1/api-tokens/current');
      assert.equal(await org.services.store.getApiToken(own.tokenId), undefined, 'revoked');
    });
  });
}
