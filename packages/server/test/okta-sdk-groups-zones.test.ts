// The official Okta Node SDK (@okta/okta-sdk-nodejs) managing groups, memberships and network
// zones on a real listening Tollgate, through its generated GroupApi and NetworkZoneApi.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, Group, IPNetworkZone, NetworkZone, OktaApiError, User } from '@okta/okta-sdk-nodejs';
import { backends } from './helpers/backends.ts';
import { startListeningOrg } from './helpers/listening-org.ts';
import { sdkClient, collect } from './helpers/okta-sdk.ts';
import type { ListeningOrg } from './helpers/listening-org.ts';

for (const backend of backends()) {
  describe(`Okta Node SDK against Tollgate: groups and zones (${backend.name})`, () => {
    let org: ListeningOrg;
    let client: Client;

    before(async () => {
      org = await startListeningOrg(backend);
      client = sdkClient(org.orgUrl);
    });
    after(() => org.close());

    it('groupApi: create, list (q, paged), get, replace, delete', async () => {
      const created = await client.groupApi.createGroup({ group: { profile: { name: 'SDK group', description: 'made by the SDK' } } });
      assert.ok(created.id);
      assert.equal(created.type, 'OKTA_GROUP');
      assert.equal(created.profile?.name, 'SDK group');
      assert.ok(created.created instanceof Date);

      for (let i = 0; i < 3; i++) await client.groupApi.createGroup({ group: { profile: { name: `SDK paged ${i}` } } });
      const paged = await collect<Group>(client.groupApi.listGroups({ q: 'SDK paged', limit: 2 }));
      assert.deepEqual(paged.map((g) => g.profile?.name).sort(), ['SDK paged 0', 'SDK paged 1', 'SDK paged 2']);
      const all = await collect<Group>(client.groupApi.listGroups({}));
      assert.ok(all.some((g) => g.type === 'BUILT_IN' && g.profile?.name === 'Everyone'));

      const fetched = await client.groupApi.getGroup({ groupId: created.id! });
      assert.equal(fetched.profile?.description, 'made by the SDK');
      const replaced = await client.groupApi.replaceGroup({ groupId: created.id!, group: { profile: { name: 'SDK group, renamed', description: 'changed' } } });
      assert.equal(replaced.profile?.name, 'SDK group, renamed');

      await client.groupApi.deleteGroup({ groupId: created.id! });
      await assert.rejects(client.groupApi.getGroup({ groupId: created.id! }), (e: OktaApiError) => e.status === 404 && e.errorCode === 'E0000007');
    });

    it('groupApi: assignUserToGroup, listGroupUsers, unassignUserFromGroup', async () => {
      const group = await client.groupApi.createGroup({ group: { profile: { name: 'SDK members' } } });
      const alice = await org.userWithToken('alice@sdk-groups.test');
      const bob = await org.userWithToken('bob@sdk-groups.test');
      await client.groupApi.assignUserToGroup({ groupId: group.id!, userId: alice.userId });
      await client.groupApi.assignUserToGroup({ groupId: group.id!, userId: bob.userId });
      const members = await collect<User>(client.groupApi.listGroupUsers({ groupId: group.id!, limit: 1 }));
      assert.deepEqual(members.map((u) => u.id).sort(), [alice.userId, bob.userId].sort());
      assert.equal(members.find((u) => u.id === alice.userId)?.profile?.login, 'alice@sdk-groups.test');
      await client.groupApi.unassignUserFromGroup({ groupId: group.id!, userId: bob.userId });
      const left = await collect<User>(client.groupApi.listGroupUsers({ groupId: group.id! }));
      assert.deepEqual(left.map((u) => u.id), [alice.userId]);
    });

    it('networkZoneApi: create, list, get, replace, deactivate, activate, delete', async () => {
      const zone = (await client.networkZoneApi.createNetworkZone({
        zone: {
          type: 'IP',
          name: 'SDK zone',
          gateways: [{ type: 'CIDR', value: '10.0.0.0/8' }],
          proxies: [{ type: 'RANGE', value: '192.168.0.1-192.168.0.9' }],
        } as IPNetworkZone,
      })) as IPNetworkZone;
      assert.ok(zone.id);
      assert.equal(zone.type, 'IP');
      assert.equal(zone.status, 'ACTIVE');
      assert.deepEqual(zone.gateways?.map((g) => g.value), ['10.0.0.0/8']);

      const zones = await collect<NetworkZone>(client.networkZoneApi.listNetworkZones({}));
      assert.deepEqual(zones.map((z) => z.name).filter((n) => n !== 'SDK zone').sort(), ['BlockedIpZone', 'LegacyIpZone']);

      const fetched = (await client.networkZoneApi.getNetworkZone({ zoneId: zone.id! })) as IPNetworkZone;
      fetched.name = 'SDK zone, renamed';
      fetched.gateways = [{ type: 'RANGE', value: '1.2.3.4-1.2.3.10' }];
      const replaced = (await client.networkZoneApi.replaceNetworkZone({ zoneId: zone.id!, zone: fetched })) as IPNetworkZone;
      assert.equal(replaced.name, 'SDK zone, renamed');
      assert.deepEqual(replaced.gateways?.map((g) => g.value), ['1.2.3.4-1.2.3.10']);

      await assert.rejects(client.networkZoneApi.deleteNetworkZone({ zoneId: zone.id! }), (e: OktaApiError) => e.status === 400 && e.errorCode === 'E0000001');
      const inactive = await client.networkZoneApi.deactivateNetworkZone({ zoneId: zone.id! });
      assert.equal(inactive.status, 'INACTIVE');
      const active = await client.networkZoneApi.activateNetworkZone({ zoneId: zone.id! });
      assert.equal(active.status, 'ACTIVE');
      await client.networkZoneApi.deactivateNetworkZone({ zoneId: zone.id! });
      await client.networkZoneApi.deleteNetworkZone({ zoneId: zone.id! });
      await assert.rejects(client.networkZoneApi.getNetworkZone({ zoneId: zone.id! }), (e: OktaApiError) => e.status === 404);
    });
  });
}
