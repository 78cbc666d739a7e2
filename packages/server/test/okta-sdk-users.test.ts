// The official Okta Node SDK (@okta/okta-sdk-nodejs) managing users on a real listening Tollgate:
// create, get, list (search, filter, paging through `for await`), update, lifecycle calls,
// change password and the two-step delete.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import okta from '@okta/okta-sdk-nodejs';
import type { Client, User } from '@okta/okta-sdk-nodejs';
import { backends } from './helpers/backends.ts';
import { ADMIN_TOKEN } from './helpers/app.ts';
import { startListeningOrg } from './helpers/listening-org.ts';
import type { ListeningOrg } from './helpers/listening-org.ts';

const PASSWORD = 'Sdk-Passw0rd!';

for (const backend of backends()) {
  describe(`Okta Node SDK against Tollgate: users (${backend.name})`, () => {
    let org: ListeningOrg;
    let client: Client;

    before(async () => {
      org = await startListeningOrg(backend);
      client = new okta.Client({ orgUrl: org.orgUrl, token: ADMIN_TOKEN, authorizationMode: 'SSWS' });
    });
    after(() => org.close());

    it('creates, reads, lists, updates, walks the lifecycle, changes the password and deletes', async () => {
      const created = await client.userApi.createUser({
        body: { profile: { login: 'sdk@example.com', email: 'sdk@example.com', firstName: 'Sdk', lastName: 'User' }, credentials: { password: { value: PASSWORD } } },
        activate: true,
      });
      assert.equal(created.status, 'ACTIVE');
      const id = created.id!;
      for (let i = 0; i < 5; i++) {
        await client.userApi.createUser({ body: { profile: { login: `bulk${i}@example.com`, email: `bulk${i}@example.com`, firstName: 'Bulk', lastName: `N${i}` } }, activate: false });
      }

      const fetched = await client.userApi.getUser({ userId: 'sdk@example.com' });
      assert.equal(fetched.id, id);
      assert.equal(fetched.profile?.firstName, 'Sdk');

      const all: User[] = [];
      for await (const user of await client.userApi.listUsers({ limit: 2 })) if (user) all.push(user);
      assert.ok(all.length >= 7, `listed ${all.length}`);
      assert.equal(new Set(all.map((u) => u.id)).size, all.length);
      const staged: User[] = [];
      for await (const user of await client.userApi.listUsers({ filter: 'status eq "STAGED"', limit: 2 })) if (user) staged.push(user);
      assert.equal(staged.length, 5);
      const searched: User[] = [];
      for await (const user of await client.userApi.listUsers({ search: 'profile.lastName sw "n"' })) if (user) searched.push(user);
      assert.equal(searched.length, 5);

      const updated = await client.userApi.updateUser({ userId: id, user: { profile: { ...fetched.profile!, title: 'Tester' } } });
      assert.equal(updated.profile?.title, 'Tester');

      await client.userApi.suspendUser({ userId: id });
      assert.equal((await client.userApi.getUser({ userId: id })).status, 'SUSPENDED');
      await client.userApi.unsuspendUser({ userId: id });
      assert.equal((await client.userApi.getUser({ userId: id })).status, 'ACTIVE');

      const credentials = await client.userApi.changePassword({
        userId: id,
        changePasswordRequest: { oldPassword: { value: PASSWORD }, newPassword: { value: 'Sdk-Changed-1!' } },
      });
      assert.equal(credentials.provider?.type, 'OKTA');
      const signIn = await fetch(`${org.orgUrl}/api/v1/authn`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sdk@example.com', password: 'Sdk-Changed-1!' }) });
      assert.equal(((await signIn.json()) as { status?: string }).status, 'SUCCESS');

      const stagedId = staged[0]!.id!;
      const token = await client.userApi.activateUser({ userId: stagedId, sendEmail: false });
      assert.ok(token.activationToken);
      assert.equal((await client.userApi.getUser({ userId: stagedId })).status, 'PROVISIONED');

      await client.userApi.deactivateUser({ userId: id });
      assert.equal((await client.userApi.getUser({ userId: id })).status, 'DEPROVISIONED');
      await client.userApi.deleteUser({ userId: id });
      await assert.rejects(client.userApi.getUser({ userId: id }), (error: { status?: number }) => error.status === 404);
    });
  });
}
