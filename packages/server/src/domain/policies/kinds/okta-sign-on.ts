import Type from 'typebox';
import { ReadOnlyFieldError } from '../../../errors/catalog.ts';
import { AuthContext, IdentityProvider, Network, People, PolicyPeople, Risk, RiskScore, checkConditions, conditionsSchema } from './conditions.ts';
import { DEFAULT_POLICY_DESCRIPTION } from './kind.ts';
import type { JsonObject, PolicyKind, RuleContent } from './kind.ts';
import type { PartCheck } from './validate.ts';
import {
  Enum,
  IGNORED_PART,
  Obj,
  Opt,
  REQUIRED,
  frozen,
  keepReadOnly,
  objectAt,
  objectPart,
  parsePolicyParts,
  parseRuleParts,
  stripNulls,
} from './validate.ts';

/**
 * OKTA_SIGN_ON: the global session policy (rule type SIGN_ON). Policies carry
 * `conditions.people.groups.include` and no settings (the spec has none, so `settings` is ignored).
 */

/** Ninety days in minutes: Okta's longest session; Tollgate's bound for every minutes field here. */
const NINETY_DAYS_MINUTES = 129_600;

const POLICY_PARTS = {
  conditions: objectPart(conditionsSchema({ people: PolicyPeople })),
  settings: IGNORED_PART,
};

/**
 * `OktaSignOnPolicyRuleConditions` lists authContext, identityProvider, network and people;
 * Okta's own examples also send `risk` and `riskScore`, so those are accepted too.
 */
const RuleConditions = conditionsSchema({
  people: People,
  network: Network({ defaultAnywhere: true }),
  authContext: AuthContext,
  identityProvider: IdentityProvider,
  risk: Risk,
  riskScore: RiskScore,
});

/** `OktaSignOnPolicyRuleSignonSessionActions`, with the spec's defaults. */
const Session = Obj(
  {
    maxSessionIdleMinutes: Opt(Type.Integer({ minimum: 1, maximum: NINETY_DAYS_MINUTES, default: 120 })),
    // 0 = no limit.
    maxSessionLifetimeMinutes: Opt(Type.Integer({ minimum: 0, maximum: NINETY_DAYS_MINUTES, default: 0 })),
    usePersistentCookie: Opt(Type.Boolean({ default: false })),
  },
  { default: {} },
);

/** `OktaSignOnPolicyRuleSignonActions`. */
const Signon = Obj(
  {
    access: Opt(Enum(['ALLOW', 'DENY'], { default: 'ALLOW' })),
    requireFactor: Opt(Type.Boolean({ default: false })),
    factorPromptMode: Opt(Enum(['ALWAYS', 'DEVICE', 'SESSION'])),
    factorLifetime: Opt(Type.Integer({ minimum: 1, maximum: NINETY_DAYS_MINUTES })),
    rememberDeviceByDefault: Opt(Type.Boolean({ default: false })),
    primaryFactor: Opt(Enum(['PASSWORD_IDP', 'PASSWORD_IDP_ANY_FACTOR'])),
    session: Opt(Session),
  },
  { default: {} },
);

const checkActions: PartCheck = (actions, path, problems) => {
  const signon = objectAt(actions, 'signon');
  if (!signon) return;
  if (signon.requireFactor === true) {
    for (const field of ['factorPromptMode', 'factorLifetime']) {
      if (signon[field] === undefined) problems.add(`${path}.signon.${field}`, `${REQUIRED} when requireFactor is true`);
    }
  }
  // The spec: primaryFactor is "required only if access is ALLOW". Rather than refuse clients
  // written for Classic Engine (which has no such field), an ALLOW rule without one gets
  // PASSWORD_IDP_ANY_FACTOR, what Okta's examples and default rule use.
  if (signon.access === 'ALLOW' && signon.primaryFactor === undefined) signon.primaryFactor = 'PASSWORD_IDP_ANY_FACTOR';
};

const RULE_PARTS = {
  conditions: objectPart(RuleConditions, { check: checkConditions, whenAbsent: 'defaults' }),
  actions: objectPart(Obj({ signon: Opt(Signon) }), { check: checkActions, whenAbsent: 'defaults' }),
};

const PERSISTENT_COOKIE = 'actions.signon.session.usePersistentCookie';

/**
 * `usePersistentCookie` is read-only on the default rule: not given keeps the stored value,
 * a different value is E0000111.
 */
function keepPersistentCookie(input: unknown, actions: JsonObject | null, previous: JsonObject | null): JsonObject | null {
  const session = objectAt(objectAt(actions, 'signon'), 'session');
  if (!session) return actions;
  const stored = objectAt(objectAt(previous, 'signon'), 'session')?.usePersistentCookie ?? false;
  const given = objectAt(objectAt(stripNulls(input), 'signon'), 'session')?.usePersistentCookie;
  if (given !== undefined && given !== stored) throw new ReadOnlyFieldError(PERSISTENT_COOKIE);
  session.usePersistentCookie = stored;
  return actions;
}

function parseRule(input: { conditions: unknown; actions: unknown }): RuleContent {
  return parseRuleParts(RULE_PARTS, input);
}

export const oktaSignOn: PolicyKind = {
  type: 'OKTA_SIGN_ON',
  ruleType: 'SIGN_ON',
  creatable: true,
  rulesCreatable: true,
  maxRules: 100,
  firstRulePriority: 1,
  defaultRulePriority: 'last',
  // The bootstrap scopes the default policy to the Everyone group (its id is not known here).
  defaultPolicy: frozen({
    name: 'Default Policy',
    description: DEFAULT_POLICY_DESCRIPTION,
    conditions: null,
    settings: null,
  }),
  defaultRule: frozen({ name: 'Default Rule', system: true, ...parseRule({ conditions: null, actions: null }) }),
  parsePolicy(input) {
    return parsePolicyParts(POLICY_PARTS, input);
  },
  parseRule(input, context) {
    const content = parseRule(input);
    if (!context.system || !context.previous) return content;
    // The default rule: its conditions and its persistent-cookie setting are read-only.
    return {
      conditions: keepReadOnly('conditions', input.conditions, content.conditions, context.previous.conditions),
      actions: keepPersistentCookie(input.actions, content.actions, context.previous.actions),
    };
  },
};
