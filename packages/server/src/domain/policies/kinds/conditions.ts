import Type from 'typebox';
import type { TSchema } from 'typebox';
import { expressionProblem } from '../../policy-engine/expression/index.ts';
import { compileIdentifierRegExp } from '../../policy-engine/patterns.ts';
import type { JsonObject } from './kind.ts';
import type { PartCheck, Problems } from './validate.ts';
import { Enum, Id, Ids, MAX_IDS, Obj, Opt, REQUIRED, Text, arrayAt, isObject, objectAt, stringAt } from './validate.ts';

/**
 * The condition objects Okta's policies and rules share, as the spec names them, and the checks
 * JSON Schema cannot express. Each type lists the ones its `*Conditions` schema has (see
 * `ruleConditions`); `checkConditions` checks whichever of them a value carries.
 */

// --- schemas ----------------------------------------------------------------------------------

const IncludeExclude = Obj({ include: Opt(Ids), exclude: Opt(Ids) });

/** `PolicyPeopleCondition` (rules): users and groups to include or exclude. */
export const People = Obj({ users: Opt(IncludeExclude), groups: Opt(IncludeExclude) });

/**
 * The people condition of OKTA_SIGN_ON, PASSWORD and MFA_ENROLL policies: the spec gives these
 * policies `people.groups.include` only (users and exclusions are rule-level).
 */
export const PolicyPeople = Obj({ groups: Opt(Obj({ include: Opt(Ids) })) });

/** The literal that stands for every zone in a network condition. */
export const ALL_ZONES = 'ALL_ZONES';

/**
 * `PolicyNetworkCondition`. `connection` is required; rules of the types whose Okta responses
 * always show a network condition get `{connection: 'ANYWHERE'}` when they give none.
 */
export function Network(options: { defaultAnywhere: boolean }) {
  const schema = Obj({ connection: Enum(['ANYWHERE', 'ZONE']), include: Opt(Ids), exclude: Opt(Ids) });
  return options.defaultAnywhere ? Opt(Obj(schema.properties, { default: { connection: 'ANYWHERE' } })) : Opt(schema);
}

/** `PolicyRuleAuthContextCondition` (sign-on rules). */
export const AuthContext = Obj({ authType: Opt(Enum(['ANY', 'RADIUS', 'LDAP_INTERFACE'], { default: 'ANY' })) });

/** `IdentityProviderPolicyRuleCondition` (sign-on rules): `idpIds` only with SPECIFIC_IDP. */
export const IdentityProvider = Obj({ provider: Opt(Enum(['ANY', 'OKTA', 'SPECIFIC_IDP'], { default: 'ANY' })), idpIds: Opt(Ids) });

/** `RiskPolicyRuleCondition` (sign-on rules, as Okta's own examples send it): behavior ids or names. */
export const Risk = Obj({ behaviors: Opt(Type.Array(Id, { maxItems: MAX_IDS, uniqueItems: true })) });

const RiskLevel = Enum(['ANY', 'LOW', 'MEDIUM', 'HIGH']);

/** `RiskScorePolicyRuleCondition`: `level` is required. */
export const RiskScore = Obj({ level: RiskLevel });

/** `EntityRiskScorePolicyRuleCondition` (ENTITY_RISK rules): `level` is required. */
export const EntityRisk = Obj({ level: RiskLevel });

/** `PasswordPolicyAuthenticationProviderCondition`: `include` lists AD/LDAP instances, so only with those providers. */
export const AuthProvider = Obj({
  provider: Opt(Enum(['ACTIVE_DIRECTORY', 'ANY', 'LDAP', 'OKTA'], { default: 'OKTA' })),
  include: Opt(Ids),
});

/** Most patterns in a user identifier condition (Okta documents no limit). */
const MAX_PATTERNS = 50;

/** `UserIdentifierPolicyRuleCondition` (IDP_DISCOVERY rules). */
export const UserIdentifier = Obj({
  type: Opt(Enum(['IDENTIFIER', 'ATTRIBUTE'])),
  attribute: Opt(Text),
  patterns: Opt(
    Type.Array(Obj({ matchType: Enum(['SUFFIX', 'EQUALS', 'STARTS_WITH', 'CONTAINS', 'EXPRESSION']), value: Text }), { maxItems: MAX_PATTERNS }),
  ),
});

const AppOrInstance = Obj({ type: Enum(['APP', 'APP_TYPE']), id: Opt(Id), name: Opt(Id) });

/** `AppAndInstancePolicyRuleCondition`: APP items name an app by `id`, APP_TYPE items an app type by `name`. */
export const App = Obj({
  include: Opt(Type.Array(AppOrInstance, { maxItems: MAX_IDS })),
  exclude: Opt(Type.Array(AppOrInstance, { maxItems: MAX_IDS })),
});

/** `PolicyPlatformOperatingSystemType`. */
export const OS_TYPES = ['ANDROID', 'ANY', 'CHROMEOS', 'IOS', 'MACOS', 'OTHER', 'WINDOWS', 'LINUX'] as const;
/** `IdpDiscoveryPolicyPlatformOperatingSystemType`: IdP discovery spells macOS `OSX`. */
export const IDP_DISCOVERY_OS_TYPES = ['ANDROID', 'ANY', 'CHROMEOS', 'IOS', 'OSX', 'OTHER', 'WINDOWS', 'LINUX'] as const;

/** `PlatformPolicyRuleCondition` with the given operating-system enum. */
export function Platform(osTypes: readonly string[]) {
  const item = Obj({
    type: Enum(['ANY', 'DESKTOP', 'MOBILE', 'OTHER']),
    os: Opt(
      Obj({
        type: Enum(osTypes),
        expression: Opt(Text),
        version: Opt(Obj({ matchType: Enum(['EXPRESSION', 'SEMVER']), value: Text })),
      }),
    ),
  });
  return Obj({ include: Opt(Type.Array(item, { maxItems: MAX_IDS })), exclude: Opt(Type.Array(item, { maxItems: MAX_IDS })) });
}

/** `DeviceAccessPolicyRuleCondition` (ACCESS_POLICY rules). */
export const Device = Obj({
  registered: Opt(Type.Boolean()),
  managed: Opt(Type.Boolean()),
  assurance: Opt(Obj({ include: Opt(Ids) })),
});

/** Longest Okta EL expression Tollgate accepts (Okta documents no limit). */
export const MAX_EXPRESSION = 2048;

/**
 * `AccessPolicyRuleCustomCondition`. `condition` is optional here only so that `{}` (which
 * Okta's own request examples send) can mean "no EL condition"; see `checkConditions`.
 */
export const ElCondition = Obj({ condition: Opt(Type.String({ minLength: 1, maxLength: MAX_EXPRESSION })) });

/** `UserTypeCondition`. The spec marks both lists required; a missing one is read as empty. */
export const UserType = Obj({ include: Opt(Type.Array(Id, { maxItems: MAX_IDS, default: [] })), exclude: Opt(Type.Array(Id, { maxItems: MAX_IDS, default: [] })) });

/** `DetectedRiskEvents`. */
export const DETECTED_RISK_EVENTS = [
  'ADMIN_REPORTED_USER_RISK',
  'BRUTE_FORCE_ATTACK',
  'ENTITY_CRITICAL_ACTION_FROM_HIGH_THREAT_IP',
  'OKTA_THREAT_INTELLIGENCE',
  'SECURITY_EVENTS_PROVIDER_REPORTED_RISK',
  'SESSION_INFLUENCED_USER_RISK',
  'SUSPICIOUS_APP_ACCESS',
  'USER_REPORTED_SUSPICIOUS_ACTIVITY',
] as const;

const RiskEvents = Type.Array(Enum(DETECTED_RISK_EVENTS), { uniqueItems: true });

/** `RiskDetectionTypesPolicyRuleCondition`: `include` or `exclude`, not both. */
export const RiskDetectionTypes = Obj({ include: Opt(RiskEvents), exclude: Opt(RiskEvents) });

/** A rule's (or policy's) conditions object made of the given conditions, each optional. */
export function conditionsSchema(conditions: Record<string, TSchema>) {
  const properties: Record<string, TSchema> = {};
  for (const [name, schema] of Object.entries(conditions)) properties[name] = Type.IsOptional(schema) ? schema : Opt(schema);
  return Obj(properties);
}

// --- semantic checks --------------------------------------------------------------------------

type ConditionCheck = (value: JsonObject, path: string, problems: Problems) => void;

/** Removes `key` from `value` when it holds an empty list (normalizing `[]` to absent). */
function dropEmpty(value: JsonObject, key: string): void {
  const list = value[key];
  if (Array.isArray(list) && list.length === 0) delete value[key];
}

/** Exactly one of `include` / `exclude`, non-empty; the empty one is dropped. */
function includeXorExclude(value: JsonObject, path: string, problems: Problems, why: string): void {
  const include = arrayAt(value, 'include') ?? [];
  const exclude = arrayAt(value, 'exclude') ?? [];
  if (include.length === 0 && exclude.length === 0) problems.add(`${path}.include`, `include or exclude is required ${why}`);
  if (include.length > 0 && exclude.length > 0) problems.add(`${path}.exclude`, `cannot be given together with include ${why}`);
  dropEmpty(value, 'include');
  dropEmpty(value, 'exclude');
}

const checkNetwork: ConditionCheck = (network, path, problems) => {
  for (const key of ['include', 'exclude']) {
    const zones = arrayAt(network, key);
    if (zones && zones.length > 1 && zones.includes(ALL_ZONES)) problems.add(`${path}.${key}`, `${ALL_ZONES} must be the only zone`);
  }
  const connection = stringAt(network, 'connection');
  if (connection === 'ZONE') includeXorExclude(network, path, problems, 'when connection is ZONE');
  if (connection === 'ANYWHERE') {
    for (const key of ['include', 'exclude']) {
      if ((arrayAt(network, key)?.length ?? 0) > 0) problems.add(`${path}.${key}`, 'must be empty when connection is ANYWHERE');
      dropEmpty(network, key);
    }
  }
};

const checkIdentityProvider: ConditionCheck = (idp, path, problems) => {
  const ids = arrayAt(idp, 'idpIds') ?? [];
  if (idp.provider === 'SPECIFIC_IDP' && ids.length === 0) problems.add(`${path}.idpIds`, 'must not be empty when provider is SPECIFIC_IDP');
  if (idp.provider !== 'SPECIFIC_IDP' && ids.length > 0) problems.add(`${path}.idpIds`, 'must be empty unless provider is SPECIFIC_IDP');
  dropEmpty(idp, 'idpIds');
};

const checkAuthProvider: ConditionCheck = (provider, path, problems) => {
  const directory = provider.provider === 'ACTIVE_DIRECTORY' || provider.provider === 'LDAP';
  if (!directory && (arrayAt(provider, 'include')?.length ?? 0) > 0) {
    problems.add(`${path}.include`, 'must be empty unless provider is ACTIVE_DIRECTORY or LDAP');
  }
  if (!directory) dropEmpty(provider, 'include');
};

const checkUserIdentifier: ConditionCheck = (identifier, path, problems) => {
  const patterns = arrayAt(identifier, 'patterns') ?? [];
  if (patterns.length > 0 && identifier.type === undefined) problems.add(`${path}.type`, REQUIRED);
  if (identifier.type === 'ATTRIBUTE' && identifier.attribute === undefined) problems.add(`${path}.attribute`, `${REQUIRED} when type is ATTRIBUTE`);
  // `attribute` is "only used when type is ATTRIBUTE".
  if (identifier.type === 'IDENTIFIER') delete identifier.attribute;
  let expressions = 0;
  patterns.forEach((pattern, i) => {
    if (!isObject(pattern) || pattern.matchType !== 'EXPRESSION') return;
    expressions++;
    const value = stringAt(pattern, 'value');
    if (value !== undefined && !compilesAsRegExp(value)) {
      problems.add(`${path}.patterns.${i}.value`, `${JSON.stringify(value)} is not a valid regular expression`);
    }
  });
  // Okta evaluates an EXPRESSION pattern on its own: a rule with one has exactly one pattern.
  if (expressions > 0 && patterns.length > 1) problems.add(`${path}.patterns`, 'must have exactly one pattern when a pattern uses EXPRESSION');
};

/** Whether the policy engine can compile the pattern (the engine's own compiler, so a stored pattern always runs). */
function compilesAsRegExp(source: string): boolean {
  try {
    compileIdentifierRegExp(source);
    return true;
  } catch {
    return false;
  }
}

const checkApp: ConditionCheck = (app, path, problems) => {
  for (const key of ['include', 'exclude']) {
    (arrayAt(app, key) ?? []).forEach((item, i) => {
      if (!isObject(item)) return;
      if (item.type === 'APP' && item.id === undefined) problems.add(`${path}.${key}.${i}.id`, `${REQUIRED} when type is APP`);
      if (item.type === 'APP_TYPE' && item.name === undefined) problems.add(`${path}.${key}.${i}.name`, `${REQUIRED} when type is APP_TYPE`);
    });
  }
};

/**
 * A platform item's `os.expression` and an `os.version` of matchType EXPRESSION are evaluated as
 * Okta EL by the engine, so they are refused here when they are not a boolean expression of the
 * subset it evaluates (docs/policy-expressions.md), rather than stored to match nothing.
 */
const checkPlatform: ConditionCheck = (platform, path, problems) => {
  for (const key of ['include', 'exclude']) {
    (arrayAt(platform, key) ?? []).forEach((item, i) => {
      const os = isObject(item) && isObject(item.os) ? item.os : undefined;
      if (!os) return;
      if (typeof os.expression === 'string') {
        const problem = expressionProblem(os.expression);
        if (problem) problems.add(`${path}.${key}.${i}.os.expression`, problem);
      }
      const version = isObject(os.version) ? os.version : undefined;
      if (version?.matchType === 'EXPRESSION' && typeof version.value === 'string') {
        const problem = expressionProblem(version.value);
        if (problem) problems.add(`${path}.${key}.${i}.os.version.value`, problem);
      }
    });
  }
};

const checkDevice: ConditionCheck = (device, path, problems) => {
  // The spec: "When the managed property is passed, you must also include the registered
  // property and set it to true." A managed device is necessarily a registered one.
  if (device.managed === true && device.registered !== true) problems.add(`${path}.managed`, 'requires registered to be true');
};

const checkRiskDetectionTypes: ConditionCheck = (types, path, problems) => {
  includeXorExclude(types, path, problems, '(one of them, not both)');
};

const CHECKS: Record<string, ConditionCheck> = {
  network: checkNetwork,
  identityProvider: checkIdentityProvider,
  authProvider: checkAuthProvider,
  userIdentifier: checkUserIdentifier,
  app: checkApp,
  device: checkDevice,
  platform: checkPlatform,
  riskDetectionTypes: checkRiskDetectionTypes,
};

/**
 * Checks every condition a conditions object carries, and normalizes: an `elCondition` without
 * a condition (`{}`) is no EL condition at all.
 */
export const checkConditions: PartCheck = (conditions, path, problems) => {
  const el = objectAt(conditions, 'elCondition');
  if (el && el.condition === undefined) delete conditions.elCondition;
  // Expressions outside the subset the engine evaluates are refused here, not at sign-in.
  const source = el && stringAt(el, 'condition');
  const problem = source === undefined ? undefined : expressionProblem(source);
  if (problem) problems.add(`${path}.elCondition.condition`, problem);
  for (const [name, check] of Object.entries(CHECKS)) {
    const condition = objectAt(conditions, name);
    if (condition) check(condition, `${path}.${name}`, problems);
  }
};
