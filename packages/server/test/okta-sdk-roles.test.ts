// The official Okta Node SDK (@okta/okta-sdk-nodejs) managing admin roles on a real listening
// Tollgate: assign, list, read and unassign roles of users and groups (roleAssignmentApi), and
// assign, list and unassign group targets (roleTargetApi).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, Group, OktaApiError } from '@okta/okta-sdk-nodejs';
import { randomIds } from '../src/domain/shared/ids.ts';
import { backends } from './helpers/backends.ts';
import { startListeningOrg } from './helpers/listening-org.ts';
import { sdkClient, collect } from './helpers/okta-sdk.ts';
import type { ListeningOrg } from './helpers/listening-org.ts';

for (const backend of backends()) {
  describe(`Okta Node SDK against Tollgate: admin roles (${backend.name})`, () => {
    let org: ListeningOrg;
    let client: Client;

    before(async () => {
      org = await startListeningOrg(backend);
      client = sdkClient(org.orgUrl);
    });
    after(() => org.close());

    async function group(name: string): Promise<string> {
      const now = org.clock.now();
      const id = randomIds.objectId('group');
      await org.services.store.insertGroup({ id, type: 'OKTA_GROUP', name, description: null, created: now, lastUpdated: now, lastMembershipUpdated: now });
      return id;
    }

    it('assigns, lists, reads and unassigns a user role, and manages its group targets', async () => {
      const { userId } = await org.userWithToken('sdk-helpdesk@example.com');
      const role = await client.roleAssignmentApi.assignRoleToUser({ userId, assignRoleRequest: { type: 'HELP_DESK_ADMIN' } });
      assert.ok(role.id);
      assert.equal(role.type, 'HELP_DESK_ADMIN');
      assert.equal(role.label, 'Help Desk Administrator');

      const roles = await collect<{ id?: string; type?: string }>(client.roleAssignmentApi.listAssignedRolesForUser({ userId }));
      assert.deepEqual(roles.map((r) => r.type), ['HELP_DESK_ADMIN']);
      const fetched = await client.roleAssignmentApi.getUserAssignedRole({ userId, roleId: role.id! });
      assert.equal(fetched.id, role.id);

      const [g1, g2] = [await group('SDK target one'), await group('SDK target two')];
      await client.roleTargetApi.assignGroupTargetToUserRole({ userId, roleId: role.id!, groupId: g1 });
      await client.roleTargetApi.assignGroupTargetToUserRole({ userId, roleId: role.id!, groupId: g2 });
      const targets = await collect<Group>(client.roleTargetApi.listGroupTargetsForRole({ userId, roleId: role.id! }));
      assert.deepEqual(targets.map((g) => g.id).sort(), [g1, g2].sort());
      assert.equal(targets.find((g) => g.id === g1)?.profile?.name, 'SDK target one');
      await client.roleTargetApi.unassignGroupTargetFromUserAdminRole({ userId, roleId: role.id!, groupId: g1 });
      const left = await collect<Group>(client.roleTargetApi.listGroupTargetsForRole({ userId, roleId: role.id! }));
      assert.deepEqual(left.map((g) => g.id), [g2]);

      await assert.rejects(client.roleAssignmentApi.assignRoleToUser({ userId, assignRoleRequest: { type: 'HELP_DESK_ADMIN' } }), (error: OktaApiError) => {
        assert.equal(error.status, 409);
        assert.equal(error.errorCode, 'E0000090');
        return true;
      });

      await client.roleAssignmentApi.unassignRoleFromUser({ userId, roleId: role.id! });
      assert.deepEqual(await collect(client.roleAssignmentApi.listAssignedRolesForUser({ userId })), []);
    });

    it('assigns, lists, reads and unassigns a group role, and manages its group targets', async () => {
      const groupId = await group('SDK admins');
      const target = await group('SDK admins target');
      const role = await client.roleAssignmentApi.assignRoleToGroup({ groupId, assignRoleRequest: { type: 'USER_ADMIN' } });
      assert.ok(role && role.id, 'Okta answers a group assignment 200 with the role');
      assert.equal(role.type, 'USER_ADMIN');
      const roles = await collect<{ type?: string; assignmentType?: string }>(client.roleAssignmentApi.listGroupAssignedRoles({ groupId }));
      assert.deepEqual(roles.map((r) => [r.type, r.assignmentType]), [['USER_ADMIN', 'GROUP']]);
      assert.equal((await client.roleAssignmentApi.getGroupAssignedRole({ groupId, roleId: role.id! })).id, role.id);

      await client.roleTargetApi.assignGroupTargetToGroupAdminRole({ groupId, roleId: role.id!, targetGroupId: target });
      const targets = await collect<Group>(client.roleTargetApi.listGroupTargetsForGroupRole({ groupId, roleId: role.id! }));
      assert.deepEqual(targets.map((g) => g.id), [target]);

      await client.roleAssignmentApi.unassignRoleFromGroup({ groupId, roleId: role.id! });
      assert.deepEqual(await collect(client.roleAssignmentApi.listGroupAssignedRoles({ groupId })), []);
    });
  });
}
