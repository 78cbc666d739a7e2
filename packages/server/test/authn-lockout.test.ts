// The lockout proof (issue 6): 100 parallel wrong passwords for one user run at most maxAttempts
// KDF evaluations and lock the user exactly once, while concurrent correct sign-ins of other
// users all succeed; on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { setDefaultPasswordPolicy } from './users-password-policy.ts';
import { randomIds } from '../src/domain/shared/ids.ts';
import { PasswordHasher } from '../src/domain/users/password-hash.ts';
import type { PasswordVerifier } from '../src/domain/users/sign-in.ts';

const PASSWORD = 'Corr3ct-Horse!';
const MAX_ATTEMPTS = 3;

/**
 * A password verifier whose checks of `held` (a stored hash) wait until `open()`; `onCheck` is
 * called with the number of such checks started so far. Everything else verifies at once.
 */
function gatedVerifier(held: string | null, onCheck: (started: number) => void): { verifier: PasswordVerifier; hasher: PasswordHasher; open: () => void } {
  const hasher = new PasswordHasher({ ids: randomIds, log2N: 10 });
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let started = 0;
  const verifier: PasswordVerifier = {
    get evaluations() {
      return hasher.evaluations;
    },
    async verify(password, encoded) {
      if (encoded === held) {
        onCheck(++started);
        await gate;
      }
      return hasher.verify(password, encoded);
    },
    verifyNothing: (password) => hasher.verifyNothing(password),
  };
  return { verifier, hasher, open };
}

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

    it('a user suspended while its password is being checked gets no session, even with the right password', async () => {
      const id = await createUser('suspended-midway@example.com');
      let started!: () => void;
      const checking = new Promise<void>((resolve) => (started = resolve));
      const { verifier: gated, open } = gatedVerifier((await org.services.store.getUser(id))!.passwordHash, () => started());
      const original = org.services.signIn;
      org.services.signIn = original.withVerifier(gated);
      try {
        const attempt = signIn('suspended-midway@example.com', PASSWORD);
        await checking;
        assert.equal((await org.request({ method: 'POST', url: `/api/v1/users/${id}/lifecycle/suspend` })).statusCode, 200);
        open();
        const res = await attempt;
        assert.equal(res.statusCode, 401, res.body);
      } finally {
        org.services.signIn = original;
      }
      assert.equal(await org.services.store.deleteSessionsOfUser(id), 0, 'no session token stored');
    });

    it('holds the victim\'s checks open: exactly maxAttempts run, the rest answer at once, others sign in meanwhile, one lock after', async () => {
      // The victim's password checks wait on a gate. While they wait, every other attempt on the
      // victim must already have been answered without a check, and other users must sign in in
      // full: nothing the attack holds (a row, a transaction, a connection, the KDF pool) is
      // anything they wait on. Deterministic: the lock cannot happen before the gate opens.
      const victim = await createUser('gated-victim@example.com');
      const others = Array.from({ length: 10 }, (_, i) => `gated-other${i}@example.com`);
      for (const login of others) await createUser(login);
      let victimChecks = 0;
      let allHeld!: () => void;
      const held = new Promise<void>((resolve) => (allHeld = resolve));
      const { verifier: gated, hasher, open } = gatedVerifier((await org.services.store.getUser(victim))!.passwordHash, (started) => {
        victimChecks = started;
        if (started === MAX_ATTEMPTS) allHeld();
      });
      const original = org.services.signIn;
      org.services.signIn = original.withVerifier(gated);
      try {
        let answered = 0;
        let restAnswered!: () => void;
        const rest = new Promise<void>((resolve) => (restAnswered = resolve));
        const attacks = Array.from({ length: 100 }, (_, i) =>
          signIn('gated-victim@example.com', `Wrong-${i}-pass!`).then((res) => {
            if (++answered === 100 - MAX_ATTEMPTS) restAnswered();
            return res;
          }),
        );
        await held;
        await rest;
        assert.equal(victimChecks, MAX_ATTEMPTS, 'checks started on the victim');
        // With the victim's checks still in flight, other users sign in from start to finish.
        const legit = await Promise.all(others.map((login) => signIn(login, PASSWORD)));
        for (const res of legit) assert.equal(res.json().status, 'SUCCESS', res.body);
        assert.equal(answered, 100 - MAX_ATTEMPTS, 'the held checks are still held');
        assert.equal((await org.services.store.getUser(victim))!.status, 'ACTIVE');
        open();
        const results = await Promise.all(attacks);
        assert.equal(victimChecks, MAX_ATTEMPTS);
        assert.equal(hasher.evaluations, MAX_ATTEMPTS + others.length, 'no decoy or extra derivation either');
        assert.equal(results.filter((r) => r.statusCode === 401).length, 99);
        assert.equal(results.filter((r) => r.statusCode === 200 && r.json().status === 'LOCKED_OUT').length, 1);
      } finally {
        org.services.signIn = original;
      }
      assert.equal((await org.services.store.getUser(victim))!.status, 'LOCKED_OUT');
      await org.services.log.flush();
      const locks = (await org.services.store.listLogEvents({ limit: 10_000 })).filter((e) => e.eventType === 'user.account.lock' && e.target[0]?.id === victim);
      assert.equal(locks.length, 1);
    });

    it('starts the count afresh when a locked user comes back through deactivate/activate or expire_password', async () => {
      const relock = async (login: string) => {
        const id = await createUser(login);
        for (let i = 0; i < MAX_ATTEMPTS; i++) await signIn(login, 'Nope-1234!');
        assert.equal((await org.services.store.getUser(id))!.status, 'LOCKED_OUT');
        return id;
      };
      const back = await relock('back@example.com');
      assert.equal((await org.request({ method: 'POST', url: `/api/v1/users/${back}/lifecycle/deactivate` })).statusCode, 200);
      assert.equal((await org.request({ method: 'POST', url: `/api/v1/users/${back}/lifecycle/activate?sendEmail=false` })).statusCode, 200);
      assert.equal((await signIn('back@example.com', PASSWORD)).json().status, 'SUCCESS');

      const expired = await relock('expired@example.com');
      assert.equal((await org.request({ method: 'POST', url: `/api/v1/users/${expired}/lifecycle/expire_password` })).statusCode, 200);
      assert.equal((await signIn('expired@example.com', PASSWORD)).json().status, 'PASSWORD_EXPIRED');
    });

    it('locks a user whose failures already exceed a lowered maxAttempts instead of refusing them forever', async () => {
      const id = await createUser('lowered@example.com');
      for (let i = 0; i < MAX_ATTEMPTS - 1; i++) await signIn('lowered@example.com', 'Nope-1234!');
      await setDefaultPasswordPolicy(org, { lockout: { maxAttempts: 1, autoUnlockMinutes: 0, showLockoutFailures: true } });
      try {
        assert.equal((await signIn('lowered@example.com', PASSWORD)).json().status, 'LOCKED_OUT');
        assert.equal((await org.services.store.getUser(id))!.status, 'LOCKED_OUT');
        assert.equal((await org.request({ method: 'POST', url: `/api/v1/users/${id}/lifecycle/unlock` })).statusCode, 200);
        assert.equal((await signIn('lowered@example.com', PASSWORD)).json().status, 'SUCCESS');
      } finally {
        await setDefaultPasswordPolicy(org, { lockout: { maxAttempts: MAX_ATTEMPTS, autoUnlockMinutes: 0, showLockoutFailures: true } });
      }
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
