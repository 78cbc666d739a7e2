// The Roles API through HTTP on SQLite and PostgreSQL: assigning, listing, reading and
// unassigning admin roles of users and groups, group targets, the errors Okta answers (409
// E0000090, 400 E0000091, 400 E0000211, the last target), the System Log events, and that an SSWS
// token acts with the roles and targets its owner holds, directly or through a group, at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomIds } from '../src/domain/shared/ids.ts';
import { assertOktaError, linkOf } from './helpers/assertions.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { backends } from './helpers/backends.ts';
import { assertMatchesSpec } from './helpers/openapi.ts';

for (const backend of backends()) {
  describe(`roles API (${backend.name})`, () => {
    let org: TestOrg;
    let n = 0;
    const login = (what: string) => `${what}-${++n}@example.com`;

    before(async () => {
      org = await startOrg(backend);
    });
    after(() => org.close());

    async function group(name: string, memberIds: string[] = []): Promise<string> {
      const now = org.clock.now();
      const id = randomIds.objectId('group');
      await org.services.store.insertGroup({ id, type: 'OKTA_GROUP', name, description: null, created: now, lastUpdated: now, lastMembershipUpdated: now });
      for (const userId of memberIds) await org.services.store.addGroupMember(id, userId);
      return id;
    }

    async function events(eventType: string, targetId: string) {
      await org.services.log.settled();
      return (await org.services.store.listLogEvents({ limit: 10_000 })).filter((e) => e.eventType === eventType && e.target.some((t) => t.id === targetId));
    }

    const assign = (path: string, type: string, token?: string) =>
      org.request({ method: 'POST', url: `/api/v1/${path}/roles`, payload: { type }, ...(token ? { token } : {}) });

    it('assigns a role to a user (201 StandardRole), lists it, reads it and logs the grant', async () => {
      const { userId } = await org.userWithToken(login('assignee'));
      const res = await assign(`users/${userId}`, 'HELP_DESK_ADMIN');
      assert.equal(res.statusCode, 201, res.body);
      const role = (await assertMatchesSpec('assignRoleToUser', res)) as Record<string, unknown>;
      assert.match(String(role.id), /^ra1[A-Za-z0-9]{17}$/);
      assert.equal(role.label, 'Help Desk Administrator');
      assert.equal(role.type, 'HELP_DESK_ADMIN');
      assert.equal(role.status, 'ACTIVE');
      assert.equal(role.assignmentType, 'USER');
      assert.equal(role.created, '2026-11-01T12:00:00.000Z');
      assert.deepEqual(role._links, { assignee: { href: `http://tollgate.test:8080/api/v1/users/${userId}` } });

      const list = await org.request({ method: 'GET', url: `/api/v1/users/${userId}/roles` });
      assert.equal(list.statusCode, 200);
      assert.deepEqual(await assertMatchesSpec('listAssignedRolesForUser', list), [role]);
      const one = await org.request({ method: 'GET', url: `/api/v1/users/${userId}/roles/${String(role.id)}` });
      assert.deepEqual(await assertMatchesSpec('getUserAssignedRole', one), role);

      const [event] = await events('user.account.privilege.grant', userId);
      assert.ok(event);
      assert.equal(event.displayMessage, 'Grant user privilege');
      assert.equal(event.debugContext.debugData.privilegeGranted, 'Help Desk Administrator');
    });

    it('answers IAM-based roles in the custom-role shape, as the spec maps them', async () => {
      const { userId } = await org.userWithToken(login('iam'));
      const res = await assign(`users/${userId}`, 'WORKFLOWS_ADMIN');
      const role = (await assertMatchesSpec('assignRoleToUser', res)) as Record<string, unknown>;
      assert.equal(role.role, 'WORKFLOWS_ADMIN');
      assert.equal(role.label, 'Workflows Administrator');
    });

    it('refuses a duplicate assignment with 409 E0000090, also when the requests race', async () => {
      const { userId } = await org.userWithToken(login('dup'));
      assert.equal((await assign(`users/${userId}`, 'READ_ONLY_ADMIN')).statusCode, 201);
      assertOktaError(await assign(`users/${userId}`, 'READ_ONLY_ADMIN'), 409, 'E0000090', 'The role specified is already assigned to the user.');

      const other = (await org.userWithToken(login('race'))).userId;
      const results = await Promise.all(Array.from({ length: 6 }, () => assign(`users/${other}`, 'REPORT_ADMIN')));
      assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409, 409]);
      for (const r of results.filter((r) => r.statusCode === 409)) assertOktaError(r, 409, 'E0000090');
      assert.equal((await org.services.store.listRoleAssignments('USER', other)).length, 1);
      assert.equal((await events('user.account.privilege.grant', other)).length, 1);
    });

    it('refuses bad role types with 400 naming type, and stores nothing', async () => {
      const { userId } = await org.userWithToken(login('bad'));
      const custom = assertOktaError(await org.request({ method: 'POST', url: `/api/v1/users/${userId}/roles`, payload: { type: 'CUSTOM', role: 'cr0x', 'resource-set': 'iamx' } }), 400, 'E0000001', 'Api validation failed: type');
      assert.match(custom.errorCauses[0]!.errorSummary, /^type: Tollgate has no custom roles/);
      const unknown = assertOktaError(await assign(`users/${userId}`, 'MOBILE_ADMIN'), 400, 'E0000001');
      assert.match(unknown.errorCauses[0]!.errorSummary, /^type: MOBILE_ADMIN is not a standard role type/);
      assertOktaError(await org.request({ method: 'POST', url: `/api/v1/users/${userId}/roles`, payload: {} }), 400, 'E0000001');
      assertOktaError(await org.request({ method: 'POST', url: `/api/v1/users/${userId}/roles`, payload: { type: 42 } }), 400, 'E0000001');
      assertOktaError(await org.request({ method: 'GET', url: `/api/v1/users/${userId}/roles?expand=targets/users` }), 400, 'E0000001');
      assert.deepEqual(await org.services.store.listRoleAssignments('USER', userId), []);
    });

    it('answers 404 E0000007 for an unknown user, group or assignment', async () => {
      assertOktaError(await assign('users/00uUnknown0000000000', 'ORG_ADMIN'), 404, 'E0000007', 'Not found: Resource not found: 00uUnknown0000000000 (User)');
      assertOktaError(await assign('groups/00gUnknown0000000000', 'ORG_ADMIN'), 404, 'E0000007', 'Not found: Resource not found: 00gUnknown0000000000 (UserGroup)');
      const { userId } = await org.userWithToken(login('nf'));
      const res = await org.request({ method: 'GET', url: `/api/v1/users/${userId}/roles/ra1Unknown00000000000` });
      assertOktaError(res, 404, 'E0000007', 'Not found: Resource not found: ra1Unknown00000000000 (RoleAssignment)');
      // An assignment is found only under its own assignee.
      const mine = (await assign(`users/${userId}`, 'ORG_ADMIN')).json() as { id: string };
      const other = (await org.userWithToken(login('nf-other'))).userId;
      assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/users/${other}/roles/${mine.id}` }), 404, 'E0000007');
    });

    it('unassigns (204), logs the revoke, and the role is gone', async () => {
      const { userId } = await org.userWithToken(login('revoke'));
      const role = (await assign(`users/${userId}`, 'ORG_ADMIN')).json() as { id: string };
      const res = await org.request({ method: 'DELETE', url: `/api/v1/users/${userId}/roles/${role.id}` });
      await assertMatchesSpec('unassignRoleFromUser', res);
      assert.equal(res.statusCode, 204);
      assertOktaError(await org.request({ method: 'GET', url: `/api/v1/users/${userId}/roles/${role.id}` }), 404, 'E0000007');
      assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/users/${userId}/roles/${role.id}` }), 404, 'E0000007');
      const [event] = await events('user.account.privilege.revoke', userId);
      assert.equal(event?.debugContext.debugData.privilegeRevoked, 'Organizational Administrator');
    });

    it('grants roles to groups (200 with the role), refuses built-in groups with E0000211, and members act with them at once', async () => {
      const member = await org.userWithToken(login('member'));
      const groupId = await group(`admins ${n}`, [member.userId]);
      // The member's token is authenticated (and cached) before the grant.
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/logs', token: member.token }), 403, 'E0000006');

      const res = await assign(`groups/${groupId}`, 'READ_ONLY_ADMIN');
      assert.equal(res.statusCode, 200, res.body);
      const role = (await assertMatchesSpec('assignRoleToGroup', res)) as { id: string; assignmentType: string; _links: { assignee: { href: string } } };
      assert.equal(role.assignmentType, 'GROUP');
      assert.equal(role._links.assignee.href, `http://tollgate.test:8080/api/v1/groups/${groupId}`);
      assert.equal((await events('group.privilege.grant', groupId)).length, 1);
      await assertMatchesSpec('listGroupAssignedRoles', await org.request({ method: 'GET', url: `/api/v1/groups/${groupId}/roles` }));
      await assertMatchesSpec('getGroupAssignedRole', await org.request({ method: 'GET', url: `/api/v1/groups/${groupId}/roles/${role.id}` }));

      assert.equal((await org.request({ method: 'GET', url: '/api/v1/logs', token: member.token })).statusCode, 200);
      assertOktaError(await org.request({ method: 'POST', url: '/api/v1/policies', token: member.token, payload: { type: 'OKTA_SIGN_ON', name: 'x' } }), 403, 'E0000006');

      const unassign = await org.request({ method: 'DELETE', url: `/api/v1/groups/${groupId}/roles/${role.id}` });
      await assertMatchesSpec('unassignRoleFromGroup', unassign);
      assert.equal((await events('group.privilege.revoke', groupId)).length, 1);
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/logs', token: member.token }), 403, 'E0000006');

      const everyone = await org.services.store.findGroupByName('BUILT_IN', 'Everyone');
      assertOktaError(await assign(`groups/${everyone!.id}`, 'READ_ONLY_ADMIN'), 400, 'E0000211', 'Roles cannot be granted to built-in groups: Everyone');
      assert.deepEqual(await org.services.store.listRoleAssignments('GROUP', everyone!.id), []);
    });

    it('manages group targets: add (204), list (paged), expand, the last one stays, other roles refuse them (E0000091)', async () => {
      const { userId } = await org.userWithToken(login('helpdesk'));
      const [g1, g2, g3] = [await group(`t1 ${n}`), await group(`t2 ${n}`), await group(`t3 ${n}`)];
      const role = (await assign(`users/${userId}`, 'HELP_DESK_ADMIN')).json() as { id: string };
      const base = `/api/v1/users/${userId}/roles/${role.id}/targets/groups`;

      const empty = await org.request({ method: 'GET', url: base });
      assert.deepEqual(await assertMatchesSpec('listGroupTargetsForRole', empty), []);
      for (const g of [g1, g2, g3]) {
        const put = await org.request({ method: 'PUT', url: `${base}/${g}` });
        await assertMatchesSpec('assignGroupTargetToUserRole', put);
        assert.equal(put.statusCode, 204);
      }
      assert.equal((await org.request({ method: 'PUT', url: `${base}/${g1}` })).statusCode, 204, 'adding a target twice changes nothing');
      assertOktaError(await org.request({ method: 'PUT', url: `${base}/00gUnknown0000000000` }), 404, 'E0000007');

      const first = await org.request({ method: 'GET', url: `${base}?limit=2` });
      const page1 = (await assertMatchesSpec('listGroupTargetsForRole', first)) as { id: string }[];
      const next = linkOf(first, 'next');
      assert.ok(next);
      const page2 = (await org.request({ method: 'GET', url: next.replace('http://tollgate.test:8080', '') })).json() as { id: string }[];
      assert.deepEqual([...page1, ...page2].map((g) => g.id), [g1, g2, g3].sort());

      const expanded = await org.request({ method: 'GET', url: `/api/v1/users/${userId}/roles?expand=targets/groups` });
      const [withTargets] = (await assertMatchesSpec('listAssignedRolesForUser', expanded)) as { _embedded: { targets: { groups: { id: string }[] } } }[];
      assert.equal(withTargets!._embedded.targets.groups.length, 3);

      const del = await org.request({ method: 'DELETE', url: `${base}/${g1}` });
      await assertMatchesSpec('unassignGroupTargetFromUserAdminRole', del);
      await org.request({ method: 'DELETE', url: `${base}/${g2}` });
      const last = assertOktaError(await org.request({ method: 'DELETE', url: `${base}/${g3}` }), 400, 'E0000001');
      assert.match(last.errorCauses[0]!.errorSummary, /^groupId: The last group target/);
      assertOktaError(await org.request({ method: 'DELETE', url: `${base}/${g1}` }), 404, 'E0000007');

      const superRole = (await assign(`users/${userId}`, 'SUPER_ADMIN')).json() as { id: string };
      assertOktaError(
        await org.request({ method: 'PUT', url: `/api/v1/users/${userId}/roles/${superRole.id}/targets/groups/${g1}` }),
        400,
        'E0000091',
        'The provided role type was not the same as required role type.',
      );
      assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/users/${userId}/roles/${role.id}/targets/catalog/apps/oidc_client` }), 400, 'E0000091');
      const grants = await events('user.account.privilege.grant', userId);
      assert.ok(grants.some((e) => e.debugContext.debugData.roleTargetAdded === `group ${g2}`));
      assert.ok(grants.some((e) => e.debugContext.debugData.roleTargetRemoved === `group ${g1}`));
    });

    it('group assignments take group targets too (targetGroupId)', async () => {
      const groupId = await group(`targeted admins ${n}`);
      const target = await group(`targeted users ${n}`);
      const role = (await assign(`groups/${groupId}`, 'USER_ADMIN')).json() as { id: string };
      const put = await org.request({ method: 'PUT', url: `/api/v1/groups/${groupId}/roles/${role.id}/targets/groups/${target}` });
      await assertMatchesSpec('assignGroupTargetToGroupAdminRole', put);
      const list = await org.request({ method: 'GET', url: `/api/v1/groups/${groupId}/roles/${role.id}/targets/groups` });
      assert.deepEqual(((await assertMatchesSpec('listGroupTargetsForGroupRole', list)) as { id: string }[]).map((g) => g.id), [target]);
    });

    it('a token acts with its owner roles and targets, direct and through groups (union; an unbounded assignment wins)', async () => {
      const owner = await org.userWithToken(login('owner'));
      const [g1, g2] = [await group(`scope1 ${n}`), await group(`scope2 ${n}`)];
      const via = await group(`via ${n}`, [owner.userId]);
      const direct = (await assign(`users/${owner.userId}`, 'HELP_DESK_ADMIN')).json() as { id: string };
      await org.request({ method: 'PUT', url: `/api/v1/users/${owner.userId}/roles/${direct.id}/targets/groups/${g1}` });
      const viaGroup = (await assign(`groups/${via}`, 'HELP_DESK_ADMIN')).json() as { id: string };
      await org.request({ method: 'PUT', url: `/api/v1/groups/${via}/roles/${viaGroup.id}/targets/groups/${g2}` });

      let principal = await org.services.apiTokens.authenticate(owner.token);
      assert.deepEqual([...principal.roles], ['HELP_DESK_ADMIN']);
      assert.deepEqual([...principal.targets!.get('HELP_DESK_ADMIN')!.groupIds].sort(), [g1, g2].sort());

      await org.request({ method: 'PUT', url: `/api/v1/users/${owner.userId}/roles/${direct.id}/targets/groups/${g2}` });
      await assign(`users/${owner.userId}`, 'GROUP_MEMBERSHIP_ADMIN');
      principal = await org.services.apiTokens.authenticate(owner.token);
      assert.deepEqual([...principal.roles].sort(), ['GROUP_MEMBERSHIP_ADMIN', 'HELP_DESK_ADMIN']);
      assert.equal(principal.targets!.has('GROUP_MEMBERSHIP_ADMIN'), false, 'an assignment without targets is unbounded');

      // The group assignment loses its targets by being re-created unbounded: the role is unbounded.
      await org.request({ method: 'DELETE', url: `/api/v1/groups/${via}/roles/${viaGroup.id}` });
      await assign(`groups/${via}`, 'HELP_DESK_ADMIN');
      principal = await org.services.apiTokens.authenticate(owner.token);
      assert.equal(principal.targets, undefined);
    });

    it("deleting an admin's only target group never widens the role: it then reaches no one", async () => {
      const covered = await org.userWithToken(login('covered'));
      const outside = await org.userWithToken(login('outside'));
      const target = (await org.request({ method: 'POST', url: '/api/v1/groups', payload: { profile: { name: `only target ${n}` } } })).json() as { id: string };
      await org.request({ method: 'PUT', url: `/api/v1/groups/${target.id}/users/${covered.userId}` });
      const helpDesk = await org.userWithToken(login('helpdesk'), ['HELP_DESK_ADMIN'], { HELP_DESK_ADMIN: { groupIds: [target.id] } });
      const read = (userId: string) => org.request({ method: 'GET', url: `/api/v1/users/${userId}`, token: helpDesk.token });
      assert.equal((await read(covered.userId)).statusCode, 200);
      assertOktaError(await read(outside.userId), 403, 'E0000006');

      assert.equal((await org.request({ method: 'DELETE', url: `/api/v1/groups/${target.id}` })).statusCode, 204);
      org.services.apiTokens.forgetUser(helpDesk.userId);
      assertOktaError(await read(outside.userId), 403, 'E0000006');
      assertOktaError(await read(covered.userId), 403, 'E0000006');
    });

    it('reads need okta.roles.read, changes need a super admin', async () => {
      const { userId } = await org.userWithToken(login('subject'));
      const readOnly = await org.userWithToken(login('ro'), ['READ_ONLY_ADMIN']);
      const orgAdmin = await org.userWithToken(login('oa'), ['ORG_ADMIN']);
      const helpDesk = await org.userWithToken(login('hd'), ['HELP_DESK_ADMIN']);
      assert.equal((await org.request({ method: 'GET', url: `/api/v1/users/${userId}/roles`, token: readOnly.token })).statusCode, 200);
      assert.equal((await org.request({ method: 'GET', url: `/api/v1/users/${userId}/roles`, token: orgAdmin.token })).statusCode, 200);
      assertOktaError(await org.request({ method: 'GET', url: `/api/v1/users/${userId}/roles`, token: helpDesk.token }), 403, 'E0000006');
      for (const token of [readOnly.token, orgAdmin.token, helpDesk.token]) assertOktaError(await assign(`users/${userId}`, 'REPORT_ADMIN', token), 403, 'E0000006');
      assert.deepEqual(await org.services.store.listRoleAssignments('USER', userId), []);
    });
  });
}
