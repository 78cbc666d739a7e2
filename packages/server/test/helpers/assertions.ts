import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';

export const REQUEST_ID = /^req[A-Za-z0-9]{22}$/;
export const ERROR_ID = /^oae[A-Za-z0-9]{22}$/;

/** Asserts an Okta error response: status, envelope, content type and request id. */
export function assertOktaError(res: LightMyRequestResponse, status: number, code: string, summary?: string | RegExp) {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.match(String(res.headers['x-okta-request-id']), REQUEST_ID);
  const body = res.json();
  assert.deepEqual(Object.keys(body).sort(), ['errorCauses', 'errorCode', 'errorId', 'errorLink', 'errorSummary']);
  assert.equal(body.errorCode, code);
  assert.equal(body.errorLink, code);
  assert.match(body.errorId, ERROR_ID);
  assert.ok(Array.isArray(body.errorCauses));
  if (summary instanceof RegExp) assert.match(body.errorSummary, summary);
  else if (summary !== undefined) assert.equal(body.errorSummary, summary);
  return body as { errorCauses: { errorSummary: string }[]; errorSummary: string };
}

/** The Link header values, one per relation. */
export function links(res: LightMyRequestResponse): string[] {
  return [res.headers.link ?? []].flat().map(String);
}

/** The URL of the `rel` link, or undefined. */
export function linkOf(res: LightMyRequestResponse, rel: string): string | undefined {
  const found = links(res).find((l) => l.endsWith(`; rel="${rel}"`));
  return found?.slice(1, found.indexOf('>'));
}
