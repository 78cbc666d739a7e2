// The Groups API through HTTP on every backend: CRUD, uniqueness, q/search/filter, paging,
// membership, the built-in Everyone group, events, permissions, directory generations, and what
// a group's deletion does to the policies that name it. Every success goes through the spec.
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

for (const backend of backends()) {
  describe(`Groups API (${backend.name})`, () => {
    let org: TestOrg;
    let everyoneId: string;

    const create = async (name: string, description?: string) => {
      const res = await org.request({ method: 'POST', url: '/api/v1/groups', payload: { profile: { name, ...(description ? { description } : {}) } } });
      assert.equal(res.statusCode, 200, res.body);
      await assertMatchesSpec('addGroup', res);
      return res.json() as Json;
    };

    before(async () => {
      org = await startOrg(backend);
      org.clock.advance(1000);
      everyoneId = (await org.services.store.findGroupByName('BUILT_IN', 'Everyone'))!.id;
    });
    after(() => org.close());

    it('creates an OKTA_GROUP with Okta\'s shape and logs group.lifecycle.create', async () => {
      const group = await create('Engineering', 'All engineers');
      assert.match(group.id, /^00g[A-Za-z0-9]{17}$/);
      assert.equal(group.type, 'OKTA_GROUP');
      assert.deepEqual(group.objectClass, ['okta:user_group']);
      assert.deepEqual(group.profile, { name: 'Engineering', description: 'All engineers' });
      assert.equal(group.created, group.lastUpdated);
      assert.equal(group.lastMembershipUpdated, group.created);
      assert.equal(group._links.users.href, `http://tollgate.test:8080/api/v1/groups/${group.id}/users`);
      assert.equal(group._links.apps.href, `http://tollgate.test:8080/api/v1/groups/${group.id}/apps`);
      assert.equal(group._links.logo.length, 2);
      const logged = (await events(org, 'group.lifecycle.create')).filter((e) => e.target?.[0]?.id === group.id);
      assert.equal(logged.length, 1);
      assert.equal(logged[0]!.target![0]!.type, 'UserGroup');
    });

    it('gets a group; an unknown id is 404 E0000007 naming it', async () => {
      const group = await create('Get me');
      const res = await org.request({ method: 'GET', url: `/api/v1/groups/${group.id}` });
      assert.equal(res.statusCode, 200);
      await assertMatchesSpec('getGroup', res);
      assert.deepEqual(res.json(), group);
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/groups/00gNope' }), 404, 'E0000007', 'Not found: Resource not found: 00gNope (UserGroup)');
    });

    it('refuses bad input with causes and stores nothing', async () => {
      const before = await org.services.store.listGroups({ limit: 10_000 });
      for (const payload of [{}, { profile: {} }, { profile: { name: '' } }, { profile: { name: 42 } }, { profile: { name: '   ' } }, { profile: { name: 'x', description: 7 } }, { profile: { name: 'x'.repeat(256) } }]) {
        const body = assertOktaError(await org.request({ method: 'POST', url: '/api/v1/groups', payload }), 400, 'E0000001');
        assert.ok(body.errorCauses.length > 0, JSON.stringify(payload));
        assert.match(body.errorCauses[0]!.errorSummary, /^profile/);
      }
      assert.equal((await org.services.store.listGroups({ limit: 10_000 })).length, before.length);
    });

    it('group names are unique across groups, ignoring case, on create and on rename', async () => {
      await create('Unique name');
      const body = assertOktaError(await org.request({ method: 'POST', url: '/api/v1/groups', payload: { profile: { name: 'UNIQUE NAME' } } }), 400, 'E0000001');
      assert.match(body.errorCauses[0]!.errorSummary, /^profile\.name: An object with this field already exists/);
      assertOktaError(await org.request({ method: 'POST', url: '/api/v1/groups', payload: { profile: { name: 'everyone' } } }), 400, 'E0000001');
      const other = await create('Another name');
      assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/groups/${other.id}`, payload: { profile: { name: 'unique name' } } }), 400, 'E0000001');
    });

    it('concurrent creates of one name: exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, () => org.request({ method: 'POST', url: '/api/v1/groups', payload: { profile: { name: 'Race' } } })));
      assert.equal(results.filter((r) => r.statusCode === 200).length, 1);
      assert.equal(results.filter((r) => r.statusCode === 400).length, 5);
    });

    it('replaces the profile (PUT), moves lastUpdated and logs group.profile.update; an unchanged PUT logs nothing', async () => {
      const group = await create('Old name', 'old');
      org.clock.advance(60_000);
      const res = await org.request({ method: 'PUT', url: `/api/v1/groups/${group.id}`, payload: { ...group, profile: { name: 'New name' } } });
      assert.equal(res.statusCode, 200, res.body);
      await assertMatchesSpec('replaceGroup', res);
      const updated = res.json();
      assert.deepEqual(updated.profile, { name: 'New name' }, 'a PUT without description clears it');
      assert.notEqual(updated.lastUpdated, group.lastUpdated);
      assert.equal(updated.created, group.created);
      const count = (await events(org, 'group.profile.update')).length;
      org.clock.advance(60_000);
      const again = await org.request({ method: 'PUT', url: `/api/v1/groups/${group.id}`, payload: { profile: { name: 'New name' } } });
      assert.equal(again.json().lastUpdated, updated.lastUpdated);
      assert.equal((await events(org, 'group.profile.update')).length, count);
      assertOktaError(await org.request({ method: 'PUT', url: '/api/v1/groups/00gNope', payload: { profile: { name: 'x' } } }), 404, 'E0000007');
    });

    it('lists with q (name prefix, case-insensitive), search and filter; q with filter is E0000033', async () => {
      await create('Sales EMEA');
      await create('sales APAC');
      await create('Marketing');
      const q = await org.request({ method: 'GET', url: '/api/v1/groups?q=SALES' });
      assert.equal(q.statusCode, 200);
      await assertMatchesSpec('listGroups', q);
      assert.deepEqual(q.json().map((g: Json) => g.profile.name).sort(), ['Sales EMEA', 'sales APAC']);

      const search = async (expr: string) => {
        const res = await org.request({ method: 'GET', url: `/api/v1/groups?search=${encodeURIComponent(expr)}` });
        assert.equal(res.statusCode, 200, res.body);
        return res.json().map((g: Json) => g.profile.name) as string[];
      };
      assert.deepEqual(await search('type eq "BUILT_IN"'), ['Everyone']);
      assert.deepEqual((await search('profile.name sw "sales"')).sort(), ['Sales EMEA', 'sales APAC']);
      assert.deepEqual(await search('profile.name co "arketin"'), ['Marketing']);
      assert.deepEqual(await search('profile.name eq "marketing" and type eq "OKTA_GROUP"'), ['Marketing']);
      assert.deepEqual(await search(`id eq "${everyoneId}"`), ['Everyone']);
      assert.ok((await search('type eq "OKTA_GROUP" and not (profile.name sw "Sales")')).includes('sales APAC') === false);
      assert.deepEqual(await search('created lt "2000-01-01T00:00:00.000Z"'), []);
      assert.ok((await search('lastMembershipUpdated gt "2000-01-01T00:00:00.000Z"')).includes('Everyone'));

      const filter = await org.request({ method: 'GET', url: `/api/v1/groups?filter=${encodeURIComponent(`type eq "OKTA_GROUP" and (id eq "${everyoneId}" or lastUpdated lt "2000-01-01T00:00:00.000Z")`)}` });
      assert.equal(filter.statusCode, 200);
      assert.deepEqual(filter.json(), []);

      for (const bad of ['profile.name', 'nope eq "x"', 'type gt "A"', 'profile.name eq x', '(type eq "A"', 'type eq "A" xor', 'created gt "yesterday"', 'id co "00g"']) {
        assertOktaError(await org.request({ method: 'GET', url: `/api/v1/groups?search=${encodeURIComponent(bad)}` }), 400, 'E0000031');
      }
      assertOktaError(await org.request({ method: 'GET', url: `/api/v1/groups?filter=${encodeURIComponent('profile.name eq "x"')}` }), 400, 'E0000031');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/groups?q=a&filter=type%20eq%20%22OKTA_GROUP%22' }), 400, 'E0000033');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/groups?expand=everything' }), 400, 'E0000001');
    });

    it('pages with limit and after (Link next only while more exist)', async () => {
      const all = (await org.request({ method: 'GET', url: '/api/v1/groups' })).json() as Json[];
      const seen: string[] = [];
      let url: string | undefined = '/api/v1/groups?limit=2';
      while (url) {
        const res = await org.request({ method: 'GET', url });
        assert.equal(res.statusCode, 200);
        seen.push(...res.json().map((g: Json) => g.id));
        const next = linkOf(res, 'next');
        url = next ? next.replace('http://tollgate.test:8080', '') : undefined;
      }
      assert.deepEqual(seen, all.map((g) => g.id));
      assert.equal(all[0]!.id, everyoneId, 'Everyone, the oldest group, comes first');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/groups?after=garbage' }), 400, 'E0000029');
    });

    it('membership: add (204, idempotent), list members, remove; lastMembershipUpdated moves; events and generations', async () => {
      const group = await create('Members');
      const alice = await org.userWithToken('alice@groups.test');
      const bob = await org.userWithToken('bob@groups.test');
      const generation = await org.services.store.directoryGeneration('groups');
      org.clock.advance(1000);
      for (const user of [alice, bob, alice]) {
        const res = await org.request({ method: 'PUT', url: `/api/v1/groups/${group.id}/users/${user.userId}` });
        assert.equal(res.statusCode, 204);
        assert.equal(res.body, '');
      }
      assert.equal(await org.services.store.directoryGeneration('groups'), generation + 2, 'the repeated add changes nothing');
      const fetched = (await org.request({ method: 'GET', url: `/api/v1/groups/${group.id}` })).json();
      assert.notEqual(fetched.lastMembershipUpdated, group.lastMembershipUpdated);
      assert.equal(fetched.lastUpdated, group.lastUpdated, 'membership is not the profile');

      const members = await org.request({ method: 'GET', url: `/api/v1/groups/${group.id}/users` });
      assert.equal(members.statusCode, 200);
      await assertMatchesSpec('listGroupUsers', members);
      assert.deepEqual(members.json().map((u: Json) => u.id).sort(), [alice.userId, bob.userId].sort());
      assert.equal(members.json()[0].profile.login.endsWith('@groups.test'), true);

      const page1 = await org.request({ method: 'GET', url: `/api/v1/groups/${group.id}/users?limit=1` });
      assert.equal(page1.json().length, 1);
      const next = linkOf(page1, 'next')!;
      const page2 = await org.request({ method: 'GET', url: next.replace('http://tollgate.test:8080', '') });
      assert.equal(page2.json().length, 1);
      assert.equal(linkOf(page2, 'next'), undefined);

      const stats = (await org.request({ method: 'GET', url: `/api/v1/groups?expand=stats&search=${encodeURIComponent(`id eq "${group.id}"`)}` })).json();
      assert.equal(stats[0]._embedded.stats.usersCount, 2);

      assert.equal((await org.request({ method: 'DELETE', url: `/api/v1/groups/${group.id}/users/${bob.userId}` })).statusCode, 204);
      assert.equal((await org.request({ method: 'DELETE', url: `/api/v1/groups/${group.id}/users/${bob.userId}` })).statusCode, 204, 'removing a non-member is a no-op');
      assert.deepEqual((await org.request({ method: 'GET', url: `/api/v1/groups/${group.id}/users` })).json().map((u: Json) => u.id), [alice.userId]);
      const added = (await events(org, 'group.user_membership.add')).filter((e) => e.target?.[1]?.id === group.id);
      const removed = (await events(org, 'group.user_membership.remove')).filter((e) => e.target?.[1]?.id === group.id);
      assert.equal(added.length, 2);
      assert.equal(removed.length, 1);
      assert.equal(removed[0]!.target![0]!.id, bob.userId);

      assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/groups/${group.id}/users/00uNope` }), 404, 'E0000007', 'Not found: Resource not found: 00uNope (User)');
      assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/groups/00gNope/users/${alice.userId}` }), 404, 'E0000007');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/groups/00gNope/users' }), 404, 'E0000007');
    });

    it('Everyone: listed, not deletable or changeable, membership not managed through the API', async () => {
      const everyone = (await org.request({ method: 'GET', url: `/api/v1/groups/${everyoneId}` })).json();
      assert.equal(everyone.type, 'BUILT_IN');
      assert.equal(everyone.profile.name, 'Everyone');
      const admin = (await org.request({ method: 'GET', url: `/api/v1/groups/${everyoneId}/users` })).json();
      assert.equal(admin.length >= 1, true, 'the bootstrap admin is a member');
      const user = await org.userWithToken('carol@groups.test');
      assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/groups/${everyoneId}` }), 403, 'E0000006');
      assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/groups/${everyoneId}`, payload: { profile: { name: 'All' } } }), 403, 'E0000006');
      assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/groups/${everyoneId}/users/${user.userId}` }), 400, 'E0000060', 'Unsupported operation.');
      assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/groups/${everyoneId}/users/${admin[0].id}` }), 403, 'E0000006');
      assert.equal((await org.request({ method: 'GET', url: `/api/v1/groups/${everyoneId}` })).json().profile.name, 'Everyone');
    });

    it('delete: 204, members, roles and targets go with it, group.lifecycle.delete, generation bumped', async () => {
      const group = await create('Doomed');
      const dave = await org.userWithToken('dave@groups.test');
      await org.request({ method: 'PUT', url: `/api/v1/groups/${group.id}/users/${dave.userId}` });
      await org.services.store.insertRoleAssignment({
        id: 'ra1DoomedGroupRole00',
        principalType: 'GROUP',
        principalId: group.id,
        roleType: 'READ_ONLY_ADMIN',
        status: 'ACTIVE',
        created: org.clock.now(),
        lastUpdated: org.clock.now(),
      });
      assert.ok((await org.services.store.roleTypesOfUser(dave.userId)).has('READ_ONLY_ADMIN'));
      const generation = await org.services.store.directoryGeneration('groups');
      const res = await org.request({ method: 'DELETE', url: `/api/v1/groups/${group.id}` });
      assert.equal(res.statusCode, 204);
      assertOktaError(await org.request({ method: 'GET', url: `/api/v1/groups/${group.id}` }), 404, 'E0000007');
      assert.equal((await org.services.store.roleTypesOfUser(dave.userId)).size, 0);
      assert.equal(await org.services.store.directoryGeneration('groups'), generation + 1);
      assert.equal((await events(org, 'group.lifecycle.delete')).filter((e) => e.target?.[0]?.id === group.id).length, 1);
      assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/groups/${group.id}` }), 404, 'E0000007');
    });

    describe('policies that name a deleted group', () => {
      const policy = async (groups: { include?: string[]; exclude?: string[] }, name: string) => {
        const res = await org.request({
          method: 'POST',
          url: '/api/v1/policies',
          payload: { type: 'PASSWORD', name, conditions: { people: { groups } } },
        });
        assert.equal(res.statusCode, 200, res.body);
        return res.json() as Json;
      };

      it('the group is taken out of include/exclude lists, the policy generation moves', async () => {
        const gone = await create('Gone soon');
        const stays = await create('Stays');
        const p = await policy({ include: [gone.id, stays.id] }, 'Two groups');
        const generation = await org.services.store.policyGeneration('PASSWORD');
        org.clock.advance(1000);
        assert.equal((await org.request({ method: 'DELETE', url: `/api/v1/groups/${gone.id}` })).statusCode, 204);
        const after = (await org.request({ method: 'GET', url: `/api/v1/policies/${p.id}` })).json();
        assert.deepEqual(after.conditions.people.groups.include, [stays.id]);
        assert.notEqual(after.lastUpdated, p.lastUpdated);
        assert.ok((await org.services.store.policyGeneration('PASSWORD')) > generation);
        const put = await org.request({ method: 'PUT', url: `/api/v1/policies/${p.id}`, payload: { ...after } });
        assert.equal(put.statusCode, 200, 'the policy can be saved back as read: no dead id left');
      });

      it('an exclude list that empties is dropped', async () => {
        const gone = await create('Excluded and gone');
        const p = await policy({ include: [everyoneId], exclude: [gone.id] }, 'Exclusion');
        assert.equal((await org.request({ method: 'DELETE', url: `/api/v1/groups/${gone.id}` })).statusCode, 204);
        const after = (await org.request({ method: 'GET', url: `/api/v1/policies/${p.id}` })).json();
        assert.deepEqual(after.conditions.people.groups, { include: [everyoneId] });
      });

      it('deleting the only group a policy includes is refused (it would widen the policy) and changes nothing', async () => {
        const only = await create('Only group');
        const p = await policy({ include: [only.id] }, 'Only one');
        const body = assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/groups/${only.id}` }), 400, 'E0000001');
        assert.match(body.errorCauses[0]!.errorSummary, new RegExp(`^id: The group Only group \\(${only.id}\\) is the only group in conditions\\.people\\.groups\\.include of policy "Only one" \\(${p.id}\\)`));
        assert.equal((await org.request({ method: 'GET', url: `/api/v1/groups/${only.id}` })).statusCode, 200);
        const after = (await org.request({ method: 'GET', url: `/api/v1/policies/${p.id}` })).json();
        assert.deepEqual(after.conditions.people.groups.include, [only.id]);
      });
    });

    describe('permissions', () => {
      it('READ_ONLY_ADMIN reads but cannot write; a user without roles cannot read', async () => {
        const group = await create('Perm target');
        const reader = await org.userWithToken('reader@groups.test', ['READ_ONLY_ADMIN']);
        const nobody = await org.userWithToken('nobody@groups.test');
        assert.equal((await org.request({ method: 'GET', url: '/api/v1/groups', token: reader.token })).statusCode, 200);
        assert.equal((await org.request({ method: 'GET', url: `/api/v1/groups/${group.id}/users`, token: reader.token })).statusCode, 200);
        assertOktaError(await org.request({ method: 'POST', url: '/api/v1/groups', token: reader.token, payload: { profile: { name: 'nope' } } }), 403, 'E0000006');
        assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/groups/${group.id}`, token: reader.token }), 403, 'E0000006');
        assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/groups/${group.id}/users/${nobody.userId}`, token: reader.token }), 403, 'E0000006');
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/groups', token: nobody.token }), 403, 'E0000006');
      });

      it('GROUP_MEMBERSHIP_ADMIN manages members but cannot create, rename or delete groups', async () => {
        const group = await create('Membership managed');
        const admin = await org.userWithToken('gma@groups.test', ['GROUP_MEMBERSHIP_ADMIN']);
        const member = await org.userWithToken('member@groups.test');
        assert.equal((await org.request({ method: 'PUT', url: `/api/v1/groups/${group.id}/users/${member.userId}`, token: admin.token })).statusCode, 204);
        assert.equal((await org.request({ method: 'DELETE', url: `/api/v1/groups/${group.id}/users/${member.userId}`, token: admin.token })).statusCode, 204);
        assertOktaError(await org.request({ method: 'POST', url: '/api/v1/groups', token: admin.token, payload: { profile: { name: 'gma group' } } }), 403, 'E0000006');
        assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/groups/${group.id}`, token: admin.token, payload: { profile: { name: 'renamed' } } }), 403, 'E0000006');
        assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/groups/${group.id}`, token: admin.token }), 403, 'E0000006');
      });

      it('a group that grants admin roles is reserved as its admins are: no one joins a super admin group but through a super admin', async () => {
        const supers = await create('Super admins by group');
        const helpers = await create('Help desk by group');
        for (const [group, type] of [[supers, 'SUPER_ADMIN'], [helpers, 'HELP_DESK_ADMIN']] as const) {
          assert.equal((await org.request({ method: 'POST', url: `/api/v1/groups/${group.id}/roles`, payload: { type } })).statusCode, 200);
        }
        const orgAdmin = await org.userWithToken('org-admin@groups.test', ['ORG_ADMIN']);
        const gma = await org.userWithToken('gma-escalate@groups.test', ['GROUP_MEMBERSHIP_ADMIN']);
        // ORG_ADMIN may not make itself a super admin, nor rename or delete the group that grants it.
        assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/groups/${supers.id}/users/${orgAdmin.userId}`, token: orgAdmin.token }), 403, 'E0000006');
        assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/groups/${supers.id}`, token: orgAdmin.token, payload: { profile: { name: 'mine' } } }), 403, 'E0000006');
        assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/groups/${supers.id}`, token: orgAdmin.token }), 403, 'E0000006');
        // A group membership admin changes no admin group; ORG_ADMIN may change one below super admin.
        assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/groups/${helpers.id}/users/${gma.userId}`, token: gma.token }), 403, 'E0000006');
        assert.equal((await org.request({ method: 'PUT', url: `/api/v1/groups/${helpers.id}/users/${gma.userId}`, token: orgAdmin.token })).statusCode, 204);
        assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/groups/${helpers.id}/users/${gma.userId}`, token: gma.token }), 403, 'E0000006');
        // Reads are never reserved; a super admin changes anything.
        assert.equal((await org.request({ method: 'GET', url: `/api/v1/groups/${supers.id}/users`, token: gma.token })).statusCode, 200);
        assert.equal((await org.request({ method: 'PUT', url: `/api/v1/groups/${supers.id}/users/${orgAdmin.userId}` })).statusCode, 204);
        const members = (await org.request({ method: 'GET', url: `/api/v1/groups/${supers.id}/users` })).json() as Json[];
        assert.deepEqual(members.map((m) => m.id), [orgAdmin.userId]);
      });
    });
  });
}
