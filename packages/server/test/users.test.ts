// Users API through HTTP on every backend: create (with and without a password, staged,
// nextLogin), get by id and login, list with q / filter / search and paging, partial and full
// profile updates, the lifecycle state machine with Okta's errors, two-step delete, groups,
// change_password, admin password set, sessions, events, and spec conformance of every response.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError, linkOf } from './helpers/assertions.ts';
import { assertMatchesSpec } from './helpers/openapi.ts';

const PASSWORD = 'Tr1cky-Horse!';

function profile(login: string, extra: Record<string, unknown> = {}) {
  const [local] = login.split('@');
  return { firstName: 'Ada', lastName: `L${local}`, email: login, login, ...extra };
}

async function events(org: TestOrg, eventType: string) {
  await org.services.log.flush();
  return (await org.services.store.listLogEvents({ limit: 10_000 })).filter((e) => e.eventType === eventType);
}

for (const backend of backends()) {
  describe(`Users API (${backend.name})`, () => {
    let org: TestOrg;
    const create = (body: unknown, query = '') => org.request({ method: 'POST', url: `/api/v1/users${query}`, payload: body as Record<string, unknown> });
    const get = (id: string) => org.request({ method: 'GET', url: `/api/v1/users/${encodeURIComponent(id)}` });
    const lifecycle = (id: string, op: string, query = '') => org.request({ method: 'POST', url: `/api/v1/users/${id}/lifecycle/${op}${query}` });

    before(async () => {
      org = await startOrg(backend);
    });
    after(() => org.close());

    it('creates an ACTIVE user with a password, in Everyone, without ever showing the password', async () => {
      const res = await create({ profile: profile('ada@example.com', { mobilePhone: '+1 555' }), credentials: { password: { value: PASSWORD } } });
      assert.equal(res.statusCode, 200, res.body);
      await assertMatchesSpec('createUser', res);
      const user = res.json();
      assert.match(user.id, /^00u[A-Za-z0-9]{17}$/);
      assert.equal(user.status, 'ACTIVE');
      assert.deepEqual(user.credentials, { password: {}, provider: { type: 'OKTA', name: 'OKTA' } });
      assert.equal(user.profile.mobilePhone, '+1 555');
      assert.ok(user.activated && user.passwordChanged);
      assert.ok(!res.body.includes(PASSWORD));
      assert.ok(user._links.suspend && user._links.deactivate && user._links.resetPassword && user._links.changePassword);
      const groups = await org.request({ method: 'GET', url: `/api/v1/users/${user.id}/groups` });
      assert.equal(groups.statusCode, 200);
      await assertMatchesSpec('listUserGroups', groups);
      assert.deepEqual(groups.json().map((g: { profile: { name: string } }) => g.profile.name), ['Everyone']);
      assert.equal((await events(org, 'user.lifecycle.create')).filter((e) => e.target[0]?.id === user.id).length, 1);
      assert.ok(!org.logLines.join('\n').includes(PASSWORD));
    });

    it('creates PROVISIONED without a password, STAGED with activate=false, PASSWORD_EXPIRED with nextLogin', async () => {
      const provisioned = (await create({ profile: profile('prov@example.com') })).json();
      assert.equal(provisioned.status, 'PROVISIONED');
      assert.equal(provisioned.credentials.password, undefined);
      const staged = await create({ profile: profile('staged@example.com') }, '?activate=false');
      assert.equal(staged.json().status, 'STAGED');
      assert.equal(staged.json().activated, null);
      assert.ok(staged.json()._links.activate);
      const expired = await create({ profile: profile('exp@example.com'), credentials: { password: { value: PASSWORD } } }, '?nextLogin=changePassword');
      assert.equal(expired.json().status, 'PASSWORD_EXPIRED');
      assertOktaError(await create({ profile: profile('x1@example.com') }, '?nextLogin=changePassword'), 400, 'E0000124');
      assertOktaError(await create({ profile: profile('x2@example.com'), credentials: { password: { value: PASSWORD } } }, '?activate=false&nextLogin=changePassword'), 400, 'E0000125');
    });

    it('refuses bad input with causes and stores nothing', async () => {
      const before = (await org.request({ method: 'GET', url: '/api/v1/users?limit=200' })).json().length;
      const bad = assertOktaError(await create({ profile: { login: 'not-an-email', email: 'nope', firstName: '', foo: 'x' } }), 400, 'E0000001');
      const causes = bad.errorCauses.map((c) => c.errorSummary);
      assert.ok(causes.includes('login: Username must be in the form of an email address'), causes.join('|'));
      assert.ok(causes.includes('email: Does not match required pattern'));
      assert.ok(causes.includes('firstName: The field cannot be left blank'));
      assert.ok(causes.includes('lastName: The field cannot be left blank'));
      assert.ok(causes.some((c) => c.startsWith('foo:')));
      assertOktaError(await create({ profile: profile('g@example.com'), groupIds: ['00gnothere0000000000'] }), 400, 'E0000001', /groupIds/);
      assertOktaError(await create({ profile: profile('h@example.com'), credentials: { password: { hash: { algorithm: 'BCRYPT' } } } }), 400, 'E0000001');
      assertOktaError(await create({ profile: 'x' }), 400, 'E0000001');
      assertOktaError(await create({ profile: profile('w@example.com'), credentials: { password: { value: 'short' } } }), 403, 'E0000080');
      const dup = assertOktaError(await create({ profile: profile('ADA@example.com') }), 400, 'E0000001');
      assert.deepEqual(dup.errorCauses, [{ errorSummary: 'login: An object with this field already exists in the current organization' }]);
      assert.equal((await org.request({ method: 'GET', url: '/api/v1/users?limit=200' })).json().length, before);
    });

    it('gets by id and by login; unknown is 404 E0000007', async () => {
      const byLogin = await get('ada@example.com');
      assert.equal(byLogin.statusCode, 200);
      await assertMatchesSpec('getUser', byLogin);
      const byId = await get(byLogin.json().id);
      assert.equal(byId.json().profile.login, 'ada@example.com');
      assertOktaError(await get('00unothere0000000000'), 404, 'E0000007', 'Not found: Resource not found: 00unothere0000000000 (User)');
    });

    it('lists with q, filter, search and pages with Link headers', async () => {
      for (let i = 0; i < 5; i++) await create({ profile: profile(`page${i}@list.example.com`, { firstName: `Pager${i}` }) });
      const all = await org.request({ method: 'GET', url: '/api/v1/users?limit=2' });
      assert.equal(all.statusCode, 200);
      await assertMatchesSpec('listUsers', all);
      assert.equal(all.json().length, 2);
      assert.deepEqual(Object.keys(all.json()[0]._links), ['self']);
      const seen = new Set<string>();
      let url: string | undefined = '/api/v1/users?limit=3';
      while (url) {
        const res = await org.request({ method: 'GET', url });
        for (const u of res.json()) seen.add(u.id);
        url = linkOf(res, 'next')?.replace(org.orgUrl, '');
      }
      assert.ok(seen.size >= 9);
      const q = (await org.request({ method: 'GET', url: '/api/v1/users?q=page' })).json();
      assert.equal(q.length, 5);
      const qName = (await org.request({ method: 'GET', url: '/api/v1/users?q=pager3' })).json();
      assert.deepEqual(qName.map((u: { profile: { login: string } }) => u.profile.login), ['page3@list.example.com']);
      const byLogin = (await org.request({ method: 'GET', url: `/api/v1/users?filter=${encodeURIComponent('profile.login eq "PAGE2@list.example.com"')}` })).json();
      assert.equal(byLogin.length, 1);
      const staged = (await org.request({ method: 'GET', url: `/api/v1/users?filter=${encodeURIComponent('status eq "STAGED" or (status eq "PROVISIONED" and profile.firstName eq "Pager1")')}` })).json();
      assert.deepEqual(staged.map((u: { status: string; profile: { login: string } }) => u.profile.login).sort(), ['page1@list.example.com', 'staged@example.com']);
      org.clock.advance(60_000);
      const mark = new Date(org.clock.now() - 1).toISOString();
      await org.request({ method: 'POST', url: `/api/v1/users/${byLogin[0].id}`, payload: { profile: { title: 'Engineer' } } });
      const recent = (await org.request({ method: 'GET', url: `/api/v1/users?filter=${encodeURIComponent(`lastUpdated gt "${mark}"`)}` })).json();
      assert.deepEqual(recent.map((u: { id: string }) => u.id), [byLogin[0].id]);
      const sw = (await org.request({ method: 'GET', url: `/api/v1/users?search=${encodeURIComponent('profile.email sw "page" and profile.firstName co "ager4"')}` })).json();
      assert.deepEqual(sw.map((u: { profile: { login: string } }) => u.profile.login), ['page4@list.example.com']);
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/users?q=a&filter=status%20eq%20%22ACTIVE%22' }), 400, 'E0000033');
      assertOktaError(await org.request({ method: 'GET', url: `/api/v1/users?filter=${encodeURIComponent('profile.login sw "a"')}` }), 400, 'E0000031');
      assertOktaError(await org.request({ method: 'GET', url: `/api/v1/users?filter=${encodeURIComponent('status eq "ACTIVE" and')}` }), 400, 'E0000031');
      assertOktaError(await org.request({ method: 'GET', url: `/api/v1/users?filter=${encodeURIComponent('lastUpdated gt "yesterday"')}` }), 400, 'E0000031');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/users?limit=0' }), 400, 'E0000001');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/users?after=garbage' }), 400, 'E0000029');
    });

    it('updates profiles partially (POST) and fully (PUT), with login uniqueness and events', async () => {
      const id = (await create({ profile: profile('upd@example.com', { title: 'Dev', city: 'Paris' }) })).json().id;
      const partial = await org.request({ method: 'POST', url: `/api/v1/users/${id}`, payload: { profile: { title: 'Lead', city: null } } });
      assert.equal(partial.statusCode, 200, partial.body);
      await assertMatchesSpec('updateUser', partial);
      assert.equal(partial.json().profile.title, 'Lead');
      assert.equal(partial.json().profile.city, null);
      assert.equal(partial.json().profile.firstName, 'Ada');
      const full = await org.request({ method: 'PUT', url: `/api/v1/users/${id}`, payload: { profile: profile('upd2@example.com') } });
      assert.equal(full.statusCode, 200, full.body);
      await assertMatchesSpec('replaceUser', full);
      assert.equal(full.json().profile.title, undefined);
      assert.equal(full.json().profile.login, 'upd2@example.com');
      assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/users/${id}`, payload: { profile: { login: 'upd2@example.com' } } }), 400, 'E0000001', /firstName/);
      const clash = assertOktaError(await org.request({ method: 'POST', url: `/api/v1/users/${id}`, payload: { profile: { login: 'ada@example.com' } } }), 400, 'E0000001');
      assert.deepEqual(clash.errorCauses, [{ errorSummary: 'login: An object with this field already exists in the current organization' }]);
      assert.ok((await events(org, 'user.account.update_profile')).some((e) => e.target[0]?.id === id));
    });

    it('walks the lifecycle with Okta transitions and errors', async () => {
      const staged = (await create({ profile: profile('life@example.com'), credentials: { password: { value: PASSWORD } } }, '?activate=false')).json();
      assertOktaError(await lifecycle(staged.id, 'suspend'), 400, 'E0000001');
      const activated = await lifecycle(staged.id, 'activate', '?sendEmail=false');
      assert.equal(activated.statusCode, 200, activated.body);
      await assertMatchesSpec('activateUser', activated);
      assert.match(activated.json().activationUrl, /\/welcome\//);
      assert.equal((await get(staged.id)).json().status, 'ACTIVE');
      assertOktaError(await lifecycle(staged.id, 'activate'), 403, 'E0000016');
      assertOktaError(await lifecycle(staged.id, 'unlock'), 403, 'E0000032');
      assertOktaError(await lifecycle(staged.id, 'unsuspend'), 400, 'E0000001');
      assertOktaError(await lifecycle(staged.id, 'reactivate'), 403, 'E0000038');
      assert.equal((await lifecycle(staged.id, 'suspend')).statusCode, 200);
      const suspended = (await get(staged.id)).json();
      assert.equal(suspended.status, 'SUSPENDED');
      assert.ok(suspended._links.unsuspend && !suspended._links.suspend);
      assert.equal((await lifecycle(staged.id, 'unsuspend')).statusCode, 200);
      const expired = await lifecycle(staged.id, 'expire_password');
      assert.equal(expired.statusCode, 200);
      await assertMatchesSpec('expirePassword', expired);
      assert.equal(expired.json().status, 'PASSWORD_EXPIRED');
      const temp = await lifecycle(staged.id, 'expire_password_with_temp_password');
      await assertMatchesSpec('expirePasswordWithTempPassword', temp);
      const tempPassword = temp.json().tempPassword as string;
      assert.ok(tempPassword.length >= 12);
      const authn = await org.request({ method: 'POST', url: '/api/v1/authn', payload: { username: 'life@example.com', password: tempPassword }, token: null });
      assert.equal(authn.json().status, 'PASSWORD_EXPIRED');
      const reset = await lifecycle(staged.id, 'reset_password', '?sendEmail=false');
      assert.equal(reset.statusCode, 200);
      await assertMatchesSpec('resetPassword', reset);
      assert.match(reset.json().resetPasswordUrl, /\/signin\/reset-password\/[A-Za-z0-9_-]{20}$/);
      assert.equal((await get(staged.id)).json().status, 'RECOVERY');
      const react = await lifecycle(staged.id, 'reactivate', '?sendEmail=false');
      assert.equal(react.statusCode, 200, react.body);
      assert.equal((await get(staged.id)).json().status, 'PROVISIONED');
      const deact = await lifecycle(staged.id, 'deactivate');
      assert.equal(deact.statusCode, 200);
      assert.equal((await get(staged.id)).json().status, 'DEPROVISIONED');
      assertOktaError(await lifecycle(staged.id, 'deactivate'), 403, 'E0000038');
      assertOktaError(await lifecycle('00unothere0000000000', 'suspend'), 404, 'E0000007');
      for (const type of ['user.lifecycle.activate', 'user.lifecycle.suspend', 'user.lifecycle.unsuspend', 'user.account.expire_password', 'user.account.reset_password', 'user.lifecycle.reactivate', 'user.lifecycle.deactivate']) {
        assert.ok((await events(org, type)).some((e) => e.target[0]?.id === staged.id), type);
      }
    });

    it('deletes in two steps: deactivate, then delete', async () => {
      const id = (await create({ profile: profile('del@example.com') })).json().id;
      const first = await org.request({ method: 'DELETE', url: `/api/v1/users/${id}` });
      assert.equal(first.statusCode, 204);
      assert.equal((await get(id)).json().status, 'DEPROVISIONED');
      const second = await org.request({ method: 'DELETE', url: `/api/v1/users/${id}` });
      assert.equal(second.statusCode, 204);
      assertOktaError(await get(id), 404, 'E0000007');
      assert.equal((await events(org, 'user.lifecycle.delete.completed')).filter((e) => e.target[0]?.id === id).length, 1);
      const filtered = (await org.request({ method: 'GET', url: `/api/v1/users?filter=${encodeURIComponent('status eq "DEPROVISIONED"')}` })).json();
      assert.ok(!filtered.some((u: { id: string }) => u.id === id));
    });

    it('changes passwords with the old one, sets them as an admin, clears sessions', async () => {
      const id = (await create({ profile: profile('pw@example.com'), credentials: { password: { value: PASSWORD } } })).json().id;
      const change = (oldPassword: string, newPassword: string) =>
        org.request({ method: 'POST', url: `/api/v1/users/${id}/credentials/change_password`, payload: { oldPassword: { value: oldPassword }, newPassword: { value: newPassword } } });
      const wrong = assertOktaError(await change('Wrong-0ld!', 'N3w-Passw0rd!'), 403, 'E0000014');
      assert.deepEqual(wrong.errorCauses, [{ errorSummary: 'oldPassword: The credentials provided were incorrect.' }]);
      assertOktaError(await change(PASSWORD, 'weak'), 403, 'E0000080');
      const ok = await change(PASSWORD, 'N3w-Passw0rd!');
      assert.equal(ok.statusCode, 200, ok.body);
      await assertMatchesSpec('changePassword', ok);
      assert.deepEqual(ok.json(), { password: {}, provider: { type: 'OKTA', name: 'OKTA' } });
      const signIn = (password: string) => org.request({ method: 'POST', url: '/api/v1/authn', payload: { username: 'pw@example.com', password }, token: null });
      assert.equal((await signIn('N3w-Passw0rd!')).json().status, 'SUCCESS');
      const set = await org.request({ method: 'POST', url: `/api/v1/users/${id}`, payload: { credentials: { password: { value: 'Adm1n-Set-It!' } } } });
      assert.equal(set.statusCode, 200, set.body);
      assert.equal((await signIn('Adm1n-Set-It!')).json().status, 'SUCCESS');
      assert.equal((await signIn('N3w-Passw0rd!')).statusCode, 401);
      const clear = await org.request({ method: 'DELETE', url: `/api/v1/users/${id}/sessions` });
      assert.equal(clear.statusCode, 204);
      assert.ok((await events(org, 'user.session.clear')).some((e) => e.target[0]?.id === id));
      assert.ok((await events(org, 'user.account.update_password')).filter((e) => e.target[0]?.id === id).length >= 2);
    });

    it('creates no user inside a group that grants admin roles unless the caller may manage that group', async () => {
      const supers = (await org.request({ method: 'POST', url: '/api/v1/groups', payload: { profile: { name: 'Supers via create' } } })).json().id as string;
      assert.equal((await org.request({ method: 'POST', url: `/api/v1/groups/${supers}/roles`, payload: { type: 'SUPER_ADMIN' } })).statusCode, 200);
      const userAdmin = await org.userWithToken('create-escalate@example.com', ['USER_ADMIN']);
      const orgAdmin = await org.userWithToken('create-escalate-org@example.com', ['ORG_ADMIN']);
      const body = (login: string) => ({ profile: profile(login), credentials: { password: { value: PASSWORD } }, groupIds: [supers] });
      for (const { token } of [userAdmin, orgAdmin]) {
        assertOktaError(await org.request({ method: 'POST', url: '/api/v1/users', payload: body(`made-by-${token.slice(2, 8)}@example.com`), token }), 403, 'E0000006');
      }
      assert.equal((await org.request({ method: 'GET', url: `/api/v1/groups/${supers}/users` })).json().length, 0, 'nothing stored');
      assert.equal((await create(body('made-by-super@example.com'))).statusCode, 200);
    });

    it('serves /users/me to the token owner, whatever its roles', async () => {
      const plain = await org.userWithToken('me-plain@example.com');
      const me = await org.request({ method: 'GET', url: '/api/v1/users/me', token: plain.token });
      assert.equal(me.statusCode, 200, me.body);
      await assertMatchesSpec('getUser', me);
      assert.equal(me.json().id, plain.userId);
      // Reading another user still needs okta.users.read.
      assertOktaError(await org.request({ method: 'GET', url: `/api/v1/users/${plain.userId}`, token: (await org.userWithToken('me-other@example.com')).token }), 403, 'E0000006');
      assert.equal((await org.request({ method: 'GET', url: '/api/v1/users/me' })).json().profile.login, 'admin@tollgate.local');
    });

    it('applies the permission table: read-only admins read, help desk resets, others are refused', async () => {
      const target = (await create({ profile: profile('perm@example.com'), credentials: { password: { value: PASSWORD } } })).json().id;
      const readOnly = await org.userWithToken('ro@example.com', ['READ_ONLY_ADMIN']);
      const helpDesk = await org.userWithToken('hd@example.com', ['HELP_DESK_ADMIN']);
      const nobody = await org.userWithToken('nobody@example.com');
      assert.equal((await org.request({ method: 'GET', url: `/api/v1/users/${target}`, token: readOnly.token })).statusCode, 200);
      assertOktaError(await org.request({ method: 'POST', url: `/api/v1/users/${target}/lifecycle/suspend`, token: readOnly.token }), 403, 'E0000006');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/users', token: nobody.token }), 403, 'E0000006');
      assertOktaError(await org.request({ method: 'POST', url: '/api/v1/users', token: helpDesk.token, payload: { profile: profile('hdmade@example.com') } }), 403, 'E0000006');
      const reset = await org.request({ method: 'POST', url: `/api/v1/users/${target}/lifecycle/reset_password?sendEmail=false`, token: helpDesk.token });
      assert.equal(reset.statusCode, 200, reset.body);
      const own = await org.request({
        method: 'POST',
        url: `/api/v1/users/${nobody.userId}/credentials/change_password`,
        token: nobody.token,
        payload: { oldPassword: { value: 'x' }, newPassword: { value: 'N3w-Passw0rd!' } },
      });
      assertOktaError(own, 403, 'E0000014');
    });
  });
}
