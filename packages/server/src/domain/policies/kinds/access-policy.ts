import Type from 'typebox';
import type { TProperties, TSchema } from 'typebox';
import { Device, ElCondition, Network, OS_TYPES, People, Platform, RiskScore, UserType, checkConditions, conditionsSchema } from './conditions.ts';
import { DEFAULT_POLICY_DESCRIPTION } from './kind.ts';
import type { JsonObject, PolicyKind } from './kind.ts';
import type { PartCheck, Problems } from './validate.ts';
import {
  Duration,
  Enum,
  IGNORED_PART,
  Id,
  MAX_IDS,
  Obj,
  Opt,
  REQUIRED,
  arrayAt,
  frozen,
  isObject,
  catchAllRuleParser,
  objectAt,
  objectPart,
  parsePolicyParts,
  parseRuleParts,
  unsupportedPart,
} from './validate.ts';

/**
 * ACCESS_POLICY: app sign-in (authentication) policies. Policy conditions are always null; rules
 * decide access and how the user must verify. Rules take priorities 0..98; each policy's
 * catch-all rule sits at 99 and its conditions cannot change.
 */

const OPTIONAL_OR_REQUIRED = Opt(Enum(['OPTIONAL', 'REQUIRED']));

/** `AuthenticationMethodObject`. */
const MethodObject = Obj({ key: Id, method: Opt(Id), id: Opt(Id) });

/** `AccessPolicyConstraint`, plus the `PossessionConstraint` extras for possession. */
function Constraint(extra: TProperties) {
  return Obj({
    authenticationMethods: Opt(Type.Array(MethodObject, { maxItems: MAX_IDS })),
    excludedAuthenticationMethods: Opt(Type.Array(MethodObject, { maxItems: MAX_IDS })),
    methods: Opt(
      Type.Array(Enum(['PASSWORD', 'SECURITY_QUESTION', 'SMS', 'VOICE', 'EMAIL', 'PUSH', 'SIGNED_NONCE', 'OTP', 'TOTP', 'WEBAUTHN', 'DUO', 'IDP', 'CERT']), {
        uniqueItems: true,
      }),
    ),
    reauthenticateIn: Opt(Duration),
    required: Opt(Type.Boolean()),
    types: Opt(Type.Array(Enum(['SECURITY_KEY', 'PHONE', 'EMAIL', 'PASSWORD', 'SECURITY_QUESTION', 'APP', 'FEDERATED']), { uniqueItems: true })),
    ...extra,
  });
}

const Constraints = Obj({
  knowledge: Opt(Constraint({})),
  possession: Opt(
    Constraint({
      deviceBound: OPTIONAL_OR_REQUIRED,
      hardwareProtection: OPTIONAL_OR_REQUIRED,
      phishingResistant: OPTIONAL_OR_REQUIRED,
      userPresence: OPTIONAL_OR_REQUIRED,
      // Not in the spec's PossessionConstraint, but Okta's own request examples send it.
      userVerification: OPTIONAL_OR_REQUIRED,
    }),
  ),
});

/** `AuthenticationMethod` (a step of an authentication method chain). */
const AuthenticationMethod = Obj({
  key: Id,
  method: Id,
  id: Opt(Id),
  hardwareProtection: OPTIONAL_OR_REQUIRED,
  phishingResistant: OPTIONAL_OR_REQUIRED,
  userVerification: OPTIONAL_OR_REQUIRED,
  userVerificationMethods: Opt(Type.Array(Enum(['BIOMETRICS', 'PIN']), { uniqueItems: true })),
});

/**
 * `AuthenticationMethodChain`: "each chain can support maximum 3 steps", and `next` holds one
 * step. Spelled out three levels deep; a fourth step is refused (`next` must be empty).
 */
const step = (next: TSchema) =>
  Obj({ authenticationMethods: Type.Array(AuthenticationMethod, { minItems: 1, maxItems: 10 }), reauthenticateIn: Opt(Duration), next: Opt(next) });
const Chain = step(Type.Array(step(Type.Array(step(Type.Array(Type.Unknown(), { maxItems: 0 })), { maxItems: 1 })), { maxItems: 1 }));

/**
 * `VerificationMethod`, flat: the fields of every variant, pruned by `type` in `checkActions`
 * (a discriminated union in JSON Schema would make Ajv drop fields while trying branches).
 */
const VerificationMethod = Obj({
  type: Enum(['ASSURANCE', 'AUTH_METHOD_CHAIN', 'ID_PROOFING']),
  factorMode: Opt(Enum(['1FA', '2FA'])),
  reauthenticateIn: Opt(Duration),
  inactivityPeriod: Opt(Duration),
  constraints: Opt(Type.Array(Constraints, { maxItems: 10 })),
  // "Only supports 5 items in the array."
  chains: Opt(Type.Array(Chain, { maxItems: 5 })),
  id: Opt(Id),
});

const AppSignOn = Obj(
  {
    access: Opt(Enum(['ALLOW', 'DENY'], { default: 'ALLOW' })),
    verificationMethod: Opt(VerificationMethod),
    keepMeSignedIn: Opt(Obj({ postAuth: Enum(['ALLOWED', 'NOT_ALLOWED']), postAuthPromptFrequency: Opt(Duration) })),
  },
  { default: {} },
);

/** The fields each verification method type has (besides `type`). */
const VARIANT_FIELDS: Record<string, readonly string[]> = {
  ASSURANCE: ['factorMode', 'reauthenticateIn', 'inactivityPeriod', 'constraints'],
  AUTH_METHOD_CHAIN: ['chains', 'reauthenticateIn'],
  ID_PROOFING: ['id'],
};

function chainSetsReauthentication(chain: unknown): boolean {
  if (!isObject(chain)) return false;
  return chain.reauthenticateIn !== undefined || (arrayAt(chain, 'next') ?? []).some(chainSetsReauthentication);
}

function checkVerificationMethod(method: JsonObject, path: string, problems: Problems): void {
  const fields = typeof method.type === 'string' ? VARIANT_FIELDS[method.type] : undefined;
  if (!fields) return;
  for (const key of Object.keys(method)) if (key !== 'type' && !fields.includes(key)) delete method[key];
  if (method.type === 'ASSURANCE') {
    // The Admin Console's default for a new rule: any two factor types.
    if (method.factorMode === undefined) method.factorMode = '2FA';
    for (const constraint of arrayAt(method, 'constraints') ?? []) {
      for (const part of [objectAt(constraint, 'knowledge'), objectAt(constraint, 'possession')]) {
        // "By default, this field is true. If [it] has values for excludedAuthenticationMethods the required value is false."
        if (part) part.required = (arrayAt(part, 'excludedAuthenticationMethods')?.length ?? 0) > 0 ? false : (part.required ?? true);
      }
    }
  }
  if (method.type === 'AUTH_METHOD_CHAIN') {
    const chains = arrayAt(method, 'chains') ?? [];
    if (chains.length === 0) problems.add(`${path}.chains`, `${REQUIRED} when type is AUTH_METHOD_CHAIN`);
    if (method.reauthenticateIn !== undefined && chains.some(chainSetsReauthentication)) {
      problems.add(`${path}.reauthenticateIn`, 'cannot be set together with reauthenticateIn in chains');
    }
  }
  if (method.type === 'ID_PROOFING' && method.id === undefined) problems.add(`${path}.id`, `${REQUIRED} when type is ID_PROOFING`);
}

const checkActions: PartCheck = (actions, path, problems) => {
  const appSignOn = objectAt(actions, 'appSignOn');
  if (!appSignOn) return;
  const at = `${path}.appSignOn`;
  const method = objectAt(appSignOn, 'verificationMethod');
  if (appSignOn.access === 'ALLOW' && appSignOn.verificationMethod === undefined) problems.add(`${at}.verificationMethod`, `${REQUIRED} when access is ALLOW`);
  if (method) checkVerificationMethod(method, `${at}.verificationMethod`, problems);
  const kmsi = objectAt(appSignOn, 'keepMeSignedIn');
  // The prompt frequency only matters when the prompt is allowed; the spec's default is P30D.
  if (kmsi?.postAuth === 'ALLOWED' && kmsi.postAuthPromptFrequency === undefined) kmsi.postAuthPromptFrequency = 'P30D';
  if (kmsi?.postAuth === 'NOT_ALLOWED') delete kmsi.postAuthPromptFrequency;
};

const RULE_PARTS = {
  conditions: objectPart(
    conditionsSchema({
      people: People,
      network: Network({ defaultAnywhere: false }),
      device: Device,
      elCondition: ElCondition,
      platform: Platform(OS_TYPES),
      riskScore: RiskScore,
      userType: UserType,
    }),
    { check: checkConditions },
  ),
  actions: objectPart(Obj({ appSignOn: Opt(AppSignOn) }), { check: checkActions, whenAbsent: 'defaults' }),
};

const POLICY_PARTS = {
  conditions: unsupportedPart("Policy conditions aren't supported for ACCESS_POLICY policies; conditions are applied at the rule level"),
  settings: IGNORED_PART,
};

/**
 * The rule every app sign-in policy gets, as Okta's example lists it: anyone, one factor,
 * re-authenticate every 12 hours.
 */
const CATCH_ALL = frozen({
  name: 'Catch-all Rule',
  system: true,
  ...parseRuleParts(RULE_PARTS, {
    conditions: null,
    actions: { appSignOn: { access: 'ALLOW', verificationMethod: { type: 'ASSURANCE', factorMode: '1FA', reauthenticateIn: 'PT12H', constraints: [] } } },
  }),
});

export const accessPolicy: PolicyKind = {
  type: 'ACCESS_POLICY',
  ruleType: 'ACCESS_POLICY',
  creatable: true,
  rulesCreatable: true,
  maxPolicies: 5000,
  maxRules: 100,
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
  parseRule: catchAllRuleParser(RULE_PARTS),
};
