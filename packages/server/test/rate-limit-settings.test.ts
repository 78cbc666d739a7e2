// The rate-limit settings APIs (`/api/v1/rate-limit-settings/*`) and principal rate limits
// (`/api/v1/principal-rate-limits`) through HTTP: defaults, writes, validation (with nothing
// stored), permissions, System Log events, paging, and the settings snapshot the request path
// reads, on this instance and on a second one sharing the database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import okta from '@okta/okta-sdk-nodejs';
import type { Client, PrincipalRateLimitEntity } from '@okta/okta-sdk-nodejs';
import type { LightMyRequestResponse } from 'fastify';
import { BOOTSTRAP_ADMIN_LOGIN, systemContext } from '../src/domain/org/bootstrap.ts';
import { randomIds } from '../src/domain/shared/ids.ts';
import { createServices } from '../src/services.ts';
import { openStore } from '../src/storage/open-store.ts';
import { backends } from './helpers/backends.ts';
import { ADMIN_TOKEN, ORG_URL, startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError, linkOf, links } from './helpers/assertions.ts';
import { startListeningOrg } from './helpers/listening-org.ts';

const PER_CLIENT = '/api/v1/rate-limit-settings/per-client';
const THRESHOLD = '/api/v1/rate-limit-settings/warning-threshold';
const NOTIFICATIONS = '/api/v1/rate-limit-settings/admin-notifications';
const PRL = '/api/v1/principal-rate-limits';
const SSWS_FILTER = `filter=${encodeURIComponent('principalType eq "SSWS_TOKEN"')}`;
const CONFIG_EVENT = 'system.rate_limit.configuration.update';

interface LogEventJson {
  eventType: string;
  displayMessage: string;
  actor: { id: string };
  target: { id: string; type: string; alternateId: string; displayName: string }[];
  debugContext: { debugData: Record<string, string> };
}

interface PrlJson {
  id: string;
  orgId: string;
  principalId: string;
  principalType: string;
  defaultPercentage: number;
  defaultConcurrencyPercentage: number;
  createdDate: string;
  createdBy: string;
  lastUpdate: string;
  lastUpdatedBy: string;
}

const causesOf = (res: LightMyRequestResponse) => (res.json() as { errorCauses: { errorSummary: string }[] }).errorCauses.map((c) => c.errorSummary);

for (const backend of backends()) {
  describe(`rate-limit settings and principal rate limits (${backend.name})`, () => {
    let org: TestOrg;
    let adminUserId: string;
    let adminTokenId: string;
    let orgId: string;

    before(async () => {
      org = await startOrg(backend);
      const [bootstrap] = (await org.request({ method: 'GET', url: '/api/v1/api-tokens' })).json();
      adminTokenId = bootstrap.id;
      adminUserId = bootstrap.userId;
      orgId = (await org.services.store.getOrg())!.id;
    });
    after(() => org.close());

    /** The events of a type, through the System Log API. */
    async function events(eventType: string): Promise<LogEventJson[]> {
      await org.services.log.flush();
      const res = await org.request({ method: 'GET', url: `/api/v1/logs?limit=1000&filter=${encodeURIComponent(`eventType eq "${eventType}"`)}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    }

    const put = (url: string, payload: unknown, token?: string) => org.request({ method: 'PUT', url, payload: payload as object, ...(token ? { token } : {}) });
    const get = (url: string, token?: string) => org.request({ method: 'GET', url, ...(token ? { token } : {}) });

    /** Asserts a 400 E0000001 whose causes name exactly `fields`, and that nothing was written. */
    async function refused(res: LightMyRequestResponse, fields: string[], state: () => Promise<unknown>, before: unknown) {
      const body = assertOktaError(res, 400, 'E0000001');
      assert.deepEqual(
        body.errorCauses.map((c) => c.errorSummary.split(':', 1)[0]),
        fields,
        `causes: ${JSON.stringify(body.errorCauses)}`,
      );
      assert.equal(body.errorSummary, `Api validation failed: ${fields.join(', ')}`);
      assert.deepEqual(await state(), before, 'nothing changed');
    }

    describe('per-client settings', () => {
      it('defaults to ENFORCE without overrides, in the API and in the snapshot', async () => {
        const res = await get(PER_CLIENT);
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), { defaultMode: 'ENFORCE' });
        assert.deepEqual(org.services.rateLimitSettings.snapshot().perClient, { defaultMode: 'ENFORCE', useCaseModeOverrides: {} });
      });

      it('replaces the settings, serves them back, updates the snapshot at once and logs one event', async () => {
        const before = (await events(CONFIG_EVENT)).length;
        const body = { defaultMode: 'PREVIEW', useCaseModeOverrides: { OIE_APP_INTENT: 'DISABLE', LOGIN_PAGE: 'ENFORCE' } };
        const res = await put(PER_CLIENT, body);
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json(), { defaultMode: 'PREVIEW', useCaseModeOverrides: { LOGIN_PAGE: 'ENFORCE', OIE_APP_INTENT: 'DISABLE' } });
        assert.deepEqual(Object.keys(res.json().useCaseModeOverrides), ['LOGIN_PAGE', 'OIE_APP_INTENT'], "in Okta's use-case order");
        assert.deepEqual((await get(PER_CLIENT)).json(), res.json());

        const snapshot = org.services.rateLimitSettings.snapshot();
        assert.deepEqual(snapshot.perClient, { defaultMode: 'PREVIEW', useCaseModeOverrides: { LOGIN_PAGE: 'ENFORCE', OIE_APP_INTENT: 'DISABLE' } });
        assert.ok(Object.isFrozen(snapshot) && Object.isFrozen(snapshot.perClient) && Object.isFrozen(snapshot.perClient.useCaseModeOverrides));

        const logged = await events(CONFIG_EVENT);
        assert.equal(logged.length, before + 1);
        const event = logged.at(-1)!;
        assert.equal(event.displayMessage, 'Update rate limit configuration');
        assert.equal(event.actor.id, adminUserId);
        assert.deepEqual(event.target, [
          { id: 'per-client', type: 'RateLimitSettings', alternateId: '/api/v1/rate-limit-settings/per-client', displayName: 'Per-client rate limit settings' },
        ]);
        assert.equal(event.debugContext.debugData.rateLimitSetting, 'per-client');
        assert.deepEqual(JSON.parse(event.debugContext.debugData.oldValue!), { defaultMode: 'ENFORCE', useCaseModeOverrides: {} });
        assert.deepEqual(JSON.parse(event.debugContext.debugData.newValue!), snapshot.perClient);
      });

      it('an identical PUT answers 200 and stores, logs and reloads nothing', async () => {
        const before = (await events(CONFIG_EVENT)).length;
        const snapshot = org.services.rateLimitSettings.snapshot();
        const res = await put(PER_CLIENT, { defaultMode: 'PREVIEW', useCaseModeOverrides: { LOGIN_PAGE: 'ENFORCE', OIE_APP_INTENT: 'DISABLE', OAUTH2_AUTHORIZE: null } });
        assert.equal(res.statusCode, 200);
        assert.equal((await events(CONFIG_EVENT)).length, before);
        assert.equal(org.services.rateLimitSettings.snapshot(), snapshot, 'the same snapshot object');
      });

      it('is a full replace: overrides left out are removed', async () => {
        const res = await put(PER_CLIENT, { defaultMode: 'ENFORCE' });
        assert.deepEqual(res.json(), { defaultMode: 'ENFORCE' });
        assert.deepEqual((await get(PER_CLIENT)).json(), { defaultMode: 'ENFORCE' });
        assert.deepEqual(org.services.rateLimitSettings.snapshot().perClient.useCaseModeOverrides, {});
        await put(PER_CLIENT, { defaultMode: 'ENFORCE', useCaseModeOverrides: { OAUTH2_AUTHORIZE: 'PREVIEW' } });
      });

      it('refuses bad input with causes naming each field, and changes nothing', async () => {
        const state = async () => [(await get(PER_CLIENT)).json(), await org.services.store.rateLimitGeneration(), (await events(CONFIG_EVENT)).length];
        const before = await state();
        const cases: [unknown, string[]][] = [
          [{}, ['defaultMode']],
          [{ defaultMode: 'ENFORCE_DEFAULT' }, ['defaultMode']],
          [{ defaultMode: 42 }, ['defaultMode']],
          [{ defaultMode: 'ENFORCE', useCaseModeOverrides: { AUTHORIZE: 'ENFORCE' } }, ['useCaseModeOverrides.AUTHORIZE']],
          [{ defaultMode: 'ENFORCE', useCaseModeOverrides: { LOGIN_PAGE: 'OFF', OIE_APP_INTENT: 'DISABLE' } }, ['useCaseModeOverrides.LOGIN_PAGE']],
          [{ defaultMode: 'ENFORCE', useCaseModeOverrides: ['LOGIN_PAGE'] }, ['useCaseModeOverrides']],
          [{ defaultMode: 'ENFORCE', useCaseModeOverrides: 'PREVIEW' }, ['useCaseModeOverrides']],
        ];
        for (const [payload, fields] of cases) await refused(await put(PER_CLIENT, payload), fields, state, before);
        const first = causesOf(await put(PER_CLIENT, { defaultMode: 'ENFORCE_DEFAULT' }));
        assert.deepEqual(first, ['defaultMode: must be one of ENFORCE, PREVIEW, DISABLE']);
        const unknownKey = causesOf(await put(PER_CLIENT, { defaultMode: 'ENFORCE', useCaseModeOverrides: { AUTHORIZE: 'ENFORCE' } }));
        assert.deepEqual(unknownKey, ['useCaseModeOverrides.AUTHORIZE: is not a use case; the use cases are LOGIN_PAGE, OAUTH2_AUTHORIZE, OIE_APP_INTENT']);

        for (const payload of ['', '{']) {
          assertOktaError(await org.request({ method: 'PUT', url: PER_CLIENT, headers: { 'content-type': 'application/json' }, payload }), 400, 'E0000003');
        }
        assert.deepEqual(await state(), before);
      });
    });

    describe('warning threshold', () => {
      it('defaults to 90 (a Workforce org), or to the configured default', async () => {
        assert.deepEqual((await get(THRESHOLD)).json(), { warningThreshold: 90 });
        assert.equal(org.services.rateLimitSettings.snapshot().warningThreshold, 90);
      });

      it('accepts 30 to 90, serves it back and updates the snapshot', async () => {
        for (const warningThreshold of [30, 90, 66]) {
          const res = await put(THRESHOLD, { warningThreshold });
          assert.equal(res.statusCode, 200, res.body);
          assert.deepEqual(res.json(), { warningThreshold });
          assert.deepEqual((await get(THRESHOLD)).json(), { warningThreshold });
          assert.equal(org.services.rateLimitSettings.snapshot().warningThreshold, warningThreshold);
        }
        const event = (await events(CONFIG_EVENT)).at(-1)!;
        assert.equal(event.target[0]!.id, 'warning-threshold');
        assert.deepEqual([event.debugContext.debugData.oldValue, event.debugContext.debugData.newValue], ['90', '66']);
      });

      it('refuses values outside 30-90, non-integers and a missing value, and changes nothing', async () => {
        const state = async () => [(await get(THRESHOLD)).json(), await org.services.store.rateLimitGeneration(), org.services.rateLimitSettings.snapshot().warningThreshold];
        const before = await state();
        for (const payload of [{ warningThreshold: 29 }, { warningThreshold: 91 }, { warningThreshold: 0 }, { warningThreshold: 50.5 }, { warningThreshold: '60' }, { warningThreshold: null }, {}]) {
          await refused(await put(THRESHOLD, payload), ['warningThreshold'], state, before);
        }
        assert.deepEqual(causesOf(await put(THRESHOLD, { warningThreshold: 91 })), ['warningThreshold: must be an integer from 30 to 90']);
      });
    });

    describe('admin notifications', () => {
      it('defaults to enabled; a PUT turns them off and logs the change', async () => {
        assert.deepEqual((await get(NOTIFICATIONS)).json(), { notificationsEnabled: true });
        assert.equal(org.services.rateLimitSettings.snapshot().notificationsEnabled, true);
        const res = await put(NOTIFICATIONS, { notificationsEnabled: false });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), { notificationsEnabled: false });
        assert.deepEqual((await get(NOTIFICATIONS)).json(), { notificationsEnabled: false });
        assert.equal(org.services.rateLimitSettings.snapshot().notificationsEnabled, false);
        const event = (await events(CONFIG_EVENT)).at(-1)!;
        assert.deepEqual(event.target[0], { id: 'admin-notifications', type: 'RateLimitSettings', alternateId: '/api/v1/rate-limit-settings/admin-notifications', displayName: 'Rate limit admin notifications' });
        assert.deepEqual([event.debugContext.debugData.oldValue, event.debugContext.debugData.newValue], ['true', 'false']);
      });

      it('refuses anything but a boolean, and changes nothing', async () => {
        const state = async () => [(await get(NOTIFICATIONS)).json(), await org.services.store.rateLimitGeneration()];
        const before = await state();
        for (const payload of [{ notificationsEnabled: 'true' }, { notificationsEnabled: 1 }, { notificationsEnabled: null }, {}]) {
          await refused(await put(NOTIFICATIONS, payload), ['notificationsEnabled'], state, before);
        }
      });
    });

    describe('permissions', () => {
      const reads = [PER_CLIENT, THRESHOLD, NOTIFICATIONS, `${PRL}?${SSWS_FILTER}`];
      const writes: [string, string, unknown][] = [
        ['PUT', PER_CLIENT, { defaultMode: 'DISABLE' }],
        ['PUT', THRESHOLD, { warningThreshold: 40 }],
        ['PUT', NOTIFICATIONS, { notificationsEnabled: true }],
        ['POST', PRL, { principalId: '00Tanything', principalType: 'SSWS_TOKEN' }],
      ];

      it('admins without a rate-limit role (help desk, user, group membership) and plain users get 403 E0000006 everywhere', async () => {
        const before = [(await get(PER_CLIENT)).json(), await org.services.store.rateLimitGeneration()];
        for (const roles of [['HELP_DESK_ADMIN'], ['USER_ADMIN', 'GROUP_MEMBERSHIP_ADMIN'], []] as const) {
          const { token } = await org.userWithToken(`denied-${roles.join('-') || 'none'}@example.com`, [...roles]);
          for (const url of reads) assertOktaError(await get(url, token), 403, 'E0000006');
          for (const [method, url, payload] of writes) {
            assertOktaError(await org.request({ method: method as 'PUT', url, payload: payload as object, token }), 403, 'E0000006');
          }
        }
        assert.deepEqual([(await get(PER_CLIENT)).json(), await org.services.store.rateLimitGeneration()], before);
      });

      it('read-only, app, report and API access management admins may read but not write', async () => {
        for (const role of ['READ_ONLY_ADMIN', 'APP_ADMIN', 'REPORT_ADMIN', 'API_ACCESS_MANAGEMENT_ADMIN'] as const) {
          const { token } = await org.userWithToken(`reader-${role.toLowerCase()}@example.com`, [role]);
          for (const url of reads) assert.equal((await get(url, token)).statusCode, 200, `${role} GET ${url}`);
          for (const [method, url, payload] of writes) {
            assertOktaError(await org.request({ method: method as 'PUT', url, payload: payload as object, token }), 403, 'E0000006');
          }
        }
      });

      it('an org admin may write', async () => {
        const { token, userId } = await org.userWithToken('org-admin-rl@example.com', ['ORG_ADMIN']);
        const res = await put(THRESHOLD, { warningThreshold: 75 }, token);
        assert.equal(res.statusCode, 200);
        assert.equal((await events(CONFIG_EVENT)).at(-1)!.actor.id, userId);
      });

      it('no Authorization header: 403 E0000005', async () => {
        for (const url of reads) assertOktaError(await org.request({ method: 'GET', url, token: null }), 403, 'E0000005');
      });
    });

    describe('principal rate limits', () => {
      let created: PrlJson;

      it('creates one for an API token: 201, Okta’s fields in the spec’s order, 50% defaults, the snapshot and an event', async () => {
        const res = await org.request({ method: 'POST', url: PRL, payload: { principalId: adminTokenId, principalType: 'SSWS_TOKEN' } });
        assert.equal(res.statusCode, 201, res.body);
        created = res.json();
        assert.deepEqual(Object.keys(created), ['id', 'orgId', 'principalId', 'principalType', 'defaultPercentage', 'defaultConcurrencyPercentage', 'createdDate', 'createdBy', 'lastUpdate', 'lastUpdatedBy']);
        assert.match(created.id, /^prl[A-Za-z0-9]{17}$/);
        const now = new Date(org.clock.now()).toISOString();
        assert.deepEqual(created, {
          id: created.id,
          orgId,
          principalId: adminTokenId,
          principalType: 'SSWS_TOKEN',
          defaultPercentage: 50,
          defaultConcurrencyPercentage: 50,
          createdDate: now,
          createdBy: adminUserId,
          lastUpdate: now,
          lastUpdatedBy: adminUserId,
        });
        assert.deepEqual(org.services.rateLimitSettings.snapshot().principals.get(adminTokenId), { percentage: 50, concurrencyPercentage: 50 });

        const event = (await events('system.api_token.update')).find((e) => e.debugContext.debugData.principalRateLimitId === created.id)!;
        assert.ok(event, 'system.api_token.update logged');
        assert.equal(event.displayMessage, 'Update API token');
        assert.deepEqual(event.target, [
          { id: adminTokenId, type: 'Token', alternateId: 'Bootstrap admin token', displayName: 'Bootstrap admin token' },
          { id: created.id, type: 'PrincipalRateLimitEntity', alternateId: adminTokenId, displayName: 'Principal rate limit' },
        ]);
        assert.equal(event.debugContext.debugData.defaultPercentage, '50');
      });

      it('gets it by id; an unknown id is 404 E0000007', async () => {
        const res = await get(`${PRL}/${created.id}`);
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), created);
        assertOktaError(await get(`${PRL}/prlnope`), 404, 'E0000007', 'Not found: Resource not found: prlnope (PrincipalRateLimitEntity)');
      });

      it('refuses a second entity for the same principal with Okta’s principalRateLimitMediated, and stores nothing', async () => {
        const count = async () => (await get(`${PRL}?${SSWS_FILTER}&limit=50`)).json().length;
        const before = await count();
        const res = await org.request({ method: 'POST', url: PRL, payload: { principalId: adminTokenId, principalType: 'SSWS_TOKEN', defaultPercentage: 80 } });
        const body = assertOktaError(res, 400, 'E0000001', 'Api validation failed: principalRateLimitMediated');
        assert.deepEqual(
          body.errorCauses.map((c) => c.errorSummary),
          [
            'principalRateLimitMediated: An object with this field already exists in the current organization',
            `principalId: ${adminTokenId} already has principal rate limit ${created.id}; replace it with PUT /api/v1/principal-rate-limits/${created.id}`,
          ],
        );
        assert.equal(await count(), before);
        assert.equal((await get(`${PRL}/${created.id}`)).json().defaultPercentage, 50);
      });

      it('two concurrent creates for one principal: exactly one succeeds', async () => {
        const { tokenId } = await org.userWithToken('race@example.com', ['READ_ONLY_ADMIN']);
        const results = await Promise.all(
          [60, 70, 80].map((defaultPercentage) => org.request({ method: 'POST', url: PRL, payload: { principalId: tokenId, principalType: 'SSWS_TOKEN', defaultPercentage } })),
        );
        assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 400, 400]);
        for (const r of results.filter((r) => r.statusCode === 400)) assert.equal(r.json().errorSummary, 'Api validation failed: principalRateLimitMediated');
      });

      it('needs an existing principal: 404 E0000007 for an unknown token and for any OAuth client (Tollgate has none)', async () => {
        const before = await org.services.store.rateLimitGeneration();
        assertOktaError(
          await org.request({ method: 'POST', url: PRL, payload: { principalId: '00Tnope', principalType: 'SSWS_TOKEN' } }),
          404,
          'E0000007',
          'Not found: Resource not found: 00Tnope (ApiToken)',
        );
        assertOktaError(
          await org.request({ method: 'POST', url: PRL, payload: { principalId: '0oa7yh346zIE1y84p1e7', principalType: 'OAUTH_CLIENT' } }),
          404,
          'E0000007',
          'Not found: Resource not found: 0oa7yh346zIE1y84p1e7 (AppInstance)',
        );
        assert.equal(await org.services.store.rateLimitGeneration(), before);
      });

      it('refuses bad input with causes naming each field, and stores nothing', async () => {
        const { tokenId } = await org.userWithToken('invalid-prl@example.com');
        const state = async () => [(await get(`${PRL}?filter=${encodeURIComponent(`principalType eq "SSWS_TOKEN" and principalId eq "${tokenId}"`)}`)).json(), await org.services.store.rateLimitGeneration(), org.services.rateLimitSettings.snapshot().principals.has(tokenId)];
        const before = await state();
        const ok = { principalId: tokenId, principalType: 'SSWS_TOKEN' };
        const cases: [unknown, string[]][] = [
          [{}, ['principalId', 'principalType']],
          [{ principalType: 'SSWS_TOKEN' }, ['principalId']],
          [{ principalId: tokenId }, ['principalType']],
          [{ ...ok, principalType: 'USER' }, ['principalType']],
          [{ ...ok, principalId: '' }, ['principalId']],
          [{ ...ok, defaultPercentage: 4 }, ['defaultPercentage']],
          [{ ...ok, defaultPercentage: 101, defaultConcurrencyPercentage: 0 }, ['defaultPercentage', 'defaultConcurrencyPercentage']],
          [{ ...ok, defaultPercentage: 50.5 }, ['defaultPercentage']],
          [{ ...ok, defaultConcurrencyPercentage: '50' }, ['defaultConcurrencyPercentage']],
        ];
        for (const [payload, fields] of cases) {
          const res = await org.request({ method: 'POST', url: PRL, payload: payload as object });
          await refused(res, fields, state, before);
        }
        assert.deepEqual(causesOf(await org.request({ method: 'POST', url: PRL, payload: { ...ok, defaultPercentage: 4 } })), ['defaultPercentage: must be an integer from 5 to 100']);
      });

      it('accepts 5 and 100, and read-only fields echoed in the body are ignored', async () => {
        const { tokenId } = await org.userWithToken('bounds@example.com');
        const res = await org.request({
          method: 'POST',
          url: PRL,
          payload: { id: 'prlMine', orgId: '00oOther', createdBy: '00uOther', createdDate: '2020-01-01T00:00:00.000Z', principalId: tokenId, principalType: 'SSWS_TOKEN', defaultPercentage: 5, defaultConcurrencyPercentage: 100 },
        });
        assert.equal(res.statusCode, 201, res.body);
        const body = res.json() as PrlJson;
        assert.notEqual(body.id, 'prlMine');
        assert.equal(body.orgId, orgId);
        assert.equal(body.createdBy, adminUserId);
        assert.deepEqual([body.defaultPercentage, body.defaultConcurrencyPercentage], [5, 100]);
        assert.deepEqual(org.services.rateLimitSettings.snapshot().principals.get(tokenId), { percentage: 5, concurrencyPercentage: 100 });
      });

      it('PUT replaces the percentages: 200, new lastUpdate and lastUpdatedBy, snapshot and event; the GET body can be sent back', async () => {
        org.clock.advance(60_000);
        const { token: orgAdmin, userId: orgAdminId } = await org.userWithToken('prl-updater@example.com', ['ORG_ADMIN']);
        const current = (await get(`${PRL}/${created.id}`)).json() as PrlJson;
        const res = await put(`${PRL}/${created.id}`, { ...current, defaultPercentage: 25, defaultConcurrencyPercentage: 75 }, orgAdmin);
        assert.equal(res.statusCode, 200, res.body);
        const updated = res.json() as PrlJson;
        assert.deepEqual(updated, {
          ...created,
          defaultPercentage: 25,
          defaultConcurrencyPercentage: 75,
          lastUpdate: new Date(org.clock.now()).toISOString(),
          lastUpdatedBy: orgAdminId,
        });
        assert.deepEqual((await get(`${PRL}/${created.id}`)).json(), updated);
        assert.deepEqual(org.services.rateLimitSettings.snapshot().principals.get(adminTokenId), { percentage: 25, concurrencyPercentage: 75 });
        const event = (await events('system.api_token.update')).at(-1)!;
        assert.equal(event.actor.id, orgAdminId);
        assert.deepEqual(event.debugContext.debugData, {
          ...event.debugContext.debugData,
          principalRateLimitId: created.id,
          defaultPercentage: '25',
          defaultConcurrencyPercentage: '75',
          previousDefaultPercentage: '50',
          previousDefaultConcurrencyPercentage: '50',
        });
        created = updated;
      });

      it('PUT without a percentage keeps the stored one; an unchanged PUT stores and logs nothing', async () => {
        const logged = (await events('system.api_token.update')).length;
        const generation = await org.services.store.rateLimitGeneration();
        org.clock.advance(1000);
        const res = await put(`${PRL}/${created.id}`, { principalId: adminTokenId, principalType: 'SSWS_TOKEN', defaultConcurrencyPercentage: 75 });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), created, 'lastUpdate unchanged');
        assert.equal((await events('system.api_token.update')).length, logged);
        assert.equal(await org.services.store.rateLimitGeneration(), generation);
      });

      it('PUT refuses a different principal or type (400 naming it), bad percentages and an unknown id (404), changing nothing', async () => {
        const state = async () => [(await get(`${PRL}/${created.id}`)).json(), await org.services.store.rateLimitGeneration()];
        const before = await state();
        const url = `${PRL}/${created.id}`;
        const base = { principalId: adminTokenId, principalType: 'SSWS_TOKEN' };
        await refused(await put(url, { ...base, principalId: '00Tother' }), ['principalId'], state, before);
        await refused(await put(url, { ...base, principalType: 'OAUTH_CLIENT' }), ['principalType'], state, before);
        await refused(await put(url, { principalId: '0oaX', principalType: 'OAUTH_CLIENT', defaultPercentage: 10 }), ['principalId', 'principalType'], state, before);
        await refused(await put(url, { ...base, defaultPercentage: 200 }), ['defaultPercentage'], state, before);
        await refused(await put(url, { defaultPercentage: 20 }), ['principalId', 'principalType'], state, before);
        assert.deepEqual(causesOf(await put(url, { ...base, principalId: '00Tother' })), [`principalId: The principal of a principal rate limit cannot be changed from ${adminTokenId}`]);
        assertOktaError(await put(`${PRL}/prlnope`, base), 404, 'E0000007');
        assert.deepEqual(await state(), before);
      });

      it('has no DELETE: 405 E0000022 with an Allow header', async () => {
        const res = await org.request({ method: 'DELETE', url: `${PRL}/${created.id}` });
        assertOktaError(res, 405, 'E0000022');
        assert.equal(res.headers.allow, 'GET, PUT');
        assert.equal((await get(`${PRL}/${created.id}`)).statusCode, 200);
      });
    });

    describe('listing principal rate limits', () => {
      let all: PrlJson[];

      before(async () => {
        // Enough tokens with entities to fill more than one page at the maximum limit (50).
        const ctx = systemContext(randomIds.requestId());
        for (let i = 0; i < 52; i++) {
          org.clock.advance(1000);
          const { token } = await org.services.apiTokens.create(ctx, { name: `pager ${i}`, userLogin: BOOTSTRAP_ADMIN_LOGIN });
          await org.services.rateLimitSettings.createPrincipalRateLimit(ctx, { principalId: token.id, principalType: 'SSWS_TOKEN', defaultPercentage: 10 + (i % 50) });
        }
        all = [];
        let url: string | undefined = `${PRL}?${SSWS_FILTER}&limit=50`;
        while (url) {
          const res = await get(url.replace(ORG_URL, ''));
          all.push(...(res.json() as PrlJson[]));
          url = linkOf(res, 'next');
        }
      });

      it('requires the filter: 400 E0000001 naming filter', async () => {
        for (const url of [PRL, `${PRL}?filter=`, `${PRL}?filter=%20`]) {
          const body = assertOktaError(await get(url), 400, 'E0000001', 'Api validation failed: filter');
          assert.deepEqual(body.errorCauses, [{ errorSummary: 'filter: The field is required; for example principalType eq "SSWS_TOKEN"' }]);
        }
      });

      it('refuses any other filter with a cause naming filter', async () => {
        for (const filter of [
          'principalType eq "USER"',
          'principalType eq SSWS_TOKEN',
          'principalType ne "SSWS_TOKEN"',
          'principalType eq "SSWS_TOKEN" or principalType eq "OAUTH_CLIENT"',
          'principalId eq "00T1"',
          'principalType eq "SSWS_TOKEN" and principalType eq "OAUTH_CLIENT"',
          'createdBy eq "00u1" and principalType eq "SSWS_TOKEN"',
          'principalType eq "SSWS_TOKEN" and',
          'status eq "ACTIVE"',
        ]) {
          const body = assertOktaError(await get(`${PRL}?filter=${encodeURIComponent(filter)}`), 400, 'E0000001', 'Api validation failed: filter');
          assert.equal(body.errorCauses.length, 1, filter);
          assert.match(body.errorCauses[0]!.errorSummary, /^filter: /, filter);
        }
      });

      it('lists by principal type in creation order; OAUTH_CLIENT is empty; principalId narrows to one', async () => {
        assert.ok(all.length >= 55, `${all.length} entities`);
        assert.ok(all.every((p) => p.principalType === 'SSWS_TOKEN'));
        const sorted = [...all].sort((a, b) => a.createdDate.localeCompare(b.createdDate) || (a.id < b.id ? -1 : 1));
        assert.deepEqual(all.map((p) => p.id), sorted.map((p) => p.id));
        assert.equal(new Set(all.map((p) => p.id)).size, all.length, 'no entity twice');

        const oauth = await get(`${PRL}?filter=${encodeURIComponent('principalType eq "OAUTH_CLIENT"')}`);
        assert.equal(oauth.statusCode, 200);
        assert.deepEqual(oauth.json(), []);
        assert.deepEqual(links(oauth).length, 1);

        const one = await get(`${PRL}?filter=${encodeURIComponent(`principalType EQ "SSWS_TOKEN" AND principalId eq "${adminTokenId}"`)}`);
        assert.equal(one.statusCode, 200);
        assert.deepEqual(one.json().map((p: PrlJson) => p.principalId), [adminTokenId]);
      });

      it('defaults to 20 per page, clamps limit to 50, and follows next links to the end', async () => {
        const first = await get(`${PRL}?${SSWS_FILTER}`);
        assert.equal(first.json().length, 20);
        assert.equal(new URL(linkOf(first, 'next')!).searchParams.get('limit'), '20');

        const clamped = await get(`${PRL}?${SSWS_FILTER}&limit=500`);
        assert.equal(clamped.json().length, 50);
        const next = new URL(linkOf(clamped, 'next')!);
        assert.equal(next.searchParams.get('limit'), '50');
        assert.equal(next.searchParams.get('filter'), 'principalType eq "SSWS_TOKEN"', 'the filter is carried');
        assert.equal(linkOf(clamped, 'self'), `${ORG_URL}${PRL}?${SSWS_FILTER}&limit=500`);

        const seen: string[] = [];
        let url: string | undefined = `${PRL}?${SSWS_FILTER}&limit=7`;
        let pages = 0;
        while (url) {
          const res = await get(url.replace(ORG_URL, ''));
          assert.equal(res.statusCode, 200);
          seen.push(...res.json().map((p: PrlJson) => p.id));
          url = linkOf(res, 'next');
          pages++;
        }
        assert.deepEqual(seen, all.map((p) => p.id));
        assert.equal(pages, Math.ceil(all.length / 7));
      });

      it('bad limit and forged cursor: 400 E0000001 and E0000029', async () => {
        assertOktaError(await get(`${PRL}?${SSWS_FILTER}&limit=0`), 400, 'E0000001');
        assertOktaError(await get(`${PRL}?${SSWS_FILTER}&after=garbage!`), 400, 'E0000029');
      });

      it('the snapshot holds every principal’s share', async () => {
        const { principals } = org.services.rateLimitSettings.snapshot();
        for (const p of all) assert.deepEqual(principals.get(p.principalId), { percentage: p.defaultPercentage, concurrencyPercentage: p.defaultConcurrencyPercentage });
      });
    });

    describe('a second instance on the same database', () => {
      it('sees another instance’s changes after refresh(), and reloads nothing while the generation stands', async () => {
        const store = await openStore(org.target);
        const second = createServices({
          store,
          clock: org.clock,
          ids: randomIds,
          authCacheMs: 0,
          logRetentionDays: 90,
          defaultWarningThreshold: 60,
          logSink: { writeFailed: () => undefined, dropped: () => undefined },
        });
        try {
          const initial = second.rateLimitSettings.snapshot();
          assert.equal(initial.warningThreshold, 60, 'before loading: the defaults');
          assert.equal(initial.principals.size, 0);

          await second.rateLimitSettings.start();
          const loaded = second.rateLimitSettings.snapshot();
          const mine = org.services.rateLimitSettings.snapshot();
          assert.deepEqual(loaded, mine, 'the same settings as the first instance');
          await second.rateLimitSettings.refresh();
          assert.equal(second.rateLimitSettings.snapshot(), loaded, 'no change, no reload');

          const { tokenId } = await org.userWithToken('second-instance@example.com');
          assert.equal((await put(THRESHOLD, { warningThreshold: 45 })).statusCode, 200);
          assert.equal((await put(PER_CLIENT, { defaultMode: 'DISABLE', useCaseModeOverrides: { LOGIN_PAGE: 'PREVIEW' } })).statusCode, 200);
          assert.equal((await org.request({ method: 'POST', url: PRL, payload: { principalId: tokenId, principalType: 'SSWS_TOKEN', defaultPercentage: 33 } })).statusCode, 201);
          assert.equal(second.rateLimitSettings.snapshot(), loaded, 'stale until it refreshes');

          await second.rateLimitSettings.refresh();
          const refreshed = second.rateLimitSettings.snapshot();
          assert.equal(refreshed.warningThreshold, 45);
          assert.deepEqual(refreshed.perClient, { defaultMode: 'DISABLE', useCaseModeOverrides: { LOGIN_PAGE: 'PREVIEW' } });
          assert.deepEqual(refreshed.principals.get(tokenId), { percentage: 33, concurrencyPercentage: 50 });
          assert.deepEqual(refreshed, org.services.rateLimitSettings.snapshot());

          // And the other way round: a write through the second instance reaches the first.
          await second.rateLimitSettings.replaceNotificationsEnabled(systemContext(randomIds.requestId()), { notificationsEnabled: true });
          assert.equal(second.rateLimitSettings.snapshot().notificationsEnabled, true, 'the writer sees its own write at once');
          await org.services.rateLimitSettings.refresh();
          assert.equal(org.services.rateLimitSettings.snapshot().notificationsEnabled, true);
        } finally {
          await second.rateLimitSettings.stop();
          await second.log.close();
          await store.close();
        }
      });
    });
  });

  describe(`the official Okta Node SDK against the rate-limit APIs (${backend.name})`, () => {
    let org: TestOrg;
    let client: Client;
    let tokenId: string;

    before(async () => {
      org = await startListeningOrg(backend);
      client = new okta.Client({ orgUrl: org.orgUrl, token: ADMIN_TOKEN, authorizationMode: 'SSWS' });
      tokenId = (await org.userWithToken('sdk-prl@example.com')).tokenId;
    });
    after(() => org.close());

    it('runs Okta’s own principal rate limit flow: create, duplicate, filtered list, get, replace with the fetched entity', async () => {
      const entity = { principalId: tokenId, principalType: 'SSWS_TOKEN' as const, defaultPercentage: 90, defaultConcurrencyPercentage: 90 };
      const created = await client.principalRateLimitApi.createPrincipalRateLimitEntity({ entity });
      assert.ok(created instanceof okta.PrincipalRateLimitEntity);
      assert.equal(created.principalId, tokenId);
      assert.ok(created.createdDate instanceof Date && !Number.isNaN(created.createdDate.getTime()));

      let caught: unknown;
      await assert.rejects(client.principalRateLimitApi.createPrincipalRateLimitEntity({ entity }), (error: unknown) => {
        caught = error;
        return true;
      });
      assert.ok(caught instanceof okta.OktaApiError);
      assert.equal(caught.status, 400);
      assert.ok(caught.errorSummary.includes('Api validation failed: principalRateLimitMediated'), caught.errorSummary);

      const found: PrincipalRateLimitEntity[] = [];
      await (await client.principalRateLimitApi.listPrincipalRateLimitEntities({ filter: `principalType eq "SSWS_TOKEN" and principalId eq "${tokenId}"` })).each((e) => {
        found.push(e);
      });
      assert.deepEqual(found.map((e) => e.id), [created.id]);

      const fetched = await client.principalRateLimitApi.getPrincipalRateLimitEntity({ principalRateLimitId: created.id! });
      fetched.defaultConcurrencyPercentage = 95;
      const replaced = await client.principalRateLimitApi.replacePrincipalRateLimitEntity({ principalRateLimitId: fetched.id!, entity: fetched });
      assert.equal(replaced.id, created.id);
      assert.equal(replaced.defaultConcurrencyPercentage, 95);
      assert.deepEqual(org.services.rateLimitSettings.snapshot().principals.get(tokenId), { percentage: 90, concurrencyPercentage: 95 });
    });

    it('reads and replaces the three settings', async () => {
      const perClient = await client.rateLimitSettingsApi.replaceRateLimitSettingsPerClient({
        perClientRateLimitSettings: { defaultMode: 'PREVIEW', useCaseModeOverrides: { LOGIN_PAGE: 'ENFORCE' } },
      });
      assert.equal(perClient.defaultMode, 'PREVIEW');
      assert.equal((await client.rateLimitSettingsApi.getRateLimitSettingsPerClient()).useCaseModeOverrides?.LOGIN_PAGE, 'ENFORCE');
      const threshold = await client.rateLimitSettingsApi.replaceRateLimitSettingsWarningThreshold({ rateLimitWarningThreshold: { warningThreshold: 66 } });
      assert.equal(threshold.warningThreshold, 66);
      assert.equal((await client.rateLimitSettingsApi.getRateLimitSettingsWarningThreshold()).warningThreshold, 66);
      const notifications = await client.rateLimitSettingsApi.replaceRateLimitSettingsAdminNotifications({ RateLimitAdminNotifications: { notificationsEnabled: false } });
      assert.equal(notifications.notificationsEnabled, false);
      assert.equal((await client.rateLimitSettingsApi.getRateLimitSettingsAdminNotifications()).notificationsEnabled, false);
      assert.deepEqual(org.services.rateLimitSettings.snapshot().perClient, { defaultMode: 'PREVIEW', useCaseModeOverrides: { LOGIN_PAGE: 'ENFORCE' } });
    });
  });
}
