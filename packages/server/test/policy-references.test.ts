// Issue 6, bullet 7: the users, groups, network zones and apps a policy or rule names must exist
// (400 naming the offending field and id, nothing stored), and app sign-in policies that apps are
// assigned to cannot be deleted or deactivated. Every response is checked against the spec.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError } from './helpers/assertions.ts';
import { backends } from './helpers/backends.ts';
import { assertMatchesSpec } from './helpers/openapi.ts';
import { policyApi } from './helpers/policies.ts';
import type { PolicyApi } from './helpers/policies.ts';

type Json = Record<string, unknown>;

const ACCESS_RULE = (conditions: Json): Json => ({
  type: 'ACCESS_POLICY',
  name: 'Rule',
  conditions,
  actions: { appSignOn: { access: 'ALLOW', verificationMethod: { factorMode: '1FA', type: 'ASSURANCE', reauthenticateIn: 'PT2H' } } },
});

for (const backend of backends()) {
  describe(`policy references (${backend.name})`, () => {
    let org: TestOrg;
    let api: PolicyApi;
    let zoneId: string;
    let appId: string;
    let seq = 0;

    before(async () => {
      org = await startOrg(backend);
      api = policyApi(org);
      const zone = await org.request({
        method: 'POST',
        url: '/api/v1/zones',
        payload: { type: 'IP', name: 'Office', gateways: [{ type: 'CIDR', value: '10.0.0.0/8' }] },
      });
      assert.equal(zone.statusCode, 200, zone.body);
      zoneId = zone.json<{ id: string }>().id;
      const app = await org.request({ method: 'POST', url: '/api/v1/apps', payload: { name: 'bookmark', label: 'Wiki', signOnMode: 'BOOKMARK', settings: { app: { url: 'https://wiki.example.com' } } } });
      assert.equal(app.statusCode, 200, app.body);
      appId = app.json<{ id: string }>().id;
    });
    after(() => org.close());

    const accessPolicy = async () => {
      const res = await api.create({ type: 'ACCESS_POLICY', name: `App policy ${++seq}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<{ id: string }>().id;
    };

    it('refuses a rule naming a zone that does not exist, naming the field and the id; accepts an existing zone', async () => {
      const policyId = await accessPolicy();
      const bad = await api.createRule(policyId, ACCESS_RULE({ network: { connection: 'ZONE', include: [zoneId, 'nzoMissing000000000'] } }));
      assertOktaError(bad, 400, 'E0000001');
      assert.deepEqual(
        bad.json<{ errorCauses: { errorSummary: string }[] }>().errorCauses.map((c) => c.errorSummary),
        ['conditions.network.include.1: Network zone nzoMissing000000000 does not exist'],
      );
      const rules = await api.rules(policyId);
      assert.equal(rules.json<unknown[]>().length, 1, 'only the default rule: nothing stored');

      const good = await api.createRule(policyId, ACCESS_RULE({ network: { connection: 'ZONE', exclude: [zoneId] } }));
      assert.equal(good.statusCode, 200, good.body);
      const allZones = await api.createRule(policyId, { ...ACCESS_RULE({ network: { connection: 'ZONE', include: ['ALL_ZONES'] } }), name: 'All zones' });
      assert.equal(allZones.statusCode, 200, allZones.body);
    });

    it('refuses an app condition naming an app that does not exist; accepts an existing app', async () => {
      const mfa = await api.create({ type: 'MFA_ENROLL', name: `Enroll ${++seq}`, settings: { type: 'AUTHENTICATORS', authenticators: [{ key: 'okta_password', enroll: { self: 'REQUIRED' } }] } });
      assert.equal(mfa.statusCode, 200, mfa.body);
      const policyId = mfa.json<{ id: string }>().id;
      const rule = (include: Json[]) => ({ name: `Apps ${++seq}`, conditions: { app: { include } }, actions: { enroll: { self: 'CHALLENGE' } } });
      const bad = await api.createRule(policyId, rule([{ type: 'APP', id: '0oaMissing000000000' }]));
      assertOktaError(bad, 400, 'E0000001');
      assert.deepEqual(
        bad.json<{ errorCauses: { errorSummary: string }[] }>().errorCauses.map((c) => c.errorSummary),
        ['conditions.app.include.0.id: App 0oaMissing000000000 does not exist'],
      );
      const good = await api.createRule(policyId, rule([{ type: 'APP', id: appId }, { type: 'APP_TYPE', name: 'bookmark' }]));
      assert.equal(good.statusCode, 200, good.body);
    });

    it('a group deleted while a policy write that checked it is in flight is taken out of that policy (PostgreSQL locks)', { skip: backend.name !== 'postgres' && 'SQLite transactions exclude each other' }, async () => {
      const group = async (name: string) => (await org.request({ method: 'POST', url: '/api/v1/groups', payload: { profile: { name } } })).json<{ id: string }>().id;
      const [kept, doomed] = [await group(`kept ${++seq}`), await group(`doomed ${++seq}`)];
      const created = await api.create({ type: 'OKTA_SIGN_ON', name: `Racing ${++seq}`, conditions: { people: { groups: { include: [kept] } } } });
      assert.equal(created.statusCode, 200, created.body);
      const policyId = created.json<{ id: string }>().id;

      // A policy write checks `doomed` as a reference and, before it commits, a delete of `doomed` starts.
      let deleting: Promise<unknown> | undefined;
      await org.services.store.transaction(async (tx) => {
        assert.deepEqual(await tx.missingGroupIds([kept, doomed]), []);
        deleting = org.request({ method: 'DELETE', url: `/api/v1/groups/${doomed}` });
        await waitForBlockedDelete(org.target.kind === 'postgres' ? org.target.url : '', 'groups');
        const stored = (await tx.getPolicy(policyId))!;
        await tx.updatePolicy({ ...stored, conditions: { people: { groups: { include: [kept, doomed] } } } });
      });
      const res = (await deleting) as { statusCode: number; body: string };
      assert.equal(res.statusCode, 204, res.body);
      const policy = (await api.get(policyId)).json<{ conditions: { people: { groups: { include: string[] } } } }>();
      assert.deepEqual(policy.conditions.people.groups.include, [kept], 'the delete saw the committed write and detached the group');
    });

    it('refuses deleting or deactivating an app sign-in policy that apps are assigned to, and lists its apps', async () => {
      const policyId = await accessPolicy();
      const assign = await org.request({ method: 'PUT', url: `/api/v1/apps/${appId}/policies/${policyId}` });
      assert.equal(assign.statusCode, 204, assign.body);

      const apps = await org.request({ method: 'GET', url: `/api/v1/policies/${policyId}/app` });
      assert.equal(apps.statusCode, 200, apps.body);
      await assertMatchesSpec('listPolicyApps', apps);
      assert.deepEqual(apps.json<{ id: string }[]>().map((a) => a.id), [appId]);

      const remove = await api.remove(policyId);
      assertOktaError(remove, 400, 'E0000001');
      assert.match(remove.json<{ errorCauses: { errorSummary: string }[] }>().errorCauses[0]!.errorSummary, /^id: The policy cannot be deleted while 1 app is assigned to it/);
      const deactivate = await api.lifecycle(policyId, 'deactivate');
      assertOktaError(deactivate, 400, 'E0000001');
      assert.equal((await api.get(policyId)).json<{ status: string }>().status, 'ACTIVE');

      // Once the app has another policy, the first can go.
      const other = await accessPolicy();
      assert.equal((await org.request({ method: 'PUT', url: `/api/v1/apps/${appId}/policies/${other}` })).statusCode, 204);
      assert.deepEqual((await org.request({ method: 'GET', url: `/api/v1/policies/${policyId}/app` })).json(), []);
      assert.equal((await api.lifecycle(policyId, 'deactivate')).statusCode, 204);
      assert.equal((await api.remove(policyId)).statusCode, 204);
    });
  });
}

/**
 * Waits until a `delete from "<table>"` statement is waiting on a row lock in PostgreSQL (bounded:
 * after 200 checks it returns anyway, and the test's assertions tell what happened).
 */
async function waitForBlockedDelete(url: string, table: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < 200; i++) {
      const { rows } = await client.query<{ n: string }>(
        `select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and state = 'active' and query like $1`,
        [`delete from "${table}" where "id" = %`],
      );
      if (Number(rows[0]!.n) > 0) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await client.end();
  }
}
