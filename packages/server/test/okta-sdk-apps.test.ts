// The official Okta Node SDK (@okta/okta-sdk-nodejs) managing apps on a real listening Tollgate:
// OIDC and bookmark apps created, listed, read, replaced (fetch, change, send back), deactivated,
// activated and deleted; users and groups assigned, listed and unassigned; an app mapped to
// another app sign-in policy; and Okta's errors surfacing as the SDK's API errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AppUser, Application, ApplicationGroupAssignment, BookmarkApplication, Client, OpenIdConnectApplication } from '@okta/okta-sdk-nodejs';
import { randomIds } from '../src/domain/shared/ids.ts';
import { backends } from './helpers/backends.ts';
import { startListeningOrg } from './helpers/listening-org.ts';
import { sdkClient, collect, rejectsWith } from './helpers/okta-sdk.ts';
import type { ListeningOrg } from './helpers/listening-org.ts';

for (const backend of backends()) {
  describe(`Okta Node SDK against Tollgate: apps (${backend.name})`, () => {
    let org: ListeningOrg;
    let client: Client;

    before(async () => {
      org = await startListeningOrg(backend);
      client = sdkClient(org.orgUrl);
    });
    after(() => org.close());

    it('creates, lists, reads, replaces, deactivates, activates and deletes an OIDC app', async () => {
      const created = (await client.applicationApi.createApplication({
        application: {
          name: 'oidc_client',
          label: 'SDK web app',
          signOnMode: 'OPENID_CONNECT',
          credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_post' } },
          settings: { oauthClient: { application_type: 'web', grant_types: ['authorization_code'], redirect_uris: ['https://sdk.example.com/cb'], response_types: ['code'] } },
        } as OpenIdConnectApplication,
      })) as OpenIdConnectApplication;
      assert.ok(created.id);
      assert.equal(created.status, 'ACTIVE');
      assert.equal(created.signOnMode, 'OPENID_CONNECT');
      assert.equal(created.credentials?.oauthClient?.client_id, created.id);
      assert.equal(created.credentials?.oauthClient?.client_secret?.length, 64);
      assert.ok(created.created instanceof Date);

      const listed = await collect<Application>(client.applicationApi.listApplications({ q: 'SDK web' }));
      assert.deepEqual(
        listed.map((a) => a.id),
        [created.id],
      );

      const fetched = (await client.applicationApi.getApplication({ appId: created.id! })) as OpenIdConnectApplication;
      assert.equal(fetched.label, 'SDK web app');
      assert.equal(fetched.settings?.oauthClient?.application_type, 'web');
      fetched.label = 'SDK web app, renamed';
      fetched.settings!.oauthClient!.redirect_uris = ['https://sdk.example.com/cb', 'https://sdk.example.com/cb2'];
      const replaced = (await client.applicationApi.replaceApplication({ appId: created.id!, application: fetched })) as OpenIdConnectApplication;
      assert.equal(replaced.label, 'SDK web app, renamed');
      assert.deepEqual(replaced.settings?.oauthClient?.redirect_uris, ['https://sdk.example.com/cb', 'https://sdk.example.com/cb2']);
      const stored = await org.services.apps.findClient(created.id!);
      assert.equal(org.services.apps.verifyClientSecret(stored!, created.credentials!.oauthClient!.client_secret!), true, 'the secret survives the SDK round trip');

      await client.applicationApi.deactivateApplication({ appId: created.id! });
      assert.equal((await client.applicationApi.getApplication({ appId: created.id! })).status, 'INACTIVE');
      await client.applicationApi.activateApplication({ appId: created.id! });
      assert.equal((await client.applicationApi.getApplication({ appId: created.id! })).status, 'ACTIVE');

      await rejectsWith(client.applicationApi.deleteApplication({ appId: created.id! }), 403, 'E0000056');
      await client.applicationApi.deactivateApplication({ appId: created.id! });
      await client.applicationApi.deleteApplication({ appId: created.id! });
      await rejectsWith(client.applicationApi.getApplication({ appId: created.id! }), 404, 'E0000007');
    });

    it('creates a bookmark app inactive and reads it as a BookmarkApplication', async () => {
      const created = (await client.applicationApi.createApplication({
        application: { name: 'bookmark', label: 'SDK bookmark', signOnMode: 'BOOKMARK', settings: { app: { url: 'https://example.com/sdk' } } } as BookmarkApplication,
        activate: false,
      })) as BookmarkApplication;
      assert.equal(created.status, 'INACTIVE');
      assert.equal(created.settings?.app?.url, 'https://example.com/sdk');
      const fetched = (await client.applicationApi.getApplication({ appId: created.id! })) as BookmarkApplication;
      assert.equal(fetched.name, 'bookmark');
      assert.equal(fetched.settings?.app?.requestIntegration, false);
    });

    it('refuses what Tollgate does not serve with E0000001', async () => {
      await rejectsWith(
        client.applicationApi.createApplication({ application: { name: 'my_saml', label: 'SAML', signOnMode: 'SAML_2_0' } as Application }),
        400,
        'E0000001',
      );
    });

    it('assigns, lists and unassigns users and groups', async () => {
      const app = (await client.applicationApi.createApplication({
        application: { name: 'bookmark', label: 'SDK assigned', signOnMode: 'BOOKMARK', settings: { app: { url: 'https://example.com/assigned' } } } as BookmarkApplication,
      })) as BookmarkApplication;
      const { userId } = await org.userWithToken('sdk-app-user@example.com');
      const { userId: memberId } = await org.userWithToken('sdk-app-member@example.com');
      const now = org.clock.now();
      const groupId = randomIds.objectId('group');
      await org.services.store.insertGroup({ id: groupId, type: 'OKTA_GROUP', name: 'SDK app group', description: null, created: now, lastUpdated: now, lastMembershipUpdated: now });
      await org.services.store.addGroupMember(groupId, memberId);

      const appUser: AppUser = await client.applicationApi.assignUserToApplication({ appId: app.id!, appUser: { id: userId, scope: 'USER' } });
      assert.equal(appUser.id, userId);
      assert.equal(appUser.scope, 'USER');
      const assignment: ApplicationGroupAssignment = await client.applicationApi.assignGroupToApplication({ appId: app.id!, groupId, applicationGroupAssignment: { priority: 0 } });
      assert.equal(assignment.id, groupId);
      assert.equal(assignment.priority, 0);

      const users = await collect<AppUser>(client.applicationApi.listApplicationUsers({ appId: app.id! }));
      assert.deepEqual(Object.fromEntries(users.map((u) => [u.id, u.scope])), { [userId]: 'USER', [memberId]: 'GROUP' });
      const groups = await collect<ApplicationGroupAssignment>(client.applicationApi.listApplicationGroupAssignments({ appId: app.id! }));
      assert.deepEqual(
        groups.map((g) => g.id),
        [groupId],
      );
      assert.equal((await client.applicationApi.getApplicationUser({ appId: app.id!, userId: memberId })).scope, 'GROUP');

      await rejectsWith(client.applicationApi.unassignUserFromApplication({ appId: app.id!, userId: memberId }), 403, 'E0000046');
      await client.applicationApi.unassignUserFromApplication({ appId: app.id!, userId });
      await client.applicationApi.unassignApplicationFromGroup({ appId: app.id!, groupId });
      assert.deepEqual(await collect<AppUser>(client.applicationApi.listApplicationUsers({ appId: app.id! })), []);
    });

    it('maps an app to another app sign-in policy', async () => {
      const app = (await client.applicationApi.createApplication({
        application: { name: 'bookmark', label: 'SDK policy app', signOnMode: 'BOOKMARK', settings: { app: { url: 'https://example.com/policy' } } } as BookmarkApplication,
      })) as BookmarkApplication;
      const policy = await client.policyApi.createPolicy({ policy: { type: 'ACCESS_POLICY', name: 'SDK app policy' } });
      await client.applicationApi.assignApplicationPolicy({ appId: app.id!, policyId: policy.id! });
      const fetched = await client.applicationApi.getApplication({ appId: app.id! });
      assert.equal(fetched._links?.accessPolicy?.href, `${org.orgUrl}/api/v1/policies/${policy.id}`);
      await rejectsWith(client.applicationApi.assignApplicationPolicy({ appId: app.id!, policyId: 'rstNoSuchPolicy00000' }), 404, 'E0000007');
    });
  });
}
