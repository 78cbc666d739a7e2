// POST /api/v1/authn (primary authentication) on every backend: SUCCESS with a one-time session
// token stored as a hash, 401 E0000004 for unknown users, wrong passwords and statuses that may
// not sign in (each after one KDF evaluation), PASSWORD_EXPIRED (admin expiry and maxAgeDays),
// LOCKED_OUT hidden unless showLockoutFailures, autoUnlockMinutes, and the events.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError } from './helpers/assertions.ts';
import { setDefaultPasswordPolicy } from './users-password-policy.ts';
import { systemContext } from '../src/domain/org/bootstrap.ts';
import { randomIds } from '../src/domain/shared/ids.ts';
import { POLICY_ENGINE_RECHECK_MS } from '../src/domain/policy-engine/service.ts';
import { createServices } from '../src/services.ts';
import { openStore } from '../src/storage/open-store.ts';

const PASSWORD = 'S1gn-In-Please!';

for (const backend of backends()) {
  describe(`Primary authentication (${backend.name})`, () => {
    let org: TestOrg;
    const signIn = (username: string, password: string) => org.request({ method: 'POST', url: '/api/v1/authn', payload: { username, password }, token: null });
    const createUser = async (login: string, query = '') => {
      const res = await org.request({
        method: 'POST',
        url: `/api/v1/users${query}`,
        payload: { profile: { login, email: login, firstName: 'Sig', lastName: 'Nin', locale: 'fr_FR' }, credentials: { password: { value: PASSWORD } } },
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().id as string;
    };

    before(async () => {
      org = await startOrg(backend);
    });
    after(() => org.close());

    it('answers SUCCESS with a session token whose hash only is stored, and sets lastLogin', async () => {
      const id = await createUser('ok@example.com');
      const res = await signIn('OK@example.com', PASSWORD);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.status, 'SUCCESS');
      assert.match(body.sessionToken, /^[A-Za-z0-9_-]{40}$/);
      assert.equal(body.expiresAt, new Date(org.clock.now() + 5 * 60_000).toISOString());
      assert.deepEqual(body._embedded.user.profile, { login: 'ok@example.com', firstName: 'Sig', lastName: 'Nin', locale: 'fr_FR', timeZone: 'America/Los_Angeles' });
      assert.equal(body._embedded.user.id, id);
      const user = (await org.request({ method: 'GET', url: `/api/v1/users/${id}` })).json();
      assert.equal(user.lastLogin, new Date(org.clock.now()).toISOString());
      assert.equal(await org.services.store.deleteSessionsOfUser(id), 1);
      await org.services.log.flush();
      const events = await org.services.store.listLogEvents({ limit: 10_000 });
      const starts = events.filter((e) => e.eventType === 'user.session.start' && e.actor.id === id);
      assert.equal(starts[0]?.outcome.result, 'SUCCESS');
      // Neither the password nor the session token reaches the server's log or the System Log.
      assertOktaError(await signIn('ok@example.com', 'Wr0ng-Secret-Value!'), 401, 'E0000004');
      await org.services.log.flush();
      const written = org.logLines.join('\n') + JSON.stringify(await org.services.store.listLogEvents({ limit: 10_000 }));
      for (const secret of [PASSWORD, 'Wr0ng-Secret-Value!', body.sessionToken]) assert.ok(!written.includes(secret), secret);
    });

    it('answers 401 E0000004 for wrong passwords, unknown users and users who may not sign in, each after one KDF check', async () => {
      const id = await createUser('sus@example.com');
      for (const [username, password] of [
        ['ok@example.com', 'Wrong-pass-1'],
        ['nobody@example.com', PASSWORD],
      ]) {
        const before = org.services.signIn.kdfEvaluations;
        assertOktaError(await signIn(username!, password!), 401, 'E0000004', 'Authentication failed');
        assert.equal(org.services.signIn.kdfEvaluations - before, 1);
      }
      await org.request({ method: 'POST', url: `/api/v1/users/${id}/lifecycle/suspend` });
      const before = org.services.signIn.kdfEvaluations;
      assertOktaError(await signIn('sus@example.com', PASSWORD), 401, 'E0000004');
      assert.equal(org.services.signIn.kdfEvaluations - before, 1);
      const staged = (await org.request({ method: 'POST', url: '/api/v1/users?activate=false', payload: { profile: { login: 'st@example.com', email: 'st@example.com', firstName: 'S', lastName: 'T' } } })).json();
      assert.equal(staged.status, 'STAGED');
      assertOktaError(await signIn('st@example.com', PASSWORD), 401, 'E0000004');
      assertOktaError(await org.request({ method: 'POST', url: '/api/v1/authn', payload: { username: 'ok@example.com' }, token: null }), 400, 'E0000001');
    });

    it('answers PASSWORD_EXPIRED after an admin expiry and after maxAgeDays', async () => {
      const id = await createUser('exp@example.com');
      await org.request({ method: 'POST', url: `/api/v1/users/${id}/lifecycle/expire_password` });
      const res = (await signIn('exp@example.com', PASSWORD)).json();
      assert.equal(res.status, 'PASSWORD_EXPIRED');
      assert.ok(res.stateToken);
      assert.equal(res.sessionToken, undefined);

      const aged = await createUser('aged@example.com');
      await setDefaultPasswordPolicy(org, { age: { maxAgeDays: 1, expireWarnDays: 0, minAgeMinutes: 0, historyCount: 0 } });
      assert.equal((await signIn('aged@example.com', PASSWORD)).json().status, 'SUCCESS');
      org.clock.advance(2 * 86_400_000);
      const expired = await signIn('aged@example.com', PASSWORD);
      assert.equal(expired.json().status, 'PASSWORD_EXPIRED', expired.body);
      assert.equal((await org.request({ method: 'GET', url: `/api/v1/users/${aged}` })).json().status, 'PASSWORD_EXPIRED');
      const changed = await org.request({
        method: 'POST',
        url: `/api/v1/users/${aged}/credentials/change_password`,
        payload: { oldPassword: { value: PASSWORD }, newPassword: { value: 'Fresh-Passw0rd!' } },
      });
      assert.equal(changed.statusCode, 200, changed.body);
      assert.equal((await signIn('aged@example.com', 'Fresh-Passw0rd!')).json().status, 'SUCCESS');
      await setDefaultPasswordPolicy(org, { age: { maxAgeDays: 0, expireWarnDays: 0, minAgeMinutes: 0, historyCount: 0 } });
    });

    it('hides LOCKED_OUT by default and unlocks after autoUnlockMinutes', async () => {
      await setDefaultPasswordPolicy(org, { lockout: { maxAttempts: 2, autoUnlockMinutes: 10, showLockoutFailures: false } });
      const id = await createUser('lock@example.com');
      assertOktaError(await signIn('lock@example.com', 'Bad-pass-1'), 401, 'E0000004');
      assertOktaError(await signIn('lock@example.com', 'Bad-pass-2'), 401, 'E0000004');
      assert.equal((await org.request({ method: 'GET', url: `/api/v1/users/${id}` })).json().status, 'LOCKED_OUT');
      assertOktaError(await signIn('lock@example.com', PASSWORD), 401, 'E0000004');
      org.clock.advance(9 * 60_000);
      assertOktaError(await signIn('lock@example.com', PASSWORD), 401, 'E0000004');
      org.clock.advance(2 * 60_000);
      assert.equal((await signIn('lock@example.com', PASSWORD)).json().status, 'SUCCESS');
      assert.equal((await org.request({ method: 'GET', url: `/api/v1/users/${id}` })).json().status, 'ACTIVE');
      await org.services.log.flush();
      const unlocks = (await org.services.store.listLogEvents({ limit: 10_000 })).filter((e) => e.eventType === 'user.account.unlock' && e.target[0]?.id === id);
      assert.equal(unlocks.length, 1);
    });

    it("applies this instance's password-policy changes at once and another instance's within a second", async () => {
      await setDefaultPasswordPolicy(org, { lockout: { maxAttempts: 0, autoUnlockMinutes: 0, showLockoutFailures: true } });
      const id = await createUser('recheck@example.com');
      // A second instance on the same database changes the default policy: lock after 1 failure.
      const other = await openStore(org.target);
      try {
        const otherServices = createServices({ store: other, clock: org.clock, ids: randomIds, authCacheMs: 0, logRetentionDays: 90, logSink: { writeFailed: () => {}, dropped: () => {} } });
        const ctx = systemContext(randomIds.requestId());
        const { policy } = (await otherServices.policies.list(ctx, { type: 'PASSWORD', sortBy: 'priority', limit: 100, expandRules: false })).find((p) => p.policy.system)!;
        const settings = policy.settings as { password: Record<string, unknown> };
        await otherServices.policies.replace(ctx, policy.id, {
          type: 'PASSWORD',
          name: policy.name,
          conditions: policy.conditions,
          settings: { ...settings, password: { ...settings.password, lockout: { maxAttempts: 1, autoUnlockMinutes: 0, showLockoutFailures: true } } },
        });
        await otherServices.log.close();
      } finally {
        await other.close();
      }
      // Within the recheck interval this instance still uses the rules it compiled (no lockout)...
      assertOktaError(await signIn('recheck@example.com', 'Bad-pass-1'), 401, 'E0000004');
      assert.equal((await org.request({ method: 'GET', url: `/api/v1/users/${id}` })).json().status, 'ACTIVE');
      // ...and a second later it reads the new generation: one failure locks.
      org.clock.advance(POLICY_ENGINE_RECHECK_MS);
      assert.equal((await signIn('recheck@example.com', 'Bad-pass-2')).json().status, 'LOCKED_OUT');
      // A change made through this instance applies to the very next sign-in.
      await org.request({ method: 'POST', url: `/api/v1/users/${id}/lifecycle/unlock` });
      await setDefaultPasswordPolicy(org, { lockout: { maxAttempts: 0, autoUnlockMinutes: 0, showLockoutFailures: true } });
      for (const attempt of ['Bad-pass-3', 'Bad-pass-4']) assertOktaError(await signIn('recheck@example.com', attempt), 401, 'E0000004');
      assert.equal((await org.request({ method: 'GET', url: `/api/v1/users/${id}` })).json().status, 'ACTIVE');
    });
  });
}
