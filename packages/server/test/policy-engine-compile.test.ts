import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiValidationError } from '../src/errors/catalog.ts';
import type { JsonObject, PolicyType } from '../src/domain/policies/kinds/kind.ts';
import { policyKind } from '../src/domain/policies/kinds/index.ts';
import type { PolicyRecord, RuleRecord } from '../src/domain/policies/types.ts';
import { compilePolicySet } from '../src/domain/policy-engine/compile.ts';
import { compareVersions, compileIdentifierPattern, compileIdentifierRegExp, compileSemverCondition, parseVersion } from '../src/domain/policy-engine/patterns.ts';
import type { EvaluationContext, PolicySetSource } from '../src/domain/policy-engine/types.ts';
import { ZoneIndex } from '../src/domain/policy-engine/zone-index.ts';
import { compileZone } from '../src/domain/zones/ip-match.ts';
import type { ZoneAddress } from '../src/domain/zones/ip-match.ts';
import type { ZoneRecord } from '../src/domain/zones/types.ts';

// Focused unit tests of the engine core (compile.ts, atoms.ts, zone-index.ts, patterns.ts): pure,
// no database. The table-driven and property-based suites live in policy-engine-*.test.ts.

let counter = 0;
const nextId = (prefix: string) => `${prefix}${++counter}`;

function policy(type: PolicyType, fields: Partial<PolicyRecord> = {}): PolicyRecord {
  return {
    id: nextId('pol'),
    type,
    name: fields.name ?? 'Policy',
    description: null,
    priority: 1,
    status: 'ACTIVE',
    system: false,
    created: 0,
    lastUpdated: 0,
    conditions: null,
    settings: null,
    ...fields,
  };
}

function rule(owner: PolicyRecord, fields: Partial<RuleRecord> = {}): RuleRecord {
  return {
    id: nextId('rul'),
    policyId: owner.id,
    name: fields.name ?? 'Rule',
    priority: 1,
    status: 'ACTIVE',
    system: false,
    created: 0,
    lastUpdated: 0,
    conditions: null,
    actions: null,
    ...fields,
  };
}

function zone(id: string, gateways: string[], fields: Partial<ZoneRecord> = {}): ZoneRecord {
  return {
    id,
    type: 'IP',
    name: id,
    status: 'ACTIVE',
    usage: 'POLICY',
    system: false,
    gateways: gateways.map((value): ZoneAddress => ({ type: value.includes('/') ? 'CIDR' : 'RANGE', value })),
    proxies: null,
    created: 0,
    lastUpdated: 0,
    ...fields,
  };
}

function source(parts: Partial<PolicySetSource>): PolicySetSource {
  return { policies: [], rules: [], zones: [], appPolicies: new Map(), version: 'test', ...parts };
}

/** The deciding rule's name (or null), checked against the traced walk. */
function decide(set: ReturnType<typeof compilePolicySet>, type: PolicyType, context: EvaluationContext): string | null {
  const fast = set.evaluate(type, context);
  const traced = set.evaluate(type, context, { trace: true });
  assert.equal(fast.trace, undefined, 'no trace unless asked');
  assert.equal(fast.decision?.rule.id, traced.decision?.rule.id, 'the indexed and the traced walks agree');
  return fast.decision?.rule.name ?? null;
}

/**
 * One policy of `type` with one rule holding `conditions` (named 'hit') above a catch-all default
 * policy. For ACCESS_POLICY, app `a` is mapped to the first policy and its catch-all is 'default'.
 */
function single(type: PolicyType, conditions: JsonObject, extra: Partial<PolicySetSource> = {}) {
  const main = policy(type, { priority: 1 });
  const fallback = policy(type, { priority: 2, system: true, name: 'Default Policy' });
  const access = type === 'ACCESS_POLICY';
  return compilePolicySet(
    source({
      policies: [main, fallback],
      rules: [
        rule(main, { name: 'hit', priority: 0, conditions }),
        rule(access ? main : fallback, { name: 'default', priority: 99, system: true }),
      ],
      appPolicies: new Map(access ? [['a', main.id]] : []),
      ...extra,
    }),
  );
}

const user = (id: string, groupIds: string[] = []) => ({ user: { id, groupIds } });

describe('policy engine: priorities', () => {
  it('evaluates policies then rules in priority order, skipping inactive ones; the default catches the rest', () => {
    const first = policy('OKTA_SIGN_ON', { priority: 1 });
    const inactive = policy('OKTA_SIGN_ON', { priority: 2, status: 'INACTIVE' });
    const noRules = policy('OKTA_SIGN_ON', { priority: 3 });
    const groupOnly = policy('OKTA_SIGN_ON', { priority: 4, conditions: { people: { groups: { include: ['g1'] } } } });
    const fallback = policy('OKTA_SIGN_ON', { priority: 5, system: true, conditions: { people: { groups: { include: ['everyone'] } } } });
    const set = compilePolicySet(
      source({
        // Given out of order on purpose.
        policies: [fallback, groupOnly, noRules, inactive, first],
        rules: [
          rule(first, { name: 'first-u1', priority: 1, conditions: { people: { users: { include: ['u1'] } } } }),
          rule(first, { name: 'first-inactive', priority: 2, status: 'INACTIVE' }),
          rule(inactive, { name: 'inactive-policy' }),
          rule(noRules, { name: 'inactive-rule', status: 'INACTIVE' }),
          rule(groupOnly, { name: 'group-2', priority: 2 }),
          rule(groupOnly, { name: 'group-1', priority: 1, conditions: { people: { users: { exclude: ['u3'] } } } }),
          rule(fallback, { name: 'default', priority: 1, system: true }),
        ],
      }),
    );
    assert.equal(decide(set, 'OKTA_SIGN_ON', user('u1', ['g1'])), 'first-u1');
    assert.equal(decide(set, 'OKTA_SIGN_ON', user('u2', ['g1'])), 'group-1');
    assert.equal(decide(set, 'OKTA_SIGN_ON', user('u3', ['g1'])), 'group-2');
    assert.equal(decide(set, 'OKTA_SIGN_ON', user('u2', ['g2'])), 'default');
    // The default policy is not gated by its own group (it applies to everyone).
    assert.equal(decide(set, 'OKTA_SIGN_ON', {}), 'default');
    assert.equal(decide(set, 'PASSWORD', user('u1')), null, 'a type with no policy decides nothing');
  });

  it('goes on to the next policy when a policy matches but none of its rules do', () => {
    const a = policy('MFA_ENROLL', { priority: 1 });
    const b = policy('MFA_ENROLL', { priority: 2 });
    const set = compilePolicySet(
      source({
        policies: [a, b],
        rules: [rule(a, { name: 'a', conditions: { people: { users: { include: ['x'] } } } }), rule(b, { name: 'b' })],
      }),
    );
    assert.equal(decide(set, 'MFA_ENROLL', user('u1')), 'b');
    const traced = set.evaluate('MFA_ENROLL', user('u1'), { trace: true });
    assert.deepEqual(
      traced.trace?.map((p) => [p.status, p.rules.map((r) => r.status)]),
      [
        ['NOT_MATCH', ['NOT_MATCH']],
        ['MATCH', ['MATCH']],
      ],
    );
  });

  it('returns the policy settings and the rule actions as stored', () => {
    const p = policy('PASSWORD', { system: true, settings: { password: { complexity: { minLength: 12 } } } });
    const r = rule(p, { system: true, actions: { passwordChange: { access: 'ALLOW' } } });
    const set = compilePolicySet(source({ policies: [p], rules: [r] }));
    const { decision } = set.evaluate('PASSWORD', { ...user('u1'), authProvider: { provider: 'OKTA' } });
    assert.equal(decision?.type, 'PASSWORD');
    assert.equal(decision?.policy, p);
    assert.equal(decision?.rule, r);
    assert.deepEqual(decision?.settings, p.settings);
    assert.deepEqual(decision?.actions, r.actions);
  });

  it('PROFILE_ENROLLMENT: only the default policy applies (apps cannot be assigned another)', () => {
    const custom = policy('PROFILE_ENROLLMENT', { priority: 1 });
    const fallback = policy('PROFILE_ENROLLMENT', { priority: 2, system: true });
    const set = compilePolicySet(source({ policies: [custom, fallback], rules: [rule(custom, { name: 'custom' }), rule(fallback, { name: 'default' })] }));
    assert.equal(decide(set, 'PROFILE_ENROLLMENT', user('u1')), 'default');
  });
});

describe('policy engine: ACCESS_POLICY', () => {
  const mapped = policy('ACCESS_POLICY', { priority: 1 });
  const fallback = policy('ACCESS_POLICY', { priority: 2, system: true });
  const set = compilePolicySet(
    source({
      policies: [mapped, fallback],
      rules: [
        rule(mapped, { name: 'mapped-deny', priority: 0, conditions: { people: { groups: { include: ['contractors'] } } } }),
        rule(mapped, { name: 'mapped-catch-all', priority: 99, system: true }),
        rule(fallback, { name: 'default-catch-all', priority: 99, system: true }),
      ],
      appPolicies: new Map([
        ['app1', mapped.id],
        ['stale', 'no-such-policy'],
      ]),
    }),
  );

  it('evaluates only the policy the app is mapped to', () => {
    assert.equal(decide(set, 'ACCESS_POLICY', { ...user('u1', ['contractors']), app: { id: 'app1', name: 'oidc_client' } }), 'mapped-deny');
    assert.equal(decide(set, 'ACCESS_POLICY', { ...user('u1', []), app: { id: 'app1', name: 'oidc_client' } }), 'mapped-catch-all');
  });

  it('an app with no (or a stale) mapping is under the default policy; no app, no policy', () => {
    assert.equal(decide(set, 'ACCESS_POLICY', { ...user('u1', ['contractors']), app: { id: 'app2', name: 'oidc_client' } }), 'default-catch-all');
    assert.equal(decide(set, 'ACCESS_POLICY', { ...user('u1'), app: { id: 'stale', name: 'oidc_client' } }), 'default-catch-all');
    assert.deepEqual(set.evaluate('ACCESS_POLICY', user('u1'), { trace: true }), { decision: null, trace: [] });
  });
});

describe('policy engine: people', () => {
  const set = single('OKTA_SIGN_ON', { people: { users: { include: ['u1'], exclude: ['u3'] }, groups: { include: ['g1'], exclude: ['g9'] } } });
  it('include is users OR groups; exclude wins', () => {
    assert.equal(decide(set, 'OKTA_SIGN_ON', user('u1')), 'hit');
    assert.equal(decide(set, 'OKTA_SIGN_ON', user('u2', ['g1'])), 'hit');
    assert.equal(decide(set, 'OKTA_SIGN_ON', user('u2', ['g2'])), 'default');
    assert.equal(decide(set, 'OKTA_SIGN_ON', user('u3', ['g1'])), 'default');
    assert.equal(decide(set, 'OKTA_SIGN_ON', user('u1', ['g9'])), 'default');
  });
  it('a trace lists the people include first, then the conditions as stored', () => {
    const set2 = single('OKTA_SIGN_ON', { network: { connection: 'ZONE', include: ['z'] }, people: { users: { exclude: ['u9'] }, groups: { include: ['g1'] } } });
    const traced = set2.evaluate('OKTA_SIGN_ON', user('u1', ['g1']), { trace: true });
    assert.deepEqual(
      traced.trace?.[0]?.rules[0]?.conditions.map((c) => c.type),
      ['people.groups.include', 'network.include', 'people.users.exclude'],
    );
  });
  it('an empty include means everyone', () => {
    const open = single('OKTA_SIGN_ON', { people: { users: { exclude: ['u3'] } } });
    assert.equal(decide(open, 'OKTA_SIGN_ON', user('anyone')), 'hit');
    assert.equal(decide(open, 'OKTA_SIGN_ON', user('u3')), 'default');
  });
  it('missing inputs are UNDEFINED and the rule does not decide', () => {
    const traced = set.evaluate('OKTA_SIGN_ON', { user: { groupIds: ['g2'] } }, { trace: true });
    assert.deepEqual(traced.trace?.[0]?.rules[0]?.conditions, [
      { type: 'people.users.include', status: 'UNDEFINED' },
      { type: 'people.groups.include', status: 'UNDEFINED' },
      { type: 'people.users.exclude', status: 'UNDEFINED' },
      { type: 'people.groups.exclude', status: 'MATCH' },
    ]);
    assert.equal(traced.trace?.[0]?.status, 'UNDEFINED');
    assert.equal(traced.decision?.rule.name, 'default');
    // Group membership alone establishes the include even without a user id.
    const groupsOnly = set.evaluate('OKTA_SIGN_ON', { user: { groupIds: ['g1'] } }, { trace: true });
    assert.equal(groupsOnly.trace?.[0]?.rules[0]?.conditions[0]?.status, 'MATCH');
  });
});

describe('policy engine: network', () => {
  const zones = [zone('office', ['10.0.0.0/8']), zone('vpn', ['192.168.1.1-192.168.1.20', '2001:db8::/32']), zone('old', ['172.16.0.0/12'], { status: 'INACTIVE' })];
  it('ZONE include and exclude by the client IP; inactive zones match nothing', () => {
    const include = single('PASSWORD', { network: { connection: 'ZONE', include: ['office', 'old'] } }, { zones });
    const ctx = (ip: string) => ({ ...user('u1'), ip });
    assert.equal(decide(include, 'PASSWORD', ctx('10.1.2.3')), 'hit');
    assert.equal(decide(include, 'PASSWORD', ctx('::ffff:10.1.2.3')), 'hit');
    assert.equal(decide(include, 'PASSWORD', ctx('172.16.0.1')), 'default');
    assert.equal(decide(include, 'PASSWORD', ctx('not-an-ip')), 'default');
    const exclude = single('PASSWORD', { network: { connection: 'ZONE', exclude: ['vpn'] } }, { zones });
    assert.equal(decide(exclude, 'PASSWORD', ctx('192.168.1.5')), 'default');
    assert.equal(decide(exclude, 'PASSWORD', ctx('2001:db8::1')), 'default');
    assert.equal(decide(exclude, 'PASSWORD', ctx('192.168.1.21')), 'hit');
  });
  it('ALL_ZONES is any active POLICY zone; zone ids stand in for the IP; neither is UNDEFINED', () => {
    const blocked = zone('blocked', ['203.0.113.0/24'], { usage: 'BLOCKLIST' });
    const all = single('PASSWORD', { network: { connection: 'ZONE', include: ['ALL_ZONES'] } }, { zones: [...zones, blocked] });
    assert.equal(decide(all, 'PASSWORD', { ...user('u1'), ip: '203.0.113.9' }), 'default');
    const named = single('PASSWORD', { network: { connection: 'ZONE', include: ['blocked'] } }, { zones: [...zones, blocked] });
    assert.equal(decide(named, 'PASSWORD', { ...user('u1'), ip: '203.0.113.9' }), 'hit', 'a blocklist zone named by id matches by its gateways');
    assert.equal(decide(all, 'PASSWORD', { ...user('u1'), ip: '192.168.1.1' }), 'hit');
    assert.equal(decide(all, 'PASSWORD', { ...user('u1'), ip: '172.16.0.1' }), 'default');
    assert.equal(decide(all, 'PASSWORD', { ...user('u1'), zoneIds: ['vpn'] }), 'hit');
    assert.equal(decide(all, 'PASSWORD', { ...user('u1'), zoneIds: ['old'] }), 'default');
    const traced = all.evaluate('PASSWORD', user('u1'), { trace: true });
    assert.deepEqual(traced.trace?.[0]?.rules[0]?.conditions, [{ type: 'network.include', status: 'UNDEFINED' }]);
    // The IP wins over zone ids when both are given.
    assert.equal(decide(all, 'PASSWORD', { ...user('u1'), ip: '8.8.8.8', zoneIds: ['vpn'] }), 'default');
  });
  it('ANYWHERE needs no input and is not listed in a trace', () => {
    const anywhere = single('PASSWORD', { network: { connection: 'ANYWHERE' } }, { zones });
    const traced = anywhere.evaluate('PASSWORD', {}, { trace: true });
    assert.equal(traced.decision?.rule.name, 'hit');
    assert.deepEqual(traced.trace?.[0]?.rules[0]?.conditions, []);
  });
  it('the zone index agrees with compileZone', () => {
    const sample = [zone('a', ['10.0.0.0/8', '10.1.0.0/16']), zone('b', ['10.1.2.0-10.1.3.255', '::1-::ff']), zone('c', ['0.0.0.0/0'])];
    const index = new ZoneIndex(sample);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const ip = i % 10 === 0 ? `::${Math.floor(random() * 512).toString(16)}` : `10.${Math.floor(random() * 4)}.${Math.floor(random() * 8)}.${Math.floor(random() * 256)}`;
      const found = new Set<number>();
      index.lookup(ip, (slot) => found.add(slot));
      sample.forEach((z, slot) => assert.equal(found.has(slot), compileZone(z).contains(ip), `${ip} in ${z.id}`));
    }
  });
});

describe('policy engine: other conditions', () => {
  it('app: APP by id, APP_TYPE by name; empty lists are all apps; no app is UNDEFINED', () => {
    const set = single('MFA_ENROLL', { app: { include: [{ type: 'APP', id: 'a1' }, { type: 'APP_TYPE', name: 'saml_app' }], exclude: [{ type: 'APP', id: 'a2' }] } });
    assert.equal(decide(set, 'MFA_ENROLL', { app: { id: 'a1', name: 'oidc_client' } }), 'hit');
    assert.equal(decide(set, 'MFA_ENROLL', { app: { id: 'a3', name: 'saml_app' } }), 'hit');
    assert.equal(decide(set, 'MFA_ENROLL', { app: { id: 'a2', name: 'saml_app' } }), 'default');
    assert.equal(decide(set, 'MFA_ENROLL', { app: { id: 'a3', name: 'oidc_client' } }), 'default');
    assert.equal(decide(set, 'MFA_ENROLL', {}), 'default');
    assert.equal(decide(single('MFA_ENROLL', { app: { include: [], exclude: [] } }), 'MFA_ENROLL', {}), 'hit');
  });

  it('platform: type, OS (OSX is MACOS), SEMVER versions, exclude', () => {
    const set = single('IDP_DISCOVERY', {
      platform: {
        include: [{ type: 'DESKTOP', os: { type: 'OSX', version: { matchType: 'SEMVER', value: '>=13.1' } } }, { type: 'MOBILE', os: { type: 'ANY' } }],
        exclude: [{ type: 'MOBILE', os: { type: 'ANDROID' } }],
      },
    });
    const on = (type: 'DESKTOP' | 'MOBILE', os: 'MACOS' | 'IOS' | 'ANDROID' | 'WINDOWS', version?: string) => ({ platform: { type, os: { type: os, ...(version ? { version } : {}) } } });
    assert.equal(decide(set, 'IDP_DISCOVERY', on('DESKTOP', 'MACOS', '14.0')), 'hit');
    assert.equal(decide(set, 'IDP_DISCOVERY', on('DESKTOP', 'MACOS', '13.0.9')), 'default');
    assert.equal(decide(set, 'IDP_DISCOVERY', on('DESKTOP', 'MACOS')), 'default');
    assert.equal(decide(set, 'IDP_DISCOVERY', on('DESKTOP', 'WINDOWS', '14')), 'default');
    assert.equal(decide(set, 'IDP_DISCOVERY', on('MOBILE', 'IOS')), 'hit');
    assert.equal(decide(set, 'IDP_DISCOVERY', on('MOBILE', 'ANDROID')), 'default');
    const traced = set.evaluate('IDP_DISCOVERY', on('DESKTOP', 'MACOS'), { trace: true });
    assert.deepEqual(traced.trace?.[0]?.rules[0]?.conditions, [
      { type: 'platform.include', status: 'UNDEFINED' },
      { type: 'platform.exclude', status: 'MATCH' },
    ]);
  });

  it('userIdentifier: case-insensitive simple patterns, case-sensitive whole-value regex, attributes', () => {
    const login = (value: string) => ({ user: { login: value } });
    const suffix = single('IDP_DISCOVERY', { userIdentifier: { type: 'IDENTIFIER', patterns: [{ matchType: 'SUFFIX', value: '@example.com' }, { matchType: 'EQUALS', value: 'root' }] } });
    assert.equal(decide(suffix, 'IDP_DISCOVERY', login('Alice@EXAMPLE.com')), 'hit');
    assert.equal(decide(suffix, 'IDP_DISCOVERY', login('ROOT')), 'hit');
    assert.equal(decide(suffix, 'IDP_DISCOVERY', login('alice@example.org')), 'default');
    assert.equal(decide(suffix, 'IDP_DISCOVERY', {}), 'default');
    const regex = single('IDP_DISCOVERY', { userIdentifier: { type: 'IDENTIFIER', patterns: [{ matchType: 'EXPRESSION', value: '.*\\+devtest@company\\.com' }] } });
    assert.equal(decide(regex, 'IDP_DISCOVERY', login('bob+devtest@company.com')), 'hit');
    assert.equal(decide(regex, 'IDP_DISCOVERY', login('bob+devtest@company.com.evil')), 'default', 'the whole value must match');
    assert.equal(decide(regex, 'IDP_DISCOVERY', login('bob+devtest@COMPANY.com')), 'default', 'case-sensitive');
    const attribute = single('IDP_DISCOVERY', { userIdentifier: { type: 'ATTRIBUTE', attribute: 'department', patterns: [{ matchType: 'STARTS_WITH', value: 'eng' }] } });
    assert.equal(decide(attribute, 'IDP_DISCOVERY', { user: { profile: { department: 'Engineering' } } }), 'hit');
    assert.equal(decide(attribute, 'IDP_DISCOVERY', { user: { profile: {} } }), 'default');
    const undefinedTrace = attribute.evaluate('IDP_DISCOVERY', { user: { login: 'x' } }, { trace: true });
    assert.equal(undefinedTrace.trace?.[0]?.rules[0]?.conditions[0]?.status, 'UNDEFINED');
  });

  it('riskScore and entityRisk match the exact level; ANY matches without input', () => {
    const high = single('ACCESS_POLICY', { riskScore: { level: 'HIGH' } });
    const app = { app: { id: 'a', name: 'n' } };
    assert.equal(decide(high, 'ACCESS_POLICY', { ...app, risk: { level: 'HIGH' } }), 'hit');
    assert.equal(decide(high, 'ACCESS_POLICY', { ...app, risk: { level: 'MEDIUM' } }), 'default');
    assert.equal(decide(high, 'ACCESS_POLICY', app), 'default');
    assert.equal(decide(single('ACCESS_POLICY', { riskScore: { level: 'ANY' } }), 'ACCESS_POLICY', app), 'hit');
    const entity = single('ENTITY_RISK', { entityRisk: { level: 'LOW' }, riskDetectionTypes: { exclude: ['BRUTE_FORCE_ATTACK'] } });
    assert.equal(decide(entity, 'ENTITY_RISK', { entityRisk: { level: 'LOW' }, riskDetections: [] }), 'hit');
    assert.equal(decide(entity, 'ENTITY_RISK', { entityRisk: { level: 'LOW' }, riskDetections: ['BRUTE_FORCE_ATTACK'] }), 'default');
    assert.equal(decide(entity, 'ENTITY_RISK', { entityRisk: { level: 'HIGH' }, riskDetections: [] }), 'default');
  });

  it('sign-on conditions: authType, identityProvider, behaviors', () => {
    const set = single('OKTA_SIGN_ON', {
      authContext: { authType: 'RADIUS' },
      identityProvider: { provider: 'SPECIFIC_IDP', idpIds: ['idp1'] },
      risk: { behaviors: ['New IP', 'New Device'] },
    });
    const base: EvaluationContext = { authType: 'RADIUS', identityProvider: { provider: 'SPECIFIC_IDP', id: 'idp1' }, behaviors: ['New Device'] };
    assert.equal(decide(set, 'OKTA_SIGN_ON', base), 'hit');
    assert.equal(decide(set, 'OKTA_SIGN_ON', { ...base, authType: 'ANY' }), 'default');
    assert.equal(decide(set, 'OKTA_SIGN_ON', { ...base, identityProvider: { provider: 'OKTA' } }), 'default');
    assert.equal(decide(set, 'OKTA_SIGN_ON', { ...base, behaviors: [] }), 'default');
    const any = single('OKTA_SIGN_ON', { authContext: { authType: 'ANY' }, identityProvider: { provider: 'ANY' }, risk: { behaviors: [] } });
    assert.deepEqual(any.evaluate('OKTA_SIGN_ON', {}, { trace: true }).trace?.[0]?.rules[0], { id: any.evaluate('OKTA_SIGN_ON', {}).decision?.rule.id, name: 'hit', status: 'MATCH', conditions: [] });
  });

  it('PASSWORD authProvider gates the policy', () => {
    const ad = policy('PASSWORD', { priority: 1, conditions: { authProvider: { provider: 'ACTIVE_DIRECTORY', include: ['ad1'] } } });
    const okta = policy('PASSWORD', { priority: 2, conditions: { people: { groups: { include: ['g1'] } }, authProvider: { provider: 'OKTA' } } });
    const fallback = policy('PASSWORD', { priority: 3, system: true });
    const set = compilePolicySet(source({ policies: [ad, okta, fallback], rules: [rule(ad, { name: 'ad' }), rule(okta, { name: 'okta' }), rule(fallback, { name: 'default' })] }));
    assert.equal(decide(set, 'PASSWORD', { ...user('u', ['g1']), authProvider: { provider: 'ACTIVE_DIRECTORY', id: 'ad1' } }), 'ad');
    assert.equal(decide(set, 'PASSWORD', { ...user('u', ['g1']), authProvider: { provider: 'ACTIVE_DIRECTORY', id: 'ad2' } }), 'default');
    assert.equal(decide(set, 'PASSWORD', { ...user('u', ['g1']), authProvider: { provider: 'OKTA' } }), 'okta');
    const traced = set.evaluate('PASSWORD', user('u', ['g1']), { trace: true });
    assert.deepEqual(
      traced.trace?.map((p) => [p.status, p.conditions]),
      [
        ['UNDEFINED', [{ type: 'authProvider.provider', status: 'UNDEFINED' }]],
        [
          'UNDEFINED',
          [
            { type: 'people.groups.include', status: 'MATCH' },
            { type: 'authProvider.provider', status: 'UNDEFINED' },
          ],
        ],
        ['MATCH', []],
      ],
    );
  });

  it('device and userType', () => {
    const set = single('ACCESS_POLICY', { device: { registered: true, managed: true, assurance: { include: ['da1'] } }, userType: { include: ['t1'], exclude: [] } });
    const ctx = (device: EvaluationContext['device'], typeId = 't1') => ({ app: { id: 'a', name: 'n' }, device, user: { typeId } });
    assert.equal(decide(set, 'ACCESS_POLICY', ctx({ registered: true, managed: true, assuranceIds: ['da1'] })), 'hit');
    assert.equal(decide(set, 'ACCESS_POLICY', ctx({ registered: true, managed: false, assuranceIds: ['da1'] })), 'default');
    assert.equal(decide(set, 'ACCESS_POLICY', ctx({ registered: true, managed: true, assuranceIds: ['da2'] })), 'default');
    assert.equal(decide(set, 'ACCESS_POLICY', ctx({ registered: true, managed: true, assuranceIds: ['da1'] }, 't2')), 'default');
    const any = single('ACCESS_POLICY', { device: { registered: false, managed: false } });
    assert.equal(decide(any, 'ACCESS_POLICY', { app: { id: 'a', name: 'n' } }), 'hit', 'false demands nothing');
  });

  it('elCondition goes through the expression language', () => {
    const set = single('ACCESS_POLICY', { elCondition: { condition: "security.risk.level == 'HIGH'" } });
    const app = { app: { id: 'a', name: 'n' } };
    assert.equal(decide(set, 'ACCESS_POLICY', { ...app, risk: { level: 'HIGH' } }), 'hit');
    assert.equal(decide(set, 'ACCESS_POLICY', { ...app, risk: { level: 'LOW' } }), 'default');
    const traced = set.evaluate('ACCESS_POLICY', app, { trace: true });
    assert.deepEqual(traced.trace?.[0]?.rules[0]?.conditions, [{ type: 'elCondition.condition', status: 'UNDEFINED' }]);
  });

  it('a condition the engine does not know is UNDEFINED, never a match', () => {
    const set = single('ACCESS_POLICY', { somethingNew: { flag: true } });
    assert.equal(decide(set, 'ACCESS_POLICY', { app: { id: 'a', name: 'n' } }), 'default');
  });
});

describe('policy engine: compiled search', () => {
  it('agrees with the traced walk on random policy sets and contexts', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const some = <T>(items: readonly T[]): T[] => items.filter(() => random() < 0.3);
    const users = ['u1', 'u2', 'u3'];
    const groups = ['g1', 'g2', 'g3', 'g4'];
    const zones = [zone('z1', ['10.0.0.0/8']), zone('z2', ['10.1.0.0/16']), zone('z3', ['192.168.0.0/16'], { status: 'INACTIVE' })];
    for (let round = 0; round < 150; round++) {
      const policies: PolicyRecord[] = [];
      const rules: RuleRecord[] = [];
      const count = 1 + Math.floor(random() * 6);
      for (let p = 0; p < count; p++) {
        const record = policy('OKTA_SIGN_ON', {
          priority: p + 1,
          system: p === count - 1,
          status: random() < 0.1 ? 'INACTIVE' : 'ACTIVE',
          conditions: random() < 0.3 ? { people: { groups: { include: some(groups) } } } : null,
        });
        if (record.system) record.status = 'ACTIVE';
        policies.push(record);
        const ruleCount = Math.floor(random() * 5);
        for (let r = 0; r < ruleCount; r++) {
          const conditions: JsonObject = {};
          if (random() < 0.6) {
            conditions.people = {
              users: { include: some(users), exclude: random() < 0.3 ? some(users) : [] },
              groups: { include: some(groups), exclude: random() < 0.3 ? some(groups) : [] },
            };
          }
          if (random() < 0.4) conditions.network = { connection: 'ZONE', [pick(['include', 'exclude'])]: random() < 0.2 ? ['ALL_ZONES'] : some(['z1', 'z2', 'z3']) };
          if (random() < 0.2) conditions.authContext = { authType: pick(['ANY', 'RADIUS']) };
          rules.push(rule(record, { name: `p${p}r${r}`, priority: r + 1, status: random() < 0.1 ? 'INACTIVE' : 'ACTIVE', conditions }));
        }
      }
      const set = compilePolicySet(source({ policies: [...policies].reverse(), rules, zones }));
      for (let c = 0; c < 20; c++) {
        const context: EvaluationContext = {
          ...(random() < 0.9 ? { user: { ...(random() < 0.8 ? { id: pick(users) } : {}), ...(random() < 0.8 ? { groupIds: some(groups) } : {}) } } : {}),
          ...(random() < 0.7 ? { ip: pick(['10.1.2.3', '10.2.0.1', '192.168.1.1', '8.8.8.8']) } : {}),
          ...(random() < 0.5 ? { authType: pick(['ANY', 'RADIUS'] as const) } : {}),
        };
        decide(set, 'OKTA_SIGN_ON', context);
      }
    }
  });
});

describe('policy engine: patterns', () => {
  it('regexes: whole value, (?i) inline flag, invalid ones throw', () => {
    assert.ok(compileIdentifierRegExp('(?i)a.*@example\\.com').test('Alice@EXAMPLE.com'));
    assert.ok(!compileIdentifierRegExp('example\\.com').test('a@example.com'));
    assert.throws(() => compileIdentifierRegExp('a)|(b'), SyntaxError);
    assert.throws(() => compileIdentifierRegExp('(unclosed'), SyntaxError);
    assert.ok(compileIdentifierPattern('CONTAINS', 'DEV')('x-dev-y', 'x-dev-y'));
  });

  it('versions: parsing, comparison, SEMVER comparators', () => {
    assert.deepEqual(parseVersion('10.0.19045.1'), [10, 0, 19045, 1]);
    assert.deepEqual(parseVersion('17.1-beta'), [17, 1]);
    assert.equal(parseVersion('latest'), undefined);
    assert.equal(compareVersions([14], [14, 0, 0]), 0);
    assert.ok(compileSemverCondition('14')([14, 0]));
    assert.ok(compileSemverCondition('> 13.9')([14]));
    assert.ok(!compileSemverCondition('<13')([13, 0, 1]));
    assert.ok(compileSemverCondition('<=13.0.1')([13, 0, 1]));
    assert.ok(!compileSemverCondition('garbage')([1]));
  });

  it('IdP routing rules refuse an EXPRESSION pattern the engine cannot compile, and accept (?i)', () => {
    const parse = (value: string) =>
      policyKind('IDP_DISCOVERY').parseRule({ conditions: { userIdentifier: { type: 'IDENTIFIER', patterns: [{ matchType: 'EXPRESSION', value }] } }, actions: { idp: { providers: [{ type: 'OKTA' }] } } }, { system: false });
    assert.doesNotThrow(() => parse('(?i).*@example\\.com'));
    assert.throws(
      () => parse('(?i)(broken'),
      (error: unknown) => error instanceof ApiValidationError && JSON.stringify(error).includes('conditions.userIdentifier.patterns.0.value'),
    );
  });
});
