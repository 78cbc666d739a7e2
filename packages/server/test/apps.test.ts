// The Apps API through HTTP: OIDC clients of the four application types and bookmark apps,
// Okta's validation of client metadata (nothing stored on a 400), client ids and secrets (hash
// only, shown once), lifecycle, delete only when inactive, list search/filter/paging, user and
// group assignments (group members appear with scope GROUP, computed on read), the app sign-in
// policy mapping, permissions, events, and OAUTH_CLIENT principal rate limits. Every response of
// an operation Tollgate serves is checked against Okta's OpenAPI spec.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomIds } from '../src/domain/shared/ids.ts';
import { systemContext } from '../src/domain/org/bootstrap.ts';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError, linkOf } from './helpers/assertions.ts';
import { assertErrorMatchesSpec, assertMatchesSpec } from './helpers/openapi.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const WEB = {
  name: 'oidc_client',
  label: 'Web app',
  signOnMode: 'OPENID_CONNECT',
  credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic' } },
  settings: { oauthClient: { application_type: 'web', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['https://app.example.com/callback'] } },
};

function oidc(label: string, oauthClient: Json, credentials: Json = {}): Json {
  return { name: 'oidc_client', label, signOnMode: 'OPENID_CONNECT', credentials: { oauthClient: credentials }, settings: { oauthClient } };
}

const bookmark = (label: string, url = 'https://example.com/bookmark.html') => ({ name: 'bookmark', label, signOnMode: 'BOOKMARK', settings: { app: { url } } });

async function events(org: TestOrg, eventType: string) {
  await org.services.log.flush();
  return (await org.services.store.listLogEvents({ limit: 10_000 })).filter((e) => e.eventType === eventType);
}

for (const backend of backends()) {
  describe(`Apps API (${backend.name})`, () => {
    let org: TestOrg;
    let defaultAccessPolicyId: string;

    const create = async (body: Json, query = '') => {
      const res = await org.request({ method: 'POST', url: `/api/v1/apps${query}`, payload: body });
      if (res.statusCode === 200) await assertMatchesSpec('createApplication', res);
      else await assertErrorMatchesSpec('createApplication', res);
      return res;
    };
    const get = async (id: string) => {
      const res = await org.request({ method: 'GET', url: `/api/v1/apps/${id}` });
      if (res.statusCode === 200) await assertMatchesSpec('getApplication', res);
      return res;
    };
    const count = async () => (await org.services.store.listApps({ limit: 10_000 })).length;
    const newUser = async (login: string) => (await org.userWithToken(login)).userId;
    const newGroup = async (name: string) => {
      const now = org.clock.now();
      const id = randomIds.objectId('group');
      await org.services.store.insertGroup({ id, type: 'OKTA_GROUP', name, description: null, created: now, lastUpdated: now, lastMembershipUpdated: now });
      return id;
    };
    /** Expects a 400 E0000001 with a cause starting with `field` and nothing stored. */
    const refused = async (body: Json, field: string, message?: RegExp) => {
      const before = await count();
      const res = await create(body);
      const error = assertOktaError(res, 400, 'E0000001');
      const cause = error.errorCauses.find((c) => c.errorSummary.startsWith(`${field}:`) || c.errorSummary.includes(`'${field.split('.').pop()}'`));
      assert.ok(cause, `a cause names ${field}: ${JSON.stringify(error.errorCauses)}`);
      if (message) assert.match(cause.errorSummary, message);
      assert.equal(await count(), before, 'nothing stored');
      return error;
    };

    before(async () => {
      org = await startOrg(backend);
      const policies = await org.request({ method: 'GET', url: '/api/v1/policies?type=ACCESS_POLICY' });
      defaultAccessPolicyId = policies.json().find((p: Json) => p.system).id;
    });
    after(() => org.close());

    describe('OIDC apps', () => {
      it('creates a web app: client_id is the app id, a 64-character secret shown once, mapped to the default app sign-in policy', async () => {
        const res = await create(WEB);
        assert.equal(res.statusCode, 200);
        const app = res.json();
        assert.match(app.id, /^0oa[A-Za-z0-9]{17}$/);
        assert.equal(app.status, 'ACTIVE');
        assert.equal(app.name, 'oidc_client');
        assert.equal(app.signOnMode, 'OPENID_CONNECT');
        assert.equal(app.credentials.oauthClient.client_id, app.id);
        assert.match(app.credentials.oauthClient.client_secret, /^[A-Za-z0-9_-]{64}$/);
        assert.equal(app.credentials.oauthClient.token_endpoint_auth_method, 'client_secret_basic');
        assert.equal(app.credentials.oauthClient.pkce_required, false);
        const client = app.settings.oauthClient;
        assert.deepEqual(client.response_types, ['code']);
        assert.equal(client.consent_method, 'TRUSTED');
        assert.deepEqual(client.refresh_token, { rotation_type: 'STATIC', leeway: 30 });
        assert.equal(app._links.accessPolicy.href, `${org.orgUrl}/api/v1/policies/${defaultAccessPolicyId}`);
        assert.equal(app._links.users.href, `${org.orgUrl}/api/v1/apps/${app.id}/users`);
        assert.ok(app._links.deactivate);

        const fetched = (await get(app.id)).json();
        assert.equal(fetched.credentials.oauthClient.client_secret, undefined, 'the secret is never shown again');
        assert.equal(fetched.credentials.oauthClient.client_id, app.id);

        const stored = await org.services.apps.findClient(app.id);
        assert.ok(stored);
        assert.notEqual(stored.clientSecretHash, app.credentials.oauthClient.client_secret);
        assert.equal(org.services.apps.verifyClientSecret(stored, app.credentials.oauthClient.client_secret), true);
        assert.equal(org.services.apps.verifyClientSecret(stored, app.credentials.oauthClient.client_secret.slice(1) + 'x'), false);

        const mappings = await org.request({ method: 'GET', url: `/api/v1/policies/${defaultAccessPolicyId}/mappings` });
        assert.ok(mappings.json().some((m: Json) => m._links.application?.href === `${org.orgUrl}/api/v1/apps/${app.id}`));
        assert.equal((await events(org, 'application.lifecycle.create')).filter((e) => e.target?.[0]?.id === app.id).length, 1);
        assert.equal((await events(org, 'application.lifecycle.activate')).filter((e) => e.target?.[0]?.id === app.id).length, 1);
      });

      it('browser apps are public clients: auth method none, PKCE required, no secret', async () => {
        const res = await create(oidc('SPA', { application_type: 'browser', grant_types: ['authorization_code'], redirect_uris: ['http://localhost:3000/cb'] }));
        assert.equal(res.statusCode, 200);
        const app = res.json();
        assert.equal(app.credentials.oauthClient.token_endpoint_auth_method, 'none');
        assert.equal(app.credentials.oauthClient.pkce_required, true);
        assert.equal(app.credentials.oauthClient.client_secret, undefined);
        const stored = await org.services.apps.findClient(app.id);
        assert.equal(stored!.clientSecretHash, null);
        assert.equal(org.services.apps.verifyClientSecret(stored!, 'anything'), false);

        await refused(oidc('SPA', { application_type: 'browser', grant_types: ['authorization_code'], redirect_uris: ['https://a.example.com/cb'] }, { token_endpoint_auth_method: 'client_secret_basic' }), 'credentials.oauthClient.token_endpoint_auth_method');
        await refused(oidc('SPA', { application_type: 'browser', grant_types: ['client_credentials'] }), 'settings.oauthClient.grant_types', /not allowed for a 'browser'/);
        await refused(oidc('SPA', { application_type: 'browser', grant_types: ['authorization_code'], redirect_uris: ['https://a.example.com/cb'] }, { pkce_required: false }), 'credentials.oauthClient.pkce_required');
      });

      it('native apps may use private-use URI schemes; web apps need https except on localhost', async () => {
        const native = await create(oidc('Native', { application_type: 'native', grant_types: ['authorization_code'], redirect_uris: ['com.example.app:/callback', 'myapp://cb'] }, { token_endpoint_auth_method: 'none' }));
        assert.equal(native.statusCode, 200);
        assert.equal(native.json().credentials.oauthClient.pkce_required, true);
        await refused(oidc('Web', { application_type: 'web', grant_types: ['authorization_code'], redirect_uris: ['myapp://cb'] }), 'settings.oauthClient.redirect_uris.0');
        await refused(oidc('Web', { application_type: 'web', grant_types: ['authorization_code'], redirect_uris: ['http://app.example.com/cb'] }), 'settings.oauthClient.redirect_uris.0', /https/);
        await refused(oidc('Web', { application_type: 'web', grant_types: ['authorization_code'], redirect_uris: ['https://app.example.com/cb#frag'] }), 'settings.oauthClient.redirect_uris.0', /fragment/);
        const local = await create(oidc('Web local', { application_type: 'web', grant_types: ['authorization_code'], redirect_uris: ['http://localhost:8080/cb'] }));
        assert.equal(local.statusCode, 200);
      });

      it('service apps use only client_credentials, need no redirect URI and cannot be public', async () => {
        const res = await create(oidc('Service', { application_type: 'service', grant_types: ['client_credentials'] }));
        assert.equal(res.statusCode, 200);
        const app = res.json();
        assert.deepEqual(app.settings.oauthClient.response_types, ['token']);
        assert.deepEqual(app.settings.oauthClient.redirect_uris, []);
        assert.match(app.credentials.oauthClient.client_secret, /^.{64}$/);
        await refused(oidc('Service', { application_type: 'service', grant_types: ['client_credentials', 'authorization_code'], redirect_uris: ['https://a.example.com'] }), 'settings.oauthClient.grant_types', /authorization_code/);
        await refused(oidc('Service', { application_type: 'service', grant_types: ['client_credentials'] }, { token_endpoint_auth_method: 'none' }), 'credentials.oauthClient.token_endpoint_auth_method');
      });

      it('grant types, response types and redirect URIs are checked together, every cause reported', async () => {
        await refused(oidc('x', { application_type: 'web', grant_types: ['implicit', 'authorization_code'], response_types: ['code'], redirect_uris: ['https://a.example.com'] }), 'settings.oauthClient.response_types', /implicit/);
        await refused(oidc('x', { application_type: 'web', grant_types: ['refresh_token'], redirect_uris: ['https://a.example.com'] }), 'settings.oauthClient.grant_types', /authorization_code/);
        await refused(oidc('x', { application_type: 'web', grant_types: ['authorization_code'] }), 'settings.oauthClient.redirect_uris', /At least one/);
        await refused(oidc('x', { application_type: 'web', grant_types: ['authorization_code'], response_types: ['token'], redirect_uris: ['https://a.example.com'] }), 'settings.oauthClient.response_types');
        await refused(oidc('x', { application_type: 'web', redirect_uris: ['https://a.example.com'] }), 'settings.oauthClient.grant_types', /blank/);
        await refused(oidc('x', { application_type: 'desktop', grant_types: ['authorization_code'] }), 'settings.oauthClient.application_type');
        await refused(oidc('x', { application_type: 'web', grant_types: ['magic'] }), 'settings.oauthClient.grant_types', /not a valid grant type/);
        await refused(oidc('x', { application_type: 'web', grant_types: ['authorization_code'], redirect_uris: ['https://a.example.com'], refresh_token: { rotation_type: 'ROTATE' } }), 'settings.oauthClient.refresh_token');
        await refused(oidc('x', { application_type: 'web', grant_types: ['authorization_code'], redirect_uris: ['https://a.example.com'] }, { token_endpoint_auth_method: 'private_key_jwt' }), 'settings.oauthClient.jwks');
        const many = await refused({ ...oidc('', { application_type: 'web', grant_types: ['authorization_code'] }), visibility: { autoLaunch: 'yes' } }, 'label');
        assert.ok(many.errorCauses.length >= 3, JSON.stringify(many.errorCauses));
        assert.match(many.errorSummary, /^Api validation failed: /);
      });

      it('implicit apps return tokens from the authorization endpoint', async () => {
        const res = await create(oidc('Implicit', { application_type: 'browser', grant_types: ['implicit'], response_types: ['id_token', 'token'], redirect_uris: ['https://spa.example.com/cb'] }));
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json().settings.oauthClient.response_types, ['id_token', 'token']);
      });

      it('a client may choose its client_id and secret within Okta\'s limits', async () => {
        const chosen = await create(oidc('Chosen', WEB.settings.oauthClient, { client_id: 'my-client.id', client_secret: 'a-chosen-secret-123' }));
        assert.equal(chosen.statusCode, 200);
        const app = chosen.json();
        assert.equal(app.credentials.oauthClient.client_id, 'my-client.id');
        assert.equal(app.credentials.oauthClient.client_secret, 'a-chosen-secret-123');
        const stored = await org.services.apps.findClient('my-client.id');
        assert.equal(stored?.id, app.id);
        assert.equal(org.services.apps.verifyClientSecret(stored!, 'a-chosen-secret-123'), true);

        await refused(oidc('Dup', WEB.settings.oauthClient, { client_id: 'my-client.id' }), 'credentials.oauthClient.client_id', /already exists/);
        await refused(oidc('x', WEB.settings.oauthClient, { client_secret: 'short' }), 'credentials.oauthClient.client_secret', /at least '14'/);
        await refused(oidc('x', WEB.settings.oauthClient, { client_secret: 'x'.repeat(101) }), 'credentials.oauthClient.client_secret', /more than '100'/);
        await refused(oidc('x', WEB.settings.oauthClient, { client_secret: 'ünïcödé-secret-value' }), 'credentials.oauthClient.client_secret', /printable ASCII/);
        await refused(oidc('x', WEB.settings.oauthClient, { token_endpoint_auth_method: 'client_secret_jwt', client_secret: 'sixteen-chars-ok' }), 'credentials.oauthClient.client_secret', /'32'/);
        await refused(oidc('x', { ...WEB.settings.oauthClient, jwks_uri: 'https://a.example.com/jwks' }, { token_endpoint_auth_method: 'private_key_jwt', client_secret: 'a-chosen-secret-123' }), 'credentials.oauthClient.client_secret', /private_key_jwt/);
        await refused(oidc('x', WEB.settings.oauthClient, { client_id: 'bad id!' }), 'credentials.oauthClient.client_id');
        await refused(oidc('x', WEB.settings.oauthClient, { client_id: 'ALL_CLIENTS' }), 'credentials.oauthClient.client_id', /reserved/);
      });
    });

    describe('bookmark apps and other kinds', () => {
      it('creates a bookmark app with Okta\'s defaults', async () => {
        const res = await create(bookmark('Intranet'));
        assert.equal(res.statusCode, 200);
        const app = res.json();
        assert.equal(app.name, 'bookmark');
        assert.equal(app.signOnMode, 'BOOKMARK');
        assert.deepEqual(app.settings.app, { requestIntegration: false, url: 'https://example.com/bookmark.html' });
        assert.equal(app.credentials.oauthClient, undefined);
        assert.deepEqual(app.visibility.appLinks, { login: true });
        assert.equal(app._links.accessPolicy.href, `${org.orgUrl}/api/v1/policies/${defaultAccessPolicyId}`);
      });

      it('a bookmark needs a URL', async () => {
        await refused({ name: 'bookmark', label: 'No URL', signOnMode: 'BOOKMARK', settings: { app: {} } }, 'settings.app.url', /blank/);
        await refused(bookmark('Bad URL', 'not a url'), 'settings.app.url');
        await refused({ ...bookmark('Profile'), profile: { a: 1 } }, 'profile');
      });

      it('refuses sign-on modes and catalog apps Tollgate does not serve, naming the field', async () => {
        await refused({ name: 'my_saml', label: 'SAML', signOnMode: 'SAML_2_0', settings: {} }, 'signOnMode', /SAML_2_0/);
        await refused({ name: 'template_swa', label: 'SWA', signOnMode: 'AUTO_LOGIN' }, 'signOnMode');
        await refused({ name: 'salesforce', label: 'SF', signOnMode: 'BOOKMARK', settings: { app: { url: 'https://a.example.com' } } }, 'name');
        await refused({ name: 'bookmark', label: 'Mismatch', signOnMode: 'OPENID_CONNECT' }, 'signOnMode');
        await refused({ label: 'No mode' }, 'signOnMode', /blank/);
      });
    });

    describe('lifecycle, replace and delete', () => {
      it('activate=false creates an inactive app; activate and deactivate answer 200 without a body', async () => {
        const app = (await create(bookmark('Lifecycle'), '?activate=false')).json();
        assert.equal(app.status, 'INACTIVE');
        assert.ok(app._links.activate);
        assert.equal((await events(org, 'application.lifecycle.activate')).filter((e) => e.target?.[0]?.id === app.id).length, 0);

        const activate = await org.request({ method: 'POST', url: `/api/v1/apps/${app.id}/lifecycle/activate` });
        await assertMatchesSpec('activateApplication', activate);
        assert.equal((await get(app.id)).json().status, 'ACTIVE');
        await org.request({ method: 'POST', url: `/api/v1/apps/${app.id}/lifecycle/activate` });
        assert.equal((await events(org, 'application.lifecycle.activate')).filter((e) => e.target?.[0]?.id === app.id).length, 1, 'activating an active app logs nothing');

        const deactivate = await org.request({ method: 'POST', url: `/api/v1/apps/${app.id}/lifecycle/deactivate` });
        await assertMatchesSpec('deactivateApplication', deactivate);
        assert.equal((await get(app.id)).json().status, 'INACTIVE');
        assert.equal((await events(org, 'application.lifecycle.deactivate')).filter((e) => e.target?.[0]?.id === app.id).length, 1);
      });

      it('deletes only inactive apps (E0000056), with their assignments and policy mapping', async () => {
        const app = (await create(bookmark('Doomed'))).json();
        const userId = await newUser('doomed-user@example.com');
        await org.request({ method: 'POST', url: `/api/v1/apps/${app.id}/users`, payload: { id: userId } });
        const active = await org.request({ method: 'DELETE', url: `/api/v1/apps/${app.id}` });
        assertOktaError(active, 403, 'E0000056', 'Delete application forbidden.');
        await assertErrorMatchesSpec('deleteApplication', active);
        assert.equal((await get(app.id)).statusCode, 200);

        await org.request({ method: 'POST', url: `/api/v1/apps/${app.id}/lifecycle/deactivate` });
        const deleted = await org.request({ method: 'DELETE', url: `/api/v1/apps/${app.id}` });
        await assertMatchesSpec('deleteApplication', deleted);
        assert.equal(deleted.statusCode, 204);
        const gone = await get(app.id);
        assertOktaError(gone, 404, 'E0000007', `Not found: Resource not found: ${app.id} (AppInstance)`);
        await assertErrorMatchesSpec('getApplication', gone);
        const mappings = (await org.request({ method: 'GET', url: `/api/v1/policies/${defaultAccessPolicyId}/mappings` })).json();
        assert.ok(!mappings.some((m: Json) => m._links.application?.href?.endsWith(app.id)));
        assert.equal((await events(org, 'application.lifecycle.delete')).filter((e) => e.target?.[0]?.id === app.id).length, 1);
        assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/apps/${app.id}` }), 404, 'E0000007');
        assertOktaError(await org.request({ method: 'POST', url: `/api/v1/apps/${app.id}/lifecycle/activate` }), 404, 'E0000007');
      });

      it('replaces an app: label and settings change, client_id and secret stay, name and status are ignored', async () => {
        const made = (await create(WEB)).json();
        const secret = made.credentials.oauthClient.client_secret;
        // Sent back as read: without the secret, which only the create response showed.
        const created = (await get(made.id)).json();
        org.clock.advance(1000);
        const body = { ...created, name: 'ignored', status: 'INACTIVE', label: 'Web app, renamed', settings: { oauthClient: { ...created.settings.oauthClient, redirect_uris: ['https://new.example.com/cb'] } } };
        const res = await org.request({ method: 'PUT', url: `/api/v1/apps/${created.id}`, payload: body });
        await assertMatchesSpec('replaceApplication', res);
        assert.equal(res.statusCode, 200);
        const replaced = res.json();
        assert.equal(replaced.label, 'Web app, renamed');
        assert.equal(replaced.name, 'oidc_client');
        assert.equal(replaced.status, 'ACTIVE');
        assert.deepEqual(replaced.settings.oauthClient.redirect_uris, ['https://new.example.com/cb']);
        assert.equal(replaced.credentials.oauthClient.client_secret, undefined, 'the kept secret is not shown');
        assert.notEqual(replaced.lastUpdated, created.lastUpdated);
        const stored = await org.services.apps.findClient(created.id);
        assert.equal(org.services.apps.verifyClientSecret(stored!, secret), true);
        assert.equal((await events(org, 'application.lifecycle.update')).filter((e) => e.target?.[0]?.id === created.id).length, 1);

        const same = await org.request({ method: 'PUT', url: `/api/v1/apps/${created.id}`, payload: replaced });
        assert.equal(same.statusCode, 200);
        assert.equal(same.json().lastUpdated, replaced.lastUpdated, 'an unchanged replace changes nothing');

        const rotated = await org.request({
          method: 'PUT',
          url: `/api/v1/apps/${created.id}`,
          payload: { ...replaced, credentials: { oauthClient: { ...replaced.credentials.oauthClient, client_secret: 'the-new-secret-value' } } },
        });
        assert.equal(rotated.json().credentials.oauthClient.client_secret, 'the-new-secret-value');
        const after = await org.services.apps.findClient(created.id);
        assert.equal(org.services.apps.verifyClientSecret(after!, secret), false);
        assert.equal(org.services.apps.verifyClientSecret(after!, 'the-new-secret-value'), true);

        const renamed = await org.request({ method: 'PUT', url: `/api/v1/apps/${created.id}`, payload: { ...replaced, credentials: { oauthClient: { client_id: 'another-id' } } } });
        assertOktaError(renamed, 400, 'E0000001');
        const remoded = await org.request({ method: 'PUT', url: `/api/v1/apps/${created.id}`, payload: { ...replaced, signOnMode: 'BOOKMARK' } });
        assertOktaError(remoded, 400, 'E0000001');
        await assertErrorMatchesSpec('replaceApplication', remoded);
        const bad = await org.request({ method: 'PUT', url: `/api/v1/apps/${created.id}`, payload: { ...replaced, settings: { oauthClient: { ...replaced.settings.oauthClient, redirect_uris: [] } } } });
        assertOktaError(bad, 400, 'E0000001');
        assert.deepEqual((await get(created.id)).json().settings.oauthClient.redirect_uris, ['https://new.example.com/cb'], 'a refused replace changes nothing');
        assertOktaError(await org.request({ method: 'PUT', url: '/api/v1/apps/0oaNoSuchApp000000000', payload: replaced }), 404, 'E0000007');
      });

      it('a public client that becomes confidential gets a new secret', async () => {
        const spa = (await create(oidc('Native to web', { application_type: 'native', grant_types: ['authorization_code'], redirect_uris: ['myapp://cb'] }, { token_endpoint_auth_method: 'none' }))).json();
        const res = await org.request({
          method: 'PUT',
          url: `/api/v1/apps/${spa.id}`,
          payload: { ...spa, credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_post' } } },
        });
        assert.equal(res.statusCode, 200);
        assert.match(res.json().credentials.oauthClient.client_secret, /^.{64}$/);
      });
    });

    describe('listing', () => {
      let ids: string[];
      before(async () => {
        ids = [];
        for (const label of ['Zeta list', 'Zebra list', 'Zulu list']) ids.push((await create(bookmark(label), label === 'Zulu list' ? '?activate=false' : '')).json().id);
      });

      it('q matches label or name prefixes, case-insensitively', async () => {
        const res = await org.request({ method: 'GET', url: '/api/v1/apps?q=ze' });
        await assertMatchesSpec('listApplications', res);
        assert.deepEqual(res.json().map((a: Json) => a.label).sort(), ['Zebra list', 'Zeta list']);
        const byName = (await org.request({ method: 'GET', url: '/api/v1/apps?q=bookm' })).json();
        assert.ok(byName.length >= 3 && byName.every((a: Json) => a.name === 'bookmark'));
      });

      it('filters on status, name, id, user.id and group.id', async () => {
        const inactive = (await org.request({ method: 'GET', url: `/api/v1/apps?filter=${encodeURIComponent('status eq "INACTIVE" and name eq "bookmark"')}` })).json();
        assert.ok(inactive.some((a: Json) => a.id === ids[2]));
        assert.ok(inactive.every((a: Json) => a.status === 'INACTIVE' && a.name === 'bookmark'));
        const one = (await org.request({ method: 'GET', url: `/api/v1/apps?filter=${encodeURIComponent(`id eq "${ids[0]}"`)}` })).json();
        assert.deepEqual(one.map((a: Json) => a.id), [ids[0]]);

        const userId = await newUser('list-filter@example.com');
        const groupId = await newGroup('List filter group');
        await org.services.store.addGroupMember(groupId, userId);
        await org.request({ method: 'POST', url: `/api/v1/apps/${ids[0]}/users`, payload: { id: userId } });
        await org.request({ method: 'PUT', url: `/api/v1/apps/${ids[1]}/groups/${groupId}` });
        const ofUser = (await org.request({ method: 'GET', url: `/api/v1/apps?filter=${encodeURIComponent(`user.id eq "${userId}"`)}` })).json();
        assert.deepEqual(ofUser.map((a: Json) => a.id).sort(), [ids[0], ids[1]].sort());
        const ofGroup = (await org.request({ method: 'GET', url: `/api/v1/apps?filter=${encodeURIComponent(`group.id eq "${groupId}"`)}` })).json();
        assert.deepEqual(ofGroup.map((a: Json) => a.id), [ids[1]]);

        for (const filter of ['status eq "GONE"', 'label eq "x"', 'status sw "A"', 'status eq "ACTIVE" or name eq "bookmark"', '']) {
          const res = await org.request({ method: 'GET', url: `/api/v1/apps?filter=${encodeURIComponent(filter)}` });
          const error = assertOktaError(res, 400, 'E0000001');
          assert.match(error.errorCauses[0]!.errorSummary, /^filter: /, filter);
        }
      });

      it('pages with limit and an opaque after cursor; limit=-1 is the default page', async () => {
        const all = (await org.request({ method: 'GET', url: '/api/v1/apps?limit=-1' })).json();
        assert.ok(all.length > 3);
        const seen: string[] = [];
        let url: string | undefined = '/api/v1/apps?limit=2';
        while (url) {
          const res = await org.request({ method: 'GET', url });
          await assertMatchesSpec('listApplications', res);
          seen.push(...res.json().map((a: Json) => a.id));
          const next = linkOf(res, 'next');
          url = next?.replace(org.orgUrl, '');
        }
        assert.deepEqual(seen, all.map((a: Json) => a.id));
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/apps?after=garbage' }), 400, 'E0000029');
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/apps?limit=0' }), 400, 'E0000001');
      });
    });

    describe('assignments', () => {
      let appId: string;
      let alice: string;
      let bob: string;
      let groupId: string;
      before(async () => {
        appId = (await create(oidc('Assigned', WEB.settings.oauthClient))).json().id;
        alice = await newUser('alice.apps@example.com');
        bob = await newUser('bob.apps@example.com');
        groupId = await newGroup('App users');
      });

      it('assigns a user directly (scope USER) and reads the assignment back', async () => {
        const res = await org.request({ method: 'POST', url: `/api/v1/apps/${appId}/users`, payload: { id: alice, scope: 'USER', profile: { team: 'blue' } } });
        await assertMatchesSpec('assignUserToApplication', res);
        const appUser = res.json();
        assert.equal(appUser.id, alice);
        assert.equal(appUser.scope, 'USER');
        assert.equal(appUser.status, 'ACTIVE');
        assert.deepEqual(appUser.credentials, { userName: 'alice.apps@example.com' });
        assert.deepEqual(appUser.profile, { team: 'blue' });
        assert.equal(appUser._links.user.href, `${org.orgUrl}/api/v1/users/${alice}`);
        const got = await org.request({ method: 'GET', url: `/api/v1/apps/${appId}/users/${alice}` });
        await assertMatchesSpec('getApplicationUser', got);
        assert.equal(got.json().scope, 'USER');
        const again = await org.request({ method: 'POST', url: `/api/v1/apps/${appId}/users`, payload: { id: alice, profile: { team: 'red' } } });
        assert.equal(again.statusCode, 200);
        assert.deepEqual(again.json().profile, { team: 'red' }, 'assigning again replaces the profile');
        assert.equal((await events(org, 'application.user_membership.add')).filter((e) => e.target?.[1]?.id === alice).length, 1);

        const updated = await org.request({ method: 'POST', url: `/api/v1/apps/${appId}/users/${alice}`, payload: { profile: { team: 'green' } } });
        await assertMatchesSpec('updateApplicationUser', updated);
        assert.deepEqual(updated.json().profile, { team: 'green' });
      });

      it('refuses unknown users and apps (404) and bad bodies (400)', async () => {
        const unknown = await org.request({ method: 'POST', url: `/api/v1/apps/${appId}/users`, payload: { id: '00uNoSuchUser0000000' } });
        assertOktaError(unknown, 404, 'E0000007', 'Not found: Resource not found: 00uNoSuchUser0000000 (User)');
        await assertErrorMatchesSpec('assignUserToApplication', unknown);
        assertOktaError(await org.request({ method: 'POST', url: '/api/v1/apps/0oaNoSuchApp000000000/users', payload: { id: alice } }), 404, 'E0000007');
        assertOktaError(await org.request({ method: 'POST', url: `/api/v1/apps/${appId}/users`, payload: {} }), 400, 'E0000001');
        assertOktaError(await org.request({ method: 'POST', url: `/api/v1/apps/${appId}/users`, payload: { id: bob, scope: 'GROUP' } }), 400, 'E0000001');
        assertOktaError(await org.request({ method: 'POST', url: `/api/v1/apps/${appId}/users`, payload: { id: bob, credentials: { password: { value: 'x' } } } }), 400, 'E0000001');
        assertOktaError(await org.request({ method: 'GET', url: `/api/v1/apps/${appId}/users/${bob}` }), 404, 'E0000007');
        assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/apps/${appId}/groups/00gNoSuchGroup000000` }), 404, 'E0000007');
        assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/apps/${appId}/groups/${groupId}`, payload: { priority: -1 } }), 400, 'E0000001');
        assert.equal((await org.services.store.listAppGroupAssignments(appId, { limit: 10 })).length, 0);
      });

      it('a group assignment makes its members app users with scope GROUP, following membership changes', async () => {
        await org.services.store.addGroupMember(groupId, bob);
        const res = await org.request({ method: 'PUT', url: `/api/v1/apps/${appId}/groups/${groupId}`, payload: { profile: { role: 'member' } } });
        await assertMatchesSpec('assignGroupToApplication', res);
        assert.equal(res.json().id, groupId);
        assert.equal(res.json().priority, 0);
        assert.deepEqual(res.json().profile, { role: 'member' });
        assert.equal(res.json()._links.group.href, `${org.orgUrl}/api/v1/groups/${groupId}`);

        const list = await org.request({ method: 'GET', url: `/api/v1/apps/${appId}/users` });
        await assertMatchesSpec('listApplicationUsers', list);
        const scopes = Object.fromEntries(list.json().map((u: Json) => [u.id, u.scope]));
        assert.deepEqual(scopes, { [alice]: 'USER', [bob]: 'GROUP' });
        const bobUser = list.json().find((u: Json) => u.id === bob);
        assert.deepEqual(bobUser.profile, { role: 'member' });
        assert.equal(bobUser._links.group.href, `${org.orgUrl}/api/v1/groups/${groupId}`);

        const carol = await newUser('carol.apps@example.com');
        await org.services.store.addGroupMember(groupId, carol);
        assert.equal((await org.request({ method: 'GET', url: `/api/v1/apps/${appId}/users/${carol}` })).json().scope, 'GROUP', 'a later member is an app user');

        const groups = await org.request({ method: 'GET', url: `/api/v1/apps/${appId}/groups` });
        await assertMatchesSpec('listApplicationGroupAssignments', groups);
        assert.deepEqual(groups.json().map((g: Json) => g.id), [groupId]);
        const one = await org.request({ method: 'GET', url: `/api/v1/apps/${appId}/groups/${groupId}` });
        await assertMatchesSpec('getApplicationGroupAssignment', one);
        assert.equal((await events(org, 'group.application_assignment.add')).filter((e) => e.target?.[1]?.id === groupId).length, 1);
      });

      it('a user assigned only through a group cannot be unassigned (E0000046); a direct assignment can', async () => {
        const refused = await org.request({ method: 'DELETE', url: `/api/v1/apps/${appId}/users/${bob}` });
        const error = assertOktaError(refused, 403, 'E0000046', 'Deactivate application for user forbidden.');
        assert.match(error.errorCauses[0]!.errorSummary, /group memberships grant them access/);
        await assertErrorMatchesSpec('unassignUserFromApplication', refused);

        await org.request({ method: 'POST', url: `/api/v1/apps/${appId}/users`, payload: { id: bob } });
        assert.equal((await org.request({ method: 'GET', url: `/api/v1/apps/${appId}/users/${bob}` })).json().scope, 'USER', 'a direct assignment wins');
        const removed = await org.request({ method: 'DELETE', url: `/api/v1/apps/${appId}/users/${bob}` });
        await assertMatchesSpec('unassignUserFromApplication', removed);
        assert.equal((await org.request({ method: 'GET', url: `/api/v1/apps/${appId}/users/${bob}` })).json().scope, 'GROUP', 'still assigned through the group');

        const direct = await org.request({ method: 'DELETE', url: `/api/v1/apps/${appId}/users/${alice}` });
        assert.equal(direct.statusCode, 204);
        assertOktaError(await org.request({ method: 'GET', url: `/api/v1/apps/${appId}/users/${alice}` }), 404, 'E0000007');
        assert.equal((await events(org, 'application.user_membership.remove')).filter((e) => e.target?.[1]?.id === alice).length, 1);
      });

      it('priorities default to the next one; removing a group assignment removes its members', async () => {
        const second = await newGroup('Second app group');
        const res = await org.request({ method: 'PUT', url: `/api/v1/apps/${appId}/groups/${second}`, payload: {} });
        assert.equal(res.json().priority, 1);
        const reordered = await org.request({ method: 'PUT', url: `/api/v1/apps/${appId}/groups/${second}`, payload: { priority: 0 } });
        assert.equal(reordered.json().priority, 0);
        const page1 = await org.request({ method: 'GET', url: `/api/v1/apps/${appId}/groups?limit=1` });
        assert.equal(page1.json().length, 1);
        assert.ok(linkOf(page1, 'next'));
        assert.deepEqual((await org.request({ method: 'GET', url: `/api/v1/apps/${appId}/groups?q=second` })).json().map((g: Json) => g.id), [second]);

        const removed = await org.request({ method: 'DELETE', url: `/api/v1/apps/${appId}/groups/${groupId}` });
        await assertMatchesSpec('unassignApplicationFromGroup', removed);
        assertOktaError(await org.request({ method: 'GET', url: `/api/v1/apps/${appId}/users/${bob}` }), 404, 'E0000007');
        assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/apps/${appId}/groups/${groupId}` }), 404, 'E0000007');
        assert.equal((await events(org, 'group.application_assignment.remove')).filter((e) => e.target?.[1]?.id === groupId).length, 1);
      });

      it('app users page by id and search login and name prefixes', async () => {
        const app = (await create(bookmark('Paged users'))).json().id;
        const users = [];
        for (const n of [1, 2, 3]) users.push(await newUser(`paged${n}@example.com`));
        for (const id of users) await org.request({ method: 'POST', url: `/api/v1/apps/${app}/users`, payload: { id } });
        const first = await org.request({ method: 'GET', url: `/api/v1/apps/${app}/users?limit=2` });
        assert.equal(first.json().length, 2);
        const next = linkOf(first, 'next')!;
        const rest = await org.request({ method: 'GET', url: next.replace(org.orgUrl, '') });
        assert.deepEqual([...first.json(), ...rest.json()].map((u: Json) => u.id), [...users].sort());
        assert.deepEqual((await org.request({ method: 'GET', url: `/api/v1/apps/${app}/users?q=PAGED2` })).json().map((u: Json) => u.id), [users[1]]);
      });
    });

    describe('app sign-in policy', () => {
      it('PUT /apps/{appId}/policies/{policyId} maps the app to another ACCESS_POLICY; both views agree', async () => {
        const app = (await create(bookmark('Policy app'))).json();
        const policy = (await org.request({ method: 'POST', url: '/api/v1/policies', payload: { type: 'ACCESS_POLICY', name: 'Stricter' } })).json();
        const res = await org.request({ method: 'PUT', url: `/api/v1/apps/${app.id}/policies/${policy.id}` });
        await assertMatchesSpec('assignApplicationPolicy', res);
        assert.equal(res.statusCode, 204);
        assert.equal((await get(app.id)).json()._links.accessPolicy.href, `${org.orgUrl}/api/v1/policies/${policy.id}`);
        const mine = (await org.request({ method: 'GET', url: `/api/v1/policies/${policy.id}/mappings` })).json();
        assert.deepEqual(mine.map((m: Json) => m._links.application.href), [`${org.orgUrl}/api/v1/apps/${app.id}`]);
        const defaults = (await org.request({ method: 'GET', url: `/api/v1/policies/${defaultAccessPolicyId}/mappings` })).json();
        assert.ok(!defaults.some((m: Json) => m._links.application?.href?.endsWith(app.id)), 'one ACCESS_POLICY per app');

        const unknown = await org.request({ method: 'PUT', url: `/api/v1/apps/${app.id}/policies/rstNoSuchPolicy00000` });
        assertOktaError(unknown, 404, 'E0000007', 'Not found: Resource not found: rstNoSuchPolicy00000 (Policy)');
        await assertErrorMatchesSpec('assignApplicationPolicy', unknown);
        const signOn = (await org.request({ method: 'GET', url: '/api/v1/policies?type=OKTA_SIGN_ON' })).json()[0];
        const wrongType = await org.request({ method: 'PUT', url: `/api/v1/apps/${app.id}/policies/${signOn.id}` });
        assertOktaError(wrongType, 400, 'E0000001');
        assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/apps/0oaNoSuchApp000000000/policies/${policy.id}` }), 404, 'E0000007');
        assert.equal((await get(app.id)).json()._links.accessPolicy.href, `${org.orgUrl}/api/v1/policies/${policy.id}`);
      });

      it('a policy apps are assigned to cannot be deleted until they are assigned another (test/policy-references.test.ts has the details)', async () => {
        const app = (await create(bookmark('Orphan app'))).json();
        const policy = (await org.request({ method: 'POST', url: '/api/v1/policies', payload: { type: 'ACCESS_POLICY', name: 'Short-lived' } })).json();
        await org.request({ method: 'PUT', url: `/api/v1/apps/${app.id}/policies/${policy.id}` });
        assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/policies/${policy.id}` }), 400, 'E0000001');
        assert.equal((await get(app.id)).json()._links.accessPolicy.href, `${org.orgUrl}/api/v1/policies/${policy.id}`);
        await org.request({ method: 'PUT', url: `/api/v1/apps/${app.id}/policies/${defaultAccessPolicyId}` });
        assert.equal((await org.request({ method: 'DELETE', url: `/api/v1/policies/${policy.id}` })).statusCode, 204);
        assert.equal((await get(app.id)).json()._links.accessPolicy.href, `${org.orgUrl}/api/v1/policies/${defaultAccessPolicyId}`);
      });
    });

    describe('permissions', () => {
      it('read-only admins read apps but cannot change them; users without roles see nothing', async () => {
        const app = (await create(bookmark('Guarded'))).json();
        const { token: reader } = await org.userWithToken('apps-reader@example.com', ['READ_ONLY_ADMIN']);
        assert.equal((await org.request({ method: 'GET', url: `/api/v1/apps/${app.id}`, token: reader })).statusCode, 200);
        assert.equal((await org.request({ method: 'GET', url: '/api/v1/apps', token: reader })).statusCode, 200);
        assertOktaError(await org.request({ method: 'POST', url: '/api/v1/apps', token: reader, payload: bookmark('Nope') }), 403, 'E0000006');
        assertOktaError(await org.request({ method: 'POST', url: `/api/v1/apps/${app.id}/lifecycle/deactivate`, token: reader }), 403, 'E0000006');
        const { token: nobody } = await org.userWithToken('apps-nobody@example.com');
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/apps', token: nobody }), 403, 'E0000006');
        assertOktaError(await org.request({ method: 'GET', url: `/api/v1/apps/${app.id}`, token: nobody }), 403, 'E0000006');
        // Nor can they tell which app ids exist: an unknown id is 403 too, not 404.
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/apps/0oaNoSuchApp00000000/users', token: nobody }), 403, 'E0000006');
      });

      it('an app admin targeted to one app sees, changes and assigns only that app', async () => {
        const mine = (await create(bookmark('Targeted mine'))).json();
        const other = (await create(bookmark('Targeted other'))).json();
        const { userId } = await org.userWithToken('apps-targeted@example.com');
        const now = org.clock.now();
        const assignmentId = randomIds.objectId('roleAssignment');
        await org.services.store.insertRoleAssignment({ id: assignmentId, principalType: 'USER', principalId: userId, roleType: 'APP_ADMIN', status: 'ACTIVE', created: now, lastUpdated: now });
        await org.services.store.addRoleTarget({ assignmentId, targetType: 'APP', targetId: mine.id, created: now });
        const { value: token } = await org.services.apiTokens.create(systemContext(randomIds.requestId()), { name: 'targeted', userLogin: 'apps-targeted@example.com' });

        const listed = (await org.request({ method: 'GET', url: '/api/v1/apps', token })).json();
        assert.deepEqual(listed.map((a: Json) => a.id), [mine.id]);
        assert.equal((await org.request({ method: 'GET', url: `/api/v1/apps/${mine.id}`, token })).statusCode, 200);
        assertOktaError(await org.request({ method: 'GET', url: `/api/v1/apps/${other.id}`, token }), 403, 'E0000006');
        const body = { ...mine, label: 'Targeted mine, renamed' };
        assert.equal((await org.request({ method: 'PUT', url: `/api/v1/apps/${mine.id}`, token, payload: body })).statusCode, 200);
        assertOktaError(await org.request({ method: 'PUT', url: `/api/v1/apps/${other.id}`, token, payload: { ...other, label: 'x' } }), 403, 'E0000006');
        const userOfMine = await newUser('targeted-assignee@example.com');
        assert.equal((await org.request({ method: 'POST', url: `/api/v1/apps/${mine.id}/users`, token, payload: { id: userOfMine } })).statusCode, 200);
        assertOktaError(await org.request({ method: 'POST', url: `/api/v1/apps/${other.id}/users`, token, payload: { id: userOfMine } }), 403, 'E0000006');
      });
    });

    describe('for other areas', () => {
      it('missingAppIds names the ids that are not apps', async () => {
        const app = (await create(bookmark('Referenced'))).json();
        assert.deepEqual(await org.services.store.missingAppIds([app.id, '0oaMissing0000000000', app.id]), ['0oaMissing0000000000']);
        assert.deepEqual(await org.services.store.missingAppIds([]), []);
      });

      it('principal rate limits accept an OAuth client by its client_id', async () => {
        const app = (await create(oidc('Rate limited', { application_type: 'service', grant_types: ['client_credentials'] }))).json();
        const res = await org.request({
          method: 'POST',
          url: '/api/v1/principal-rate-limits',
          payload: { principalId: app.credentials.oauthClient.client_id, principalType: 'OAUTH_CLIENT', defaultPercentage: 50, defaultConcurrencyPercentage: 75 },
        });
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(res.json().principalType, 'OAUTH_CLIENT');
        const unknown = await org.request({
          method: 'POST',
          url: '/api/v1/principal-rate-limits',
          payload: { principalId: '0oaNoSuchClient00000', principalType: 'OAUTH_CLIENT', defaultPercentage: 50 },
        });
        assertOktaError(unknown, 404, 'E0000007');
      });
    });
  });
}
