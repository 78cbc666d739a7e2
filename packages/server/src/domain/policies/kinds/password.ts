import Type from 'typebox';
import { AuthProvider, Network, People, PolicyPeople, checkConditions, conditionsSchema } from './conditions.ts';
import { DEFAULT_POLICY_DESCRIPTION } from './kind.ts';
import type { PolicyKind } from './kind.ts';
import type { PartCheck } from './validate.ts';
import { Enum, Id, Obj, Opt, Text, arrayAt, frozen, isObject, objectAt, objectPart, parsePolicyParts, parseRuleParts } from './validate.ts';

/**
 * PASSWORD: password complexity, age, lockout and recovery (policy settings) and who may change,
 * reset or unlock a password (rule actions). Defaults are the spec's (`PasswordPolicy*`); where
 * the spec gives no bound, the ranges below are Tollgate's (Okta's Admin Console offers the same
 * or narrower ones).
 */

const int = (minimum: number, maximum: number, value: number) => Opt(Type.Integer({ minimum, maximum, default: value }));
const bool = (value: boolean) => Opt(Type.Boolean({ default: value }));
/** An object that is created (and so gets its own defaults) when absent. */
const filled = <P extends Parameters<typeof Obj>[0]>(properties: P) => Opt(Obj(properties, { default: {} }));

const POLICY_CONDITIONS = conditionsSchema({
  people: PolicyPeople,
  // Every password policy names the provider whose users it applies to; Okta's default is OKTA.
  authProvider: Opt(Obj(AuthProvider.properties, { default: {} })),
});

const PasswordSettings = Obj(
  {
    complexity: filled({
      minLength: int(4, 30, 8),
      // 0 = not required, 1 = required.
      minLowerCase: int(0, 1, 1),
      minUpperCase: int(0, 1, 1),
      minNumber: int(0, 1, 1),
      minSymbol: int(0, 1, 1),
      excludeUsername: bool(true),
      excludeAttributes: Opt(Type.Array(Enum(['firstName', 'lastName']), { uniqueItems: true, default: [] })),
      dictionary: filled({ common: filled({ exclude: bool(false) }) }),
      maxConsecutiveCharacters: Opt(Type.Integer({ minimum: 1, maximum: 72 })),
      oelStatement: Opt(Text),
    }),
    // 0 = no limit / no warning / no history, as the spec says.
    age: filled({
      maxAgeDays: int(0, 999, 0),
      expireWarnDays: int(0, 30, 0),
      minAgeMinutes: int(0, 9999, 0),
      historyCount: int(0, 30, 0),
    }),
    lockout: filled({
      maxAttempts: int(0, 100, 10),
      autoUnlockMinutes: int(0, 99_999, 0),
      showLockoutFailures: bool(false),
      // "The only acceptable values are [] and ['EMAIL']."
      userLockoutNotificationChannels: Opt(Type.Array(Enum(['EMAIL']), { maxItems: 1, default: [] })),
    }),
    breachedProtection: Opt(
      Obj({
        expireAfterDays: Opt(Type.Integer({ minimum: 0, maximum: 10 })),
        logoutEnabled: bool(false),
        delegatedWorkflowId: Opt(Id),
      }),
    ),
  },
  { default: {} },
);

const status = (value: 'ACTIVE' | 'INACTIVE') => Opt(Enum(['ACTIVE', 'INACTIVE'], { default: value }));

/**
 * Recovery factors as Okta's `password-policy-response` example shows them: email and security
 * question active, SMS and voice inactive; recovery tokens last the spec's 10080 minutes.
 */
const Recovery = Obj(
  {
    factors: filled({
      okta_email: filled({
        status: status('ACTIVE'),
        properties: filled({ recoveryToken: filled({ tokenLifetimeMinutes: int(1, 10_080, 10_080) }) }),
      }),
      okta_sms: filled({ status: status('INACTIVE') }),
      okta_call: filled({ status: status('INACTIVE') }),
      // `complexity.minLength` is read-only (always 4): whatever a client sends is replaced.
      recovery_question: filled({ status: status('ACTIVE'), properties: filled({ complexity: filled({}) }) }),
    }),
  },
  { default: {} },
);

const Settings = Obj({
  password: Opt(PasswordSettings),
  recovery: Opt(Recovery),
  delegation: filled({ options: filled({ skipUnlock: bool(false) }) }),
});

const checkSettings: PartCheck = (settings, path, problems) => {
  const breached = objectAt(objectAt(settings, 'password'), 'breachedProtection');
  // The spec: "If true, you must also specify a value for expireAfterDays."
  if (breached?.logoutEnabled === true && breached.expireAfterDays === undefined) {
    problems.add(`${path}.password.breachedProtection.expireAfterDays`, 'The field is required when logoutEnabled is true');
  }
  const complexity = objectAt(objectAt(objectAt(objectAt(objectAt(settings, 'recovery'), 'factors'), 'recovery_question'), 'properties'), 'complexity');
  if (complexity) complexity.minLength = 4;
};

const POLICY_PARTS = {
  conditions: objectPart(POLICY_CONDITIONS, { check: checkConditions, whenAbsent: 'defaults' }),
  settings: objectPart(Settings, { check: checkSettings, whenAbsent: 'defaults' }),
};

const access = (value: 'ALLOW' | 'DENY') => filled({ access: Opt(Enum(['ALLOW', 'DENY'], { default: value })) });

/** `SelfServicePasswordResetAction` with its `SsprRequirement`. */
const SelfServicePasswordReset = Obj(
  {
    access: Opt(Enum(['ALLOW', 'DENY'], { default: 'ALLOW' })),
    requirement: Opt(
      Obj({
        accessControl: Opt(Enum(['AUTH_POLICY', 'LEGACY'])),
        primary: Opt(
          Obj({
            methods: Type.Array(Enum(['push', 'sms', 'voice', 'email', 'otp']), { minItems: 1, uniqueItems: true }),
            // "Currently, Google OTP is the only accepted constraint."
            methodConstraints: Opt(
              Type.Array(Obj({ method: Enum(['otp']), allowedAuthenticators: Type.Array(Obj({ key: Enum(['google_otp']) }), { minItems: 1 }) }), { maxItems: 1 }),
            ),
          }),
        ),
        stepUp: Opt(Obj({ required: bool(false), methods: Opt(Type.Array(Enum(['security_question']), { uniqueItems: true })) })),
      }),
    ),
    settings: Opt(Obj({ allowRecoveryEmailWithoutEnrollment: Opt(Type.Boolean()) })),
    type: Opt(Enum(['selfServicePasswordReset'])),
  },
  { default: {} },
);

/** Okta's default rule: change and reset allowed, unlock denied. */
const RuleActions = Obj({
  passwordChange: access('ALLOW'),
  selfServicePasswordReset: Opt(SelfServicePasswordReset),
  selfServiceUnlock: access('DENY'),
});

const checkActions: PartCheck = (actions, path, problems) => {
  const at = `${path}.selfServicePasswordReset.requirement`;
  const requirement = objectAt(objectAt(actions, 'selfServicePasswordReset'), 'requirement');
  const primary = objectAt(requirement, 'primary');
  const methods = arrayAt(primary, 'methods') ?? [];
  const otpConstrained = (arrayAt(primary, 'methodConstraints') ?? []).some((c) => isObject(c) && c.method === 'otp');
  // "Method otp requires a constraint limiting it to a Google authenticator."
  if (methods.includes('otp') && !otpConstrained) {
    problems.add(`${at}.primary.methodConstraints`, 'an otp constraint (allowedAuthenticators google_otp) is required when methods include otp');
  }
  if (otpConstrained && !methods.includes('otp')) problems.add(`${at}.primary.methodConstraints`, 'constrains otp, which methods does not include');
  const stepUp = objectAt(requirement, 'stepUp');
  // "Specify this value only when required is true."
  if (stepUp && stepUp.required !== true && (arrayAt(stepUp, 'methods')?.length ?? 0) > 0) {
    problems.add(`${at}.stepUp.methods`, 'must be empty unless required is true');
  }
};

const RULE_PARTS = {
  conditions: objectPart(conditionsSchema({ people: People, network: Network({ defaultAnywhere: true }) }), { check: checkConditions, whenAbsent: 'defaults' }),
  actions: objectPart(RuleActions, { check: checkActions, whenAbsent: 'defaults' }),
};

export const password: PolicyKind = {
  type: 'PASSWORD',
  ruleType: 'PASSWORD',
  creatable: true,
  rulesCreatable: true,
  maxRules: 100,
  firstRulePriority: 1,
  defaultRulePriority: 'last',
  // The bootstrap scopes the default policy to the Everyone group (its id is not known here).
  defaultPolicy: frozen({
    name: 'Default Policy',
    description: DEFAULT_POLICY_DESCRIPTION,
    ...parsePolicyParts(POLICY_PARTS, { conditions: null, settings: null }),
  }),
  // As Okta's default rule: email is the recovery method, with no step-up.
  defaultRule: frozen({
    name: 'Default Rule',
    system: true,
    ...parseRuleParts(RULE_PARTS, {
      conditions: null,
      actions: { selfServicePasswordReset: { requirement: { primary: { methods: ['email'] }, stepUp: { required: false } } } },
    }),
  }),
  parsePolicy(input) {
    return parsePolicyParts(POLICY_PARTS, input);
  },
  parseRule(input) {
    return parseRuleParts(RULE_PARTS, input);
  },
};
