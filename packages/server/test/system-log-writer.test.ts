import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { systemContext } from '../src/domain/org/bootstrap.ts';
import { parseUserAgent } from '../src/domain/system-log/user-agent.ts';
import { SystemLog } from '../src/domain/system-log/writer.ts';
import type { StoreTarget } from '../src/storage/open-store.ts';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertMatchesSchema } from './helpers/openapi.ts';

/** Takes the System Log table away from the running store (a real failure, not a mock), or puts it back. */
async function moveLogTable(target: StoreTarget, away: boolean): Promise<void> {
  const [from, to] = away ? ['system_log', 'system_log_away'] : ['system_log_away', 'system_log'];
  const statement = `alter table ${from} rename to ${to}`;
  if (target.kind === 'sqlite') {
    const db = new Database(`${target.dataDir}/tollgate.db`);
    db.exec(statement);
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  await client.query(`set search_path to ${target.schema}`);
  await client.query(statement);
  await client.end();
}

describe('user agents in Okta’s spelling', () => {
  const cases: [string, string, string][] = [
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 'Mac OS X', 'CHROME'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0', 'Windows 10', 'FIREFOX'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36 Edg/120.0', 'Linux', 'EDGE'],
    ['@okta/okta-sdk-nodejs/8.1.0 node/20.20.2 linux/6.1.0', 'Linux', 'UNKNOWN'],
    ['curl/8.5.0', 'Unknown', 'UNKNOWN'],
  ];
  for (const [raw, os, browser] of cases) {
    it(`${raw.slice(0, 40)}… → ${os} / ${browser}`, () => {
      assert.deepEqual(parseUserAgent(raw), { rawUserAgent: raw, os, browser });
    });
  }
});

for (const backend of backends()) {
  describe(`System Log writer (${backend.name})`, () => {
    let org: TestOrg;

    it('every event the server writes validates against the spec’s LogEvent schema', async () => {
      org = await startOrg(backend);
      const user = await org.userWithToken('schema@example.com', ['SUPER_ADMIN']);
      await org.request({ method: 'PUT', url: `/api/v1/api-tokens/${user.tokenId}`, payload: { name: 'renamed' }, headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0' } });
      await org.request({ method: 'DELETE', url: '/api/v1/api-tokens/current', token: user.token });
      // Every policy and rule event type.
      const policy = (await org.request({ method: 'POST', url: '/api/v1/policies', payload: { type: 'OKTA_SIGN_ON', name: 'Logged' } })).json();
      const base = `/api/v1/policies/${policy.id}`;
      await org.request({ method: 'PUT', url: base, payload: { ...policy, name: 'Logged, renamed' } });
      await org.request({ method: 'POST', url: `${base}/lifecycle/deactivate` });
      await org.request({ method: 'POST', url: `${base}/lifecycle/activate` });
      const rule = (await org.request({ method: 'POST', url: `${base}/rules`, payload: { type: 'SIGN_ON', name: 'Rule', actions: { signon: { access: 'ALLOW' } } } })).json();
      await org.request({ method: 'PUT', url: `${base}/rules/${rule.id}`, payload: { ...rule, name: 'Rule, renamed' } });
      await org.request({ method: 'POST', url: `${base}/rules/${rule.id}/lifecycle/deactivate` });
      await org.request({ method: 'POST', url: `${base}/rules/${rule.id}/lifecycle/activate` });
      await org.request({ method: 'DELETE', url: `${base}/rules/${rule.id}` });
      await org.request({ method: 'DELETE', url: base });
      await org.services.log.flush();
      const events = await org.services.store.listLogEvents({ limit: 1000 });
      assert.deepEqual(
        new Set(events.map((e) => e.eventType)),
        new Set([
          'system.api_token.create',
          'system.api_token.update',
          'system.api_token.revoke',
          ...['create', 'update', 'activate', 'deactivate', 'delete'].map((a) => `policy.lifecycle.${a}`),
          ...['add', 'update', 'activate', 'deactivate', 'delete'].map((a) => `policy.rule.${a}`),
        ]),
      );
      for (const event of events) {
        await assertMatchesSchema('LogEvent', event);
        assert.ok(!JSON.stringify(event).includes('null,') && !JSON.stringify(event).includes(':null'), 'no null-valued properties');
      }
      const update = events.find((e) => e.eventType === 'system.api_token.update')!;
      assert.deepEqual(update.client.userAgent, { rawUserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0', os: 'Windows 10', browser: 'FIREFOX' });
      await org.close();
    });

    describe('when the store refuses writes', () => {
      before(async () => {
        org = await startOrg(backend);
      });
      after(() => org.close());

      it('the change still succeeds; its event waits in order and is stored once the store is back', async () => {
        const a = await org.userWithToken('buffer-a@example.com', ['SUPER_ADMIN']);
        const b = await org.userWithToken('buffer-b@example.com', ['SUPER_ADMIN']);
        await moveLogTable(org.target, true);
        const first = await org.request({ method: 'DELETE', url: `/api/v1/api-tokens/${a.tokenId}` });
        org.clock.advance(1); // the store orders by publication time
        const second = await org.request({ method: 'DELETE', url: `/api/v1/api-tokens/${b.tokenId}` });
        assert.equal(first.statusCode, 204);
        assert.equal(second.statusCode, 204);
        assert.equal(org.services.log.backlog, 2);
        assert.equal(await org.services.log.flush(), false, 'still failing');
        assert.ok(org.logLines.some((l) => l.includes('could not write System Log event')), 'the failure is in the server log');

        await moveLogTable(org.target, false);
        assert.equal(await org.services.log.flush(), true);
        assert.equal(org.services.log.backlog, 0);
        const revokes = (await org.services.store.listLogEvents({ limit: 1000 })).filter((e) => e.eventType === 'system.api_token.revoke');
        assert.deepEqual(revokes.map((e) => e.transaction.id), [first.headers['x-okta-request-id'], second.headers['x-okta-request-id']]);
      });

      it('a full buffer drops the oldest events and reports how many', async () => {
        const reports: number[] = [];
        const log = new SystemLog({
          store: org.services.store,
          clock: org.services.clock,
          ids: org.services.ids,
          sink: { writeFailed: () => undefined, dropped: (n) => reports.push(n) },
          bufferSize: 2,
        });
        const ctx = systemContext('reqBufferTest0000000000000');
        await moveLogTable(org.target, true);
        for (const name of ['one', 'two', 'three', 'four']) {
          await log.record(ctx, { eventType: 'test.buffer', displayMessage: name, target: [] });
          org.clock.advance(1);
        }
        assert.equal(log.backlog, 2);
        await moveLogTable(org.target, false);
        assert.equal(await log.flush(), true);
        assert.deepEqual(reports, [2]);
        const stored = (await org.services.store.listLogEvents({ limit: 1000 })).filter((e) => e.eventType === 'test.buffer');
        assert.deepEqual(stored.map((e) => e.displayMessage), ['three', 'four']);
        await log.close();
      });
    });
  });
}
