// The official Okta Node SDK (@okta/okta-sdk-nodejs) against a listening Tollgate whose bucket is
// exhausted: its request executor reads the 429's `X-Rate-Limit-Reset`, `Date` and
// `X-Okta-Request-Id`, sleeps `reset − Date + 1 s` of real time, and retries with
// `X-Okta-Retry-For` / `X-Okta-Retry-Count` (sdk-client-needs.md §3.1).
//
// Time: the server runs on the injected FakeClock, set to real time (on a whole second) first.
// The bucket is exhausted at t0, then the clock is set to t0 + 59 s, one second before the
// window resets, so the 429 says `reset − Date = 1 s` and the SDK sleeps 2 s for real. Where the
// retry should succeed, an onSend hook moves the fake clock on by those same 2 s as the 429 goes
// out (nothing else reaches the server meanwhile), so the retry lands past the reset, in a new
// window, as it would have in real time.
//
// Every response is recorded in onResponse: the startOrg helper's own `requests` log is an
// onRequest hook that runs after the rate limiter's, so it never sees a request refused with 429.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import okta from '@okta/okta-sdk-nodejs';
import type { Client, OktaApiError as OktaApiErrorType } from '@okta/okta-sdk-nodejs';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { ERROR_ID, REQUEST_ID } from './helpers/assertions.ts';
import { sdkClient } from './helpers/okta-sdk.ts';
import { backends } from './helpers/backends.ts';

const [sqlite] = backends();
/** The `api-v1` bucket's limit: a token without a principal rate limit entity may use half. */
const BUCKET_LIMIT = 4;
const TOKEN_SHARE = BUCKET_LIMIT / 2;
/** What the SDK sleeps before a retry here: reset − Date (1 s) + its own 1 s. */
const SDK_DELAY_MS = 2_000;

interface Exchange {
  url: string;
  status: number;
  request: IncomingHttpHeaders;
  /** The response's headers as strings. */
  response: Record<string, string>;
}

interface RateLimitedOrg {
  org: TestOrg;
  /** Every response, in the order sent. */
  exchanges: Exchange[];
  /** The admin token's id: the SDK call reads that token. */
  adminTokenId: string;
  /** Start of the exhausted window (ms, a whole second). */
  t0: number;
  /** Runs as each 429 is sent, before the client can see it. */
  onRateLimited: { current: () => void };
  close(): Promise<void>;
}

/**
 * A listening org with `api-v1` limited to BUCKET_LIMIT a minute, the clock on real time, and the
 * admin token's share of the bucket used up at t0; the clock is then left at t0 + 59 s.
 */
async function exhaustedOrg(): Promise<RateLimitedOrg> {
  const exchanges: Exchange[] = [];
  const onRateLimited = { current: () => {} };
  const org = await startOrg(sqlite!, {
    listen: true,
    config: { rateLimits: 'on', rateLimitOverrides: [`api-v1=${BUCKET_LIMIT}`] },
    prepare: (app) => {
      app.addHook('onSend', async (_request, reply, payload) => {
        if (reply.statusCode === 429) onRateLimited.current();
        return payload;
      });
      app.addHook('onResponse', async (request, reply) => {
        const response: Record<string, string> = {};
        for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) response[name] = String(value);
        exchanges.push({ url: request.url, status: reply.statusCode, request: { ...request.headers }, response });
      });
    },
  });
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  org.clock.set(t0);
  const [admin] = await org.services.store.listApiTokens({ limit: 1 });
  for (let i = 0; i < TOKEN_SHARE; i++) {
    const res = await org.request({ method: 'GET', url: '/api/v1/api-tokens' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-rate-limit-limit'], String(TOKEN_SHARE), "the token's share has fewer left than the org bucket");
    assert.equal(res.headers['x-rate-limit-remaining'], String(TOKEN_SHARE - 1 - i));
  }
  org.clock.set(t0 + 59_000);
  return { org, exchanges, adminTokenId: admin!.id, t0, onRateLimited, close: () => org.close() };
}


/** The delays the SDK announced on its `backoff` event. */
function recordBackoffs(client: Client): number[] {
  const delays: number[] = [];
  client.requestExecutor.on('backoff', (_request: unknown, _response: unknown, _requestId: unknown, delayMs: number) => delays.push(delayMs));
  return delays;
}

/** Asserts the headers the SDK's retry reads on a 429 of the exhausted window. */
function assertRetryableRefusal(exchange: Exchange, t0: number): void {
  assert.equal(exchange.status, 429);
  assert.equal(exchange.response['x-rate-limit-limit'], String(TOKEN_SHARE), 'refused by the token’s share');
  assert.equal(exchange.response['x-rate-limit-remaining'], '0');
  assert.equal(exchange.response['x-rate-limit-reset'], String((t0 + 60_000) / 1000));
  assert.equal(exchange.response.date, new Date(t0 + 59_000).toUTCString(), 'Date from the same (injected) clock as the reset');
  assert.equal(exchange.response['retry-after'], '1');
  assert.match(exchange.response['x-okta-request-id'] ?? '', REQUEST_ID);
}

async function oktaApiError(promise: Promise<unknown>): Promise<OktaApiErrorType> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof okta.OktaApiError, `expected OktaApiError, got ${String(caught)}`);
  return caught as OktaApiErrorType;
}

describe('Okta Node SDK against Tollgate: 429 and the SDK’s retry', () => {
  it('gets a 429, waits reset − Date + 1 s, and its retry (X-Okta-Retry-For, X-Okta-Retry-Count: 1) succeeds', async () => {
    const { org, exchanges, adminTokenId, t0, onRateLimited, close } = await exhaustedOrg();
    try {
      onRateLimited.current = () => org.clock.advance(SDK_DELAY_MS);
      const client = sdkClient(org.orgUrl);
      const backoffs = recordBackoffs(client);
      const before = exchanges.length;
      const started = Date.now();

      const token = await client.apiTokenApi.getApiToken({ apiTokenId: adminTokenId });
      const waited = Date.now() - started;

      assert.equal(token.id, adminTokenId);
      assert.equal(token.name, 'Bootstrap admin token');
      assert.deepEqual(backoffs, [SDK_DELAY_MS], 'one backoff, of reset − Date + 1 s');
      assert.ok(waited >= SDK_DELAY_MS && waited < SDK_DELAY_MS + 3_000, `the SDK slept about ${SDK_DELAY_MS} ms (took ${waited} ms)`);

      const sdk = exchanges.slice(before);
      assert.deepEqual(sdk.map((e) => [e.status, e.url]), [
        [429, `/api/v1/api-tokens/${adminTokenId}`],
        [200, `/api/v1/api-tokens/${adminTokenId}`],
      ], 'exactly one 429, then the retry');
      const [refused, retry] = sdk as [Exchange, Exchange];
      assertRetryableRefusal(refused, t0);
      assert.equal(refused.request['x-okta-retry-for'], undefined);
      assert.equal(refused.request['x-okta-retry-count'], undefined);
      assert.equal(retry.request['x-okta-retry-for'], refused.response['x-okta-request-id'], 'the retry names the refused request');
      assert.equal(retry.request['x-okta-retry-count'], '1');
      assert.notEqual(retry.response['x-okta-request-id'], refused.response['x-okta-request-id']);
      // Admitted in the next window, which started with it at t0 + 61 s.
      assert.equal(retry.response['x-rate-limit-limit'], String(TOKEN_SHARE));
      assert.equal(retry.response['x-rate-limit-remaining'], String(TOKEN_SHARE - 1));
      assert.equal(retry.response['x-rate-limit-reset'], String((t0 + 61_000 + 60_000) / 1000));
    } finally {
      await close();
    }
  });

  it('with maxRetries: 0, the 429 surfaces at once as OktaApiError 429 E0000047', async () => {
    const { org, exchanges, adminTokenId, t0, close } = await exhaustedOrg();
    try {
      const client = sdkClient(org.orgUrl, { maxRetries: 0 });
      const backoffs = recordBackoffs(client);
      const before = exchanges.length;
      const started = Date.now();

      const error = await oktaApiError(client.apiTokenApi.getApiToken({ apiTokenId: adminTokenId }));
      assert.ok(Date.now() - started < SDK_DELAY_MS, 'no backoff sleep');
      assert.equal(error.status, 429);
      assert.equal(error.errorCode, 'E0000047');
      assert.equal(error.errorSummary, 'API call exceeded rate limit due to too many requests.');
      assert.equal(error.errorLink, 'E0000047');
      assert.match(error.errorId, ERROR_ID);
      assert.ok(error.message.startsWith('Okta HTTP 429 E0000047 '), error.message);
      assert.equal(error.headers.get('x-rate-limit-reset'), String((t0 + 60_000) / 1000));
      assert.equal(error.headers.get('x-rate-limit-remaining'), '0');
      assert.deepEqual(backoffs, []);

      const sdk = exchanges.slice(before);
      assert.deepEqual(sdk.map((e) => e.status), [429], 'one request, not retried');
      assertRetryableRefusal(sdk[0]!, t0);
      assert.equal(error.headers.get('x-okta-request-id'), sdk[0]!.response['x-okta-request-id']);
    } finally {
      await close();
    }
  });

  it('by default retries twice with the first 429’s id, then surfaces the third 429 as OktaApiError', async () => {
    const { org, exchanges, adminTokenId, t0, close } = await exhaustedOrg();
    try {
      const client = sdkClient(org.orgUrl);
      const backoffs = recordBackoffs(client);
      const before = exchanges.length;

      const error = await oktaApiError(client.apiTokenApi.getApiToken({ apiTokenId: adminTokenId }));
      assert.equal(error.status, 429);
      assert.equal(error.errorCode, 'E0000047');
      assert.deepEqual(backoffs, [SDK_DELAY_MS, SDK_DELAY_MS]);

      const sdk = exchanges.slice(before);
      assert.deepEqual(sdk.map((e) => e.status), [429, 429, 429], 'the request and its 2 retries, all in the exhausted window');
      for (const exchange of sdk) assertRetryableRefusal(exchange, t0);
      const firstId = sdk[0]!.response['x-okta-request-id'];
      assert.deepEqual(
        sdk.map((e) => [e.request['x-okta-retry-for'], e.request['x-okta-retry-count']]),
        [
          [undefined, undefined],
          [firstId, '1'],
          [firstId, '2'],
        ],
        'X-Okta-Retry-For stays the first 429’s id; the count goes up',
      );
      assert.equal(error.headers.get('x-okta-request-id'), sdk[2]!.response['x-okta-request-id']);
    } finally {
      await close();
    }
  });
});
