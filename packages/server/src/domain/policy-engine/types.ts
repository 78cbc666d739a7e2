import type { JsonObject, PolicyType } from '../policies/kinds/kind.ts';
import type { PolicyRecord, RuleRecord } from '../policies/types.ts';
import type { ZoneRecord } from '../zones/types.ts';

/**
 * The policy engine's contract (issue 7). One engine serves every flow (password-policy
 * resolution, sign-on, MFA enrollment, IdP discovery, app access) and the simulate endpoint.
 *
 * - `compilePolicySet(source)` (compile.ts) turns the org's policies, rules, zones and app
 *   mappings into a `CompiledPolicySet`: indexes built once, regexes and EL expressions compiled
 *   once, CIDRs as integer intervals. It is pure and synchronous.
 * - `CompiledPolicySet.evaluate(type, context, options)` is pure and synchronous and reads only
 *   the compiled form.
 * - `PolicyEngine` (service.ts) holds the current compiled set and swaps in a new one when
 *   policies, rules or zones change (in this process at once, from other instances within a
 *   second).
 */

export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH';
export type PlatformType = 'DESKTOP' | 'MOBILE' | 'OTHER';
/** Okta's OS types; IdP discovery rules spell macOS `OSX`, which matches `MACOS` here. */
export type OsType = 'ANDROID' | 'CHROMEOS' | 'IOS' | 'MACOS' | 'OTHER' | 'WINDOWS' | 'LINUX';

/**
 * What a request tells the engine. Every part is optional: a condition whose input is absent
 * evaluates to UNDEFINED (simulate reports it; a flow that must decide treats an UNDEFINED rule
 * as not matching and goes on to the next).
 */
export interface EvaluationContext {
  /** The user. `groupIds` are its groups (Everyone included when it is a member). */
  user?: {
    id?: string;
    groupIds?: readonly string[];
    /** The user type id (`userType` conditions). */
    typeId?: string;
    /** The username as typed (`userIdentifier` IDENTIFIER patterns, EL `user.login`). */
    login?: string;
    /** Profile attributes (`userIdentifier` ATTRIBUTE patterns, EL `user.profile.*`). */
    profile?: Readonly<Record<string, unknown>>;
  };
  /** The client IP, matched against zone gateways. */
  ip?: string;
  /** Zones the request is known to come from (simulate's `zones.ids`); used when `ip` is absent. */
  zoneIds?: readonly string[];
  /** The app being signed in to: `id` for APP items and the mapped ACCESS_POLICY, `name` (e.g. `oidc_client`) for APP_TYPE items. */
  app?: { id: string; name: string };
  platform?: { type: PlatformType; os?: { type: OsType; version?: string } };
  device?: { registered?: boolean; managed?: boolean; assuranceIds?: readonly string[] };
  /** `riskScore` (ACCESS_POLICY) and EL `security.risk.level`. */
  risk?: { level: RiskLevel };
  /** `entityRisk` (ENTITY_RISK). */
  entityRisk?: { level: RiskLevel };
  /** `riskDetectionTypes` (ENTITY_RISK): the detected risk events. */
  riskDetections?: readonly string[];
  /** `authContext.authType` (sign-on rules): how the user authenticates. */
  authType?: 'RADIUS' | 'LDAP_INTERFACE' | 'ANY';
  /** `identityProvider` (sign-on rules): OKTA, or the id of the external IdP. */
  identityProvider?: { provider: 'OKTA' } | { provider: 'SPECIFIC_IDP'; id: string };
  /** `authProvider` (PASSWORD policies): where the user's password lives. */
  authProvider?: { provider: 'OKTA' | 'ACTIVE_DIRECTORY' | 'LDAP'; id?: string };
  /** `risk.behaviors` (sign-on rules): the behaviors detected. */
  behaviors?: readonly string[];
}

export type ConditionStatus = 'MATCH' | 'NOT_MATCH' | 'UNDEFINED';

/** One condition of a policy or rule as evaluated; `type` names it as simulate does (docs/policy-engine.md). */
export interface ConditionTrace {
  type: string;
  status: ConditionStatus;
}

export interface RuleTrace {
  id: string;
  name: string;
  status: ConditionStatus;
  conditions: ConditionTrace[];
}

export interface PolicyTrace {
  id: string;
  name: string;
  /** MATCH when the policy and one of its rules matched (it decided). */
  status: ConditionStatus;
  conditions: ConditionTrace[];
  /** Every rule considered, in priority order (rules after the matching one are not considered). */
  rules: RuleTrace[];
}

/** What applies: the first policy (priority order) whose conditions match and one of whose rules (priority order) fully matches. */
export interface Decision {
  type: PolicyType;
  policy: PolicyRecord;
  rule: RuleRecord;
  /** The policy's settings (PASSWORD, MFA_ENROLL ...), as stored. */
  settings: JsonObject | null;
  /** The rule's actions, as stored. */
  actions: JsonObject | null;
}

export interface Evaluation {
  /** null when nothing applies (an app with no mapped policy; a type with no active default). */
  decision: Decision | null;
  /** With `trace: true`: every policy considered, in order. */
  trace?: PolicyTrace[];
}

export interface EvaluateOptions {
  /** Record a trace of every policy and rule considered, with each condition's status. */
  trace?: boolean;
  /**
   * With `trace`: whether each rule's condition statuses are recorded (default true). When false,
   * rules carry only their status (and an empty `conditions`), except the deciding rule; simulate
   * without `expand=RULE` asks for this, so tracing 10,000 rules allocates little.
   */
  ruleConditions?: boolean;
}

export interface CompiledPolicySet {
  /** Which generations it was compiled from (for logs and tests). */
  readonly version: string;
  /**
   * Evaluates one policy type. ACCESS_POLICY evaluates only the policy mapped to `context.app`
   * (the default one when the app has none); the other types evaluate every ACTIVE policy of the
   * type in priority order, the default last. Inactive policies and rules are skipped, and a
   * policy with no active rules never applies.
   */
  evaluate(type: PolicyType, context: EvaluationContext, options?: EvaluateOptions): Evaluation;
}

/** What a policy set is compiled from. */
export interface PolicySetSource {
  /** Every policy of the org (any status, any type). */
  policies: readonly PolicyRecord[];
  /** Every rule of those policies. */
  rules: readonly RuleRecord[];
  /** Every network zone (inactive ones match nothing). */
  zones: readonly ZoneRecord[];
  /** App id → the ACCESS_POLICY id it is mapped to. */
  appPolicies: ReadonlyMap<string, string>;
  /** A label for `CompiledPolicySet.version`. */
  version: string;
}

/**
 * An Okta Expression Language condition compiled once (expression/). Evaluates to true/false,
 * or UNDEFINED when the context lacks an input the expression reads.
 */
export interface CompiledExpression {
  evaluate(context: EvaluationContext): boolean | 'UNDEFINED';
}
