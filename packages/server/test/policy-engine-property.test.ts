// The policy engine, property-based (issue 7): random policy sets (every type, priorities,
// statuses, conditions drawn from small pools of users, groups, zones, apps and IPs so that
// matches happen) and random contexts; the compiled engine and the naive reference evaluator
// (helpers/reference-evaluator.ts) must choose the same policy and rule, and trace the same
// statuses. Pure: no database.
//
// The seed is fixed so that CI is repeatable; TOLLGATE_PROPERTY_SEED=<n> replays a failure (the
// seed and the shrunk counterexample are printed when a property fails), TOLLGATE_PROPERTY_SEED=
// random explores, and TOLLGATE_PROPERTY_RUNS=<n> runs more or fewer sets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { policyKind } from '../src/domain/policies/kinds/index.ts';
import { POLICY_TYPES } from '../src/domain/policies/kinds/kind.ts';
import type { Json, JsonObject, PolicyType } from '../src/domain/policies/kinds/kind.ts';
import type { PolicyRecord, RuleRecord } from '../src/domain/policies/types.ts';
import { compilePolicySet } from '../src/domain/policy-engine/compile.ts';
import { compileExpression } from '../src/domain/policy-engine/expression/index.ts';
import type { EvaluationContext, Evaluation, OsType, PlatformType, PolicySetSource, PolicyTrace, RiskLevel } from '../src/domain/policy-engine/types.ts';
import { policyRecord, referenceEvaluate, ruleRecord, zoneRecord } from './helpers/reference-evaluator.ts';

const FIXED_SEED = 20_250_107;
const seedSetting = process.env.TOLLGATE_PROPERTY_SEED;
const SEED = seedSetting === 'random' ? Math.floor(Math.random() * 2 ** 31) : seedSetting ? Number(seedSetting) : FIXED_SEED;
const RUNS = Number(process.env.TOLLGATE_PROPERTY_RUNS ?? 400);

// --- pools --------------------------------------------------------------------------------------

const USERS = ['u1', 'u2', 'u3'] as const;
const GROUPS = ['g1', 'g2', 'g3', 'g4'] as const;
const USER_TYPES = ['t1', 't2'] as const;
const ZONES = [
  zoneRecord('z1', ['10.0.0.0/24']),
  // Overlaps z1: an address can be in several zones.
  zoneRecord('z2', ['10.0.0.128/25', '2001:db8::/32']),
  zoneRecord('z3', ['192.168.0.0-192.168.0.255']),
  zoneRecord('zOff', ['172.16.0.0/16'], { status: 'INACTIVE' }),
  zoneRecord('zBlock', ['203.0.113.0/24'], { usage: 'BLOCKLIST' }),
];
const ZONE_IDS = ZONES.map((z) => z.id);
const IPS = ['10.0.0.5', '10.0.0.200', '192.168.0.9', '172.16.1.1', '203.0.113.5', '8.8.8.8', '2001:db8::7', '::ffff:10.0.0.9'] as const;
const APPS = [
  { id: 'a1', name: 'oidc_client' },
  { id: 'a2', name: 'saml_app' },
  { id: 'a3', name: 'oidc_client' },
] as const;
const LEVELS: readonly RiskLevel[] = ['LOW', 'MEDIUM', 'HIGH'];
const BEHAVIORS = ['New Country', 'New Device', 'New IP'] as const;
const DETECTIONS = ['BRUTE_FORCE_ATTACK', 'OKTA_THREAT_INTELLIGENCE', 'SUSPICIOUS_APP_ACCESS'] as const;
const IDPS = ['0oaIdp1', '0oaIdp2'] as const;
const ASSURANCES = ['dae1', 'dae2'] as const;
const LOGINS = ['ann@example.com', 'Ben@Example.COM', 'cy@partner.test', 'dee'] as const;
const DEPARTMENTS = ['Eng', 'Sales'] as const;
const PLATFORMS: readonly PlatformType[] = ['DESKTOP', 'MOBILE', 'OTHER'];
const OSES: readonly OsType[] = ['ANDROID', 'IOS', 'MACOS', 'WINDOWS', 'LINUX', 'CHROMEOS', 'OTHER'];
/** EL conditions within the documented subset (the EL module has its own tests). */
const EXPRESSIONS = ["user.profile.department == 'Eng'", "security.risk.level == 'HIGH'", "user.profile.department != 'Sales'"] as const;

// --- conditions ---------------------------------------------------------------------------------

const subset = <T>(pool: readonly T[]) => fc.subarray([...pool]);
const someOf = <T>(pool: readonly T[]) => fc.subarray([...pool], { minLength: 1 });
const oneOf = <T>(pool: readonly T[]) => fc.constantFrom(...pool);

/** An include/exclude pair, each list kept only when non-empty. */
function lists<T extends Json>(include: T[], exclude: T[]): JsonObject {
  const out: JsonObject = {};
  if (include.length > 0) out.include = include;
  if (exclude.length > 0) out.exclude = exclude;
  return out;
}

const people = fc
  .record({ ui: subset(USERS), ue: subset(USERS), gi: subset(GROUPS), ge: subset(GROUPS) })
  .map(({ ui, ue, gi, ge }): JsonObject => ({ users: lists(ui, ue), groups: lists(gi, ge) }));

const policyPeople = someOf(GROUPS).map((gi): JsonObject => ({ groups: { include: gi } }));

const network = fc.oneof(
  fc.constant<JsonObject>({ connection: 'ANYWHERE' }),
  fc
    .record({ key: fc.constantFrom('include', 'exclude'), ids: fc.oneof(fc.constant<string[]>(['ALL_ZONES']), someOf(ZONE_IDS)) })
    .map(({ key, ids }): JsonObject => ({ connection: 'ZONE', [key]: ids })),
);

const authContext = oneOf(['ANY', 'RADIUS', 'LDAP_INTERFACE']).map((authType): JsonObject => ({ authType }));

const identityProvider = fc.oneof(
  oneOf(['ANY', 'OKTA']).map((provider): JsonObject => ({ provider })),
  someOf(IDPS).map((idpIds): JsonObject => ({ provider: 'SPECIFIC_IDP', idpIds })),
);

const risk = someOf(BEHAVIORS).map((behaviors): JsonObject => ({ behaviors }));
const level = oneOf(['ANY', ...LEVELS]).map((value): JsonObject => ({ level: value }));
const userType = fc.record({ include: subset(USER_TYPES), exclude: subset(USER_TYPES) }).map(({ include, exclude }): JsonObject => ({ include, exclude }));

const device = fc
  .record({ registered: fc.option(fc.boolean(), { nil: undefined }), managed: fc.boolean(), assurance: subset(ASSURANCES) })
  .map(({ registered, managed, assurance }): JsonObject => {
    const out: JsonObject = {};
    if (registered !== undefined) out.registered = registered;
    // A managed device must be registered (the save-time check).
    if (registered === true && managed) out.managed = true;
    if (assurance.length > 0) out.assurance = { include: assurance };
    return out;
  });

function platformItem(osTypes: readonly string[]) {
  return fc
    .record({ type: oneOf(['ANY', ...PLATFORMS]), os: fc.option(oneOf(['ANY', ...osTypes]), { nil: undefined }) })
    .map(({ type, os }): JsonObject => (os === undefined ? { type } : { type, os: { type: os } }));
}

function platform(osTypes: readonly string[]) {
  return fc
    .record({ include: fc.array(platformItem(osTypes), { maxLength: 2 }), exclude: fc.array(platformItem(osTypes), { maxLength: 2 }) })
    .map(({ include, exclude }) => lists(include, exclude));
}

const appItem = fc.oneof(
  oneOf(APPS.map((a) => a.id)).map((id): JsonObject => ({ type: 'APP', id })),
  oneOf(['oidc_client', 'saml_app', 'bookmark']).map((name): JsonObject => ({ type: 'APP_TYPE', name })),
);
const app = fc.record({ include: fc.array(appItem, { maxLength: 2 }), exclude: fc.array(appItem, { maxLength: 2 }) }).map(({ include, exclude }): JsonObject => ({ include, exclude }));

const pattern = fc.oneof(
  fc.record({ matchType: fc.constant('SUFFIX'), value: oneOf(['example.com', 'EXAMPLE.com', 'partner.test']) }),
  fc.record({ matchType: fc.constant('EQUALS'), value: oneOf(['ann@example.com', 'dee', 'Eng']) }),
  fc.record({ matchType: fc.constant('STARTS_WITH'), value: oneOf(['ann', 'ben', 'S']) }),
  fc.record({ matchType: fc.constant('CONTAINS'), value: oneOf(['@', 'xam', 'ng']) }),
);
const expressionPattern = fc.record({ matchType: fc.constant('EXPRESSION'), value: oneOf(['[a-z]+@example\\.com', '.*@partner\\.test', 'E.g']) });

const userIdentifier = fc.oneof(
  fc.record({ type: fc.constant('IDENTIFIER'), patterns: fc.oneof(fc.array(pattern, { minLength: 1, maxLength: 3 }), expressionPattern.map((p) => [p])) }),
  fc.record({ type: fc.constant('ATTRIBUTE'), attribute: fc.constant('department'), patterns: fc.array(pattern, { minLength: 1, maxLength: 1 }) }),
) as fc.Arbitrary<JsonObject>;

const riskDetectionTypes = fc
  .record({ key: fc.constantFrom('include', 'exclude'), events: someOf(DETECTIONS) })
  .map(({ key, events }): JsonObject => ({ [key]: events }));

const elCondition = oneOf(EXPRESSIONS).map((condition): JsonObject => ({ condition }));

const authProvider = fc.oneof(
  oneOf(['OKTA', 'ANY']).map((provider): JsonObject => ({ provider })),
  fc
    .record({ provider: oneOf(['ACTIVE_DIRECTORY', 'LDAP']), include: subset(['0oaDir1', '0oaDir2']) })
    .map(({ provider, include }): JsonObject => (include.length > 0 ? { provider, include } : { provider })),
);

/** The rule conditions each type stores (src/domain/policies/kinds/*.ts). */
const RULE_CONDITIONS: Record<PolicyType, Record<string, fc.Arbitrary<JsonObject>>> = {
  OKTA_SIGN_ON: { people, network, authContext, identityProvider, risk, riskScore: level },
  PASSWORD: { people, network },
  MFA_ENROLL: { people, network, app },
  IDP_DISCOVERY: { network, platform: platform(['ANDROID', 'IOS', 'OSX', 'WINDOWS', 'LINUX', 'CHROMEOS', 'OTHER']), userIdentifier, app },
  ACCESS_POLICY: { people, network, device, elCondition, platform: platform(OSES), riskScore: level, userType },
  PROFILE_ENROLLMENT: {},
  POST_AUTH_SESSION: { people },
  ENTITY_RISK: { people, entityRisk: level, riskDetectionTypes },
};

/** The policy conditions each type stores. */
const POLICY_CONDITIONS: Record<PolicyType, Record<string, fc.Arbitrary<JsonObject>>> = {
  OKTA_SIGN_ON: { people: policyPeople },
  PASSWORD: { people: policyPeople, authProvider },
  MFA_ENROLL: { people: policyPeople },
  IDP_DISCOVERY: {},
  ACCESS_POLICY: {},
  PROFILE_ENROLLMENT: {},
  POST_AUTH_SESSION: {},
  ENTITY_RISK: {},
};

/** A conditions object with each of the given conditions present about a third of the time; null when empty. */
function conditionsOf(conditions: Record<string, fc.Arbitrary<JsonObject>>): fc.Arbitrary<JsonObject | null> {
  const parts: Record<string, fc.Arbitrary<JsonObject | undefined>> = {};
  for (const [key, arbitrary] of Object.entries(conditions)) {
    parts[key] = fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary, weight: 1 });
  }
  return fc.record(parts).map((drawn) => {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(drawn)) if (value !== undefined) out[key] = value;
    return Object.keys(out).length > 0 ? out : null;
  });
}

// --- policy sets --------------------------------------------------------------------------------

const status = fc.oneof({ arbitrary: fc.constant<'ACTIVE'>('ACTIVE'), weight: 4 }, { arbitrary: fc.constant<'INACTIVE'>('INACTIVE'), weight: 1 });

interface TypeSet {
  policies: PolicyRecord[];
  rules: RuleRecord[];
}

/**
 * One type's policies as the store keeps them: custom policies at priorities 1..n, the default
 * policy last; each policy's rules from the type's first priority, its default rule last (or at
 * 99). The arrays come shuffled, as the store promises no order.
 */
function typeSet(type: PolicyType, size = { minPolicies: 0, policies: 3, minRules: 0, rules: 3 }): fc.Arbitrary<TypeSet> {
  const kind = policyKind(type);
  const ruleSpec = fc.record({ status, conditions: conditionsOf(RULE_CONDITIONS[type]) });
  const policySpec = fc.record({ status, conditions: conditionsOf(POLICY_CONDITIONS[type]), rules: fc.array(ruleSpec, { minLength: size.minRules, maxLength: size.rules }) });
  const defaultSpec = fc.record({
    // A default policy or default rule is rarely inactive; when it is, nothing may apply.
    status: fc.oneof({ arbitrary: fc.constant<'ACTIVE'>('ACTIVE'), weight: 9 }, { arbitrary: fc.constant<'INACTIVE'>('INACTIVE'), weight: 1 }),
    ruleStatus: fc.oneof({ arbitrary: fc.constant<'ACTIVE'>('ACTIVE'), weight: 9 }, { arbitrary: fc.constant<'INACTIVE'>('INACTIVE'), weight: 1 }),
    conditions: conditionsOf(POLICY_CONDITIONS[type]),
  });
  const maxPolicies = type === 'IDP_DISCOVERY' || type === 'ENTITY_RISK' || type === 'POST_AUTH_SESSION' ? 0 : size.policies;
  return fc
    .record({ specs: fc.array(policySpec, { minLength: Math.min(size.minPolicies, maxPolicies), maxLength: maxPolicies }), fallback: defaultSpec })
    .chain(({ specs, fallback }) => {
      const policies: PolicyRecord[] = [];
      const rules: RuleRecord[] = [];
      const addRules = (policyId: string, list: { status: 'ACTIVE' | 'INACTIVE'; conditions: JsonObject | null }[]) =>
        list.forEach((rule, j) =>
          rules.push(ruleRecord({ id: `${policyId}-r${j}`, policyId, priority: kind.firstRulePriority + j, status: rule.status, conditions: rule.conditions, actions: { n: j } })),
        );
      specs.forEach((spec, i) => {
        const id = `${type}-p${i}`;
        policies.push(policyRecord({ id, type, priority: i + 1, status: spec.status, conditions: spec.conditions, settings: { n: i } }));
        addRules(id, spec.rules);
      });
      const defaultId = `${type}-default`;
      policies.push(policyRecord({ id: defaultId, type, priority: specs.length + 1, system: true, status: fallback.status, conditions: fallback.conditions }));
      // The default policy also gets the custom rules some types allow ahead of its default rule.
      const template = kind.defaultRule;
      if (template) {
        rules.push(
          ruleRecord({
            id: `${defaultId}-rule`,
            policyId: defaultId,
            priority: kind.defaultRulePriority === 'last' ? kind.firstRulePriority : kind.defaultRulePriority,
            system: true,
            status: fallback.ruleStatus,
            conditions: template.conditions,
            actions: template.actions,
          }),
        );
      }
      return fc.tuple(fc.shuffledSubarray(policies, { minLength: policies.length }), fc.shuffledSubarray(rules, { minLength: rules.length }));
    })
    .map(([policies, rules]) => ({ policies, rules }));
}

/**
 * The type's set with rules added to its default policy ahead of the default rule: IdP
 * discovery, entity risk and session protection have only that policy, and an app sign-in
 * default policy serves every app with no policy of its own.
 */
function singlePolicyType(type: PolicyType): fc.Arbitrary<TypeSet> {
  const kind = policyKind(type);
  return fc
    .record({ base: typeSet(type), extra: fc.array(fc.record({ status, conditions: conditionsOf(RULE_CONDITIONS[type]) }), { maxLength: 4 }) })
    .map(({ base, extra }) => {
      const defaultId = `${type}-default`;
      const defaultRule = base.rules.find((r) => r.system);
      const added = extra.map((rule, j) =>
        ruleRecord({ id: `${defaultId}-r${j}`, policyId: defaultId, priority: kind.firstRulePriority + j, status: rule.status, conditions: rule.conditions, actions: { n: j } }),
      );
      // A default rule pinned 'last' moves after the added rules.
      const rules = base.rules.map((r) => (r === defaultRule && kind.defaultRulePriority === 'last' ? { ...r, priority: kind.firstRulePriority + added.length } : r));
      return { policies: base.policies, rules: [...added, ...rules] };
    });
}

const sets = fc.record(Object.fromEntries(POLICY_TYPES.map((type) => [type, ['IDP_DISCOVERY', 'ENTITY_RISK', 'POST_AUTH_SESSION', 'ACCESS_POLICY'].includes(type) ? singlePolicyType(type) : typeSet(type)])) as Record<PolicyType, fc.Arbitrary<TypeSet>>);

/** Which access policy (by priority rank) each app is mapped to, if any; a3 never is. */
const appPolicies = fc.record({ a1: fc.option(fc.nat(3), { nil: undefined }), a2: fc.option(fc.nat(3), { nil: undefined }) });

const source: fc.Arbitrary<PolicySetSource> = fc.record({ sets, mapping: appPolicies }).map(({ sets: bytype, mapping }) => {
  const policies = POLICY_TYPES.flatMap((type) => bytype[type].policies);
  const rules = POLICY_TYPES.flatMap((type) => bytype[type].rules);
  const access = policies.filter((p) => p.type === 'ACCESS_POLICY').sort((a, b) => a.priority - b.priority);
  const map = new Map<string, string>();
  for (const [appId, index] of Object.entries(mapping)) {
    const policy = index === undefined ? undefined : access[index % access.length];
    if (policy) map.set(appId, policy.id);
  }
  return { policies, rules, zones: ZONES, appPolicies: map, version: 'property' };
});

// --- contexts -----------------------------------------------------------------------------------

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 4 });

const context: fc.Arbitrary<EvaluationContext> = fc
  .record({
    user: maybe(
      fc.record({
        id: maybe(oneOf(USERS)),
        groupIds: maybe(subset(GROUPS)),
        typeId: maybe(oneOf(USER_TYPES)),
        login: maybe(oneOf(LOGINS)),
        department: maybe(oneOf(DEPARTMENTS)),
      }),
    ),
    ip: maybe(oneOf(IPS)),
    zoneIds: maybe(subset(ZONE_IDS)),
    app: maybe(oneOf(APPS)),
    platform: maybe(fc.record({ type: oneOf(PLATFORMS), os: maybe(oneOf(OSES)) })),
    device: maybe(fc.record({ registered: maybe(fc.boolean()), managed: maybe(fc.boolean()), assuranceIds: maybe(subset(ASSURANCES)) })),
    risk: maybe(oneOf(LEVELS)),
    entityRisk: maybe(oneOf(LEVELS)),
    riskDetections: maybe(subset(DETECTIONS)),
    authType: maybe(oneOf(['RADIUS', 'LDAP_INTERFACE', 'ANY'] as const)),
    identityProvider: maybe(fc.oneof(fc.constant<'OKTA'>('OKTA'), oneOf(IDPS))),
    authProvider: maybe(
      fc.oneof(fc.constant({ provider: 'OKTA' as const }), fc.record({ provider: oneOf(['ACTIVE_DIRECTORY', 'LDAP'] as const), id: oneOf(['0oaDir1', '0oaDir2', '0oaDir3']) })),
    ),
    behaviors: maybe(subset(BEHAVIORS)),
  })
  .map((drawn): EvaluationContext => {
    const out: EvaluationContext = {};
    if (drawn.user) {
      const { department, ...user } = drawn.user;
      out.user = Object.fromEntries(Object.entries(user).filter(([, v]) => v !== undefined));
      if (department !== undefined) out.user.profile = { department };
    }
    if (drawn.ip !== undefined) out.ip = drawn.ip;
    if (drawn.zoneIds !== undefined) out.zoneIds = drawn.zoneIds;
    if (drawn.app !== undefined) out.app = { ...drawn.app };
    if (drawn.platform !== undefined) out.platform = drawn.platform.os === undefined ? { type: drawn.platform.type } : { type: drawn.platform.type, os: { type: drawn.platform.os } };
    if (drawn.device !== undefined) out.device = Object.fromEntries(Object.entries(drawn.device).filter(([, v]) => v !== undefined));
    if (drawn.risk !== undefined) out.risk = { level: drawn.risk };
    if (drawn.entityRisk !== undefined) out.entityRisk = { level: drawn.entityRisk };
    if (drawn.riskDetections !== undefined) out.riskDetections = drawn.riskDetections;
    if (drawn.authType !== undefined) out.authType = drawn.authType;
    if (drawn.identityProvider !== undefined) out.identityProvider = drawn.identityProvider === 'OKTA' ? { provider: 'OKTA' } : { provider: 'SPECIFIC_IDP', id: drawn.identityProvider };
    if (drawn.authProvider !== undefined) out.authProvider = drawn.authProvider;
    if (drawn.behaviors !== undefined) out.behaviors = drawn.behaviors;
    return out;
  });

// --- the properties -----------------------------------------------------------------------------

const chosen = (evaluation: Evaluation) => (evaluation.decision ? { policy: evaluation.decision.policy.id, rule: evaluation.decision.rule.id } : null);

function statuses(trace: readonly PolicyTrace[] | undefined) {
  return (trace ?? []).map((p) => ({
    policy: p.id,
    status: p.status,
    conditions: p.conditions.map((c) => `${c.type}:${c.status}`),
    rules: p.rules.map((r) => ({ rule: r.id, status: r.status, conditions: r.conditions.map((c) => `${c.type}:${c.status}`) })),
  }));
}

/** fast-check's own report names the seed and the shrunk set; this adds how to replay it. */
function check(property: fc.IProperty<[PolicySetSource, EvaluationContext[]]>, numRuns = RUNS): void {
  try {
    fc.assert(property, { seed: SEED, numRuns });
  } catch (error) {
    console.error(`policy-engine property failed; replay with TOLLGATE_PROPERTY_SEED=${SEED}`);
    throw error;
  }
}

const contexts = fc.array(context, { minLength: 1, maxLength: 4 });

/**
 * Larger sets: 4-12 sign-on and enrollment policies of 2-8 rules, app sign-in policies of 33-60
 * rules, so that the engine's candidate bitsets span several 32-bit words and many rules share a
 * condition.
 */
const LARGE_TYPES: readonly PolicyType[] = ['OKTA_SIGN_ON', 'MFA_ENROLL', 'ACCESS_POLICY'];
const large: fc.Arbitrary<PolicySetSource> = fc
  .record({
    sign: typeSet('OKTA_SIGN_ON', { minPolicies: 4, policies: 12, minRules: 2, rules: 8 }),
    mfa: typeSet('MFA_ENROLL', { minPolicies: 4, policies: 12, minRules: 2, rules: 8 }),
    access: typeSet('ACCESS_POLICY', { minPolicies: 1, policies: 2, minRules: 33, rules: 60 }),
    mapping: appPolicies,
  })
  .map(({ sign, mfa, access, mapping }) => {
    const map = new Map<string, string>();
    const ranked = access.policies.filter((p) => !p.system).sort((a, b) => a.priority - b.priority);
    for (const [appId, index] of Object.entries(mapping)) {
      const policy = index === undefined ? undefined : ranked[index % Math.max(1, ranked.length)];
      if (policy) map.set(appId, policy.id);
    }
    return {
      policies: [...sign.policies, ...mfa.policies, ...access.policies],
      rules: [...sign.rules, ...mfa.rules, ...access.rules],
      zones: ZONES,
      appPolicies: map,
      version: 'property-large',
    };
  });

describe(`Policy engine vs the reference evaluator (seed ${SEED}, ${RUNS} sets)`, () => {
  it('choose the same policy and rule for every type', () => {
    check(
      fc.property(source, contexts, (set, requests) => {
        const engine = compilePolicySet(set);
        for (const request of requests) {
          for (const type of POLICY_TYPES) {
            const expected = chosen(referenceEvaluate(set, type, request, { el: compileExpression }));
            assert.deepEqual(chosen(engine.evaluate(type, request)), expected, `${type} for ${JSON.stringify(request)}`);
          }
        }
      }),
    );
  });

  it('trace the same policies, rules and condition statuses', () => {
    check(
      fc.property(source, contexts, (set, requests) => {
        const engine = compilePolicySet(set);
        for (const request of requests) {
          for (const type of POLICY_TYPES) {
            const reference = referenceEvaluate(set, type, request, { el: compileExpression });
            const traced = engine.evaluate(type, request, { trace: true });
            assert.deepEqual(chosen(traced), chosen(reference), `${type} for ${JSON.stringify(request)}`);
            assert.deepEqual(statuses(traced.trace), statuses(reference.trace), `${type} trace for ${JSON.stringify(request)}`);
          }
        }
      }),
    );
  });

  it('agree on large sets (candidate bitsets over several words)', () => {
    check(
      fc.property(large, contexts, (set, requests) => {
        const engine = compilePolicySet(set);
        for (const request of requests) {
          for (const type of LARGE_TYPES) {
            const reference = referenceEvaluate(set, type, request, { el: compileExpression });
            assert.deepEqual(chosen(engine.evaluate(type, request)), chosen(reference), `${type} for ${JSON.stringify(request)}`);
            assert.deepEqual(statuses(engine.evaluate(type, request, { trace: true }).trace), statuses(reference.trace), `${type} trace`);
          }
        }
      }),
      Math.max(1, Math.round(RUNS / 5)),
    );
  });

  it('give the same decision with and without a trace', () => {
    check(
      fc.property(source, contexts, (set, requests) => {
        const engine = compilePolicySet(set);
        for (const request of requests) {
          for (const type of POLICY_TYPES) assert.deepEqual(chosen(engine.evaluate(type, request)), chosen(engine.evaluate(type, request, { trace: true })));
        }
      }),
    );
  });

  it('trace the same statuses without rule conditions (simulate without expand=RULE), the deciding rule keeping its own', () => {
    check(
      fc.property(source, contexts, (set, requests) => {
        const engine = compilePolicySet(set);
        for (const request of requests) {
          for (const type of POLICY_TYPES) {
            const full = engine.evaluate(type, request, { trace: true });
            const lean = engine.evaluate(type, request, { trace: true, ruleConditions: false });
            assert.deepEqual(chosen(lean), chosen(full));
            const strip = (e: typeof full) =>
              (e.trace ?? []).map((p) => ({ ...p, rules: p.rules.map((r) => ({ ...r, conditions: r.status === 'MATCH' ? r.conditions : [] })) }));
            assert.deepEqual(strip(lean), strip(full));
            for (const p of lean.trace ?? []) for (const r of p.rules) if (r.status !== 'MATCH') assert.deepEqual(r.conditions, []);
          }
        }
      }),
    );
  });
});
