import assert from 'node:assert/strict';
import okta from '@okta/okta-sdk-nodejs';
import type { Client } from '@okta/okta-sdk-nodejs';
import { ADMIN_TOKEN } from './app.ts';

/**
 * The official Okta Node SDK pointed at a test org, with the bootstrap admin's token unless
 * another is given. `authorizationMode` is pinned: the SDK also reads OKTA_CLIENT_* and
 * ~/.okta/okta.yaml, and constructor arguments win. `maxRetries` replaces the default 429 retry
 * executor (requests then never time out client-side).
 */
export function sdkClient(orgUrl: string, options: { token?: string; maxRetries?: number } = {}): Client {
  return new okta.Client({
    orgUrl,
    token: options.token ?? ADMIN_TOKEN,
    authorizationMode: 'SSWS',
    ...(options.maxRetries === undefined ? {} : { requestExecutor: new okta.DefaultRequestExecutor({ maxRetries: options.maxRetries, requestTimeout: 0 }) }),
  });
}

/** Every item of an SDK collection, following its `next` links. */
export async function collect<T>(collection: Promise<{ each(fn: (item: T) => void): Promise<unknown> }>): Promise<T[]> {
  const items: T[] = [];
  await (await collection).each((item) => {
    items.push(item);
  });
  return items;
}

/** Asserts the SDK call fails with an OktaApiError of this status and error code. */
export async function rejectsWith(promise: Promise<unknown>, status: number, errorCode: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    const e = error as { status?: number; errorCode?: string };
    assert.equal(e.status, status);
    assert.equal(e.errorCode, errorCode);
    return true;
  });
}
