// The Policy API through HTTP: every endpoint, defaults, lifecycle, links, events, limits,
// cascade delete, expansion, pagination and permissions. Every response goes through
// `policyApi`, which validates it against Okta's OpenAPI spec.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { policyKind } from '../src/domain/policies/kinds/index.ts';
import { POLICY_TYPES } from '../src/domain/policies/kinds/kind.ts';
import type { PolicyRecord } from '../src/domain/policies/types.ts';
import pino from 'pino';
import { buildApp } from '../src/app.ts';
import { randomIds } from '../src/domain/shared/ids.ts';
import { createServices } from '../src/services.ts';
import { openStore } from '../src/storage/open-store.ts';
import { backends } from './helpers/backends.ts';
import { ADMIN_TOKEN, ORG_URL, startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError, linkOf } from './helpers/assertions.ts';
import { policyApi } from './helpers/policies.ts';
import type { PolicyApi } from './helpers/policies.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SIGN_ON_RULE = { type: 'SIGN_ON', name: 'Allow', actions: { signon: { access: 'ALLOW', requireFactor: false } } };
const accessRule = (name: string, extra: Json = {}) => ({
  type: 'ACCESS_POLICY',
  name,
  actions: { appSignOn: { access: 'ALLOW', verificationMethod: { type: 'ASSURANCE', factorMode: '2FA', reauthenticateIn: 'PT2H' } } },
  ...extra,
});

async function events(org: TestOrg, eventType: string) {
  await org.services.log.flush();
  return (await org.services.store.listLogEvents({ limit: 10_000 })).filter((e) => e.eventType === eventType);
}

for (const backend of backends()) {
  describe(`Policy API (${backend.name})`, () => {
    let org: TestOrg;
    let api: PolicyApi;
    let everyoneId: string;

    before(async () => {
      org = await startOrg(backend);
      api = policyApi(org);
      everyoneId = (await org.services.store.findGroupByName('BUILT_IN', 'Everyone'))!.id;
    });
    after(() => org.close());

    describe('defaults seeded at bootstrap', () => {
      it('one system default policy per type, active, with Okta\'s default name, last (and only) in priority', async () => {
        for (const type of POLICY_TYPES) {
          const res = await api.list(`type=${type}`);
          assert.equal(res.statusCode, 200);
          const [policy, ...rest] = res.json();
          assert.equal(rest.length, 0, type);
          assert.equal(policy.type, type);
          assert.equal(policy.system, true);
          assert.equal(policy.status, 'ACTIVE');
          assert.equal(policy.name, policyKind(type).defaultPolicy.name);
          if (['OKTA_SIGN_ON', 'PASSWORD', 'MFA_ENROLL', 'ACCESS_POLICY'].includes(type)) assert.equal(policy.name, 'Default Policy');
          assert.equal(policy.priority, 1);
          assert.deepEqual(policy._links.self.hints.allow, ['GET', 'PUT'], 'a default policy cannot be deleted');
          assert.equal(policy._links.deactivate, undefined, 'nor deactivated');
        }
      });

      it('the sign-on, password and enrollment defaults apply to Everyone', async () => {
        for (const type of ['OKTA_SIGN_ON', 'PASSWORD', 'MFA_ENROLL']) {
          const policy = await api.defaultPolicy(type);
          assert.deepEqual((policy.conditions as Json).people, { groups: { include: [everyoneId] } }, type);
        }
      });

      it('the password default carries Okta\'s documented settings', async () => {
        const policy = (await api.defaultPolicy('PASSWORD')) as Json;
        const { complexity, age, lockout } = policy.settings.password;
        assert.equal(complexity.minLength, 8);
        for (const key of ['minLowerCase', 'minUpperCase', 'minNumber', 'minSymbol']) assert.equal(complexity[key], 1, key);
        assert.equal(lockout.maxAttempts, 10);
        assert.equal(age.maxAgeDays, 0);
      });

      it('default rules are system rules, pinned last; the app sign-in catch-all (and the other catch-alls) sit at 99', async () => {
        for (const type of POLICY_TYPES) {
          const policy = await api.defaultPolicy(type);
          const rules = (await api.rules(policy.id)).json();
          if (rules.length === 0) continue;
          const last = rules[rules.length - 1];
          assert.equal(last.system, true, type);
          const pinned = policyKind(type).defaultRulePriority;
          assert.equal(last.priority, pinned === 'last' ? rules.length : pinned, type);
          assert.deepEqual(last._links.self.hints.allow, ['GET', 'PUT'], type);
        }
        const signOn = await api.defaultPolicy('OKTA_SIGN_ON');
        assert.equal((await api.rules(signOn.id)).json().length, 1, 'the default sign-on policy has its default rule');
      });

      it('a default policy cannot be deleted or deactivated, a default rule neither', async () => {
        const policy = await api.defaultPolicy('OKTA_SIGN_ON');
        const body = assertOktaError(await api.remove(policy.id), 400, 'E0000001');
        assert.match(body.errorCauses[0]!.errorSummary, /default policy cannot be deleted/);
        assertOktaError(await api.lifecycle(policy.id, 'deactivate'), 400, 'E0000001');
        assert.equal((await api.lifecycle(policy.id, 'activate')).statusCode, 204, 'activating an active default is a no-op');
        const [rule] = (await api.rules(policy.id)).json();
        assertOktaError(await api.removeRule(policy.id, rule.id), 400, 'E0000001', /system/);
        assertOktaError(await api.ruleLifecycle(policy.id, rule.id, 'deactivate'), 400, 'E0000001');
        assert.equal((await api.get(policy.id)).statusCode, 200);
      });
    });

    describe('create, read, replace, delete', () => {
      it('creates with 200, defaults filled, links by status, priority before the default', async () => {
        const res = await api.create({ type: 'OKTA_SIGN_ON', name: 'Contractors', description: 'For contractors', conditions: { people: { groups: { include: [everyoneId] } } } });
        assert.equal(res.statusCode, 200);
        const policy = res.json();
        assert.match(policy.id, /^00p[A-Za-z0-9]{17}$/);
        assert.equal(policy.status, 'ACTIVE');
        assert.equal(policy.system, false);
        assert.equal(policy.priority, 1);
        assert.equal(policy.description, 'For contractors');
        assert.equal(policy.created, new Date(org.clock.now()).toISOString());
        const base = `${ORG_URL}/api/v1/policies/${policy.id}`;
        assert.deepEqual(policy._links, {
          self: { href: base, hints: { allow: ['GET', 'PUT', 'DELETE'] } },
          rules: { href: `${base}/rules`, hints: { allow: ['GET', 'POST'] } },
          mappings: { href: `${base}/mappings`, hints: { allow: ['GET', 'POST'] } },
          deactivate: { href: `${base}/lifecycle/deactivate`, hints: { allow: ['POST'] } },
        });
        assert.equal((await api.defaultPolicy('OKTA_SIGN_ON')).priority, 2, 'the default moved down');
        assert.deepEqual((await api.rules(policy.id)).json(), [], 'a new sign-on policy gets no rule');
        const got = await api.get(policy.id);
        assert.deepEqual(got.json(), policy);
        await api.remove(policy.id);
      });

      it('activate=false creates it INACTIVE with an activate link; lifecycle calls are idempotent', async () => {
        const policy = (await api.create({ type: 'PASSWORD', name: 'Inactive password policy' }, 'activate=false')).json();
        assert.equal(policy.status, 'INACTIVE');
        assert.ok(policy._links.activate && !policy._links.deactivate);
        const before = (await events(org, 'policy.lifecycle.activate')).length;
        org.clock.advance(1000);
        assert.equal((await api.lifecycle(policy.id, 'activate')).statusCode, 204);
        const activated = (await api.get(policy.id)).json();
        assert.equal(activated.status, 'ACTIVE');
        assert.equal(activated.lastUpdated, new Date(org.clock.now()).toISOString());
        org.clock.advance(1000);
        const again = await api.lifecycle(policy.id, 'activate');
        assert.equal(again.statusCode, 204);
        assert.equal(again.body, '');
        assert.equal((await api.get(policy.id)).json().lastUpdated, activated.lastUpdated, 'no change, no lastUpdated bump');
        assert.equal((await events(org, 'policy.lifecycle.activate')).length, before + 1, 'one event, not two');
        assert.equal((await api.lifecycle(policy.id, 'deactivate')).statusCode, 204);
        assert.equal((await api.get(policy.id)).json().status, 'INACTIVE');
        await api.remove(policy.id);
      });

      it('replace changes what was sent, echoes of read-only fields are ignored, a repeat changes nothing', async () => {
        const created = (await api.create({ type: 'OKTA_SIGN_ON', name: 'Replace me' })).json();
        org.clock.advance(5000);
        const replaced = await api.replace(created.id, { ...created, name: 'Replaced', description: 'now described', created: '2001-01-01T00:00:00Z', id: 'ignored' });
        assert.equal(replaced.statusCode, 200);
        const body = replaced.json();
        assert.equal(body.name, 'Replaced');
        assert.equal(body.id, created.id);
        assert.equal(body.created, created.created);
        assert.equal(body.lastUpdated, new Date(org.clock.now()).toISOString());
        const updates = (await events(org, 'policy.lifecycle.update')).length;
        org.clock.advance(5000);
        const repeat = await api.replace(created.id, body);
        assert.deepEqual(repeat.json(), body, 'the same body again: nothing changes');
        assert.equal((await events(org, 'policy.lifecycle.update')).length, updates, 'and nothing is logged');
        await api.remove(created.id);
      });

      it('refuses changing the type or the system flag', async () => {
        const created = (await api.create({ type: 'OKTA_SIGN_ON', name: 'Typed' })).json();
        const body = assertOktaError(await api.replace(created.id, { ...created, type: 'PASSWORD' }), 400, 'E0000001');
        assert.match(body.errorCauses[0]!.errorSummary, /^type: /);
        assertOktaError(await api.replace(created.id, { ...created, system: true }), 403, 'E0000111', 'Cannot modify the system object because it is read-only.');
        assertOktaError(await api.create({ type: 'OKTA_SIGN_ON', name: 'Sneaky', system: true }), 403, 'E0000111');
        await api.remove(created.id);
      });

      it('names are unique per type', async () => {
        const created = (await api.create({ type: 'OKTA_SIGN_ON', name: 'Unique name' })).json();
        const body = assertOktaError(await api.create({ type: 'OKTA_SIGN_ON', name: 'Unique name' }), 400, 'E0000001', 'Api validation failed: name');
        assert.match(body.errorCauses[0]!.errorSummary, /^name: /);
        const other = await api.create({ type: 'PASSWORD', name: 'Unique name' });
        assert.equal(other.statusCode, 200, 'another type may use the name');
        await api.remove(created.id);
        await api.remove(other.json().id);
      });

      it('unknown ids answer 404 E0000007 naming the resource', async () => {
        assertOktaError(await api.get('00pnothere'), 404, 'E0000007', 'Not found: Resource not found: 00pnothere (Policy)');
        const policy = await api.defaultPolicy('OKTA_SIGN_ON');
        assertOktaError(await api.getRule(policy.id, '0prnothere'), 404, 'E0000007', 'Not found: Resource not found: 0prnothere (PolicyRule)');
        assertOktaError(await api.remove('00pnothere'), 404, 'E0000007');
        assertOktaError(await api.lifecycle('00pnothere', 'activate'), 404, 'E0000007');
        assertOktaError(await api.rules('00pnothere'), 404, 'E0000007');
      });

      it('bad envelopes: missing type or name, wrong types, unknown type, bad JSON; nothing is stored', async () => {
        const cases: [Json, RegExp][] = [
          [{ name: 'No type' }, /^type: /],
          [{ type: 'OKTA_SIGN_ON' }, /^name: /],
          [{ type: 'OKTA_SIGN_ON', name: 42 }, /^name: /],
          [{ type: 'OKTA_SIGN_ON', name: 'x', priority: 'first' }, /^priority: /],
          [{ type: 'OKTA_SIGN_ON', name: 'x', priority: 0 }, /^priority: /],
          [{ type: 'NOT_A_TYPE', name: 'x' }, /^type: must be one of/],
          [{ type: 'OKTA_SIGN_ON', name: 'x', status: 'MAYBE' }, /^status: /],
        ];
        for (const [payload, cause] of cases) {
          const body = assertOktaError(await api.create(payload), 400, 'E0000001');
          assert.ok(body.errorCauses.some((c) => cause.test(c.errorSummary)), `${JSON.stringify(payload)}: ${JSON.stringify(body.errorCauses)}`);
        }
        const malformed = await org.request({ method: 'POST', url: '/api/v1/policies', headers: { 'content-type': 'application/json' }, payload: '{"type":' });
        assertOktaError(malformed, 400, 'E0000003');
        assert.equal((await api.list('type=OKTA_SIGN_ON')).json().length, 1, 'only the default exists');
      });

      it('types that exist once per org cannot be created', async () => {
        for (const type of ['IDP_DISCOVERY', 'POST_AUTH_SESSION', 'ENTITY_RISK']) {
          const body = assertOktaError(await api.create({ type, name: `Another ${type}` }), 400, 'E0000001');
          assert.match(body.errorCauses[0]!.errorSummary, /^type: /);
        }
      });

      it('group and user ids in conditions must exist', async () => {
        const body = assertOktaError(
          await api.create({ type: 'OKTA_SIGN_ON', name: 'Ghost group', conditions: { people: { groups: { include: [everyoneId, '00gdoesnotexist'] } } } }),
          400,
          'E0000001',
        );
        assert.deepEqual(body.errorCauses, [{ errorSummary: 'conditions.people.groups.include.1: Group 00gdoesnotexist does not exist' }]);
        const signOn = await api.defaultPolicy('OKTA_SIGN_ON');
        const ruleBody = assertOktaError(
          await api.createRule(signOn.id, { ...SIGN_ON_RULE, name: 'Ghost user', conditions: { people: { users: { exclude: ['00udoesnotexist'] } } } }),
          400,
          'E0000001',
        );
        assert.match(ruleBody.errorCauses[0]!.errorSummary, /^conditions\.people\.users\.exclude\.0: User 00udoesnotexist does not exist/);
      });

      it('delete removes the policy with its rules, closes the priority gap, and logs', async () => {
        const a = (await api.create({ type: 'OKTA_SIGN_ON', name: 'Cascade A' })).json();
        const b = (await api.create({ type: 'OKTA_SIGN_ON', name: 'Cascade B' })).json();
        const rule = (await api.createRule(a.id, SIGN_ON_RULE)).json();
        assert.equal((await api.remove(a.id)).statusCode, 204);
        assertOktaError(await api.get(a.id), 404, 'E0000007');
        assertOktaError(await api.getRule(a.id, rule.id), 404, 'E0000007');
        assert.deepEqual(await org.services.store.listRules(a.id), [], 'the rules are gone from storage');
        const priorities = (await api.list('type=OKTA_SIGN_ON')).json().map((p: Json) => [p.name, p.priority]);
        assert.deepEqual(priorities, [
          ['Cascade B', 1],
          ['Default Policy', 2],
        ]);
        const [deleted] = (await events(org, 'policy.lifecycle.delete')).filter((e) => e.target[0]!.id === a.id);
        assert.ok(deleted);
        assert.equal(deleted.target[0]!.type, 'PolicyEntity');
        assert.equal(deleted.target[0]!.displayName, 'Cascade A');
        await api.remove(b.id);
      });

      it('events carry the actor, the request id and the policy as target', async () => {
        const res = await api.create({ type: 'MFA_ENROLL', name: 'Logged' });
        const policy = res.json();
        const [event] = (await events(org, 'policy.lifecycle.create')).filter((e) => e.target[0]!.id === policy.id);
        assert.ok(event);
        assert.equal(event.transaction.id, res.headers['x-okta-request-id']);
        assert.equal(event.actor.alternateId, 'admin@tollgate.local');
        assert.deepEqual(event.target[0], { id: policy.id, type: 'PolicyEntity', alternateId: 'unknown', displayName: 'Logged', detailEntry: { policyType: 'MFA_ENROLL' } });
        assert.equal(event.outcome.result, 'SUCCESS');
        await api.remove(policy.id);
      });

      it('clone copies the policy and its rules into a new inactive policy', async () => {
        const source = (await api.create({ type: 'OKTA_SIGN_ON', name: 'Original' })).json();
        await api.createRule(source.id, SIGN_ON_RULE);
        const res = await api.clone(source.id);
        assert.equal(res.statusCode, 200);
        const clone = res.json();
        assert.notEqual(clone.id, source.id);
        assert.equal(clone.name, 'Original (Copy)');
        assert.equal(clone.status, 'INACTIVE');
        assert.equal(clone.system, false);
        const rules = (await api.rules(clone.id)).json();
        assert.deepEqual(rules.map((r: Json) => [r.name, r.priority]), [['Allow', 1]]);
        assert.equal((await api.clone(source.id)).json().name, 'Original (Copy 2)');
        const defaultClone = (await api.clone((await api.defaultPolicy('OKTA_SIGN_ON')).id)).json();
        assert.equal(defaultClone.system, false, 'the clone of a default is an ordinary policy');
        assertOktaError(await api.clone((await api.defaultPolicy('IDP_DISCOVERY')).id), 400, 'E0000001');
        for (const p of (await api.list('type=OKTA_SIGN_ON')).json()) if (!p.system) await api.remove(p.id);
      });

      it('mappings: listed empty, only an app sign-in policy may be mapped, and only to a device signal collection policy', async () => {
        const policy = await api.defaultPolicy('OKTA_SIGN_ON');
        const access = await api.defaultPolicy('ACCESS_POLICY');
        assert.deepEqual((await api.call('GET', `/api/v1/policies/${policy.id}/mappings`)).json(), []);
        assert.deepEqual((await api.call('GET', `/api/v1/policies/${policy.id}/app`)).json(), []);
        const wrongType = assertOktaError(
          await api.call('POST', `/api/v1/policies/${policy.id}/mappings`, { payload: { resourceId: access.id, resourceType: 'APP' } }),
          400,
          'E0000001',
        );
        assert.match(wrongType.errorCauses[0]!.errorSummary, /^resourceType: /);
        const notAccess = assertOktaError(
          await api.call('POST', `/api/v1/policies/${policy.id}/mappings`, { payload: { resourceId: policy.id, resourceType: 'ACCESS_POLICY' } }),
          400,
          'E0000001',
        );
        assert.match(notAccess.errorCauses[0]!.errorSummary, /^resourceId: /);
        const wrongTarget = assertOktaError(
          await api.call('POST', `/api/v1/policies/${policy.id}/mappings`, { payload: { resourceId: access.id, resourceType: 'ACCESS_POLICY' } }),
          400,
          'E0000001',
        );
        assert.match(wrongTarget.errorCauses[0]!.errorSummary, /^policyId: .*DEVICE_SIGNAL_COLLECTION/);
        assertOktaError(await api.call('GET', `/api/v1/policies/${policy.id}/mappings/rpmnothere`), 404, 'E0000007');
        assertOktaError(await api.call('DELETE', `/api/v1/policies/${policy.id}/mappings/rpmnothere`), 404, 'E0000007');
        assertOktaError(await api.call('GET', '/api/v1/policies/00pnothere/mappings'), 404, 'E0000007');
      });
    });

    describe('rules', () => {
      it('create, get, replace, lifecycle and delete a rule, each logged', async () => {
        const policy = (await api.create({ type: 'OKTA_SIGN_ON', name: 'With rules' })).json();
        const res = await api.createRule(policy.id, SIGN_ON_RULE, 'activate=false');
        assert.equal(res.statusCode, 200);
        const rule = res.json();
        assert.match(rule.id, /^0pr[A-Za-z0-9]{17}$/);
        assert.equal(rule.type, 'SIGN_ON');
        assert.equal(rule.status, 'INACTIVE');
        assert.equal(rule.priority, 1);
        assert.equal(rule.system, false);
        const base = `${ORG_URL}/api/v1/policies/${policy.id}/rules/${rule.id}`;
        assert.deepEqual(rule._links, {
          self: { href: base, hints: { allow: ['GET', 'PUT', 'DELETE'] } },
          activate: { href: `${base}/lifecycle/activate`, hints: { allow: ['POST'] } },
        });
        assert.deepEqual((await api.getRule(policy.id, rule.id)).json(), rule);
        assert.equal((await api.ruleLifecycle(policy.id, rule.id, 'activate')).statusCode, 204);
        assert.equal((await api.getRule(policy.id, rule.id)).json().status, 'ACTIVE');
        const replaced = (await api.replaceRule(policy.id, rule.id, { ...rule, name: 'Renamed' })).json();
        assert.equal(replaced.name, 'Renamed');
        assert.equal(replaced.status, 'ACTIVE', 'PUT does not change the status');
        assertOktaError(await api.replaceRule(policy.id, rule.id, { ...rule, type: 'PASSWORD' }), 400, 'E0000001', /type/);
        assert.equal((await api.removeRule(policy.id, rule.id)).statusCode, 204);
        assertOktaError(await api.getRule(policy.id, rule.id), 404, 'E0000007');
        for (const type of ['policy.rule.add', 'policy.rule.activate', 'policy.rule.update', 'policy.rule.delete']) {
          const found = (await events(org, type)).filter((e) => e.target[0]!.id === rule.id);
          assert.equal(found.length, 1, type);
          assert.equal(found[0]!.target[0]!.type, 'PolicyRule');
          assert.equal(found[0]!.target[1]!.id, policy.id, `${type}: the policy is a target too`);
        }
        await api.remove(policy.id);
      });

      it('a new app sign-in policy gets its catch-all rule at 99; user rules take 0..98', async () => {
        const policy = (await api.create({ type: 'ACCESS_POLICY', name: 'App policy' })).json();
        assert.match(policy.id, /^rst/);
        assert.equal(policy.conditions, null);
        const [catchAll] = (await api.rules(policy.id)).json();
        assert.equal(catchAll.priority, 99);
        assert.equal(catchAll.system, true);
        const first = (await api.createRule(policy.id, accessRule('First'))).json();
        assert.match(first.id, /^rul/);
        assert.equal(first.priority, 0);
        const before = (await api.createRule(policy.id, accessRule('Before', { priority: 0 }))).json();
        assert.equal(before.priority, 0);
        const clamped = (await api.createRule(policy.id, accessRule('Far', { priority: 50 }))).json();
        assert.equal(clamped.priority, 2, 'beyond the end clamps to the last non-default slot');
        assert.deepEqual(
          (await api.rules(policy.id)).json().map((r: Json) => [r.name, r.priority]),
          [
            ['Before', 0],
            ['First', 1],
            ['Far', 2],
            [catchAll.name, 99],
          ],
        );
        await api.remove(policy.id);
      });

      it('profile enrollment: each policy has exactly one rule; no more can be added or removed', async () => {
        const policy = (await api.create({ type: 'PROFILE_ENROLLMENT', name: 'Sign-up' })).json();
        const rules = (await api.rules(policy.id)).json();
        assert.equal(rules.length, 1);
        assert.deepEqual(policy._links.rules.hints.allow, ['GET']);
        const add = assertOktaError(await api.createRule(policy.id, { type: 'PROFILE_ENROLLMENT', name: 'Second', actions: { profileEnrollment: { access: 'ALLOW' } } }), 400, 'E0000001');
        assert.match(add.errorCauses[0]!.errorSummary, /cannot be added/);
        if (!rules[0].system) assertOktaError(await api.removeRule(policy.id, rules[0].id), 400, 'E0000001', /rules/);
        const postAuth = await api.defaultPolicy('POST_AUTH_SESSION');
        assertOktaError(await api.createRule(postAuth.id, { type: 'POST_AUTH_SESSION', name: 'Another' }), 400, 'E0000001');
        await api.remove(policy.id);
      });

      it('rule types must match the policy type', async () => {
        const policy = await api.defaultPolicy('OKTA_SIGN_ON');
        const body = assertOktaError(await api.createRule(policy.id, { ...SIGN_ON_RULE, type: 'OKTA_SIGN_ON' }), 400, 'E0000001');
        assert.match(body.errorCauses[0]!.errorSummary, /^type: Rules of a OKTA_SIGN_ON policy have type SIGN_ON/);
      });
    });

    describe('expand=rules', () => {
      it('embeds up to 20 rules and refuses a policy with 21', async () => {
        const policy = (await api.create({ type: 'OKTA_SIGN_ON', name: 'Twenty' })).json();
        for (let i = 1; i <= 20; i++) await api.createRule(policy.id, { ...SIGN_ON_RULE, name: `Rule ${i}` });
        const got = await api.get(policy.id, 'expand=rules');
        assert.equal(got.statusCode, 200);
        const embedded = got.json()._embedded.rules;
        assert.equal(embedded.length, 20);
        assert.deepEqual(embedded.map((r: Json) => r.priority), Array.from({ length: 20 }, (_, i) => i + 1));
        const listed = (await api.list('type=OKTA_SIGN_ON&expand=rules')).json();
        assert.equal(listed.find((p: Json) => p.id === policy.id)._embedded.rules.length, 20);
        assert.equal(listed.find((p: Json) => p.system)._embedded.rules.length, 1);
        assert.equal((await api.get(policy.id)).json()._embedded, undefined, 'no expansion unless asked');

        await api.createRule(policy.id, { ...SIGN_ON_RULE, name: 'Rule 21' });
        const body = assertOktaError(await api.get(policy.id, 'expand=rules'), 400, 'E0000001');
        assert.match(body.errorCauses[0]!.errorSummary, /^expand: .*more than 20 rules/);
        assertOktaError(await api.list('type=OKTA_SIGN_ON&expand=rules'), 400, 'E0000001');
        assertOktaError(await api.get(policy.id, 'expand=everything'), 400, 'E0000001', /expand/);
        await api.remove(policy.id);
      });
    });

    describe('lists', () => {
      it('requires type, filters by status and name prefix, sorts by name, pages with limit=1', async () => {
        assertOktaError(await api.call('GET', '/api/v1/policies'), 400, 'E0000001', 'Api validation failed: type');
        assertOktaError(await api.list('type=NOPE'), 400, 'E0000001');
        const names = ['Zeta', 'alpha', 'Beta'];
        const created = [];
        for (const name of names) created.push((await api.create({ type: 'PASSWORD', name }, name === 'Beta' ? 'activate=false' : '')).json());

        const seen: string[] = [];
        let url: string | undefined = '/api/v1/policies?type=PASSWORD&limit=1';
        while (url) {
          const res = await api.call('GET', url.replace(ORG_URL, ''));
          assert.equal(res.statusCode, 200);
          const items = res.json();
          assert.ok(items.length <= 1);
          seen.push(...items.map((p: Json) => p.name));
          url = linkOf(res, 'next');
          assert.ok(seen.length <= 4, 'paging terminates');
        }
        assert.deepEqual(seen, ['Zeta', 'alpha', 'Beta', 'Default Policy'], 'priority order: newest non-default last before the default');

        const byName = (await api.list('type=PASSWORD&sortBy=name')).json().map((p: Json) => p.name);
        assert.deepEqual(byName, [...byName].sort());
        assert.deepEqual((await api.list('type=PASSWORD&status=INACTIVE')).json().map((p: Json) => p.name), ['Beta']);
        assert.deepEqual((await api.list('type=PASSWORD&q=AL')).json().map((p: Json) => p.name), ['alpha'], 'q is a case-insensitive prefix');
        assertOktaError(await api.list('type=PASSWORD&after=forged'), 400, 'E0000029');
        for (const p of created) await api.remove(p.id);
      });

      it('a list page served again is current after a change made by another instance on the same database', async () => {
        const policy = (await api.create({ type: 'OKTA_SIGN_ON', name: 'Seen by two' })).json();
        const names = async () => (await api.list('type=OKTA_SIGN_ON&expand=rules')).json().map((p: Json) => p.name);
        assert.ok((await names()).includes('Seen by two'));
        assert.ok((await names()).includes('Seen by two'), 'a repeat is served from the rendered page');
        const other = await openStore(org.target);
        const services = createServices({ store: other, clock: org.clock, ids: randomIds, authCacheMs: 0, logRetentionDays: 90, logSink: { writeFailed: () => undefined, dropped: () => undefined } });
        const second = buildApp(org.config, { services, orgUrl: () => ORG_URL, logger: pino({ level: 'silent' }) });
        try {
          const renamed = await second.inject({ method: 'PUT', url: `/api/v1/policies/${policy.id}`, headers: { authorization: `SSWS ${ADMIN_TOKEN}` }, payload: { ...policy, name: 'Renamed elsewhere' } });
          assert.equal(renamed.statusCode, 200, renamed.body);
          const rule = await second.inject({ method: 'POST', url: `/api/v1/policies/${policy.id}/rules`, headers: { authorization: `SSWS ${ADMIN_TOKEN}` }, payload: SIGN_ON_RULE });
          assert.equal(rule.statusCode, 200, rule.body);
        } finally {
          await second.close();
        }
        const listed = (await api.list('type=OKTA_SIGN_ON&expand=rules')).json().find((p: Json) => p.id === policy.id);
        assert.equal(listed.name, 'Renamed elsewhere');
        assert.equal(listed._embedded.rules.length, 1);
        await api.remove(policy.id);
      });

      it('lists a policy\'s rules in priority order, with an optional limit', async () => {
        const policy = (await api.create({ type: 'OKTA_SIGN_ON', name: 'Rule list' })).json();
        for (const name of ['one', 'two', 'three']) await api.createRule(policy.id, { ...SIGN_ON_RULE, name });
        assert.deepEqual((await api.rules(policy.id)).json().map((r: Json) => r.name), ['one', 'two', 'three']);
        assert.deepEqual((await api.rules(policy.id, 'limit=2')).json().map((r: Json) => r.name), ['one', 'two']);
        assertOktaError(await api.rules(policy.id, 'limit=zero'), 400, 'E0000001', /limit/);
        await api.remove(policy.id);
      });
    });

    describe('limits', () => {
      it('100 rules per policy', async () => {
        const policy = (await api.create({ type: 'OKTA_SIGN_ON', name: 'Full' })).json();
        const now = org.clock.now();
        await org.services.store.transaction(async (tx) => {
          for (let i = 1; i <= 100; i++) {
            await tx.insertRule({ id: `0prfill${String(i).padStart(13, '0')}`, policyId: policy.id, name: `r${i}`, priority: i, status: 'ACTIVE', system: false, conditions: null, actions: { signon: { access: 'ALLOW' } }, created: now, lastUpdated: now });
          }
        });
        const body = assertOktaError(await api.createRule(policy.id, SIGN_ON_RULE), 400, 'E0000001');
        assert.match(body.errorCauses[0]!.errorSummary, /^rules: .*at most 100 rules/);
        await api.remove(policy.id);
      });

      it('5,000 app sign-in policies and 500 profile enrollment policies per org', async () => {
        for (const [type, max] of [
          ['ACCESS_POLICY', 5000],
          ['PROFILE_ENROLLMENT', 500],
        ] as const) {
          const existing = (await api.list(`type=${type}`)).json().length;
          const now = org.clock.now();
          await org.services.store.transaction(async (tx) => {
            for (let i = existing; i < max; i++) {
              const record: PolicyRecord = { id: `00pfill${type.slice(0, 3)}${String(i).padStart(10, '0')}`, type, name: `Filler ${i}`, description: null, priority: i + 10, status: 'ACTIVE', system: false, conditions: null, settings: null, created: now, lastUpdated: now };
              await tx.insertPolicy(record);
            }
          });
          const body = assertOktaError(await org.request({ method: 'POST', url: '/api/v1/policies', payload: { type, name: 'One too many' } }), 400, 'E0000001');
          assert.match(body.errorCauses[0]!.errorSummary, new RegExp(`^type: .*at most ${max} ${type}`));
          await org.services.store.transaction(async (tx) => {
            for (let i = existing; i < max; i++) await tx.deletePolicy(`00pfill${type.slice(0, 3)}${String(i).padStart(10, '0')}`);
          });
        }
      });
    });

    describe('permissions', () => {
      it('read-only admins read but cannot write; other roles and plain users get 403 E0000006', async () => {
        const reader = await org.userWithToken('policy-reader@example.com', ['READ_ONLY_ADMIN']);
        const helpDesk = await org.userWithToken('policy-helpdesk@example.com', ['HELP_DESK_ADMIN']);
        const nobody = await org.userWithToken('policy-nobody@example.com');
        const policy = await api.defaultPolicy('OKTA_SIGN_ON');
        assert.equal((await api.list('type=OKTA_SIGN_ON', reader.token)).statusCode, 200);
        assert.equal((await api.get(policy.id, '', reader.token)).statusCode, 200);
        assert.equal((await api.rules(policy.id, '', reader.token)).statusCode, 200);
        assertOktaError(await api.create({ type: 'OKTA_SIGN_ON', name: 'Denied' }, '', reader.token), 403, 'E0000006');
        assertOktaError(await api.replace(policy.id, { ...policy, name: 'Denied' }, reader.token), 403, 'E0000006');
        assertOktaError(await api.createRule(policy.id, SIGN_ON_RULE, '', reader.token), 403, 'E0000006');
        assertOktaError(await api.lifecycle(policy.id, 'activate', reader.token), 403, 'E0000006');
        for (const user of [helpDesk, nobody]) {
          assertOktaError(await api.list('type=OKTA_SIGN_ON', user.token), 403, 'E0000006');
          assertOktaError(await api.get(policy.id, '', user.token), 403, 'E0000006');
          assertOktaError(await api.get('00pnothere', '', user.token), 403, 'E0000006'); // denial comes before existence
        }
        const orgAdmin = await org.userWithToken('policy-orgadmin@example.com', ['ORG_ADMIN']);
        const created = await api.create({ type: 'OKTA_SIGN_ON', name: 'By org admin' }, '', orgAdmin.token);
        assert.equal(created.statusCode, 200);
        assert.equal((await api.remove(created.json().id, orgAdmin.token)).statusCode, 204);
      });
    });
  });
}
