// Policy and rule priorities: contiguous, default pinned last, insert-before semantics, clamping,
// no-op repeats, and no duplicates or gaps under 50 concurrent writers on every backend.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError } from './helpers/assertions.ts';
import { policyApi } from './helpers/policies.ts';
import type { PolicyApi } from './helpers/policies.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SIGN_ON_RULE = { type: 'SIGN_ON', actions: { signon: { access: 'ALLOW', requireFactor: false } } };

async function order(api: PolicyApi, type: string): Promise<[string, number][]> {
  return (await api.list(`type=${type}`)).json().map((p: Json) => [p.name, p.priority]);
}

function assertContiguous(priorities: number[], first: number, what: string) {
  assert.deepEqual(
    [...priorities].sort((a, b) => a - b),
    Array.from({ length: priorities.length }, (_, i) => first + i),
    `${what}: contiguous, no duplicates, no gaps`,
  );
}

for (const backend of backends()) {
  describe(`policy priorities (${backend.name})`, () => {
    let org: TestOrg;
    let api: PolicyApi;

    before(async () => {
      org = await startOrg(backend);
      api = policyApi(org);
    });
    after(() => org.close());

    it('inserts before the holder of p, shifts the rest, clamps beyond the end, keeps the default last', async () => {
      const a = (await api.create({ type: 'PASSWORD', name: 'A' })).json();
      const b = (await api.create({ type: 'PASSWORD', name: 'B' })).json();
      assert.deepEqual(await order(api, 'PASSWORD'), [['A', 1], ['B', 2], ['Default Policy', 3]]);
      const c = (await api.create({ type: 'PASSWORD', name: 'C', priority: 1 })).json();
      assert.equal(c.priority, 1);
      assert.deepEqual(await order(api, 'PASSWORD'), [['C', 1], ['A', 2], ['B', 3], ['Default Policy', 4]]);
      const d = (await api.create({ type: 'PASSWORD', name: 'D', priority: 42 })).json();
      assert.equal(d.priority, 4, 'the response says what was stored');
      assert.deepEqual(await order(api, 'PASSWORD'), [['C', 1], ['A', 2], ['B', 3], ['D', 4], ['Default Policy', 5]]);

      // Moving: the policy ends at the priority asked for.
      const moved = (await api.replace(c.id, { ...c, priority: 3 })).json();
      assert.equal(moved.priority, 3);
      assert.deepEqual(await order(api, 'PASSWORD'), [['A', 1], ['B', 2], ['C', 3], ['D', 4], ['Default Policy', 5]]);
      const up = (await api.replace(d.id, { ...d, priority: 1 })).json();
      assert.equal(up.priority, 1);
      assert.deepEqual(await order(api, 'PASSWORD'), [['D', 1], ['A', 2], ['B', 3], ['C', 4], ['Default Policy', 5]]);

      // The default cannot move.
      const def = await api.defaultPolicy('PASSWORD');
      assert.equal((await api.replace(def.id, { ...def, priority: 1 })).json().priority, 5);
      assertOktaError(await api.replace(a.id, { ...a, priority: 0 }), 400, 'E0000001', /priority/);

      for (const p of [a, b, c, d]) await api.remove(p.id);
      assert.deepEqual(await order(api, 'PASSWORD'), [['Default Policy', 1]]);
    });

    it('sending the same priority again changes nothing: no lastUpdated bump, no event', async () => {
      const a = (await api.create({ type: 'PASSWORD', name: 'Same A' })).json();
      const b = (await api.create({ type: 'PASSWORD', name: 'Same B' })).json();
      org.clock.advance(60_000);
      await org.services.log.flush();
      const before = (await org.services.store.listLogEvents({ limit: 10_000 })).length;
      const again = (await api.replace(b.id, { ...b, priority: b.priority })).json();
      assert.equal(again.lastUpdated, b.lastUpdated);
      assert.deepEqual(again, b);
      await org.services.log.flush();
      assert.equal((await org.services.store.listLogEvents({ limit: 10_000 })).length, before);
      await api.remove(a.id);
      await api.remove(b.id);
    });

    it('rules: contiguous from 1, the default rule pinned last', async () => {
      const def = await api.defaultPolicy('OKTA_SIGN_ON');
      const defaultRule = (await api.rules(def.id)).json()[0];
      const r1 = (await api.createRule(def.id, { ...SIGN_ON_RULE, name: 'R1' })).json();
      assert.equal(r1.priority, 1);
      const r2 = (await api.createRule(def.id, { ...SIGN_ON_RULE, name: 'R2', priority: 1 })).json();
      assert.equal(r2.priority, 1);
      const r3 = (await api.createRule(def.id, { ...SIGN_ON_RULE, name: 'R3', priority: 99 })).json();
      assert.equal(r3.priority, 3);
      const rules = async () => (await api.rules(def.id)).json().map((r: Json) => [r.name, r.priority]);
      assert.deepEqual(await rules(), [['R2', 1], ['R1', 2], ['R3', 3], [defaultRule.name, 4]]);
      // The default rule's priority is not the client's to set.
      assert.equal((await api.replaceRule(def.id, defaultRule.id, { ...defaultRule, priority: 1 })).json().priority, 4);
      await api.replaceRule(def.id, r3.id, { ...r3, priority: 1 });
      assert.deepEqual(await rules(), [['R3', 1], ['R2', 2], ['R1', 3], [defaultRule.name, 4]]);
      await api.removeRule(def.id, r2.id);
      assert.deepEqual(await rules(), [['R3', 1], ['R1', 2], [defaultRule.name, 3]]);
      await api.removeRule(def.id, r1.id);
      await api.removeRule(def.id, r3.id);
    });

    it('50 parallel creates, then 50 parallel reorders, leave contiguous priorities (policies and rules)', async () => {
      const creates = await Promise.all(
        Array.from({ length: 50 }, (_, i) => api.create({ type: 'OKTA_SIGN_ON', name: `Parallel ${i}`, priority: (i % 7) + 1 })),
      );
      for (const res of creates) assert.equal(res.statusCode, 200, res.body);
      let listed = (await api.list('type=OKTA_SIGN_ON')).json();
      assert.equal(listed.length, 51);
      assertContiguous(listed.map((p: Json) => p.priority), 1, 'after creates');
      assert.equal(listed[listed.length - 1].system, true, 'the default is last');

      const policies = creates.map((r) => r.json());
      const moves = await Promise.all(policies.map((p, i) => api.replace(p.id, { ...p, priority: ((i * 13) % 50) + 1 })));
      for (const res of moves) assert.equal(res.statusCode, 200, res.body);
      listed = (await api.list('type=OKTA_SIGN_ON')).json();
      assertContiguous(listed.map((p: Json) => p.priority), 1, 'after reorders');
      assert.equal(listed[listed.length - 1].system, true);

      const target = policies[0];
      const ruleCreates = await Promise.all(
        Array.from({ length: 50 }, (_, i) => api.createRule(target.id, { ...SIGN_ON_RULE, name: `Rule ${i}`, priority: (i % 5) + 1 })),
      );
      for (const res of ruleCreates) assert.equal(res.statusCode, 200, res.body);
      const rules = ruleCreates.map((r) => r.json());
      const ruleMoves = await Promise.all(rules.map((r, i) => api.replaceRule(target.id, r.id, { ...r, priority: ((i * 7) % 50) + 1 })));
      for (const res of ruleMoves) assert.equal(res.statusCode, 200, res.body);
      assertContiguous((await api.rules(target.id)).json().map((r: Json) => r.priority), 1, 'rules after creates and reorders');

      await Promise.all(policies.map((p) => api.remove(p.id)));
      assert.deepEqual(await order(api, 'OKTA_SIGN_ON'), [['Default Policy', 1]]);
    });
  });
}
