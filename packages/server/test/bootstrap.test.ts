import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BOOTSTRAP_ADMIN_LOGIN, BOOTSTRAP_STEPS, bootstrapOrg } from '../src/domain/org/bootstrap.ts';
import { hashSecret } from '../src/domain/shared/secret-hash.ts';
import { POLICY_TYPES } from '../src/domain/policies/kinds/kind.ts';
import { FakeClock } from '../src/domain/shared/clock.ts';
import { randomIds } from '../src/domain/shared/ids.ts';
import { createServices } from '../src/services.ts';
import { openStore } from '../src/storage/open-store.ts';
import { backends } from './helpers/backends.ts';

async function openServices(target: Parameters<typeof openStore>[0]) {
  const store = await openStore(target);
  return createServices({ store, clock: new FakeClock(), ids: randomIds, authCacheMs: 0, logRetentionDays: 90, logSink: { writeFailed: (e) => assert.fail(String(e)), dropped: (n) => assert.fail(`dropped ${n}`) } });
}

for (const backend of backends()) {
  describe(`org bootstrap (${backend.name})`, () => {
    it('seeds org, Everyone, the super admin, its token and the default policies on an empty database, then nothing more', async () => {
      const { target, cleanup } = await backend.create();
      const services = await openServices(target);
      const first = await bootstrapOrg(services);
      assert.deepEqual(first.applied, BOOTSTRAP_STEPS.map((s) => s.name));
      assert.match(first.bootstrapToken ?? '', /^00[A-Za-z0-9_-]{40}$/);

      const { store } = services;
      assert.ok(await store.getOrg());
      assert.ok(await store.findGroupByName('BUILT_IN', 'Everyone'));
      const admin = await store.findUserByLogin(BOOTSTRAP_ADMIN_LOGIN);
      assert.equal(admin?.status, 'ACTIVE');
      assert.deepEqual([...(await store.roleTypesOfUser(admin!.id))], ['SUPER_ADMIN']);
      const found = await store.findApiTokenByHash(hashSecret(first.bootstrapToken!));
      assert.equal(found?.owner.id, admin!.id);
      const events = await store.listLogEvents({ limit: 100 });
      assert.equal(events.filter((e) => e.eventType === 'system.api_token.create').length, 1);
      const policies = events.filter((e) => e.eventType === 'policy.lifecycle.create');
      assert.deepEqual(new Set(policies.map((e) => e.target[0]!.detailEntry?.policyType)), new Set(POLICY_TYPES), 'one default policy per type');
      assert.equal(policies.length, POLICY_TYPES.length);
      assert.equal(events.length, 1 + POLICY_TYPES.length + events.filter((e) => e.eventType === 'policy.rule.add').length);

      const second = await bootstrapOrg(services);
      assert.deepEqual(second, { applied: [], bootstrapTokenIgnored: false });
      await store.close();

      const reopened = await openServices(target);
      assert.deepEqual((await bootstrapOrg(reopened, { bootstrapToken: '00SetLaterTokenValue0123456789abcdefghijk' })).bootstrapTokenIgnored, true);
      await reopened.store.close();
      await cleanup();
    });

    it('uses the configured bootstrap token value', async () => {
      const { target, cleanup } = await backend.create();
      const services = await openServices(target);
      const value = '00ConfiguredBootstrapValue0123456789abcde';
      const outcome = await bootstrapOrg(services, { bootstrapToken: value });
      assert.equal(outcome.bootstrapToken, value);
      assert.ok(await services.store.findApiTokenByHash(hashSecret(value)));
      await services.store.close();
      await cleanup();
    });
  });
}
