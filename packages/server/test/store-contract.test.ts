import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiTokenRecord } from '../src/domain/api-tokens/types.ts';
import type { PrincipalRateLimitRecord } from '../src/domain/rate-limits/types.ts';
import { randomIds } from '../src/domain/shared/ids.ts';
import type { Store } from '../src/domain/store.ts';
import type { LogEvent } from '../src/domain/system-log/types.ts';
import { ConflictError } from '../src/errors/storage.ts';
import { openStore } from '../src/storage/open-store.ts';
import { backends } from './helpers/backends.ts';

const T0 = Date.UTC(2026, 0, 1);

function user(login: string) {
  return {
    id: randomIds.objectId('user'),
    status: 'ACTIVE' as const,
    profile: { login, email: login, firstName: 'A', lastName: 'B' },
    created: T0,
    lastUpdated: T0,
    activated: T0,
    statusChanged: T0,
  };
}

function token(userId: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    id: randomIds.objectId('apiToken'),
    name: 'token',
    userId,
    clientName: 'Okta API',
    tokenHash: randomIds.uuid().replace(/-/g, '').padEnd(64, '0'),
    tokenWindow: 'P30D',
    network: { connection: 'ANYWHERE' },
    created: T0,
    lastUpdated: T0,
    lastUsed: T0,
    expiresAt: T0 + 1000,
    revoked: null,
    ...overrides,
  };
}

for (const backend of backends()) {
  describe(`store contract (${backend.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    before(async () => {
      const created = await backend.create();
      cleanup = created.cleanup;
      store = await openStore(created.target);
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    it('migrates idempotently: opening the same database again changes nothing', async () => {
      const again = await backend.create();
      const first = await openStore(again.target);
      await first.insertOrg({ id: '00oX', name: 'x', created: T0, lastUpdated: T0 });
      await first.close();
      const second = await openStore(again.target);
      assert.equal((await second.getOrg())?.id, '00oX');
      await second.close();
      await again.cleanup();
    });

    it('records bootstrap steps once; a second record is a conflict naming the step', async () => {
      await store.markBootstrapStep('contract-step', T0);
      assert.ok((await store.appliedBootstrapSteps()).has('contract-step'));
      await assert.rejects(store.markBootstrapStep('contract-step', T0), (e: unknown) => e instanceof ConflictError && e.field === 'name');
    });

    it('finds users by login case-insensitively and refuses a duplicate login as an E0000001 on login', async () => {
      const u = user('Case.Person@Example.com');
      await store.insertUser(u);
      // A user inserted without credentials has no password, no sign-in and no failed attempts.
      const stored = { ...u, lastLogin: null, failedAttempts: 0 };
      const read = async (found: Promise<object | undefined>) => {
        const row = (await found) as Record<string, unknown> | undefined;
        return row && Object.fromEntries(Object.keys(stored).map((k) => [k, row[k]]));
      };
      assert.deepEqual(await read(store.findUserByLogin('case.person@example.COM')), stored);
      assert.deepEqual(await read(store.getUser(u.id)), stored);
      await store.setUserStatus(u.id, 'SUSPENDED', T0 + 7);
      assert.deepEqual(await read(store.getUser(u.id)), { ...stored, status: 'SUSPENDED', statusChanged: T0 + 7, lastUpdated: T0 + 7 });
      await assert.rejects(store.insertUser(user('CASE.person@example.com')), (e: unknown) => {
        assert.ok(e instanceof ConflictError);
        assert.equal(e.code, 'E0000001');
        assert.equal(e.summary, 'Api validation failed: login');
        assert.deepEqual(e.causes, [{ errorSummary: 'login: An object with this field already exists in the current organization' }]);
        return true;
      });
    });

    it('resolves role types held directly and through groups, active ones only', async () => {
      const u = user('roles@example.com');
      await store.insertUser(u);
      const groupId = randomIds.objectId('group');
      await store.insertGroup({ id: groupId, type: 'OKTA_GROUP', name: 'Admins', description: null, created: T0, lastUpdated: T0, lastMembershipUpdated: T0 });
      await store.addGroupMember(groupId, u.id);
      await store.addGroupMember(groupId, u.id); // idempotent
      const base = { status: 'ACTIVE' as const, created: T0, lastUpdated: T0 };
      await store.insertRoleAssignment({ id: randomIds.objectId('roleAssignment'), principalType: 'USER', principalId: u.id, roleType: 'REPORT_ADMIN', ...base });
      await store.insertRoleAssignment({ id: randomIds.objectId('roleAssignment'), principalType: 'GROUP', principalId: groupId, roleType: 'ORG_ADMIN', ...base });
      await store.insertRoleAssignment({ id: randomIds.objectId('roleAssignment'), principalType: 'USER', principalId: u.id, roleType: 'SUPER_ADMIN', ...base, status: 'INACTIVE' });
      assert.deepEqual([...(await store.roleTypesOfUser(u.id))].sort(), ['ORG_ADMIN', 'REPORT_ADMIN']);
      assert.deepEqual(await store.findGroupByName('OKTA_GROUP', 'Admins').then((g) => g?.id), groupId);
    });

    it('stores API tokens, finds them by hash with their owner, and hides revoked ones', async () => {
      const u = user('tokens@example.com');
      await store.insertUser(u);
      const t = token(u.id, { network: { connection: 'ANYWHERE' } });
      await store.insertApiToken(t);
      const found = await store.findApiTokenByHash(t.tokenHash);
      assert.deepEqual(found?.token, t);
      assert.deepEqual(found?.owner, { id: u.id, login: u.profile.login, status: 'ACTIVE', firstName: 'A', lastName: 'B' });
      assert.deepEqual(await store.getApiToken(t.id), t);
      assert.equal(await store.revokeApiToken(t.id, T0 + 5), true);
      assert.equal(await store.revokeApiToken(t.id, T0 + 6), false, 'a second revoke finds nothing active');
      assert.equal(await store.findApiTokenByHash(t.tokenHash), undefined);
      assert.equal(await store.getApiToken(t.id), undefined);
      assert.equal(await store.hasAnyApiToken(), true);
    });

    it('refuses two tokens with the same hash', async () => {
      const u = user('dupe@example.com');
      await store.insertUser(u);
      const t = token(u.id);
      await store.insertApiToken(t);
      await assert.rejects(store.insertApiToken({ ...t, id: randomIds.objectId('apiToken') }), (e: unknown) => e instanceof ConflictError && e.field === 'token');
    });

    it('lists tokens in (created, id) keyset order, filtered by owner and by q, with LIKE wildcards taken literally', async () => {
      const owner = user('lister@example.com');
      const other = user('other-lister@example.com');
      await store.insertUser(owner);
      await store.insertUser(other);
      const mine = [
        token(owner.id, { name: 'Alpha 100%', created: T0 + 30 }),
        token(owner.id, { name: 'beta_x', created: T0 + 10 }),
        token(owner.id, { name: 'Gamma', created: T0 + 10 }),
      ];
      for (const t of mine) await store.insertApiToken(t);
      await store.insertApiToken(token(other.id, { name: 'alpha other', created: T0 + 20 }));

      const ordered = [...mine].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
      const listed = await store.listApiTokens({ userId: owner.id, limit: 10 });
      assert.deepEqual(listed.map((t) => t.id), ordered.map((t) => t.id));

      const page1 = await store.listApiTokens({ userId: owner.id, limit: 2 });
      const last = page1[1]!;
      const page2 = await store.listApiTokens({ userId: owner.id, limit: 2, after: { created: last.created, id: last.id } });
      assert.deepEqual([...page1, ...page2].map((t) => t.id), ordered.map((t) => t.id));

      assert.deepEqual((await store.listApiTokens({ q: 'ALPHA', limit: 10 })).map((t) => t.name).sort(), ['Alpha 100%', 'alpha other']);
      assert.deepEqual((await store.listApiTokens({ q: '100%', limit: 10 })).map((t) => t.name), ['Alpha 100%']);
      assert.deepEqual((await store.listApiTokens({ q: '%', limit: 10 })).map((t) => t.name), ['Alpha 100%']);
      assert.deepEqual((await store.listApiTokens({ q: 'a_x', limit: 10 })).map((t) => t.name), ['beta_x']);
      assert.equal((await store.listApiTokens({ q: 'okta api', limit: 10 })).length >= 4, true, 'q also matches clientName');
    });

    it('touches lastUsed only when the stored value is stale', async () => {
      const u = user('touch@example.com');
      await store.insertUser(u);
      const t = token(u.id, { lastUsed: T0, expiresAt: T0 + 100 });
      await store.insertApiToken(t);
      await store.touchApiToken(t.id, T0 + 50, T0 + 150, T0 - 1); // stored T0 is not <= T0-1
      assert.equal((await store.getApiToken(t.id))?.lastUsed, T0);
      await store.touchApiToken(t.id, T0 + 50, T0 + 150, T0);
      const touched = await store.getApiToken(t.id);
      assert.equal(touched?.lastUsed, T0 + 50);
      assert.equal(touched?.expiresAt, T0 + 150);
    });

    it('updates name and network', async () => {
      const u = user('update@example.com');
      await store.insertUser(u);
      const t = token(u.id);
      await store.insertApiToken(t);
      await store.updateApiToken(t.id, { name: 'renamed', network: { connection: 'ANYWHERE' }, lastUpdated: T0 + 9 });
      const updated = await store.getApiToken(t.id);
      assert.equal(updated?.name, 'renamed');
      assert.equal(updated?.lastUpdated, T0 + 9);
    });

    it('rolls a transaction back completely when its work throws, and commits it otherwise', async () => {
      const a = user('tx-a@example.com');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertUser(a);
          assert.ok(await tx.getUser(a.id), 'visible inside the transaction');
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.getUser(a.id), undefined);

      await store.transaction(async (tx) => {
        await tx.insertUser(a);
      });
      assert.ok(await store.getUser(a.id));
    });

    it('rolls back when a statement inside the transaction fails, and the store stays usable', async () => {
      const b = user('tx-b@example.com');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertUser(b);
          await tx.insertUser({ ...user('tx-b@example.com'), id: randomIds.objectId('user') });
        }),
        (e: unknown) => e instanceof ConflictError,
      );
      assert.equal(await store.getUser(b.id), undefined);
      await store.insertUser(b);
      assert.ok(await store.getUser(b.id));
    });

    it('reads outside a transaction see only committed data, and see a commit at once', async () => {
      const u = user('isolation@example.com');
      await store.insertUser(u);
      const t = token(u.id);
      let seenInside: ApiTokenRecord | undefined;
      let seenOutside: ApiTokenRecord | undefined = t;
      await store.transaction(async (tx) => {
        await tx.insertApiToken(t);
        seenInside = await tx.getApiToken(t.id);
        seenOutside = await store.getApiToken(t.id);
        assert.equal(await store.findApiTokenByHash(t.tokenHash), undefined);
      });
      assert.deepEqual(seenInside, t, 'a transaction reads its own writes');
      assert.equal(seenOutside, undefined, 'others do not see them before the commit');
      assert.deepEqual(await store.getApiToken(t.id), t, 'and do right after it');
      assert.equal((await store.findApiTokenByHash(t.tokenHash))?.token.id, t.id);
      await store.revokeApiToken(t.id, T0 + 1);
      assert.equal(await store.getApiToken(t.id), undefined, 'an autocommitted write is visible to the next read');
    });

    it('appends System Log events: persistence order for polling, publication order for bounded reads', async () => {
      const event = (published: string): LogEvent => ({
        uuid: randomIds.uuid(),
        published,
        eventType: 'test.event',
        version: '0',
        severity: 'INFO',
        displayMessage: 'test',
        actor: { id: 'x', type: 'User', alternateId: 'x@example.com', displayName: 'X' },
        client: {},
        outcome: { result: 'SUCCESS' },
        target: [{ id: 't1', type: 'Thing', alternateId: 't1', displayName: 'T1' }],
        transaction: { type: 'JOB', id: 'req1', detail: {} },
        debugContext: { debugData: {} },
        authenticationContext: { authenticationStep: 0 },
        securityContext: {},
        request: { ipChain: [] },
      });
      const later = event('2026-01-01T00:00:02.000Z');
      const earlier = event('2026-01-01T00:00:01.000Z');
      await store.appendLogEvent(later);
      await store.appendLogEvent(earlier);
      const listed = (await store.listLogEvents({ limit: 1000 })).filter((e) => e.eventType === 'test.event');
      assert.deepEqual(listed.map((e) => e.uuid), [later.uuid, earlier.uuid]);
      assert.deepEqual(listed[0], later, 'stored and read back unchanged');
      const window = { since: Date.parse('2026-01-01T00:00:00Z'), until: Date.parse('2026-01-01T00:00:03Z'), keywords: [], limit: 10 };
      const bounded = await store.queryLogEvents({ ...window, mode: 'bounded', sortOrder: 'ASCENDING' });
      assert.deepEqual(bounded.map((e) => (JSON.parse(e.json) as LogEvent).uuid), [earlier.uuid, later.uuid]);
      const polled = await store.queryLogEvents({ ...window, mode: 'polling', sortOrder: 'ASCENDING' });
      assert.deepEqual(polled.map((e) => (JSON.parse(e.json) as LogEvent).uuid), [later.uuid, earlier.uuid]);
      assert.equal(await store.lastLogSeq(), polled[1]!.seq);
      assert.equal(await store.purgeLogEvents(Date.parse('2026-01-01T00:00:02Z'), 100), 1, 'only the earlier one is older');
      assert.deepEqual((await store.listLogEvents({ limit: 1000 })).filter((e) => e.eventType === 'test.event').map((e) => e.uuid), [later.uuid]);
    });

    it('stores rate-limit settings by name: absent until written, then replaced; the generation counts bumps', async () => {
      assert.deepEqual(await store.readRateLimitSettings(), {});
      const start = await store.rateLimitGeneration();
      await store.transaction(async (tx) => {
        await tx.writeRateLimitSetting('perClient', { defaultMode: 'PREVIEW', useCaseModeOverrides: { LOGIN_PAGE: 'DISABLE' } }, T0);
        await tx.writeRateLimitSetting('warningThreshold', 60, T0);
        await tx.bumpRateLimitGeneration();
      });
      await store.writeRateLimitSetting('warningThreshold', 75, T0 + 1);
      await store.writeRateLimitSetting('notificationsEnabled', false, T0 + 1);
      await store.bumpRateLimitGeneration();
      assert.deepEqual(await store.readRateLimitSettings(), {
        perClient: { defaultMode: 'PREVIEW', useCaseModeOverrides: { LOGIN_PAGE: 'DISABLE' } },
        warningThreshold: 75,
        notificationsEnabled: false,
      });
      assert.equal(await store.rateLimitGeneration(), start + 2);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.writeRateLimitSetting('warningThreshold', 30, T0 + 2);
          await tx.bumpRateLimitGeneration();
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal((await store.readRateLimitSettings()).warningThreshold, 75, 'rolled back with its transaction');
      assert.equal(await store.rateLimitGeneration(), start + 2);
    });

    it('stores principal rate limits: one per principal, listed by type in (created, id) keyset order', async () => {
      const prl = (principalId: string, created: number, overrides: Partial<PrincipalRateLimitRecord> = {}): PrincipalRateLimitRecord => ({
        id: randomIds.objectId('principalRateLimit'),
        principalId,
        principalType: 'SSWS_TOKEN',
        defaultPercentage: 50,
        defaultConcurrencyPercentage: 40,
        createdDate: created,
        createdBy: '00uCreator',
        lastUpdate: created,
        lastUpdatedBy: '00uCreator',
        ...overrides,
      });
      const a = prl('00Tcontract-a', T0 + 2);
      const b = prl('00Tcontract-b', T0 + 1);
      const c = prl('00Tcontract-c', T0 + 1);
      const client = prl('0oacontract-1', T0, { principalType: 'OAUTH_CLIENT' });
      for (const r of [a, b, c, client]) await store.insertPrincipalRateLimit(r);
      assert.deepEqual(await store.getPrincipalRateLimit(a.id), a);
      assert.equal(await store.getPrincipalRateLimit('prlnope'), undefined);
      assert.deepEqual(await store.findPrincipalRateLimitByPrincipal(client.principalId), client);

      await assert.rejects(store.insertPrincipalRateLimit(prl(a.principalId, T0 + 9)), (e: unknown) => {
        assert.ok(e instanceof ConflictError);
        assert.equal(e.field, 'principalRateLimitMediated');
        assert.equal(e.summary, 'Api validation failed: principalRateLimitMediated');
        return true;
      });

      const ssws = [b, c].sort((x, y) => (x.id < y.id ? -1 : 1)).concat(a);
      assert.deepEqual(await store.listPrincipalRateLimits({ principalType: 'SSWS_TOKEN', limit: 10 }), ssws);
      assert.deepEqual(await store.listPrincipalRateLimits({ principalType: 'SSWS_TOKEN', limit: 1, after: { created: ssws[0]!.createdDate, id: ssws[0]!.id } }), [ssws[1]]);
      assert.deepEqual(await store.listPrincipalRateLimits({ principalType: 'SSWS_TOKEN', limit: 10, after: { created: ssws[2]!.createdDate, id: ssws[2]!.id } }), []);
      assert.deepEqual(await store.listPrincipalRateLimits({ principalType: 'SSWS_TOKEN', principalId: c.principalId, limit: 10 }), [c]);
      assert.deepEqual(await store.listPrincipalRateLimits({ principalType: 'OAUTH_CLIENT', limit: 10 }), [client]);
      assert.deepEqual(await store.listPrincipalRateLimits({ principalType: 'OAUTH_CLIENT', principalId: a.principalId, limit: 10 }), []);

      const changed = { ...a, defaultPercentage: 5, defaultConcurrencyPercentage: 100, lastUpdate: T0 + 20, lastUpdatedBy: '00uUpdater', createdBy: 'ignored' };
      await store.updatePrincipalRateLimit(changed);
      assert.deepEqual(await store.getPrincipalRateLimit(a.id), { ...changed, createdBy: a.createdBy }, 'only the percentages and last-update fields are written');
      assert.deepEqual(
        (await store.allPrincipalRateLimits()).filter((r) => r.principalId.includes('contract')).map((r) => r.id),
        [client.id, ...ssws.map((r) => r.id)],
      );
    });

    it('keeps the highest concurrency peak per traffic class and day, also under concurrent writers', async () => {
      await store.recordConcurrencyPeak('agents', '2026-03-01', 7);
      await store.recordConcurrencyPeak('agents', '2026-03-01', 3);
      await store.recordConcurrencyPeak('agents', '2026-02-28', 2);
      await store.recordConcurrencyPeak('agents', '2026-03-10', 1);
      await store.recordConcurrencyPeak('other', '2026-03-01', 99);
      const peaks = Array.from({ length: 40 }, (_, i) => (i * 37) % 101);
      await Promise.all(peaks.map((peak) => store.recordConcurrencyPeak('agents', '2026-03-02', peak)));
      assert.deepEqual(await store.concurrencyPeaks('agents', '2026-03-01'), [
        { day: '2026-03-01', peak: 7 },
        { day: '2026-03-02', peak: Math.max(...peaks) },
        { day: '2026-03-10', peak: 1 },
      ]);
      assert.deepEqual(await store.concurrencyPeaks('agents', '2026-01-01'), [
        { day: '2026-02-28', peak: 2 },
        { day: '2026-03-01', peak: 7 },
        { day: '2026-03-02', peak: 100 },
        { day: '2026-03-10', peak: 1 },
      ]);
      assert.deepEqual(await store.concurrencyPeaks('agents', '2026-03-11'), []);
      assert.deepEqual(await store.concurrencyPeaks('nobody', '2026-01-01'), []);
      await assert.rejects(store.recordConcurrencyPeak('agents', '1 March 2026', 5), 'a day that is not YYYY-MM-DD is refused');
      await assert.rejects(store.recordConcurrencyPeak('agents', '2026-03-03', -1), 'a negative peak is refused');
    });
  });
}
