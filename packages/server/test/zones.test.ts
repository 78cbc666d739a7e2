// The Network Zones API through HTTP on every backend: system zones seeded at bootstrap, IP zone
// CRUD with strict address validation, lifecycle, delete only when inactive, filter and paging,
// events, permissions, generations, and what a zone's deletion does to policy rules naming it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError, linkOf } from './helpers/assertions.ts';
import { assertMatchesSpec } from './helpers/openapi.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function events(org: TestOrg, eventType: string) {
  await org.services.log.flush();
  return (await org.services.store.listLogEvents({ limit: 10_000 })).filter((e) => e.eventType === eventType);
}

const ZONE = {
  type: 'IP',
  name: 'Office',
  gateways: [
    { type: 'CIDR', value: '10.0.0.0/8' },
    { type: 'RANGE', value: '192.168.1.1-192.168.1.20' },
    { type: 'CIDR', value: '2001:db8::/32' },
  ],
  proxies: [{ type: 'RANGE', value: '3.3.4.5-3.3.4.15' }],
};

for (const backend of backends()) {
  describe(`Network Zones API (${backend.name})`, () => {
    let org: TestOrg;
    let counter = 0;

    const create = async (extra: Json = {}) => {
      const res = await org.request({ method: 'POST', url: '/api/v1/zones', payload: { ...ZONE, name: `Zone ${++counter}`, ...extra } });
      assert.equal(res.statusCode, 200, res.body);
      await assertMatchesSpec('createNetworkZone', res);
      return res.json() as Json;
    };
    const lifecycle = (id: string, action: 'activate' | 'deactivate') => org.request({ method: 'POST', url: `/api/v1/zones/${id}/lifecycle/${action}` });

    before(async () => {
      org = await startOrg(backend);
    });
    after(() => org.close());

    it('bootstrap seeds LegacyIpZone (POLICY) and BlockedIpZone (BLOCKLIST), system and active', async () => {
      const res = await org.request({ method: 'GET', url: '/api/v1/zones' });
      assert.equal(res.statusCode, 200);
      await assertMatchesSpec('listNetworkZones', res);
      const zones = res.json() as Json[];
      const legacy = zones.find((z) => z.name === 'LegacyIpZone')!;
      const blocked = zones.find((z) => z.name === 'BlockedIpZone')!;
      assert.equal(legacy.usage, 'POLICY');
      assert.equal(blocked.usage, 'BLOCKLIST');
      for (const zone of [legacy, blocked]) {
        assert.match(zone.id, /^nzo[A-Za-z0-9]{17}$/);
        assert.equal(zone.system, true);
        assert.equal(zone.status, 'ACTIVE');
        assert.equal(zone.type, 'IP');
        assert.deepEqual(zone.gateways, []);
        assert.equal(zone.proxies, null);
        assert.deepEqual(zone._links.self.hints.allow, ['GET', 'PUT'], 'system zones cannot be deleted');
      }
    });

    it('creates an IP zone, active and POLICY by default, logs zone.create, bumps the zones generation', async () => {
      const generation = await org.services.store.directoryGeneration('zones');
      const zone = await create({ id: null, created: null });
      assert.equal(zone.status, 'ACTIVE');
      assert.equal(zone.usage, 'POLICY');
      assert.equal(zone.system, false);
      assert.deepEqual(zone.gateways, ZONE.gateways);
      assert.deepEqual(zone.proxies, ZONE.proxies);
      assert.equal(zone._links.self.href, `http://tollgate.test:8080/api/v1/zones/${zone.id}`);
      assert.deepEqual(zone._links.deactivate.hints.allow, ['POST']);
      assert.equal(await org.services.store.directoryGeneration('zones'), generation + 1);
      assert.equal((await events(org, 'zone.create')).filter((e) => e.target?.[0]?.id === zone.id).length, 1);
      const blocklist = await create({ usage: 'BLOCKLIST', status: 'INACTIVE', proxies: null });
      assert.equal(blocklist.usage, 'BLOCKLIST');
      assert.equal(blocklist.status, 'INACTIVE');
      assert.equal(blocklist.proxies, null);
      assert.ok(blocklist._links.activate);
    });

    it('gets a zone; unknown id is 404 naming a NetworkZone', async () => {
      const zone = await create();
      const res = await org.request({ method: 'GET', url: `/api/v1/zones/${zone.id}` });
      assert.equal(res.statusCode, 200);
      await assertMatchesSpec('getNetworkZone', res);
      assert.deepEqual(res.json(), zone);
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/zones/nzoNope' }), 404, 'E0000007', 'Not found: Resource not found: nzoNope (NetworkZone)');
    });

    it('refuses bad addresses naming the entry, and every other bad input, storing nothing', async () => {
      const before = (await org.services.store.listZones()).length;
      const bad = await org.request({
        method: 'POST',
        url: '/api/v1/zones',
        payload: { ...ZONE, name: 'Bad', gateways: [{ type: 'CIDR', value: '10.0.0.0/8' }, { type: 'CIDR', value: '10.0.0.0/33' }], proxies: [{ type: 'RANGE', value: '1.2.3.9-1.2.3.1' }] },
      });
      const body = assertOktaError(bad, 400, 'E0000001');
      assert.deepEqual(
        body.errorCauses.map((c) => c.errorSummary.split(':')[0]),
        ['gateways.1.value', 'proxies.0.value'],
      );
      for (const payload of [
        { ...ZONE, name: '' },
        { ...ZONE, name: 'x'.repeat(129) },
        { ...ZONE, name: 'No addresses', gateways: [], proxies: null },
        { ...ZONE, name: 'Bad type', gateways: [{ type: 'HOST', value: '1.2.3.4' }] },
        { ...ZONE, name: 'No value', gateways: [{ type: 'CIDR' }] },
        { ...ZONE, name: 'Bad usage', usage: 'ALLOW' },
        { ...ZONE, name: 'Bad cidr', gateways: [{ type: 'CIDR', value: '1.2.3.4' }] },
        { ...ZONE, name: 'Spaces', gateways: [{ type: 'CIDR', value: ' 1.2.3.0/24' }] },
        { ...ZONE, name: 'Too many', gateways: Array.from({ length: 151 }, (_, i) => ({ type: 'CIDR', value: `10.${i}.0.0/16` })) },
        { ...ZONE, name: 'System', system: true },
        { ...ZONE, type: 'NOPE' },
        { name: 'No type', gateways: ZONE.gateways },
      ]) {
        const res = await org.request({ method: 'POST', url: '/api/v1/zones', payload });
        assert.equal(res.statusCode >= 400 && res.statusCode < 500, true, `${payload.name}: ${res.body}`);
        assert.ok(['E0000001', 'E0000111'].includes(res.json().errorCode), payload.name);
      }
      const dynamic = assertOktaError(
        await org.request({ method: 'POST', url: '/api/v1/zones', payload: { type: 'DYNAMIC', name: 'Dynamic', locations: [{ country: 'AF' }] } }),
        400,
        'E0000001',
      );
      assert.match(dynamic.errorCauses[0]!.errorSummary, /^type: DYNAMIC network zones are not supported/);
      assert.equal((await org.services.store.listZones()).length, before);
    });

    it('a blocklist zone takes up to 1000 gateways', async () => {
      const gateways = Array.from({ length: 1000 }, (_, i) => ({ type: 'CIDR', value: `10.${i % 250}.${Math.floor(i / 250)}.0/24` }));
      const zone = await create({ usage: 'BLOCKLIST', gateways, proxies: null });
      assert.equal(zone.gateways.length, 1000);
    });

    it('names are unique', async () => {
      const zone = await create();
      const body = assertOktaError(await org.request({ method: 'POST', url: '/api/v1/zones', payload: { ...ZONE, name: zone.name } }), 400, 'E0000001');
      assert.match(body.errorCauses[0]!.errorSummary, /^name: An object with this field already exists/);
      assertOktaError(await org.request({ method: 'POST', url: '/api/v1/zones', payload: { ...ZONE, name: 'LegacyIpZone' } }), 400, 'E0000001');
    });

    it('replaces a zone (PUT): new lists and usage, zone.update; the type cannot change; echoed read-only fields are fine', async () => {
      const zone = await create();
      org.clock.advance(60_000);
      const res = await org.request({
        method: 'PUT',
        url: `/api/v1/zones/${zone.id}`,
        payload: { ...zone, name: 'Renamed', usage: 'BLOCKLIST', gateways: [{ type: 'CIDR', value: '172.16.0.0/12' }], proxies: null, status: 'INACTIVE' },
      });
      assert.equal(res.statusCode, 200, res.body);
      await assertMatchesSpec('replaceNetworkZone', res);
      const replaced = res.json();
      assert.equal(replaced.name, 'Renamed');
      assert.equal(replaced.usage, 'BLOCKLIST');
      assert.equal(replaced.status, 'ACTIVE', 'status changes only through the lifecycle');
      assert.deepEqual(replaced.gateways, [{ type: 'CIDR', value: '172.16.0.0/12' }]);
      assert.equal(replaced.proxies, null);
      assert.notEqual(replaced.lastUpdated, zone.lastUpdated);
      assert.equal((await events(org, 'zone.update')).filter((e) => e.target?.[0]?.id === zone.id).length, 1);
      assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/zones/${zone.id}`, payload: { ...ZONE, type: 'DYNAMIC' } }), 400, 'E0000001');
      assertOktaError(await org.request({ method: 'PUT', url: '/api/v1/zones/nzoNope', payload: ZONE }), 404, 'E0000007');
    });

    it('system zones: renamable with addresses up to 5000, usage fixed, never deleted', async () => {
      const legacy = (await org.services.store.listZones()).find((z) => z.name === 'LegacyIpZone')!;
      const gateways = Array.from({ length: 200 }, (_, i) => ({ type: 'CIDR', value: `100.64.${i}.0/24` }));
      const res = await org.request({ method: 'PUT', url: `/api/v1/zones/${legacy.id}`, payload: { type: 'IP', name: 'Corporate', system: true, gateways } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().name, 'Corporate');
      assert.equal(res.json().gateways.length, 200);
      assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/zones/${legacy.id}`, payload: { type: 'IP', name: 'Corporate', usage: 'BLOCKLIST' } }), 400, 'E0000001');
      assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/zones/${legacy.id}`, payload: { type: 'IP', name: 'Corporate', system: false } }), 403, 'E0000111');
      assert.equal((await lifecycle(legacy.id, 'deactivate')).statusCode, 200);
      const refused = assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/zones/${legacy.id}` }), 400, 'E0000001');
      assert.match(refused.errorSummary, /is a system zone\. System zones cannot be deleted\./);
      assert.equal((await lifecycle(legacy.id, 'activate')).statusCode, 200);
    });

    it('lifecycle: deactivate and activate return the zone, log once, and repeat harmlessly', async () => {
      const zone = await create();
      const off = await lifecycle(zone.id, 'deactivate');
      assert.equal(off.statusCode, 200);
      await assertMatchesSpec('deactivateNetworkZone', off);
      assert.equal(off.json().status, 'INACTIVE');
      assert.ok(off.json()._links.activate);
      assert.equal((await lifecycle(zone.id, 'deactivate')).json().status, 'INACTIVE');
      const on = await lifecycle(zone.id, 'activate');
      await assertMatchesSpec('activateNetworkZone', on);
      assert.equal(on.json().status, 'ACTIVE');
      assert.equal((await events(org, 'zone.deactivate')).filter((e) => e.target?.[0]?.id === zone.id).length, 1);
      assert.equal((await events(org, 'zone.activate')).filter((e) => e.target?.[0]?.id === zone.id).length, 1);
      assertOktaError(await lifecycle('nzoNope', 'activate'), 404, 'E0000007');
    });

    it('delete: an active zone is refused with Okta\'s words; an inactive one goes (204, zone.delete)', async () => {
      const zone = await create();
      const body = assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/zones/${zone.id}` }), 400, 'E0000001');
      assert.equal(body.errorSummary, `Api validation failed: The zone: ${zone.name} is an active zone. Active zones cannot be deleted.`);
      assert.equal(body.errorCauses[0]!.errorSummary, `id: The zone: ${zone.id} is an active zone. Active zones cannot be deleted.`);
      await lifecycle(zone.id, 'deactivate');
      assert.equal((await org.request({ method: 'DELETE', url: `/api/v1/zones/${zone.id}` })).statusCode, 204);
      assertOktaError(await org.request({ method: 'GET', url: `/api/v1/zones/${zone.id}` }), 404, 'E0000007');
      assert.equal((await events(org, 'zone.delete')).filter((e) => e.target?.[0]?.id === zone.id).length, 1);
    });

    it('filter on id, usage and system; limit and after page; -1 lists all', async () => {
      const a = await create();
      const b = await create({ usage: 'BLOCKLIST' });
      const list = async (query: string) => {
        const res = await org.request({ method: 'GET', url: `/api/v1/zones?${query}` });
        assert.equal(res.statusCode, 200, res.body);
        return res;
      };
      const byId = (await list(`filter=${encodeURIComponent(`(id eq "${a.id}" or id eq "${b.id}")`)}`)).json() as Json[];
      assert.deepEqual(byId.map((z) => z.id).sort(), [a.id, b.id].sort());
      const blocklists = (await list(`filter=${encodeURIComponent('usage eq "BLOCKLIST"')}`)).json() as Json[];
      assert.ok(blocklists.every((z) => z.usage === 'BLOCKLIST') && blocklists.some((z) => z.id === b.id));
      const system = (await list(`filter=${encodeURIComponent('system eq true')}`)).json() as Json[];
      assert.equal(system.length, 2);
      const both = (await list(`filter=${encodeURIComponent(`usage eq "POLICY" and id eq "${b.id}"`)}`)).json();
      assert.deepEqual(both, []);
      for (const bad of ['name eq "x"', 'id ne "x"', 'usage eq "ALLOW"', 'system eq "yes"', '(id eq "x"']) {
        assertOktaError(await org.request({ method: 'GET', url: `/api/v1/zones?filter=${encodeURIComponent(bad)}` }), 400, 'E0000031');
      }
      const all = (await list('limit=-1')).json() as Json[];
      assert.equal(all.length, (await list('')).json().length);
      const seen: string[] = [];
      let res = await list('limit=3');
      for (;;) {
        seen.push(...res.json().map((z: Json) => z.id));
        const next = linkOf(res, 'next');
        if (!next) break;
        res = await list(next.split('?')[1]!);
      }
      assert.deepEqual(seen, all.map((z) => z.id));
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/zones?limit=0' }), 400, 'E0000001');
    });

    describe('policy rules that name a deleted zone', () => {
      const signOnRule = async (policyId: string, name: string, network: Json) => {
        const res = await org.request({
          method: 'POST',
          url: `/api/v1/policies/${policyId}/rules`,
          payload: { type: 'SIGN_ON', name, conditions: { network }, actions: { signon: { access: 'ALLOW', requireFactor: false } } },
        });
        assert.equal(res.statusCode, 200, res.body);
        return res.json() as Json;
      };
      let policyId: string;

      before(async () => {
        const everyone = (await org.services.store.findGroupByName('BUILT_IN', 'Everyone'))!;
        const res = await org.request({
          method: 'POST',
          url: '/api/v1/policies',
          payload: { type: 'OKTA_SIGN_ON', name: 'Zoned', conditions: { people: { groups: { include: [everyone.id] } } } },
        });
        assert.equal(res.statusCode, 200, res.body);
        policyId = res.json().id;
      });

      it('the zone is removed from rules that name other zones too; the policy generation moves', async () => {
        const gone = await create();
        const stays = await create();
        const rule = await signOnRule(policyId, 'Two zones', { connection: 'ZONE', include: [gone.id, stays.id] });
        await lifecycle(gone.id, 'deactivate');
        const generation = await org.services.store.policyGeneration('OKTA_SIGN_ON');
        assert.equal((await org.request({ method: 'DELETE', url: `/api/v1/zones/${gone.id}` })).statusCode, 204);
        const after = (await org.request({ method: 'GET', url: `/api/v1/policies/${policyId}/rules/${rule.id}` })).json();
        assert.deepEqual(after.conditions.network, { connection: 'ZONE', include: [stays.id] });
        assert.ok((await org.services.store.policyGeneration('OKTA_SIGN_ON')) > generation);
      });

      it('deleting the only zone of a rule is refused naming the rule, and nothing changes', async () => {
        const only = await create();
        const rule = await signOnRule(policyId, 'One zone', { connection: 'ZONE', exclude: [only.id] });
        await lifecycle(only.id, 'deactivate');
        const body = assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/zones/${only.id}` }), 400, 'E0000001');
        assert.match(body.errorCauses[0]!.errorSummary, new RegExp(`is the only network zone in conditions\\.network\\.exclude of rule "One zone" \\(${rule.id}\\)`));
        assert.equal((await org.request({ method: 'GET', url: `/api/v1/zones/${only.id}` })).statusCode, 200);
        const after = (await org.request({ method: 'GET', url: `/api/v1/policies/${policyId}/rules/${rule.id}` })).json();
        assert.deepEqual(after.conditions.network.exclude, [only.id]);
      });
    });

    it('permissions: networkZones.read for READ_ONLY_ADMIN, manage for ORG_ADMIN only', async () => {
      const zone = await create();
      const reader = await org.userWithToken('reader@zones.test', ['READ_ONLY_ADMIN']);
      const orgAdmin = await org.userWithToken('orgadmin@zones.test', ['ORG_ADMIN']);
      const helpDesk = await org.userWithToken('helpdesk@zones.test', ['HELP_DESK_ADMIN']);
      assert.equal((await org.request({ method: 'GET', url: '/api/v1/zones', token: reader.token })).statusCode, 200);
      assert.equal((await org.request({ method: 'GET', url: `/api/v1/zones/${zone.id}`, token: reader.token })).statusCode, 200);
      assertOktaError(await org.request({ method: 'POST', url: '/api/v1/zones', token: reader.token, payload: { ...ZONE, name: 'Reader zone' } }), 403, 'E0000006');
      assertOktaError(await lifecycle(zone.id, 'deactivate').then(() => org.request({ method: 'DELETE', url: `/api/v1/zones/${zone.id}`, token: reader.token })), 403, 'E0000006');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/zones', token: helpDesk.token }), 403, 'E0000006');
      assert.equal((await org.request({ method: 'POST', url: '/api/v1/zones', token: orgAdmin.token, payload: { ...ZONE, name: 'Org admin zone' } })).statusCode, 200);
    });
  });
}
