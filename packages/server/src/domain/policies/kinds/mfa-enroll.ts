import Type from 'typebox';
import { App, Network, People, PolicyPeople, checkConditions, conditionsSchema } from './conditions.ts';
import { DEFAULT_POLICY_DESCRIPTION } from './kind.ts';
import type { JsonObject, PolicyKind } from './kind.ts';
import type { PartCheck, Problems } from './validate.ts';
import {
  Enum,
  Id,
  MAX_IDS,
  Obj,
  Opt,
  REQUIRED,
  Text,
  arrayAt,
  frozen,
  isObject,
  keepReadOnly,
  objectAt,
  objectPart,
  parsePolicyParts,
  parseRuleParts,
  stringAt,
} from './validate.ts';

/**
 * MFA_ENROLL: the authenticator enrollment policy. Its settings come in two forms, told apart
 * by `settings.type`: FACTORS (Classic Engine: a map of factor key to enrollment) and
 * AUTHENTICATORS (Identity Engine: a list of authenticators). A settings object must use the
 * form of its type.
 */

/** `AuthenticatorEnrollmentPolicyAuthenticatorType`. */
const AUTHENTICATOR_KEYS = [
  'custom_app',
  'custom_otp',
  'duo',
  'external_idp',
  'google_otp',
  'okta_email',
  'okta_password',
  'okta_verify',
  'onprem_mfa',
  'phone_number',
  'rsa_token',
  'security_question',
  'symantec_vip',
  'webauthn',
  'yubikey_token',
] as const;

/** Most authenticators or factors one policy lists (Okta has fewer kinds than this). */
const MAX_AUTHENTICATORS = 50;

/** `AuthenticatorEnrollmentPolicyAuthenticatorStatus`; the spec's default is NOT_ALLOWED. */
const EnrollSelf = Opt(Enum(['NOT_ALLOWED', 'OPTIONAL', 'REQUIRED'], { default: 'NOT_ALLOWED' }));

/** `EnrollmentPolicyAuthenticatorGracePeriod`: a date (BY_DATE_TIME) or a number of skips (BY_SKIP_COUNT). */
const GracePeriod = Obj({
  type: Enum(['BY_DATE_TIME', 'BY_SKIP_COUNT']),
  expiry: Opt(Text),
  skipCount: Opt(Type.Integer({ minimum: 1, maximum: 100 })),
});

const Authenticator = Obj({
  key: Enum(AUTHENTICATOR_KEYS),
  id: Opt(Id),
  enroll: Opt(Obj({ self: EnrollSelf, autoEnroll: Opt(Type.Boolean()), gracePeriod: Opt(GracePeriod) }, { default: {} })),
  constraints: Opt(Obj({ aaguidGroups: Opt(Type.Array(Id, { maxItems: MAX_IDS, uniqueItems: true })) })),
});

/** A Classic Engine factor entry, keyed by factor (`okta_otp`, `google_otp`, ...). */
const Factor = Obj({
  enroll: Opt(Obj({ self: EnrollSelf }, { default: {} })),
  consent: Opt(
    Obj({
      type: Opt(Enum(['NONE', 'TERMS_OF_SERVICE'], { default: 'NONE' })),
      terms: Opt(Obj({ format: Enum(['TEXT', 'RTF', 'MARKDOWN', 'URL']), value: Text })),
    }),
  ),
});

const Settings = Obj({
  type: Opt(Enum(['AUTHENTICATORS', 'FACTORS'])),
  authenticators: Opt(Type.Array(Authenticator, { maxItems: MAX_AUTHENTICATORS })),
  factors: Opt(Type.Record(Type.String(), Factor, { maxProperties: MAX_AUTHENTICATORS })),
});

const FACTOR_KEY = /^[a-z][a-z0-9_]{0,63}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

function checkGracePeriod(grace: JsonObject, path: string, problems: Problems): void {
  if (grace.type === 'BY_DATE_TIME') {
    const expiry = stringAt(grace, 'expiry');
    if (expiry === undefined) problems.add(`${path}.expiry`, `${REQUIRED} when type is BY_DATE_TIME`);
    else if (!DATE_TIME.test(expiry) || Number.isNaN(Date.parse(expiry))) problems.add(`${path}.expiry`, 'must be an ISO-8601 date-time');
    delete grace.skipCount;
  }
  if (grace.type === 'BY_SKIP_COUNT') {
    if (grace.skipCount === undefined) problems.add(`${path}.skipCount`, `${REQUIRED} when type is BY_SKIP_COUNT`);
    delete grace.expiry;
  }
}

function checkAuthenticators(authenticators: unknown[], path: string, problems: Problems): void {
  const seen = new Set<string>();
  authenticators.forEach((item, i) => {
    if (!isObject(item)) return;
    const identity = `${String(item.key)}/${String(item.id ?? '')}`;
    if (seen.has(identity)) problems.add(`${path}.${i}.key`, `lists ${String(item.key)} more than once`);
    seen.add(identity);
    const enroll = objectAt(item, 'enroll');
    // The spec: "autoEnroll can only be set to false when self is OPTIONAL or NOT_ALLOWED."
    if (enroll?.autoEnroll === false && enroll.self === 'REQUIRED') problems.add(`${path}.${i}.enroll.autoEnroll`, 'can be false only when self is OPTIONAL or NOT_ALLOWED');
    const grace = objectAt(enroll, 'gracePeriod');
    if (grace) checkGracePeriod(grace, `${path}.${i}.enroll.gracePeriod`, problems);
  });
}

function checkFactors(factors: JsonObject, path: string, problems: Problems): void {
  for (const [key, factor] of Object.entries(factors)) {
    if (!FACTOR_KEY.test(key)) problems.add(`${path}.${key}`, 'is not a factor key');
    const consent = objectAt(factor, 'consent');
    if (consent?.type === 'TERMS_OF_SERVICE' && consent.terms === undefined) problems.add(`${path}.${key}.consent.terms`, `${REQUIRED} when type is TERMS_OF_SERVICE`);
  }
}

/**
 * The settings form must match `type`. Without a type the form given decides (the spec's default
 * type, FACTORS, unless `authenticators` is given): a client that sends only a list of
 * authenticators means the AUTHENTICATORS form.
 */
const checkSettings: PartCheck = (settings, path, problems) => {
  if (settings.type === undefined) settings.type = settings.authenticators !== undefined ? 'AUTHENTICATORS' : 'FACTORS';
  if (settings.type === 'FACTORS') {
    if (settings.authenticators !== undefined) problems.add(`${path}.authenticators`, 'is not allowed when type is FACTORS; use factors');
    if (settings.factors === undefined) settings.factors = {};
  }
  if (settings.type === 'AUTHENTICATORS') {
    if (settings.factors !== undefined) problems.add(`${path}.factors`, 'is not allowed when type is AUTHENTICATORS; use authenticators');
    if (settings.authenticators === undefined) settings.authenticators = [];
  }
  const authenticators = arrayAt(settings, 'authenticators');
  if (authenticators) checkAuthenticators(authenticators, `${path}.authenticators`, problems);
  const factors = objectAt(settings, 'factors');
  if (factors) checkFactors(factors, `${path}.factors`, problems);
};

const POLICY_PARTS = {
  conditions: objectPart(conditionsSchema({ people: PolicyPeople })),
  settings: objectPart(Settings, { check: checkSettings, whenAbsent: 'defaults' }),
};

/** `AuthenticatorEnrollmentPolicyRuleActions`: CHALLENGE by default, as Okta's default rule. */
const RuleActions = Obj({
  enroll: Opt(Obj({ self: Opt(Enum(['CHALLENGE', 'LOGIN', 'NEVER', 'NEVER_INCLUDING_RECOVERY'], { default: 'CHALLENGE' })) }, { default: {} })),
});

const RULE_PARTS = {
  conditions: objectPart(conditionsSchema({ people: People, network: Network({ defaultAnywhere: true }), app: App }), { check: checkConditions, whenAbsent: 'defaults' }),
  actions: objectPart(RuleActions, { whenAbsent: 'defaults' }),
};

export const mfaEnroll: PolicyKind = {
  type: 'MFA_ENROLL',
  ruleType: 'MFA_ENROLL',
  creatable: true,
  rulesCreatable: true,
  maxRules: 100,
  firstRulePriority: 1,
  defaultRulePriority: 'last',
  // Okta's example of the default (system) policy: password required, Okta Verify optional,
  // email not enrolled by this policy. The bootstrap scopes it to the Everyone group.
  defaultPolicy: frozen({
    name: 'Default Policy',
    description: DEFAULT_POLICY_DESCRIPTION,
    ...parsePolicyParts(POLICY_PARTS, {
      conditions: null,
      settings: {
        type: 'AUTHENTICATORS',
        authenticators: [
          { key: 'okta_email', enroll: { self: 'NOT_ALLOWED' } },
          { key: 'okta_verify', enroll: { self: 'OPTIONAL' } },
          { key: 'okta_password', enroll: { self: 'REQUIRED' } },
        ],
      },
    }),
  }),
  defaultRule: frozen({ name: 'Default Rule', system: true, ...parseRuleParts(RULE_PARTS, { conditions: null, actions: null }) }),
  parsePolicy(input) {
    return parsePolicyParts(POLICY_PARTS, input);
  },
  parseRule(input, context) {
    const content = parseRuleParts(RULE_PARTS, input);
    if (!context.system || !context.previous) return content;
    // The default rule of the default policy is read-only as a whole.
    return {
      conditions: keepReadOnly('conditions', input.conditions, content.conditions, context.previous.conditions),
      actions: keepReadOnly('actions', input.actions, content.actions, context.previous.actions),
    };
  },
};
