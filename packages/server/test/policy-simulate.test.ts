// POST /api/v1/policies/simulate through HTTP on every backend: both body forms, the policyTypes
// filter, expand=EVALUATED and expand=RULE, each simulated policy type, validation, permissions,
// and the official Okta Node SDK. Every success is validated against Okta's spec.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import okta from '@okta/okta-sdk-nodejs';
import { backends } from './helpers/backends.ts';
import { ADMIN_TOKEN, startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError } from './helpers/assertions.ts';
import { assertMatchesSpec } from './helpers/openapi.ts';
import { startListeningOrg } from './helpers/listening-org.ts';
import { MAX_SIMULATIONS } from '../src/domain/policy-engine/service.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies read field by field
const ALL_TYPES = ['ACCESS_POLICY', 'MFA_ENROLL', 'OKTA_SIGN_ON', 'PROFILE_ENROLLMENT'];

for (const backend of backends()) {
  describe(`POST /api/v1/policies/simulate (${backend.name})`, () => {
    let org: TestOrg;
    let everyoneId: string;
    let appId: string;
    let otherAppId: string;
    let groupId: string;
    let zoneId: string;
    let userId: string;
    let signOnPolicy: Json;
    let denyRule: Json;

    const request = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
      const res = await org.request({ method, url, ...(payload === undefined ? {} : { payload: payload as Json }) });
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.statusCode === 204 ? {} : (res.json() as Json);
    };
    const simulate = (body: unknown, query = '', token?: string) =>
      org.request({ method: 'POST', url: `/api/v1/policies/simulate${query}`, payload: body as Json, ...(token ? { token } : {}) });
    const ok = async (body: unknown, query = '') => {
      const res = await simulate(body, query);
      assert.equal(res.statusCode, 200, res.body);
      await assertMatchesSpec('createPolicySimulation', res);
      return res.json() as Json[];
    };
    const of = (items: Json[], type: string) => items.find((i) => i.policyType[0] === type)!;

    before(async () => {
      org = await startOrg(backend);
      everyoneId = (await request('GET', '/api/v1/groups?q=Everyone'))[0].id;
      appId = (await request('POST', '/api/v1/apps', { name: 'bookmark', label: 'Intranet', signOnMode: 'BOOKMARK', settings: { app: { url: 'https://example.com/' } } })).id;
      otherAppId = (await request('POST', '/api/v1/apps', { name: 'bookmark', label: 'Wiki', signOnMode: 'BOOKMARK', settings: { app: { url: 'https://example.com/wiki' } } })).id;
      groupId = (await request('POST', '/api/v1/groups', { profile: { name: 'Contractors' } })).id;
      zoneId = (await request('POST', '/api/v1/zones', { type: 'IP', name: 'Office', gateways: [{ type: 'CIDR', value: '10.0.0.0/8' }] })).id;
      userId = (await request('POST', '/api/v1/users?activate=true', { profile: { login: 'sim@example.com', email: 'sim@example.com', firstName: 'Sim', lastName: 'Ulate' }, groupIds: [groupId] })).id;
      // Contractors are denied from the office network.
      signOnPolicy = await request('POST', '/api/v1/policies', { type: 'OKTA_SIGN_ON', name: 'Contractors', priority: 1, conditions: { people: { groups: { include: [groupId] } } } });
      denyRule = await request('POST', `/api/v1/policies/${signOnPolicy.id}/rules`, {
        type: 'SIGN_ON',
        name: 'No office',
        conditions: { network: { connection: 'ZONE', include: [zoneId] } },
        actions: { signon: { access: 'DENY' } },
      });
    });
    after(() => org.close());

    it('default org: one item per simulated type, in the spec order, each the default policy and rule', async () => {
      const items = await ok([{ appInstance: appId, policyContext: { groups: { ids: [everyoneId] } } }]);
      assert.deepEqual(items.map((i) => i.policyType), ALL_TYPES.map((t) => [t]));
      for (const item of items) {
        assert.equal(item.result.policies.length, 1, JSON.stringify(item));
        const [policy] = item.result.policies;
        assert.equal(policy.status, 'MATCH');
        assert.equal(policy.rules.length, 1);
        assert.equal(policy.rules[0].status, 'MATCH');
        assert.deepEqual(item.evaluated, { policies: [] }, 'nothing listed without expand=EVALUATED');
        assert.ok(Array.isArray(item.undefined.policies));
      }
      const defaults = await request('GET', '/api/v1/policies?type=ACCESS_POLICY');
      assert.equal(of(items, 'ACCESS_POLICY').result.policies[0].id, defaults.find((p: Json) => p.system).id, 'an unmapped app: the default app sign-in policy');
    });

    it('accepts the single object of Okta’s reference as the one-item array', async () => {
      const body = { appInstance: appId, policyContext: { user: { id: userId }, ip: '10.1.2.3' } };
      assert.deepEqual(await ok(body), await ok([body]));
    });

    it('policyTypes filters (policyType, as the spec example spells it, too); [] means every type', async () => {
      const context = { groups: { ids: [everyoneId] } };
      assert.deepEqual((await ok({ appInstance: appId, policyTypes: ['OKTA_SIGN_ON'], policyContext: context })).map((i) => i.policyType), [['OKTA_SIGN_ON']]);
      assert.deepEqual(
        (await ok({ appInstance: appId, policyType: ['PROFILE_ENROLLMENT', 'MFA_ENROLL'], policyContext: context })).map((i) => i.policyType),
        [['MFA_ENROLL'], ['PROFILE_ENROLLMENT']],
      );
      assert.equal((await ok({ appInstance: appId, policyTypes: [], policyContext: context })).length, 4);
    });

    it('OKTA_SIGN_ON: the matching policy and rule for a user in the zone; the default outside it', async () => {
      const inside = of(await ok({ appInstance: appId, policyTypes: ['OKTA_SIGN_ON'], policyContext: { user: { id: userId }, ip: '10.1.2.3' } }), 'OKTA_SIGN_ON');
      assert.equal(inside.result.policies[0].id, signOnPolicy.id);
      assert.equal(inside.result.policies[0].name, 'Contractors');
      assert.deepEqual(inside.result.policies[0].rules.map((r: Json) => [r.id, r.name, r.status]), [[denyRule.id, 'No office', 'MATCH']]);
      assert.ok(inside.result.policies[0].rules[0].conditions.some((c: Json) => c.status === 'MATCH'), 'the matched rule shows its conditions');

      const outside = of(await ok({ appInstance: appId, policyTypes: ['OKTA_SIGN_ON'], policyContext: { user: { id: userId }, ip: '192.0.2.1' } }), 'OKTA_SIGN_ON');
      assert.notEqual(outside.result.policies[0].id, signOnPolicy.id);
      // By zone id instead of an IP.
      const byZone = of(await ok({ appInstance: appId, policyTypes: ['OKTA_SIGN_ON'], policyContext: { groups: { ids: [groupId] }, zones: { ids: [zoneId] } } }), 'OKTA_SIGN_ON');
      assert.equal(byZone.result.policies[0].id, signOnPolicy.id);
    });

    it('expand=EVALUATED lists the policies considered; expand=RULE adds every rule’s conditions', async () => {
      const body = { appInstance: appId, policyTypes: ['OKTA_SIGN_ON'], policyContext: { user: { id: userId }, ip: '192.0.2.1' } };
      const plain = of(await ok(body), 'OKTA_SIGN_ON');
      assert.deepEqual(plain.evaluated.policies, []);

      const evaluated = of(await ok(body, '?expand=EVALUATED'), 'OKTA_SIGN_ON');
      const considered = evaluated.evaluated.policies.find((p: Json) => p.id === signOnPolicy.id);
      assert.ok(considered, JSON.stringify(evaluated));
      assert.equal(considered.status, 'NOT_MATCH');
      assert.deepEqual(considered.rules.map((r: Json) => [r.id, r.status]), [[denyRule.id, 'NOT_MATCH']]);
      assert.deepEqual(considered.rules[0].conditions, [], 'rule conditions only with expand=RULE');
      assert.ok(evaluated.evaluated.policies.some((p: Json) => p.status === 'MATCH'), 'the applying policy is listed too, as Okta’s guide shows');

      for (const query of ['?expand=EVALUATED&expand=RULE', '?expand=EVALUATED,RULE']) {
        const both = of(await ok(body, query), 'OKTA_SIGN_ON');
        const rule = both.evaluated.policies.find((p: Json) => p.id === signOnPolicy.id).rules[0];
        assert.ok(rule.conditions.some((c: Json) => c.status === 'NOT_MATCH'), JSON.stringify(rule));
      }
      const ruleOnly = of(await ok(body, '?expand=RULE'), 'OKTA_SIGN_ON');
      assert.deepEqual(ruleOnly.evaluated.policies, []);
    });

    it('a condition whose input is missing is reported, not matched', async () => {
      const item = of(await ok({ appInstance: appId, policyTypes: ['OKTA_SIGN_ON'], policyContext: { user: { id: userId } } }, '?expand=EVALUATED,RULE'), 'OKTA_SIGN_ON');
      assert.notEqual(item.result.policies[0]?.id, signOnPolicy.id, 'no IP: the office rule cannot match');
      const listed = [...item.undefined.policies, ...item.evaluated.policies].find((p: Json) => p.id === signOnPolicy.id);
      assert.ok(listed, JSON.stringify(item));
      assert.ok(listed.rules[0].conditions.some((c: Json) => c.status === 'UNDEFINED'), JSON.stringify(listed));
    });

    it('ACCESS_POLICY: the policy the app is mapped to; other apps keep the default', async () => {
      const policy = await request('POST', '/api/v1/policies', { type: 'ACCESS_POLICY', name: 'Intranet access' });
      await request('PUT', `/api/v1/apps/${appId}/policies/${policy.id}`);
      const context = { groups: { ids: [everyoneId] } };
      const mapped = of(await ok({ appInstance: appId, policyTypes: ['ACCESS_POLICY'], policyContext: context }), 'ACCESS_POLICY');
      assert.equal(mapped.result.policies[0].id, policy.id);
      assert.equal(mapped.result.policies[0].rules[0].status, 'MATCH');
      const other = of(await ok({ appInstance: otherAppId, policyTypes: ['ACCESS_POLICY'], policyContext: context }), 'ACCESS_POLICY');
      assert.notEqual(other.result.policies[0].id, policy.id);
    });

    it('MFA_ENROLL and PROFILE_ENROLLMENT: group-scoped policies apply to their groups only', async () => {
      const mfa = await request('POST', '/api/v1/policies', {
        type: 'MFA_ENROLL',
        name: 'Contractor enrollment',
        priority: 1,
        conditions: { people: { groups: { include: [groupId] } } },
        settings: { type: 'AUTHENTICATORS', authenticators: [{ key: 'okta_email', enroll: { self: 'REQUIRED' } }] },
      });
      await request('POST', `/api/v1/policies/${mfa.id}/rules`, { type: 'MFA_ENROLL', name: 'Always' });
      const contractor = await ok({ appInstance: appId, policyContext: { groups: { ids: [groupId] } } });
      assert.equal(of(contractor, 'MFA_ENROLL').result.policies[0].id, mfa.id);
      assert.equal(of(contractor, 'PROFILE_ENROLLMENT').result.policies.length, 1);
      const anyone = await ok({ appInstance: appId, policyContext: { groups: { ids: [everyoneId] } } });
      assert.notEqual(of(anyone, 'MFA_ENROLL').result.policies[0].id, mfa.id);
    });

    it('sees a change at once, zones included', async () => {
      const body = { appInstance: appId, policyTypes: ['OKTA_SIGN_ON'], policyContext: { user: { id: userId }, ip: '172.16.0.1' } };
      assert.notEqual(of(await ok(body), 'OKTA_SIGN_ON').result.policies[0].id, signOnPolicy.id);
      await request('PUT', `/api/v1/zones/${zoneId}`, { type: 'IP', name: 'Office', gateways: [{ type: 'CIDR', value: '10.0.0.0/8' }, { type: 'CIDR', value: '172.16.0.0/12' }] });
      assert.equal(of(await ok(body), 'OKTA_SIGN_ON').result.policies[0].id, signOnPolicy.id);
    });

    describe('validation', () => {
      const bad = async (body: unknown, field: string, query = '') => {
        const error = assertOktaError(await simulate(body, query), 400, 'E0000001');
        const causes = error.errorCauses.map((c: { errorSummary: string }) => c.errorSummary);
        assert.ok(causes.some((c: string) => c.startsWith(`${field}:`)), `${field} in ${JSON.stringify(causes)}`);
      };
      const groups = () => ({ groups: { ids: [everyoneId] } });

      it('appInstance is required and must name an app (404 AppInstance)', async () => {
        await bad({ policyContext: groups() }, 'appInstance');
        await bad([], 'simulatePolicy');
        await bad([42], 'simulatePolicy');
        const notFound = assertOktaError(await simulate({ appInstance: '0oaNoSuchApp', policyContext: groups() }), 404, 'E0000007');
        assert.match(notFound.errorSummary, /0oaNoSuchApp \(AppInstance\)/);
      });

      it('user xor groups, ip xor zones; unknown user 404, unknown groups and zones 400', async () => {
        await bad({ appInstance: appId, policyContext: { user: { id: userId }, groups: { ids: [everyoneId] } } }, 'policyContext.user');
        await bad({ appInstance: appId, policyContext: {} }, 'policyContext.user');
        await bad({ appInstance: appId }, 'policyContext');
        await bad({ appInstance: appId, policyContext: { ...groups(), ip: '10.0.0.1', zones: { ids: [zoneId] } } }, 'policyContext.ip');
        await bad({ appInstance: appId, policyContext: { ...groups(), ip: 'not-an-ip' } }, 'policyContext.ip');
        await bad({ appInstance: appId, policyContext: { groups: { ids: ['00gNoSuchGroup'] } } }, 'policyContext.groups.ids');
        await bad({ appInstance: appId, policyContext: { ...groups(), zones: { ids: ['nzoNoSuchZone'] } } }, 'policyContext.zones.ids');
        const notFound = assertOktaError(await simulate({ appInstance: appId, policyContext: { user: { id: '00uNoSuchUser' } } }), 404, 'E0000007');
        assert.match(notFound.errorSummary, /00uNoSuchUser \(User\)/);
      });

      it('bad enums name their field; so does an unknown expand', async () => {
        await bad({ appInstance: appId, policyTypes: ['PASSWORD'], policyContext: groups() }, 'policyTypes');
        await bad({ appInstance: appId, policyContext: { ...groups(), risk: { level: 'EXTREME' } } }, 'policyContext.risk.level');
        await bad({ appInstance: appId, policyContext: { ...groups(), device: { platform: 'AMIGA' } } }, 'policyContext.device.platform');
        await bad({ appInstance: appId, policyContext: { ...groups(), device: { registered: 'yes' } } }, 'policyContext.device.registered');
        await bad([{ appInstance: appId, policyContext: groups() }, { appInstance: appId, policyContext: { ...groups(), risk: { level: 'X' } } }], '[1].policyContext.risk.level');
        await bad({ appInstance: appId, policyContext: groups() }, 'expand', '?expand=EVERYTHING');
      });

      it('malformed shapes name their field; more than MAX_SIMULATIONS items are refused', async () => {
        await bad({ appInstance: appId, policyContext: 'everyone' }, 'policyContext');
        await bad({ appInstance: 42, policyContext: groups() }, 'appInstance');
        await bad({ appInstance: appId, policyContext: { groups: { ids: [] } } }, 'policyContext.groups.ids');
        await bad({ appInstance: appId, policyContext: { groups: { ids: 'everyone' } } }, 'policyContext.groups.ids');
        await bad({ appInstance: appId, policyContext: { user: { id: 7 } } }, 'policyContext.user.id');
        await bad({ appInstance: appId, policyContext: { ...groups(), zones: [zoneId] } }, 'policyContext.zones');
        await bad({ appInstance: appId, policyTypes: ['OKTA_SIGN_ON'], policyType: ['MFA_ENROLL'], policyContext: groups() }, 'policyType');
        await bad({ appInstance: appId, policyTypes: 'OKTA_SIGN_ON', policyContext: groups() }, 'policyTypes');
        await bad({ appInstance: appId, policyContext: { ...groups(), device: { assuranceId: 1 } } }, 'policyContext.device.assuranceId');
        await bad(Array.from({ length: MAX_SIMULATIONS + 1 }, () => ({ appInstance: appId, policyContext: groups() })), 'simulatePolicy');
        assert.equal((await ok(Array.from({ length: MAX_SIMULATIONS }, () => ({ appInstance: appId, policyTypes: ['OKTA_SIGN_ON'], policyContext: groups() })))).length, MAX_SIMULATIONS);
      });

      it('accepts the rest of the context: risk, device', async () => {
        await ok({ appInstance: appId, policyContext: { ...groups(), risk: { level: 'LOW' }, device: { platform: 'IOS', registered: true, managed: false, assuranceId: 'dae123' } } });
      });

      it('needs okta.policies.read', async () => {
        const { token } = await org.userWithToken('nobody-sim@example.com');
        assertOktaError(await simulate({ appInstance: appId, policyContext: groups() }, '', token), 403, 'E0000006');
        const { token: reader } = await org.userWithToken('reader-sim@example.com', ['READ_ONLY_ADMIN']);
        assert.equal((await simulate({ appInstance: appId, policyContext: groups() }, '', reader)).statusCode, 200);
      });
    });
  });

  describe(`the official Okta Node SDK: policyApi.createPolicySimulation (${backend.name})`, () => {
    let org: TestOrg;
    before(async () => {
      org = await startListeningOrg(backend);
    });
    after(() => org.close());

    it('sends the array body and reads the array answer', async () => {
      const client = new okta.Client({ orgUrl: org.orgUrl, token: ADMIN_TOKEN, authorizationMode: 'SSWS' });
      const app = await org.request({ method: 'POST', url: '/api/v1/apps', payload: { name: 'bookmark', label: 'SDK app', signOnMode: 'BOOKMARK', settings: { app: { url: 'https://example.com/' } } } });
      const everyone = (await org.request({ method: 'GET', url: '/api/v1/groups?q=Everyone' })).json()[0].id;
      const answer = await client.policyApi.createPolicySimulation({
        simulatePolicy: [{ appInstance: app.json().id, policyTypes: ['OKTA_SIGN_ON', 'ACCESS_POLICY'], policyContext: { groups: { ids: [everyone] } } as never }],
        expand: 'EVALUATED',
      });
      const items = [...(answer as unknown as Json[])];
      assert.deepEqual(items.map((i) => i.policyType), [['ACCESS_POLICY'], ['OKTA_SIGN_ON']]);
      for (const item of items) {
        assert.equal(item.result.policies[0].status, 'MATCH');
        assert.ok(item.evaluated.policies.length >= 1);
      }
    });
  });
}
