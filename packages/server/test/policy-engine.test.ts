// The policy engine, table-driven (issue 7): every condition type, include/exclude combination
// and priority situation. Each case is run against the compiled engine AND the naive reference
// evaluator (helpers/reference-evaluator.ts, written from Okta's documented semantics): both
// must choose the expected policy and rule, and their traces must agree. Pure: no database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject, PolicyType } from '../src/domain/policies/kinds/kind.ts';
import { policyKind } from '../src/domain/policies/kinds/index.ts';
import type { PolicyRecord, RuleRecord } from '../src/domain/policies/types.ts';
import { compilePolicySet } from '../src/domain/policy-engine/compile.ts';
import { compileExpression } from '../src/domain/policy-engine/expression/index.ts';
import type { EvaluationContext, Evaluation, PolicySetSource, PolicyTrace } from '../src/domain/policy-engine/types.ts';
import type { ZoneRecord } from '../src/domain/zones/types.ts';
import { policyRecord, referenceEvaluate, ruleRecord, zoneRecord } from './helpers/reference-evaluator.ts';

// --- fixtures -----------------------------------------------------------------------------------

const EVERYONE = '00gEveryone';
const ENG = '00gEngineering';
const SALES = '00gSales';
const CONTRACTORS = '00gContractors';

interface RuleSpec {
  id: string;
  priority?: number;
  status?: 'ACTIVE' | 'INACTIVE';
  conditions?: JsonObject | null;
  actions?: JsonObject | null;
}

interface PolicySpec {
  id: string;
  priority?: number;
  status?: 'ACTIVE' | 'INACTIVE';
  conditions?: JsonObject | null;
  settings?: JsonObject | null;
  rules: RuleSpec[];
}

/** The id of a type's default policy and of its default rule in these fixtures. */
const defaultPolicyId = (type: PolicyType) => `default-${type}`;
const defaultRuleId = (type: PolicyType) => `default-${type}-rule`;

/** The types whose default policy the bootstrap scopes to Everyone. */
const EVERYONE_SCOPED: readonly PolicyType[] = ['OKTA_SIGN_ON', 'PASSWORD', 'MFA_ENROLL'];

/**
 * The type's policies as the store holds them: `specs` in order (priority 1, 2, ... unless
 * given; rules from the type's first rule priority), then, unless `withDefault` is false, the
 * org's default policy with its default rule, as the bootstrap seeds them.
 */
function policiesOf(type: PolicyType, specs: readonly PolicySpec[], withDefault = true): { policies: PolicyRecord[]; rules: RuleRecord[] } {
  const kind = policyKind(type);
  const policies: PolicyRecord[] = [];
  const rules: RuleRecord[] = [];
  specs.forEach((spec, i) => {
    policies.push(
      policyRecord({ id: spec.id, type, priority: spec.priority ?? i + 1, status: spec.status ?? 'ACTIVE', conditions: spec.conditions ?? null, settings: spec.settings ?? null }),
    );
    spec.rules.forEach((rule, j) => {
      rules.push(
        ruleRecord({
          id: rule.id,
          policyId: spec.id,
          priority: rule.priority ?? kind.firstRulePriority + j,
          status: rule.status ?? 'ACTIVE',
          conditions: rule.conditions ?? null,
          actions: rule.actions ?? { marker: rule.id },
        }),
      );
    });
  });
  if (withDefault) {
    const template = kind.defaultPolicy;
    const conditions: JsonObject | null = EVERYONE_SCOPED.includes(type)
      ? { ...(template.conditions ?? {}), people: { groups: { include: [EVERYONE] } } }
      : template.conditions;
    policies.push(
      policyRecord({ id: defaultPolicyId(type), type, name: template.name, priority: specs.length + 1, system: true, conditions, settings: template.settings }),
    );
    const defaultRule = kind.defaultRule;
    if (defaultRule) {
      rules.push(
        ruleRecord({
          id: defaultRuleId(type),
          policyId: defaultPolicyId(type),
          name: defaultRule.name,
          priority: kind.defaultRulePriority === 'last' ? 1 : kind.defaultRulePriority,
          system: true,
          conditions: defaultRule.conditions,
          actions: defaultRule.actions,
        }),
      );
    }
  }
  return { policies, rules };
}

const ZONES: ZoneRecord[] = [
  zoneRecord('nzoOffice', ['10.0.0.0/24']),
  zoneRecord('nzoVpn', ['192.168.1.10-192.168.1.20', '2001:db8::/32']),
  zoneRecord('nzoClosed', ['172.16.0.0/12'], { status: 'INACTIVE' }),
  zoneRecord('nzoBlocked', ['203.0.113.0/24'], { usage: 'BLOCKLIST', system: true }),
];

/** A user of Engineering (and Everyone), signing in from the office. */
const ALICE: EvaluationContext = {
  user: { id: 'u-alice', groupIds: [EVERYONE, ENG], login: 'alice@example.com', typeId: 'oty-employee', profile: { department: 'Engineering', email: 'alice@example.com' } },
  ip: '10.0.0.5',
  authProvider: { provider: 'OKTA' },
};

/** A user of Sales (and Everyone). */
const BOB: EvaluationContext = {
  user: { id: 'u-bob', groupIds: [EVERYONE, SALES], login: 'bob@partner.test', typeId: 'oty-contractor', profile: { department: 'Sales' } },
  ip: '198.51.100.7',
  authProvider: { provider: 'OKTA' },
};

// --- running a case -----------------------------------------------------------------------------

interface Case {
  name: string;
  type: PolicyType;
  policies: PolicySpec[];
  /** Default: the org's default policy of the type is added last. */
  withDefault?: boolean;
  context: EvaluationContext;
  /** App id → ACCESS_POLICY id. */
  appPolicies?: Record<string, string>;
  zones?: ZoneRecord[];
  /** The policy and rule that must apply, or null when nothing applies. */
  expect: { policy: string; rule: string } | null;
  /** Extra checks on the engine's traced evaluation. */
  check?: (engine: Evaluation) => void;
}

function sourceOf(c: Pick<Case, 'type' | 'policies' | 'withDefault' | 'appPolicies' | 'zones'>): PolicySetSource {
  const { policies, rules } = policiesOf(c.type, c.policies, c.withDefault ?? true);
  return { policies, rules, zones: c.zones ?? ZONES, appPolicies: new Map(Object.entries(c.appPolicies ?? {})), version: 'test' };
}

const chosen = (evaluation: Evaluation) => (evaluation.decision ? { policy: evaluation.decision.policy.id, rule: evaluation.decision.rule.id } : null);

/** A trace reduced to what both evaluators must agree on: ids, statuses and condition statuses. */
function statuses(trace: readonly PolicyTrace[] | undefined) {
  return (trace ?? []).map((p) => ({
    policy: p.id,
    status: p.status,
    conditions: p.conditions.map((c) => `${c.type}:${c.status}`),
    rules: p.rules.map((r) => ({ rule: r.id, status: r.status, conditions: r.conditions.map((c) => `${c.type}:${c.status}`) })),
  }));
}

function run(c: Case): void {
  const source = sourceOf(c);
  const reference = referenceEvaluate(source, c.type, c.context, { el: compileExpression });
  assert.deepEqual(chosen(reference), c.expect, 'the reference evaluator chose otherwise');
  const compiled = compilePolicySet(source);
  const engine = compiled.evaluate(c.type, c.context, { trace: true });
  assert.deepEqual(chosen(engine), c.expect, 'the engine chose otherwise');
  assert.deepEqual(statuses(engine.trace), statuses(reference.trace), 'the traces differ');
  // Without a trace: the same decision, and no trace.
  const quiet = compiled.evaluate(c.type, c.context);
  assert.deepEqual(chosen(quiet), c.expect);
  assert.equal(quiet.trace, undefined);
  if (engine.decision) {
    assert.equal(engine.decision.type, c.type);
    assert.deepEqual(engine.decision.settings, engine.decision.policy.settings);
    assert.deepEqual(engine.decision.actions, engine.decision.rule.actions);
  }
  c.check?.(engine);
}

function table(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const c of cases) it(c.name, () => run(c));
  });
}

const SIGN_ON: PolicyType = 'OKTA_SIGN_ON';
const expectDefault = (type: PolicyType) => ({ policy: defaultPolicyId(type), rule: defaultRuleId(type) });
const people = (value: JsonObject): JsonObject => ({ people: value });
const zoneNetwork = (key: 'include' | 'exclude', ids: string[]): JsonObject => ({ network: { connection: 'ZONE', [key]: ids } });

// --- priority situations ------------------------------------------------------------------------

table('Priority: policies in priority order, then rules, first full match', [
  {
    name: 'the first policy by priority applies, whatever the order the store lists them in',
    type: SIGN_ON,
    policies: [
      { id: 'second', priority: 2, rules: [{ id: 'second-r' }] },
      { id: 'first', priority: 1, rules: [{ id: 'first-r' }] },
    ],
    context: ALICE,
    expect: { policy: 'first', rule: 'first-r' },
  },
  {
    name: 'rules in priority order: the first matching rule applies, not a later one',
    type: SIGN_ON,
    policies: [
      {
        id: 'p',
        rules: [
          { id: 'r3', priority: 3 },
          { id: 'r1', priority: 1, conditions: people({ users: { include: ['u-bob'] } }) },
          { id: 'r2', priority: 2 },
        ],
      },
    ],
    context: ALICE,
    expect: { policy: 'p', rule: 'r2' },
  },
  {
    name: 'a policy whose conditions match but none of whose rules do: the next policy applies',
    type: SIGN_ON,
    policies: [
      { id: 'eng', conditions: people({ groups: { include: [ENG] } }), rules: [{ id: 'eng-r', conditions: people({ users: { include: ['u-bob'] } }) }] },
      { id: 'all', rules: [{ id: 'all-r' }] },
    ],
    context: ALICE,
    expect: { policy: 'all', rule: 'all-r' },
  },
  {
    name: 'a policy whose conditions do not match is passed over even when its rules would match',
    type: SIGN_ON,
    policies: [
      { id: 'sales', conditions: people({ groups: { include: [SALES] } }), rules: [{ id: 'sales-r' }] },
      { id: 'eng', conditions: people({ groups: { include: [ENG] } }), rules: [{ id: 'eng-r' }] },
    ],
    context: ALICE,
    expect: { policy: 'eng', rule: 'eng-r' },
  },
  {
    name: 'an inactive policy is skipped',
    type: SIGN_ON,
    policies: [
      { id: 'off', status: 'INACTIVE', rules: [{ id: 'off-r' }] },
      { id: 'on', rules: [{ id: 'on-r' }] },
    ],
    context: ALICE,
    expect: { policy: 'on', rule: 'on-r' },
  },
  {
    name: 'an inactive rule is skipped; the next rule of the same policy applies',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'off', status: 'INACTIVE' }, { id: 'on' }] }],
    context: ALICE,
    expect: { policy: 'p', rule: 'on' },
  },
  {
    name: 'a policy without rules is skipped',
    type: SIGN_ON,
    policies: [
      { id: 'empty', rules: [] },
      { id: 'next', rules: [{ id: 'next-r' }] },
    ],
    context: ALICE,
    expect: { policy: 'next', rule: 'next-r' },
  },
  {
    name: 'a policy whose only rules are inactive is skipped',
    type: SIGN_ON,
    policies: [
      { id: 'dormant', rules: [{ id: 'dormant-r', status: 'INACTIVE' }] },
      { id: 'next', rules: [{ id: 'next-r' }] },
    ],
    context: ALICE,
    expect: { policy: 'next', rule: 'next-r' },
  },
  {
    name: 'the default policy and its default rule catch everything else',
    type: SIGN_ON,
    policies: [{ id: 'sales', conditions: people({ groups: { include: [SALES] } }), rules: [{ id: 'sales-r' }] }],
    context: ALICE,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'the default rule of a policy comes after its other rules',
    type: SIGN_ON,
    policies: [],
    context: ALICE,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'nothing applies when the only policies are inactive',
    type: SIGN_ON,
    withDefault: false,
    policies: [{ id: 'off', status: 'INACTIVE', rules: [{ id: 'off-r' }] }],
    context: ALICE,
    expect: null,
  },
  {
    name: 'nothing applies when no policy and no rule matches (no default policy)',
    type: SIGN_ON,
    withDefault: false,
    policies: [{ id: 'sales', conditions: people({ groups: { include: [SALES] } }), rules: [{ id: 'sales-r' }] }],
    context: ALICE,
    expect: null,
  },
  {
    name: 'policies of other types are not evaluated',
    type: 'PASSWORD',
    policies: [{ id: 'pw', conditions: { people: { groups: { include: [ENG] } }, authProvider: { provider: 'OKTA' } }, rules: [{ id: 'pw-r' }] }],
    context: ALICE,
    expect: { policy: 'pw', rule: 'pw-r' },
  },
  {
    name: 'an UNDEFINED rule does not apply: the next rule does',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'needs-risk', conditions: { riskScore: { level: 'HIGH' } } }, { id: 'fallback' }] }],
    context: ALICE,
    expect: { policy: 'p', rule: 'fallback' },
  },
  {
    name: 'a policy whose conditions are UNDEFINED does not apply: the next policy does',
    type: SIGN_ON,
    policies: [
      { id: 'groups-unknown', conditions: people({ groups: { include: [ENG] } }), rules: [{ id: 'g-r' }] },
      { id: 'anyone', rules: [{ id: 'anyone-r' }] },
    ],
    context: { ip: '10.0.0.5' },
    expect: { policy: 'anyone', rule: 'anyone-r' },
  },
  {
    name: 'policy and rule priorities are independent: a lower-priority policy never wins over a higher one',
    type: SIGN_ON,
    policies: [
      { id: 'p1', rules: [{ id: 'p1-r5', priority: 5 }] },
      { id: 'p2', rules: [{ id: 'p2-r1', priority: 1 }] },
    ],
    context: ALICE,
    expect: { policy: 'p1', rule: 'p1-r5' },
  },
]);

// --- people ------------------------------------------------------------------------------------

table('people: users and groups, include and exclude', [
  {
    name: 'users.include: the user listed',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ users: { include: ['u-alice'] } }) }] }],
    context: ALICE,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'users.include: a user not listed',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ users: { include: ['u-alice'] } }) }] }],
    context: BOB,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'groups.include: a member of one of the groups',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ groups: { include: [SALES, ENG] } }) }] }],
    context: ALICE,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'groups.include: a member of none of the groups',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ groups: { include: [CONTRACTORS] } }) }] }],
    context: ALICE,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'users and groups together: a user included by name but in none of the groups',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ users: { include: ['u-bob'] }, groups: { include: [ENG] } }) }] }],
    context: BOB,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'users and groups together: a user in one of the groups but not named',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ users: { include: ['u-bob'] }, groups: { include: [ENG] } }) }] }],
    context: ALICE,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'users and groups together: a user neither named nor in the groups',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ users: { include: ['u-carol'] }, groups: { include: [CONTRACTORS] } }) }] }],
    context: ALICE,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'users.exclude wins over groups.include',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ users: { exclude: ['u-alice'] }, groups: { include: [ENG] } }) }] }],
    context: ALICE,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'groups.exclude wins over users.include',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ users: { include: ['u-alice'] }, groups: { exclude: [ENG] } }) }] }],
    context: ALICE,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'groups.exclude alone: everyone outside the groups',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ groups: { exclude: [ENG] } }) }] }],
    context: BOB,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'groups.exclude alone: a member of an excluded group',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ groups: { exclude: [SALES, ENG] } }) }] }],
    context: ALICE,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'users.exclude alone: everyone else',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ users: { exclude: ['u-alice'] } }) }] }],
    context: BOB,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'an empty people condition is everyone',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ users: { include: [], exclude: [] }, groups: {} }) }] }],
    context: BOB,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'policy-level groups.include: a member applies the policy',
    type: SIGN_ON,
    policies: [{ id: 'p', conditions: people({ groups: { include: [SALES] } }), rules: [{ id: 'r' }] }],
    context: BOB,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'a context without a user: the group rule is UNDEFINED and does not apply',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ groups: { include: [ENG] } }) }, { id: 'r2' }] }],
    withDefault: false,
    context: { ip: '10.0.0.5' },
    expect: { policy: 'p', rule: 'r2' },
  },
  {
    name: 'groups only (simulate with group ids): a group rule matches without a user id',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ groups: { include: [ENG] } }) }] }],
    context: { user: { groupIds: [ENG] } },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'a user id only: a users.include rule matches without groups',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: people({ users: { include: ['u-alice'] } }) }] }],
    context: { user: { id: 'u-alice' } },
    expect: { policy: 'p', rule: 'r' },
  },
]);

// --- network -----------------------------------------------------------------------------------

table('network: ANYWHERE, ZONE include/exclude, ALL_ZONES', [
  {
    name: 'ANYWHERE matches without an IP',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { network: { connection: 'ANYWHERE' } } }] }],
    withDefault: false,
    context: { user: { id: 'u-alice', groupIds: [EVERYONE] } },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'ZONE include: an IP inside the zone (CIDR)',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['nzoOffice']) }] }],
    context: ALICE,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'ZONE include: an IP outside the zone',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['nzoOffice']) }] }],
    context: BOB,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'ZONE include: an IP inside a RANGE gateway of the second zone listed',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['nzoOffice', 'nzoVpn']) }] }],
    context: { ...BOB, ip: '192.168.1.15' },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'ZONE include: an IPv6 address inside the zone',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['nzoVpn']) }] }],
    context: { ...BOB, ip: '2001:db8:1::5' },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'ZONE include: an IPv4-mapped IPv6 address (a dual-stack socket) is the IPv4 address',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['nzoOffice']) }] }],
    context: { ...BOB, ip: '::ffff:10.0.0.9' },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'text that is not an IP address is in no zone',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('exclude', ['nzoOffice']) }] }],
    context: { ...BOB, ip: 'not-an-ip' },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'an IP given with zone ids: the IP decides',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['nzoVpn']) }] }],
    context: { ...ALICE, zoneIds: ['nzoVpn'] },
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'ZONE include: the range bounds are inclusive, one past is outside',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['nzoVpn']) }] }],
    context: { ...BOB, ip: '192.168.1.21' },
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'ZONE exclude: an IP inside the zone does not match',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('exclude', ['nzoOffice']) }] }],
    context: ALICE,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'ZONE exclude: an IP outside the zone matches',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('exclude', ['nzoOffice']) }] }],
    context: BOB,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'ALL_ZONES include: an IP in any zone',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['ALL_ZONES']) }] }],
    context: { ...BOB, ip: '192.168.1.10' },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'ALL_ZONES include: an IP in no zone',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['ALL_ZONES']) }] }],
    context: BOB,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'ALL_ZONES exclude: an IP in a zone does not match',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('exclude', ['ALL_ZONES']) }] }],
    context: ALICE,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'ALL_ZONES exclude: an IP in no zone matches',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('exclude', ['ALL_ZONES']) }] }],
    context: BOB,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'ALL_ZONES is every POLICY zone: a BLOCKLIST zone is not one ("deny access ... before policy evaluation")',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['ALL_ZONES']) }] }],
    context: { ...BOB, ip: '203.0.113.9' },
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'ALL_ZONES does not count an inactive zone',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['ALL_ZONES']) }] }],
    context: { ...BOB, ip: '172.16.5.5' },
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'an inactive zone matches nothing: include does not match',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['nzoClosed']) }] }],
    context: { ...BOB, ip: '172.16.5.5' },
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'an inactive zone matches nothing: exclude matches',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('exclude', ['nzoClosed']) }] }],
    context: { ...BOB, ip: '172.16.5.5' },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'a zone id that names no zone matches nothing',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['nzoGone']) }] }],
    context: ALICE,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'zone ids (simulate) stand in for the IP: include',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['nzoVpn']) }] }],
    context: { user: ALICE.user, zoneIds: ['nzoVpn'] },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'zone ids (simulate) stand in for the IP: exclude',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('exclude', ['nzoVpn']) }] }],
    context: { user: ALICE.user, zoneIds: ['nzoVpn'] },
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'zone ids (simulate) with ALL_ZONES',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['ALL_ZONES']) }] }],
    context: { user: ALICE.user, zoneIds: ['nzoOffice'] },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'neither IP nor zones: a ZONE rule is UNDEFINED and does not apply',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: zoneNetwork('include', ['nzoOffice']) }] }],
    context: { user: ALICE.user },
    expect: expectDefault(SIGN_ON),
  },
]);

// --- sign-on rule conditions --------------------------------------------------------------------

table('Sign-on rules: authContext, identityProvider, risk, riskScore', [
  {
    name: 'authContext RADIUS: a RADIUS sign-in',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { authContext: { authType: 'RADIUS' } } }] }],
    context: { ...ALICE, authType: 'RADIUS' },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'authContext RADIUS: an LDAP interface sign-in',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { authContext: { authType: 'RADIUS' } } }] }],
    context: { ...ALICE, authType: 'LDAP_INTERFACE' },
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'authContext ANY: any sign-in, even an unknown one',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { authContext: { authType: 'ANY' } } }] }],
    context: ALICE,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'identityProvider OKTA: an Okta sign-in',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { identityProvider: { provider: 'OKTA' } } }] }],
    context: { ...ALICE, identityProvider: { provider: 'OKTA' } },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'identityProvider OKTA: an external IdP sign-in',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { identityProvider: { provider: 'OKTA' } } }] }],
    context: { ...ALICE, identityProvider: { provider: 'SPECIFIC_IDP', id: '0oaIdp1' } },
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'identityProvider SPECIFIC_IDP: one of the IdPs listed',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { identityProvider: { provider: 'SPECIFIC_IDP', idpIds: ['0oaIdp1', '0oaIdp2'] } } }] }],
    context: { ...ALICE, identityProvider: { provider: 'SPECIFIC_IDP', id: '0oaIdp2' } },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'identityProvider SPECIFIC_IDP: another IdP',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { identityProvider: { provider: 'SPECIFIC_IDP', idpIds: ['0oaIdp1'] } } }] }],
    context: { ...ALICE, identityProvider: { provider: 'SPECIFIC_IDP', id: '0oaIdp3' } },
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'identityProvider ANY: any provider',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { identityProvider: { provider: 'ANY' } } }] }],
    context: ALICE,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'risk behaviors: one of them detected',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { risk: { behaviors: ['New Country', 'New Device'] } } }] }],
    context: { ...ALICE, behaviors: ['New Device'] },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'risk behaviors: none of them detected',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { risk: { behaviors: ['New Country'] } } }] }],
    context: { ...ALICE, behaviors: [] },
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'riskScore ANY: every level, and an unknown one',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { riskScore: { level: 'ANY' } } }] }],
    context: ALICE,
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'riskScore HIGH: a HIGH risk',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { riskScore: { level: 'HIGH' } } }] }],
    context: { ...ALICE, risk: { level: 'HIGH' } },
    expect: { policy: 'p', rule: 'r' },
  },
  {
    name: 'riskScore MEDIUM: a LOW risk',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { riskScore: { level: 'MEDIUM' } } }] }],
    context: { ...ALICE, risk: { level: 'LOW' } },
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'every condition of a rule must match (people matches, network does not)',
    type: SIGN_ON,
    policies: [{ id: 'p', rules: [{ id: 'r', conditions: { ...people({ groups: { include: [ENG] } }), ...zoneNetwork('include', ['nzoVpn']) } }] }],
    context: ALICE,
    expect: expectDefault(SIGN_ON),
  },
  {
    name: 'every condition of a rule matches',
    type: SIGN_ON,
    policies: [
      {
        id: 'p',
        rules: [{ id: 'r', conditions: { ...people({ groups: { include: [ENG] } }), ...zoneNetwork('include', ['nzoOffice']), authContext: { authType: 'ANY' }, riskScore: { level: 'LOW' } } }],
      },
    ],
    context: { ...ALICE, risk: { level: 'LOW' } },
    expect: { policy: 'p', rule: 'r' },
  },
]);

// --- PASSWORD ----------------------------------------------------------------------------------

table('PASSWORD: authProvider and group-scoped policies', [
  {
    name: 'the default policy (Everyone, OKTA) for an Okta-mastered user',
    type: 'PASSWORD',
    policies: [],
    context: ALICE,
    expect: expectDefault('PASSWORD'),
  },
  {
    name: 'a group policy before the default',
    type: 'PASSWORD',
    policies: [{ id: 'eng', conditions: { people: { groups: { include: [ENG] } }, authProvider: { provider: 'OKTA' } }, rules: [{ id: 'eng-r' }] }],
    context: ALICE,
    expect: { policy: 'eng', rule: 'eng-r' },
  },
  {
    name: 'authProvider ACTIVE_DIRECTORY does not apply to an Okta-mastered user',
    type: 'PASSWORD',
    policies: [{ id: 'ad', conditions: { authProvider: { provider: 'ACTIVE_DIRECTORY' } }, rules: [{ id: 'ad-r' }] }],
    context: ALICE,
    expect: expectDefault('PASSWORD'),
  },
  {
    name: 'authProvider ACTIVE_DIRECTORY with no instances listed: any AD instance',
    type: 'PASSWORD',
    policies: [{ id: 'ad', conditions: { authProvider: { provider: 'ACTIVE_DIRECTORY' } }, rules: [{ id: 'ad-r' }] }],
    context: { ...ALICE, authProvider: { provider: 'ACTIVE_DIRECTORY', id: '0oaAd2' } },
    expect: { policy: 'ad', rule: 'ad-r' },
  },
  {
    name: 'authProvider ACTIVE_DIRECTORY with instances: one of them',
    type: 'PASSWORD',
    policies: [{ id: 'ad', conditions: { authProvider: { provider: 'ACTIVE_DIRECTORY', include: ['0oaAd1'] } }, rules: [{ id: 'ad-r' }] }],
    context: { ...ALICE, authProvider: { provider: 'ACTIVE_DIRECTORY', id: '0oaAd1' } },
    expect: { policy: 'ad', rule: 'ad-r' },
  },
  {
    name: 'authProvider ACTIVE_DIRECTORY with instances: another instance gets the default policy, which applies to everyone else',
    type: 'PASSWORD',
    policies: [{ id: 'ad', conditions: { authProvider: { provider: 'ACTIVE_DIRECTORY', include: ['0oaAd1'] } }, rules: [{ id: 'ad-r' }] }],
    context: { ...ALICE, authProvider: { provider: 'ACTIVE_DIRECTORY', id: '0oaAd9' } },
    expect: expectDefault('PASSWORD'),
  },
  {
    name: 'authProvider ANY: every user',
    type: 'PASSWORD',
    policies: [{ id: 'any', conditions: { authProvider: { provider: 'ANY' } }, rules: [{ id: 'any-r' }] }],
    context: { ...ALICE, authProvider: { provider: 'LDAP', id: '0oaLdap' } },
    expect: { policy: 'any', rule: 'any-r' },
  },
  {
    name: 'rule network conditions apply inside a password policy',
    type: 'PASSWORD',
    policies: [
      {
        id: 'eng',
        conditions: { people: { groups: { include: [ENG] } }, authProvider: { provider: 'OKTA' } },
        rules: [{ id: 'office', conditions: zoneNetwork('include', ['nzoOffice']) }, { id: 'elsewhere' }],
      },
    ],
    context: { ...ALICE, ip: '198.51.100.1' },
    expect: { policy: 'eng', rule: 'elsewhere' },
  },
]);

// --- ACCESS_POLICY -----------------------------------------------------------------------------

const APP = { id: '0oaPortal', name: 'oidc_client' };
const OTHER_APP = { id: '0oaWiki', name: 'bookmark' };
const ACCESS: PolicyType = 'ACCESS_POLICY';
const accessCase = (name: string, conditions: JsonObject, context: EvaluationContext, matches: boolean): Case => ({
  name,
  type: ACCESS,
  policies: [{ id: 'portal', rules: [{ id: 'portal-r', conditions }, { id: 'portal-catch-all', priority: 99 }] }],
  appPolicies: { [APP.id]: 'portal' },
  context: { ...context, app: APP },
  expect: { policy: 'portal', rule: matches ? 'portal-r' : 'portal-catch-all' },
});

table('ACCESS_POLICY: the app mapping and app sign-in rule conditions', [
  {
    name: 'an app mapped to a policy evaluates that policy only',
    type: ACCESS,
    policies: [
      { id: 'first', rules: [{ id: 'first-r' }] },
      { id: 'portal', rules: [{ id: 'portal-r' }] },
    ],
    appPolicies: { [APP.id]: 'portal' },
    context: { ...ALICE, app: APP },
    expect: { policy: 'portal', rule: 'portal-r' },
    check: (engine) => assert.deepEqual(engine.trace?.map((p) => p.id), ['portal']),
  },
  {
    name: 'an app with no mapping gets the default app sign-in policy',
    type: ACCESS,
    policies: [{ id: 'portal', rules: [{ id: 'portal-r' }] }],
    appPolicies: { [APP.id]: 'portal' },
    context: { ...ALICE, app: OTHER_APP },
    expect: expectDefault(ACCESS),
  },
  {
    name: 'rules of the mapped policy from priority 0; the catch-all (99) last',
    type: ACCESS,
    policies: [{ id: 'portal', rules: [{ id: 'catch-all', priority: 99 }, { id: 'r1', priority: 1 }, { id: 'r0', priority: 0, conditions: people({ users: { include: ['u-bob'] } }) }] }],
    appPolicies: { [APP.id]: 'portal' },
    context: { ...BOB, app: APP },
    expect: { policy: 'portal', rule: 'r0' },
  },
  {
    name: 'none of the mapped policy rules match: nothing applies (other policies are not tried)',
    type: ACCESS,
    policies: [
      { id: 'portal', rules: [{ id: 'portal-r', conditions: people({ users: { include: ['u-bob'] } }) }] },
      { id: 'other', rules: [{ id: 'other-r' }] },
    ],
    appPolicies: { [APP.id]: 'portal' },
    context: { ...ALICE, app: APP },
    expect: null,
  },
  {
    name: 'an app whose policy is inactive gets the default app sign-in policy',
    type: ACCESS,
    policies: [{ id: 'portal', status: 'INACTIVE', rules: [{ id: 'portal-r' }] }],
    appPolicies: { [APP.id]: 'portal' },
    context: { ...ALICE, app: APP },
    expect: expectDefault(ACCESS),
  },
  {
    name: 'no app in the context: no app sign-in policy applies',
    type: ACCESS,
    policies: [{ id: 'portal', rules: [{ id: 'portal-r' }] }],
    appPolicies: { [APP.id]: 'portal' },
    context: ALICE,
    expect: null,
  },
  accessCase('userType include: the user type listed', { userType: { include: ['oty-employee'], exclude: [] } }, ALICE, true),
  accessCase('userType include: another user type', { userType: { include: ['oty-employee'], exclude: [] } }, BOB, false),
  accessCase('userType exclude: the excluded type', { userType: { include: [], exclude: ['oty-contractor'] } }, BOB, false),
  accessCase('userType exclude: another type', { userType: { include: [], exclude: ['oty-contractor'] } }, ALICE, true),
  accessCase('userType both empty: every user', { userType: { include: [], exclude: [] } }, BOB, true),
  accessCase('device registered: a registered device', { device: { registered: true } }, { ...ALICE, device: { registered: true, managed: false } }, true),
  accessCase('device registered: an unregistered device', { device: { registered: true } }, { ...ALICE, device: { registered: false } }, false),
  accessCase('device managed: an unmanaged registered device', { device: { registered: true, managed: true } }, { ...ALICE, device: { registered: true, managed: false } }, false),
  accessCase('device managed: a managed device', { device: { registered: true, managed: true } }, { ...ALICE, device: { registered: true, managed: true } }, true),
  accessCase('device: no device information is UNDEFINED', { device: { registered: true } }, ALICE, false),
  accessCase(
    'device assurance: one of the policies met',
    { device: { registered: true, assurance: { include: ['dae1', 'dae2'] } } },
    { ...ALICE, device: { registered: true, assuranceIds: ['dae2'] } },
    true,
  ),
  accessCase(
    'device assurance: none met',
    { device: { registered: true, assurance: { include: ['dae1'] } } },
    { ...ALICE, device: { registered: true, assuranceIds: ['dae3'] } },
    false,
  ),
  accessCase('riskScore ANY', { riskScore: { level: 'ANY' } }, { ...ALICE, risk: { level: 'HIGH' } }, true),
  accessCase('riskScore LOW: a LOW risk', { riskScore: { level: 'LOW' } }, { ...ALICE, risk: { level: 'LOW' } }, true),
  accessCase('riskScore LOW: a HIGH risk', { riskScore: { level: 'LOW' } }, { ...ALICE, risk: { level: 'HIGH' } }, false),
  accessCase('riskScore: no risk in the context is UNDEFINED', { riskScore: { level: 'HIGH' } }, ALICE, false),
  accessCase(
    'platform include: a MOBILE iOS device',
    { platform: { include: [{ type: 'MOBILE', os: { type: 'IOS' } }, { type: 'DESKTOP', os: { type: 'WINDOWS' } }] } },
    { ...ALICE, platform: { type: 'MOBILE', os: { type: 'IOS' } } },
    true,
  ),
  accessCase(
    'platform include: a MOBILE Android device',
    { platform: { include: [{ type: 'MOBILE', os: { type: 'IOS' } }] } },
    { ...ALICE, platform: { type: 'MOBILE', os: { type: 'ANDROID' } } },
    false,
  ),
  accessCase('platform include: type ANY with os ANY', { platform: { include: [{ type: 'ANY', os: { type: 'ANY' } }] } }, { ...ALICE, platform: { type: 'OTHER' } }, true),
  accessCase('platform include: DESKTOP, any OS', { platform: { include: [{ type: 'DESKTOP' }] } }, { ...ALICE, platform: { type: 'DESKTOP', os: { type: 'LINUX' } } }, true),
  accessCase(
    'platform exclude: the excluded platform',
    { platform: { exclude: [{ type: 'MOBILE', os: { type: 'ANDROID' } }] } },
    { ...ALICE, platform: { type: 'MOBILE', os: { type: 'ANDROID' } } },
    false,
  ),
  accessCase(
    'platform exclude: another platform',
    { platform: { exclude: [{ type: 'MOBILE', os: { type: 'ANDROID' } }] } },
    { ...ALICE, platform: { type: 'DESKTOP', os: { type: 'MACOS' } } },
    true,
  ),
  accessCase('platform: no platform in the context is UNDEFINED', { platform: { include: [{ type: 'DESKTOP' }] } }, ALICE, false),
  accessCase('network and people together', { ...people({ groups: { include: [ENG] } }), ...zoneNetwork('include', ['nzoOffice']) }, ALICE, true),
  accessCase('elCondition true', { elCondition: { condition: "user.profile.department == 'Engineering'" } }, ALICE, true),
  accessCase('elCondition false', { elCondition: { condition: "user.profile.department == 'Engineering'" } }, BOB, false),
  accessCase('elCondition on the risk level', { elCondition: { condition: "security.risk.level == 'HIGH'" } }, { ...ALICE, risk: { level: 'HIGH' } }, true),
]);

// --- MFA_ENROLL --------------------------------------------------------------------------------

const MFA: PolicyType = 'MFA_ENROLL';
const mfaCase = (name: string, conditions: JsonObject, app: EvaluationContext['app'], matches: boolean): Case => ({
  name,
  type: MFA,
  policies: [{ id: 'p', rules: [{ id: 'r', conditions }] }],
  context: app ? { ...ALICE, app } : ALICE,
  expect: matches ? { policy: 'p', rule: 'r' } : expectDefault(MFA),
});

table('MFA_ENROLL: app include/exclude', [
  mfaCase('app include APP: the app', { app: { include: [{ type: 'APP', id: APP.id }] } }, APP, true),
  mfaCase('app include APP: another app', { app: { include: [{ type: 'APP', id: APP.id }] } }, OTHER_APP, false),
  mfaCase('app include APP_TYPE: an app of the type', { app: { include: [{ type: 'APP_TYPE', name: 'oidc_client' }] } }, APP, true),
  mfaCase('app include APP_TYPE: an app of another type', { app: { include: [{ type: 'APP_TYPE', name: 'oidc_client' }] } }, OTHER_APP, false),
  mfaCase('app exclude: the excluded app', { app: { exclude: [{ type: 'APP', id: APP.id }] } }, APP, false),
  mfaCase('app exclude: another app', { app: { exclude: [{ type: 'APP', id: APP.id }] } }, OTHER_APP, true),
  mfaCase('app include type, exclude one instance: that instance', { app: { include: [{ type: 'APP_TYPE', name: 'oidc_client' }], exclude: [{ type: 'APP', id: APP.id }] } }, APP, false),
  mfaCase('empty app include and exclude: every app', { app: { include: [], exclude: [] } }, OTHER_APP, true),
  mfaCase('empty app include and exclude: even without an app', { app: { include: [], exclude: [] } }, undefined, true),
  mfaCase('app include without an app in the context is UNDEFINED', { app: { include: [{ type: 'APP', id: APP.id }] } }, undefined, false),
  mfaCase('people and app together', { ...people({ groups: { include: [ENG] } }), app: { include: [{ type: 'APP', id: APP.id }] } }, APP, true),
]);

// --- IDP_DISCOVERY -----------------------------------------------------------------------------

const IDP: PolicyType = 'IDP_DISCOVERY';
/** The IdP discovery policy with one routing rule ahead of its default rule ("route everyone to Okta"). */
function routing(name: string, conditions: JsonObject, context: EvaluationContext, matches: boolean): Case {
  return {
    name,
    type: IDP,
    policies: [{ id: 'routing', rules: [{ id: 'route', conditions }] }],
    context,
    expect: matches ? { policy: 'routing', rule: 'route' } : expectDefault(IDP),
  };
}

const identifier = (matchType: string, value: string): JsonObject => ({ userIdentifier: { type: 'IDENTIFIER', patterns: [{ matchType, value }] } });

table('IDP_DISCOVERY: userIdentifier, platform, app', [
  routing('SUFFIX: the login ends with the domain', identifier('SUFFIX', 'example.com'), ALICE, true),
  routing('SUFFIX: another domain', identifier('SUFFIX', 'example.com'), BOB, false),
  routing('SUFFIX: case does not matter', identifier('SUFFIX', 'EXAMPLE.com'), ALICE, true),
  routing('EQUALS: the exact login', identifier('EQUALS', 'alice@example.com'), ALICE, true),
  routing('EQUALS: a prefix is not equal', identifier('EQUALS', 'alice@example'), ALICE, false),
  routing('STARTS_WITH', identifier('STARTS_WITH', 'alice'), ALICE, true),
  routing('CONTAINS', identifier('CONTAINS', '@partner'), BOB, true),
  routing('CONTAINS: not contained', identifier('CONTAINS', '@partner'), ALICE, false),
  routing('EXPRESSION: a regular expression over the whole login', identifier('EXPRESSION', '^[a-z]+@example\\.com$'), ALICE, true),
  routing('EXPRESSION: case-sensitive', identifier('EXPRESSION', '^[a-z]+@EXAMPLE\\.com$'), ALICE, false),
  routing("EXPRESSION: Java's (?i) flag makes it case-insensitive", identifier('EXPRESSION', '(?i)[a-z]+@EXAMPLE\\.com'), ALICE, true),
  routing('EXPRESSION: must match the whole login', identifier('EXPRESSION', 'example'), ALICE, false),
  routing('EXPRESSION: no match', identifier('EXPRESSION', '^[a-z]+@example\\.com$'), BOB, false),
  routing(
    'several patterns: any one of them',
    { userIdentifier: { type: 'IDENTIFIER', patterns: [{ matchType: 'SUFFIX', value: 'gmail.com' }, { matchType: 'SUFFIX', value: 'partner.test' }] } },
    BOB,
    true,
  ),
  routing(
    'ATTRIBUTE: a profile attribute',
    { userIdentifier: { type: 'ATTRIBUTE', attribute: 'department', patterns: [{ matchType: 'EQUALS', value: 'Sales' }] } },
    BOB,
    true,
  ),
  routing(
    'ATTRIBUTE: another value',
    { userIdentifier: { type: 'ATTRIBUTE', attribute: 'department', patterns: [{ matchType: 'EQUALS', value: 'Sales' }] } },
    ALICE,
    false,
  ),
  routing(
    'ATTRIBUTE: a profile without the attribute matches nothing',
    { userIdentifier: { type: 'ATTRIBUTE', attribute: 'costCenter', patterns: [{ matchType: 'CONTAINS', value: '' }] } },
    ALICE,
    false,
  ),
  routing('no login in the context is UNDEFINED', identifier('SUFFIX', 'example.com'), { ip: '10.0.0.5' }, false),
  routing(
    'platform: OSX in an IdP discovery rule matches macOS',
    { platform: { include: [{ type: 'DESKTOP', os: { type: 'OSX' } }] } },
    { ...ALICE, platform: { type: 'DESKTOP', os: { type: 'MACOS' } } },
    true,
  ),
  routing(
    'platform: OSX does not match Windows',
    { platform: { include: [{ type: 'DESKTOP', os: { type: 'OSX' } }] } },
    { ...ALICE, platform: { type: 'DESKTOP', os: { type: 'WINDOWS' } } },
    false,
  ),
  routing('app: the app', { app: { include: [{ type: 'APP', id: APP.id }], exclude: [] } }, { ...ALICE, app: APP }, true),
  routing('the default routing rule (empty conditions) for everyone else', { app: { include: [{ type: 'APP', id: APP.id }], exclude: [] } }, { ...ALICE, app: OTHER_APP }, false),
  routing('network ZONE in a routing rule', zoneNetwork('include', ['nzoOffice']), ALICE, true),
]);

// --- ENTITY_RISK, POST_AUTH_SESSION, PROFILE_ENROLLMENT -----------------------------------------

const RISK: PolicyType = 'ENTITY_RISK';
const riskCase = (name: string, conditions: JsonObject, context: EvaluationContext, matches: boolean): Case => ({
  name,
  type: RISK,
  policies: [{ id: 'itp', rules: [{ id: 'itp-r', conditions }, { id: 'itp-catch-all', priority: 99 }] }],
  withDefault: false,
  context,
  expect: { policy: 'itp', rule: matches ? 'itp-r' : 'itp-catch-all' },
});

table('ENTITY_RISK: entityRisk, riskDetectionTypes', [
  riskCase('entityRisk HIGH: a HIGH entity risk', { entityRisk: { level: 'HIGH' } }, { ...ALICE, entityRisk: { level: 'HIGH' } }, true),
  riskCase('entityRisk HIGH: a MEDIUM entity risk', { entityRisk: { level: 'HIGH' } }, { ...ALICE, entityRisk: { level: 'MEDIUM' } }, false),
  riskCase('entityRisk ANY', { entityRisk: { level: 'ANY' } }, ALICE, true),
  riskCase('entityRisk: the sign-in risk is not the entity risk', { entityRisk: { level: 'HIGH' } }, { ...ALICE, risk: { level: 'HIGH' } }, false),
  riskCase(
    'riskDetectionTypes include: one detected',
    { riskDetectionTypes: { include: ['BRUTE_FORCE_ATTACK', 'OKTA_THREAT_INTELLIGENCE'] } },
    { ...ALICE, riskDetections: ['OKTA_THREAT_INTELLIGENCE'] },
    true,
  ),
  riskCase('riskDetectionTypes include: none detected', { riskDetectionTypes: { include: ['BRUTE_FORCE_ATTACK'] } }, { ...ALICE, riskDetections: [] }, false),
  riskCase('riskDetectionTypes exclude: an excluded one detected', { riskDetectionTypes: { exclude: ['BRUTE_FORCE_ATTACK'] } }, { ...ALICE, riskDetections: ['BRUTE_FORCE_ATTACK'] }, false),
  riskCase('riskDetectionTypes exclude: others detected', { riskDetectionTypes: { exclude: ['BRUTE_FORCE_ATTACK'] } }, { ...ALICE, riskDetections: ['SUSPICIOUS_APP_ACCESS'] }, true),
  riskCase('people in an entity risk rule', people({ users: { include: ['u-alice'] } }), ALICE, true),
]);

table('Types with only their default policy', [
  { name: 'POST_AUTH_SESSION: the catch-all rule', type: 'POST_AUTH_SESSION', policies: [], context: ALICE, expect: expectDefault('POST_AUTH_SESSION') },
  { name: 'PROFILE_ENROLLMENT: the catch-all rule', type: 'PROFILE_ENROLLMENT', policies: [], context: {}, expect: expectDefault('PROFILE_ENROLLMENT') },
  {
    name: 'PROFILE_ENROLLMENT: other policies apply only to apps mapped to them (none are): the default applies',
    type: 'PROFILE_ENROLLMENT',
    policies: [{ id: 'signup', rules: [{ id: 'signup-r' }] }],
    context: { ...ALICE, app: APP },
    expect: expectDefault('PROFILE_ENROLLMENT'),
  },
  {
    name: "the default policy applies to everyone no other policy claims, whatever its own conditions say",
    type: SIGN_ON,
    policies: [],
    context: { ...BOB, user: { id: 'u-bob', groupIds: [SALES] } },
    expect: expectDefault(SIGN_ON),
  },
  { name: 'ENTITY_RISK: the catch-all rule', type: 'ENTITY_RISK', policies: [], context: ALICE, expect: expectDefault('ENTITY_RISK') },
  { name: 'IDP_DISCOVERY: route everyone to Okta', type: 'IDP_DISCOVERY', policies: [], context: ALICE, expect: expectDefault('IDP_DISCOVERY') },
  { name: 'MFA_ENROLL: the default rule for Everyone', type: 'MFA_ENROLL', policies: [], context: ALICE, expect: expectDefault('MFA_ENROLL') },
]);

// --- traces -------------------------------------------------------------------------------------

describe('Traces', () => {
  const source = sourceOf({
    type: SIGN_ON,
    policies: [
      { id: 'sales', conditions: people({ groups: { include: [SALES] } }), rules: [{ id: 'sales-r' }] },
      {
        id: 'eng',
        conditions: people({ groups: { include: [ENG] } }),
        rules: [{ id: 'vpn', conditions: zoneNetwork('include', ['nzoVpn']) }, { id: 'risky', conditions: { riskScore: { level: 'HIGH' } } }, { id: 'office' }, { id: 'never' }],
      },
    ],
  });

  it('lists every policy considered in order, each rule up to the one that applied, with condition statuses', () => {
    const engine = compilePolicySet(source).evaluate(SIGN_ON, ALICE, { trace: true });
    const reference = referenceEvaluate(source, SIGN_ON, ALICE);
    assert.deepEqual(statuses(engine.trace), statuses(reference.trace));
    const trace = engine.trace ?? [];
    assert.deepEqual(
      trace.map((p) => [p.id, p.status]),
      [
        ['sales', 'NOT_MATCH'],
        ['eng', 'MATCH'],
      ],
    );
    assert.deepEqual(trace[0]!.rules, [], 'the rules of a policy whose conditions fail are not considered');
    assert.deepEqual(
      trace[1]!.rules.map((r) => [r.id, r.status]),
      [
        ['vpn', 'NOT_MATCH'],
        ['risky', 'UNDEFINED'],
        ['office', 'MATCH'],
      ],
    );
    assert.equal(trace[1]!.name, 'eng');
    assert.deepEqual(
      trace[0]!.conditions.map((c) => c.status),
      ['NOT_MATCH'],
    );
  });

  it('names each part of a condition as simulate does, the people include first, trivial parts left out', () => {
    const set = sourceOf({
      type: SIGN_ON,
      policies: [
        {
          id: 'p',
          rules: [
            {
              id: 'r',
              conditions: {
                network: { connection: 'ZONE', exclude: ['nzoVpn'] },
                authContext: { authType: 'ANY' },
                people: { users: { include: ['u-bob'], exclude: ['u-carol'] }, groups: { include: [ENG], exclude: [SALES] } },
                riskScore: { level: 'HIGH' },
              },
            },
          ],
        },
      ],
    });
    const engine = compilePolicySet(set).evaluate(SIGN_ON, ALICE, { trace: true });
    assert.deepEqual(statuses(engine.trace), statuses(referenceEvaluate(set, SIGN_ON, ALICE).trace));
    assert.deepEqual(engine.trace?.[0]?.rules[0]?.conditions, [
      { type: 'people.users.include', status: 'MATCH' },
      { type: 'people.groups.include', status: 'MATCH' },
      { type: 'network.exclude', status: 'MATCH' },
      { type: 'people.users.exclude', status: 'MATCH' },
      { type: 'people.groups.exclude', status: 'MATCH' },
      { type: 'riskScore.level', status: 'UNDEFINED' },
    ]);
  });

  it('a policy with no active rule is listed as considered but never applies', () => {
    const set = sourceOf({ type: SIGN_ON, policies: [{ id: 'empty', rules: [{ id: 'off', status: 'INACTIVE' }] }] });
    const engine = compilePolicySet(set).evaluate(SIGN_ON, ALICE, { trace: true });
    assert.deepEqual(statuses(engine.trace), statuses(referenceEvaluate(set, SIGN_ON, ALICE).trace));
    assert.deepEqual(
      (engine.trace ?? []).map((p) => [p.id, p.status, p.rules.length]),
      [
        ['empty', 'NOT_MATCH', 0],
        [defaultPolicyId(SIGN_ON), 'MATCH', 1],
      ],
    );
  });

  it('ends at the deciding policy: the default policy is not listed when another applied', () => {
    const engine = compilePolicySet(source).evaluate(SIGN_ON, ALICE, { trace: true });
    assert.ok(!(engine.trace ?? []).some((p) => p.id === defaultPolicyId(SIGN_ON)));
  });

  it('a policy whose rules are UNDEFINED (none matched) is UNDEFINED, and evaluation goes on', () => {
    const set = sourceOf({ type: SIGN_ON, policies: [{ id: 'p', rules: [{ id: 'r', conditions: { riskScore: { level: 'HIGH' } } }] }] });
    const engine = compilePolicySet(set).evaluate(SIGN_ON, ALICE, { trace: true });
    const reference = referenceEvaluate(set, SIGN_ON, ALICE);
    assert.deepEqual(statuses(engine.trace), statuses(reference.trace));
    assert.deepEqual(
      (engine.trace ?? []).map((p) => [p.id, p.status]),
      [
        ['p', 'UNDEFINED'],
        [defaultPolicyId(SIGN_ON), 'MATCH'],
      ],
    );
  });
});
