import Type from 'typebox';
import { DEFAULT_POLICY_DESCRIPTION } from './kind.ts';
import type { PolicyKind, RuleContent } from './kind.ts';
import type { PartCheck, Problems } from './validate.ts';
import {
  Enum,
  IGNORED_PART,
  Id,
  Obj,
  Opt,
  Text,
  arrayAt,
  frozen,
  isObject,
  objectAt,
  objectPart,
  parsePolicyParts,
  parseRuleParts,
  unsupportedPart,
} from './validate.ts';

/**
 * PROFILE_ENROLLMENT: user profile (self-registration) policies. Policy and rule conditions are
 * always null; each policy has exactly one rule, created with it, and no others can be added.
 */

/** "A maximum of 10 profile properties is supported." */
const MAX_PROFILE_ATTRIBUTES = 10;

/** `ProfileEnrollmentPolicyRuleAction`, with the spec's defaults. */
const ProfileEnrollment = Obj(
  {
    // "You can't set the access property to DENY after you create the policy" (see parseRule).
    access: Opt(Enum(['ALLOW', 'DENY'], { default: 'ALLOW' })),
    activationRequirements: Opt(Obj({ emailVerification: Opt(Type.Boolean({ default: false })) }, { default: {} })),
    allowedIdentifiers: Opt(Type.Array(Id, { minItems: 1, maxItems: MAX_PROFILE_ATTRIBUTES, uniqueItems: true, default: ['login'] })),
    // "Valid values only includes 'password'."
    enrollAuthenticatorTypes: Opt(Type.Array(Enum(['password']), { uniqueItems: true })),
    // "The id of at most one registration inline hook."
    preRegistrationInlineHooks: Opt(Type.Array(Obj({ inlineHookId: Id }), { maxItems: 1 })),
    profileAttributes: Opt(
      Type.Array(Obj({ name: Id, label: Opt(Text), required: Opt(Type.Boolean({ default: false })) }), {
        maxItems: MAX_PROFILE_ATTRIBUTES,
        default: [{ name: 'email', label: 'Email', required: true }],
      }),
    ),
    progressiveProfilingAction: Opt(Enum(['ENABLED', 'DISABLED'], { default: 'DISABLED' })),
    // "(Optional, max 1 entry) The id of a group that this user should be added to."
    targetGroupIds: Opt(Type.Array(Id, { maxItems: 1 })),
    uiSchemaId: Opt(Id),
    unknownUserAction: Opt(Enum(['DENY', 'REGISTER'], { default: 'DENY' })),
  },
  { default: {} },
);

/**
 * Every profile enrollment collects the email address (Okta's base profile requires it, and it
 * cannot be removed from the form); attributes are listed once each.
 */
const checkActions: PartCheck = (actions, path, problems) => {
  const attributes = arrayAt(objectAt(actions, 'profileEnrollment'), 'profileAttributes');
  if (!attributes) return;
  const at = `${path}.profileEnrollment.profileAttributes`;
  const names = new Set<string>();
  attributes.forEach((attribute, i) => {
    if (!isObject(attribute) || typeof attribute.name !== 'string') return;
    if (names.has(attribute.name)) problems.add(`${at}.${i}.name`, `lists ${attribute.name} more than once`);
    names.add(attribute.name);
  });
  const email = attributes.find((a) => isObject(a) && a.name === 'email');
  if (!isObject(email) || email.required !== true) problems.add(at, 'must include email as a required attribute');
};

const RULE_PARTS = {
  conditions: unsupportedPart("Policy rule conditions aren't supported for PROFILE_ENROLLMENT rules"),
  actions: objectPart(Obj({ profileEnrollment: Opt(ProfileEnrollment) }), { check: checkActions, whenAbsent: 'defaults' }),
};

const POLICY_PARTS = {
  conditions: unsupportedPart("Policy conditions aren't supported for PROFILE_ENROLLMENT policies"),
  settings: IGNORED_PART,
};

/** Access can go from DENY to ALLOW, never from ALLOW to DENY. */
function checkAccessChange(previous: RuleContent | undefined, content: RuleContent, problems: Problems): void {
  if (!previous) return;
  const before = objectAt(previous.actions, 'profileEnrollment')?.access ?? 'ALLOW';
  const after = objectAt(content.actions, 'profileEnrollment')?.access;
  if (before === 'ALLOW' && after === 'DENY') problems.add('actions.profileEnrollment.access', 'cannot be changed to DENY after the policy is created');
}

/** The one rule of every profile enrollment policy, as Okta's example shows it (minus the UI schema it generates). */
const CATCH_ALL = frozen({
  name: 'Catch-all Rule',
  system: true,
  ...parseRuleParts(RULE_PARTS, {
    conditions: null,
    actions: {
      profileEnrollment: {
        access: 'ALLOW',
        profileAttributes: [
          { name: 'email', label: 'Email', required: true },
          { name: 'firstName', label: 'First name', required: true },
          { name: 'lastName', label: 'Last name', required: true },
        ],
        unknownUserAction: 'DENY',
        activationRequirements: { emailVerification: true },
        progressiveProfilingAction: 'DISABLED',
      },
    },
  }),
});

export const profileEnrollment: PolicyKind = {
  type: 'PROFILE_ENROLLMENT',
  ruleType: 'PROFILE_ENROLLMENT',
  creatable: true,
  rulesCreatable: false,
  maxPolicies: 500,
  maxRules: 1,
  // Okta's example shows the one rule at priority 99, as for app sign-in policies.
  firstRulePriority: 0,
  defaultRulePriority: 99,
  defaultPolicy: frozen({
    name: 'Default Policy',
    description: DEFAULT_POLICY_DESCRIPTION,
    conditions: null,
    settings: null,
  }),
  defaultRule: CATCH_ALL,
  ruleForNewPolicy: CATCH_ALL,
  parsePolicy(input) {
    return parsePolicyParts(POLICY_PARTS, input);
  },
  parseRule(input, context) {
    return parseRuleParts(RULE_PARTS, input, (content, problems) => checkAccessChange(context.previous, content, problems));
  },
};
