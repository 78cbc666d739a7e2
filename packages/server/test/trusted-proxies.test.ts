import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';

const [sqlite] = backends();

/** The client address the System Log recorded for the change made by the response's request. */
async function recordedIp(org: TestOrg, requestId: string): Promise<string | undefined> {
  return (await eventOf(org, requestId))?.client.ipAddress;
}

async function eventOf(org: TestOrg, requestId: string) {
  const events = await org.services.store.listLogEvents({ limit: 1000 });
  return events.find((e) => e.transaction.id === requestId);
}

describe('client IP and TOLLGATE_TRUSTED_PROXIES', () => {
  let org: TestOrg;
  before(async () => {
    org = await startOrg(sqlite!, { config: { trustedProxies: ['10.0.0.0/8'] } });
  });
  after(() => org.close());

  async function renameFrom(remoteAddress: string, forwardedFor?: string) {
    const user = await org.userWithToken(`ip-${Math.random().toString(36).slice(2)}@example.com`, ['SUPER_ADMIN']);
    const res = await org.request({
      method: 'PUT',
      url: `/api/v1/api-tokens/${user.tokenId}`,
      payload: { name: 'renamed' },
      remoteAddress,
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    });
    assert.equal(res.statusCode, 200, res.body);
    return recordedIp(org, String(res.headers['x-okta-request-id']));
  }

  it('takes the address before a trusted proxy from X-Forwarded-For', async () => {
    assert.equal(await renameFrom('10.1.2.3', '203.0.113.9'), '203.0.113.9');
  });

  it('walks back through several trusted proxies to the first untrusted address, and records the chain client first', async () => {
    assert.equal(await renameFrom('10.1.2.3', '198.51.100.7, 203.0.113.9, 10.9.9.9'), '203.0.113.9');
    const user = await org.userWithToken('chain@example.com', ['SUPER_ADMIN']);
    const res = await org.request({ method: 'PUT', url: `/api/v1/api-tokens/${user.tokenId}`, payload: { name: 'c' }, remoteAddress: '10.1.2.3', headers: { 'x-forwarded-for': '2001:db8::7, 10.9.9.9' } });
    const event = await eventOf(org, String(res.headers['x-okta-request-id']));
    assert.deepEqual(event?.request.ipChain, [
      { ip: '2001:db8::7', version: 'V6' },
      { ip: '10.9.9.9', version: 'V4' },
      { ip: '10.1.2.3', version: 'V4' },
    ]);
  });

  it('ignores X-Forwarded-For from an untrusted peer', async () => {
    assert.equal(await renameFrom('192.0.2.55', '203.0.113.9'), '192.0.2.55');
  });

  it('uses the socket address when there is no header', async () => {
    assert.equal(await renameFrom('10.1.2.3'), '10.1.2.3');
  });
});

describe('client IP without trusted proxies', () => {
  it('never honours X-Forwarded-For', async () => {
    const org = await startOrg(sqlite!);
    const user = await org.userWithToken('noproxy@example.com', ['SUPER_ADMIN']);
    const res = await org.request({ method: 'PUT', url: `/api/v1/api-tokens/${user.tokenId}`, payload: { name: 'x' }, remoteAddress: '10.1.2.3', headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(await recordedIp(org, String(res.headers['x-okta-request-id'])), '10.1.2.3');
    await org.close();
  });
});
