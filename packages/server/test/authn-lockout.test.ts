// The lockout proof (issue 6): 100 parallel wrong passwords for one user run at most maxAttempts
// KDF evaluations and lock the user exactly once, while concurrent correct sign-ins of other
// users all succeed; on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { setDefaultPasswordPolicy } from './users-password-policy.ts';

const PASSWORD = 'Corr3ct-Horse!';
const MAX_ATTEMPTS = 3;

for (const backend of backends()) {
  describe(`Lockout under concurrency (${backend.name})`, () => {
    let org: TestOrg;

    before(async () => {
      org = await startOrg(backend);
      await setDefaultPasswordPolicy(org, { lockout: { maxAttempts: MAX_ATTEMPTS, autoUnlockMinutes: 0, showLockoutFailures: true } });
    });
    after(() => org.close());

    const createUser = async (login: string) => {
      const res = await org.request({
        method: 'POST',
        url: '/api/v1/users',
        payload: { profile: { login, email: login, firstName: 'Con', lastName: 'Current' }, credentials: { password: { value: PASSWORD } } },
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().id as string;
    };
    const signIn = (username: string, password: string) => org.request({ method: 'POST', url: '/api/v1/authn', payload: { username, password }, token: null });

    it('100 parallel wrong passwords: at most maxAttempts KDF checks, one lock, one event; others sign in meanwhile', async () => {
      const victim = await createUser('victim@example.com');
      const others = [];
      for (let i = 0; i < 10; i++) others.push(`other${i}@example.com`);
      for (const login of others) await createUser(login);
      const kdfBefore = org.services.signIn.kdfEvaluations;

      const attacks = Array.from({ length: 100 }, (_, i) => signIn('victim@example.com', `Wrong-${i}-pass!`));
      const legit = others.map((login) => signIn(login, PASSWORD));
      const [attackResults, legitResults] = await Promise.all([Promise.all(attacks), Promise.all(legit)]);

      for (const res of legitResults) assert.equal(res.json().status, 'SUCCESS', res.body);
      const kdf = org.services.signIn.kdfEvaluations - kdfBefore;
      // The other users' ten correct checks plus at most MAX_ATTEMPTS for the victim.
      assert.ok(kdf <= others.length + MAX_ATTEMPTS, `KDF evaluations: ${kdf}`);
      assert.ok(kdf >= others.length + 1, `KDF evaluations: ${kdf}`);
      for (const res of attackResults) assert.ok(res.statusCode === 401 || res.json().status === 'LOCKED_OUT', res.body);

      const user = (await org.request({ method: 'GET', url: `/api/v1/users/${victim}` })).json();
      assert.equal(user.status, 'LOCKED_OUT');
      await org.services.log.flush();
      const locks = (await org.services.store.listLogEvents({ limit: 10_000 })).filter((e) => e.eventType === 'user.account.lock' && e.target[0]?.id === victim);
      assert.equal(locks.length, 1);

      // The right password now answers LOCKED_OUT (showLockoutFailures) without a KDF check.
      const before = org.services.signIn.kdfEvaluations;
      assert.equal((await signIn('victim@example.com', PASSWORD)).json().status, 'LOCKED_OUT');
      assert.equal(org.services.signIn.kdfEvaluations - before, 1, 'a locked user costs the same single decoy evaluation');
    });

    it('a correct sign-in resets the counter; unlock lets the user back in', async () => {
      await createUser('reset@example.com');
      for (let i = 0; i < MAX_ATTEMPTS - 1; i++) assert.equal((await signIn('reset@example.com', 'Nope-1234!')).statusCode, 401);
      assert.equal((await signIn('reset@example.com', PASSWORD)).json().status, 'SUCCESS');
      for (let i = 0; i < MAX_ATTEMPTS - 1; i++) assert.equal((await signIn('reset@example.com', 'Nope-1234!')).statusCode, 401);
      assert.equal((await signIn('reset@example.com', PASSWORD)).json().status, 'SUCCESS');
      const id = (await org.request({ method: 'GET', url: '/api/v1/users/reset@example.com' })).json().id;
      for (let i = 0; i < MAX_ATTEMPTS; i++) await signIn('reset@example.com', 'Nope-1234!');
      assert.equal((await org.request({ method: 'GET', url: `/api/v1/users/${id}` })).json().status, 'LOCKED_OUT');
      assert.equal((await org.request({ method: 'POST', url: `/api/v1/users/${id}/lifecycle/unlock` })).statusCode, 200);
      assert.equal((await signIn('reset@example.com', PASSWORD)).json().status, 'SUCCESS');
    });
  });
}
