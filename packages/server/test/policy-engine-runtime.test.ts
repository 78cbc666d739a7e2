// The policy engine at runtime: the compiled set follows this process's changes at once and
// another instance's (two app instances on one database) within the recheck interval, driven by
// the fake clock; app mappings and zones move it; a compilation failure keeps the last good set;
// and primary authentication applies the global session policy (DENY, MFA_ENROLL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError } from './helpers/assertions.ts';
import { compilePolicySet } from '../src/domain/policy-engine/compile.ts';
import { POLICY_ENGINE_RECHECK_MS, PolicyCompilationError, PolicyEngine } from '../src/domain/policy-engine/service.ts';
import type { CompiledPolicySet, PolicySetSource } from '../src/domain/policy-engine/types.ts';
import { systemContext } from '../src/domain/org/bootstrap.ts';
import { randomIds } from '../src/domain/shared/ids.ts';
import { createServices } from '../src/services.ts';
import type { Services } from '../src/services.ts';
import { openStore } from '../src/storage/open-store.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies read field by field
const PASSWORD = 'Correct-Horse-9';

/** Polls `check` on real time (the engine's timer runs on it) until it holds or `ms` pass. */
async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return check();
}

for (const backend of backends()) {
  describe(`the policy engine at runtime (${backend.name})`, () => {
    let org: TestOrg;
    let everyoneId: string;
    let appId: string;

    const request = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
      const res = await org.request({ method, url, ...(payload === undefined ? {} : { payload: payload as Json }) });
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.statusCode === 204 ? {} : (res.json() as Json);
    };
    const decided = (set: CompiledPolicySet, type: 'OKTA_SIGN_ON' | 'ACCESS_POLICY', app?: string) =>
      set.evaluate(type, { user: { id: 'u1', groupIds: [everyoneId] }, ip: '10.9.9.9', authType: 'ANY', identityProvider: { provider: 'OKTA' }, ...(app ? { app: { id: app, name: 'bookmark' } } : {}) }).decision
        ?.policy.id;
    const signOnPolicy = async (name: string) => {
      const policy = await request('POST', '/api/v1/policies', { type: 'OKTA_SIGN_ON', name, priority: 1, conditions: { people: { groups: { include: [everyoneId] } } } });
      await request('POST', `/api/v1/policies/${policy.id}/rules`, { type: 'SIGN_ON', name: `${name} rule`, actions: { signon: { access: 'ALLOW' } } });
      return policy.id as string;
    };

    before(async () => {
      org = await startOrg(backend);
      everyoneId = (await request('GET', '/api/v1/groups?q=Everyone'))[0].id;
      appId = (await request('POST', '/api/v1/apps', { name: 'bookmark', label: 'Runtime app', signOnMode: 'BOOKMARK', settings: { app: { url: 'https://example.com/' } } })).id;
    });
    after(() => org.close());

    it('is loaded when the app is ready; this process’s writes apply to the next get() without waiting', async () => {
      const engine = org.services.policyEngine;
      const before = engine.current();
      const id = await signOnPolicy('In process');
      const after = await engine.get();
      assert.notEqual(after.version, before.version);
      assert.equal(decided(after, 'OKTA_SIGN_ON'), id);
      assert.equal(engine.current(), after, 'current() serves the same set');
      await request('POST', `/api/v1/policies/${id}/lifecycle/deactivate`);
      assert.notEqual(decided(await engine.get(), 'OKTA_SIGN_ON'), id, 'an inactive policy is skipped');
    });

    describe('a second instance on the same database', () => {
      let second: Services;
      let store: Awaited<ReturnType<typeof openStore>>;
      before(async () => {
        store = await openStore(org.target);
        second = createServices({ store, clock: org.clock, ids: randomIds, authCacheMs: 0, logRetentionDays: 90, logSink: { writeFailed: () => {}, dropped: () => {} } });
        // A short real-time tick: the fake clock, not the timer, decides when the counters are read.
        await second.policyEngine.start({ intervalMs: 20 });
      });
      after(async () => {
        await second.policyEngine.stop();
        await second.log.close();
        await store.close();
      });

      it('compiles the same set, and keeps it while nothing changes', async () => {
        assert.equal(second.policyEngine.current().version, (await org.services.policyEngine.get({ fresh: true })).version);
        const loaded = second.policyEngine.current();
        org.clock.advance(POLICY_ENGINE_RECHECK_MS);
        assert.equal(await second.policyEngine.get(), loaded, 'counters unchanged: the same compiled set');
      });

      it('sees the first instance’s change once the clock passes the recheck interval (get and the timer)', async () => {
        const loaded = second.policyEngine.current();
        const id = await signOnPolicy('From the first instance');
        await new Promise((resolve) => setTimeout(resolve, 60)); // several timer ticks: the fake clock stood still
        assert.equal(second.policyEngine.current(), loaded, 'stale within the interval');
        assert.equal(await second.policyEngine.get(), loaded);
        org.clock.advance(POLICY_ENGINE_RECHECK_MS);
        assert.ok(await eventually(() => second.policyEngine.current() !== loaded), 'the timer reloaded it');
        assert.equal(decided(second.policyEngine.current(), 'OKTA_SIGN_ON'), id);
      });

      it('and the other way round; app mappings move the ACCESS_POLICY set on both', async () => {
        const policy = await second.policies.create(systemContext(randomIds.requestId()), { type: 'ACCESS_POLICY', name: 'Mapped elsewhere' }, { activate: true });
        await request('PUT', `/api/v1/apps/${appId}/policies/${policy.id}`);
        assert.equal(decided(await org.services.policyEngine.get(), 'ACCESS_POLICY', appId), policy.id, 'the mapping applies at once where it was made');
        org.clock.advance(POLICY_ENGINE_RECHECK_MS);
        assert.equal(decided(await second.policyEngine.get(), 'ACCESS_POLICY', appId), policy.id, 'and on the other instance after the interval');
      });
    });

    it('zone changes made through this instance apply to the next get(), as policy changes do', async () => {
      const zone = await request('POST', '/api/v1/zones', { type: 'IP', name: 'Runtime zone', gateways: [{ type: 'CIDR', value: '192.0.2.0/24' }] });
      const engine = org.services.policyEngine;
      const before = await engine.get({ fresh: true });
      await request('PUT', `/api/v1/zones/${zone.id}`, { type: 'IP', name: 'Runtime zone', gateways: [{ type: 'CIDR', value: '198.51.100.0/24' }] });
      assert.notEqual(await engine.get(), before, 'the store announces the zones generation it committed: no waiting for the interval');
    });

    it('a compilation failure keeps the last good set and is reported once; the next change compiles again', async () => {
      let fail = false;
      const errors: unknown[] = [];
      const engine = new PolicyEngine({
        store: org.services.store,
        clock: org.clock,
        onError: (error) => errors.push(error),
        compile: (source: PolicySetSource) => {
          if (fail) throw new Error('compiler bug');
          return compilePolicySet(source);
        },
      });
      const good = await engine.get();
      fail = true;
      await signOnPolicy('Breaks the compiler');
      const kept = await engine.get();
      assert.equal(kept, good, 'the last good set');
      // The policy and its rule are two commits: one or two sets of counters failed, each reported once.
      const reported = errors.length;
      assert.ok(reported >= 1 && reported <= 2, `${reported} reports`);
      assert.ok(errors.every((e) => e instanceof PolicyCompilationError));
      org.clock.advance(POLICY_ENGINE_RECHECK_MS);
      assert.equal(await engine.get(), good);
      assert.equal(errors.length, reported, 'the same counters are not compiled (nor reported) again');
      fail = false;
      const id = await signOnPolicy('Fixed');
      assert.equal(decided(await engine.get(), 'OKTA_SIGN_ON'), id);
    });

    it('with no good set yet, a compilation failure serves an empty set rather than none', async () => {
      let calls = 0;
      const engine = new PolicyEngine({
        store: org.services.store,
        clock: org.clock,
        compile: (source: PolicySetSource) => {
          calls++;
          if (source.policies.length > 0) throw new Error('compiler bug');
          return compilePolicySet(source);
        },
      });
      const set = await engine.get();
      assert.equal(calls, 2);
      assert.match(set.version, /^empty/);
      assert.equal(set.evaluate('OKTA_SIGN_ON', {}).decision, null);
    });

    it('a write committed while a recheck is reading the counters still applies to the next get()', async () => {
      // The recheck read the counters before the commit and finishes after it: it must not mark
      // the set as checked over the change this process announced.
      let release: (() => void) | undefined;
      let gate: Promise<void> | undefined;
      const real = org.services.store;
      const store = new Proxy(real, {
        get(target, name, receiver) {
          if (name === 'policyGenerations') return () => target.policyGenerations().then(async (counters) => (await gate, counters));
          const value: unknown = Reflect.get(target, name, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const engine = new PolicyEngine({ store, clock: org.clock });
      const loaded = await engine.get();
      org.clock.advance(POLICY_ENGINE_RECHECK_MS);
      gate = new Promise((resolve) => (release = resolve));
      const recheck = engine.get(); // reads the counters now, answers after the commit below
      const id = await signOnPolicy('Committed during a recheck');
      gate = undefined;
      release!();
      assert.equal(await recheck, loaded, 'the recheck started before the write');
      assert.equal(decided(await engine.get(), 'OKTA_SIGN_ON'), id, 'the next get() sees the write');
    });

    it('current() before any load is a programming error', () => {
      const engine = new PolicyEngine({ store: org.services.store, clock: org.clock });
      assert.throws(() => engine.current(), /no compiled policy set/);
    });
  });

  describe(`primary authentication applies the global session policy (${backend.name})`, () => {
    let org: TestOrg;
    let groupId: string;
    let policyId: string;
    let ruleId: string;

    const request = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
      const res = await org.request({ method, url, ...(payload === undefined ? {} : { payload: payload as Json }) });
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.statusCode === 204 ? {} : (res.json() as Json);
    };
    const signIn = (username: string, remoteAddress = '127.0.0.1') =>
      org.request({ method: 'POST', url: '/api/v1/authn', payload: { username, password: PASSWORD, relayState: '/next' }, token: null, remoteAddress });
    const createUser = async (login: string, groupIds: string[] = []) =>
      (await request('POST', '/api/v1/users', { profile: { login, email: login, firstName: 'Pol', lastName: 'Icy' }, credentials: { password: { value: PASSWORD } }, groupIds })).id as string;
    const setActions = (signon: Json) => request('PUT', `/api/v1/policies/${policyId}/rules/${ruleId}`, { type: 'SIGN_ON', name: 'Gate', actions: { signon } });

    before(async () => {
      org = await startOrg(backend);
      groupId = (await request('POST', '/api/v1/groups', { profile: { name: 'Gated' } })).id;
      policyId = (await request('POST', '/api/v1/policies', { type: 'OKTA_SIGN_ON', name: 'Gated people', priority: 1, conditions: { people: { groups: { include: [groupId] } } } })).id;
      ruleId = (await request('POST', `/api/v1/policies/${policyId}/rules`, { type: 'SIGN_ON', name: 'Gate', actions: { signon: { access: 'DENY' } } })).id;
    });
    after(() => org.close());

    it('DENY: 401 E0000004 as for a wrong password, logged as policy.evaluate_sign_on; other users sign in', async () => {
      const id = await createUser('denied@example.com', [groupId]);
      assertOktaError(await signIn('denied@example.com'), 401, 'E0000004');
      await createUser('free@example.com');
      assert.equal((await signIn('free@example.com')).json().status, 'SUCCESS');
      await org.services.log.flush();
      const events = (await request('GET', `/api/v1/logs?filter=${encodeURIComponent('eventType eq "policy.evaluate_sign_on"')}`)) as unknown as Json[];
      const event = events.find((e) => e.target.some((t: Json) => t.id === id));
      assert.ok(event, JSON.stringify(events));
      assert.equal(event.outcome.result, 'DENY');
      assert.ok(event.target.some((t: Json) => t.id === policyId && t.type === 'PolicyEntity'));
      const user = await request('GET', `/api/v1/users/${id}`);
      assert.equal(user.lastLogin, null, 'no session started');
    });

    it('DENY by network zone: only from the zone’s addresses', async () => {
      const zone = await request('POST', '/api/v1/zones', { type: 'IP', name: 'Kiosk', gateways: [{ type: 'CIDR', value: '203.0.113.0/24' }] });
      await request('PUT', `/api/v1/policies/${policyId}/rules/${ruleId}`, {
        type: 'SIGN_ON',
        name: 'Gate',
        conditions: { network: { connection: 'ZONE', include: [zone.id] } },
        actions: { signon: { access: 'DENY' } },
      });
      await createUser('kiosk@example.com', [groupId]);
      assertOktaError(await signIn('kiosk@example.com', '203.0.113.7'), 401, 'E0000004');
      assert.equal((await signIn('kiosk@example.com', '198.51.100.7')).json().status, 'SUCCESS');
      await request('PUT', `/api/v1/policies/${policyId}/rules/${ruleId}`, { type: 'SIGN_ON', name: 'Gate', actions: { signon: { access: 'DENY' } } });
    });

    it('requireFactor: MFA_ENROLL with a stateToken and the factors the MFA_ENROLL policy offers', async () => {
      await setActions({ access: 'ALLOW', requireFactor: true, factorPromptMode: 'ALWAYS', factorLifetime: 15 });
      const mfa = await request('POST', '/api/v1/policies', {
        type: 'MFA_ENROLL',
        name: 'Gated enrollment',
        priority: 1,
        conditions: { people: { groups: { include: [groupId] } } },
        settings: {
          type: 'AUTHENTICATORS',
          authenticators: [
            { key: 'okta_password', enroll: { self: 'REQUIRED' } },
            { key: 'okta_email', enroll: { self: 'REQUIRED' } },
            { key: 'google_otp', enroll: { self: 'OPTIONAL' } },
            { key: 'phone_number', enroll: { self: 'NOT_ALLOWED' } },
          ],
        },
      });
      await request('POST', `/api/v1/policies/${mfa.id}/rules`, { type: 'MFA_ENROLL', name: 'Enroll' });
      const id = await createUser('mfa@example.com', [groupId]);
      const res = await signIn('mfa@example.com');
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.status, 'MFA_ENROLL');
      assert.match(body.stateToken, /^00/);
      assert.equal(body.sessionToken, undefined);
      assert.equal(body.relayState, '/next');
      assert.equal(body._embedded.user.id, id);
      assert.deepEqual(
        body._embedded.factors.map((f: Json) => [f.factorType, f.provider, f.vendorName, f.enrollment, f.status]),
        [
          ['email', 'OKTA', 'OKTA', 'REQUIRED', 'NOT_SETUP'],
          ['token:software:totp', 'GOOGLE', 'GOOGLE', 'OPTIONAL', 'NOT_SETUP'],
        ],
      );
      assert.equal(body._embedded.factors[0]._links.enroll.href, `${org.orgUrl}/api/v1/authn/factors`);
      assert.deepEqual(Object.keys(body._links), ['cancel'], 'a required factor: no skip link');
      assert.equal((await request('GET', `/api/v1/users/${id}`)).lastLogin, null);
      await setActions({ access: 'ALLOW' });
      assert.equal((await signIn('mfa@example.com')).json().status, 'SUCCESS');
    });
  });
}
