/**
 * What the Policy API knows about each policy type: which parts a policy and its rules may
 * carry, what Okta fills in by default, and the per-type limits. The service and the HTTP layer
 * are type-agnostic; everything type-specific lives behind this interface, one file per type.
 */

/** JSON as stored and served. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The policy types Tollgate serves (a subset of Okta's PolicyType enum). */
export const POLICY_TYPES = [
  'OKTA_SIGN_ON',
  'PASSWORD',
  'MFA_ENROLL',
  'IDP_DISCOVERY',
  'ACCESS_POLICY',
  'PROFILE_ENROLLMENT',
  'POST_AUTH_SESSION',
  'ENTITY_RISK',
] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

export function isPolicyType(value: string): value is PolicyType {
  return (POLICY_TYPES as readonly string[]).includes(value);
}

/** The description Okta gives every "Default Policy" it creates. */
export const DEFAULT_POLICY_DESCRIPTION = 'The default policy applies in all situations if no other policy applies.';

/** The type-specific content of a policy. `null` = the field is absent/null on the wire. */
export interface PolicyContent {
  conditions: JsonObject | null;
  settings: JsonObject | null;
}

/** The type-specific content of a rule. */
export interface RuleContent {
  conditions: JsonObject | null;
  actions: JsonObject | null;
}

export interface PolicyParseContext {
  /** Whether the policy being written is the type's system default policy. */
  system: boolean;
  /** On update: what is stored now. Absent on create. */
  previous?: PolicyContent;
}

export interface RuleParseContext {
  /** Whether the rule being written is a default (system) rule. */
  system: boolean;
  /** On update: what is stored now. Absent on create. */
  previous?: RuleContent;
}

/** A policy as bootstrap seeds it, or as a type creates one. */
export interface PolicyTemplate extends PolicyContent {
  name: string;
  description: string | null;
}

/** A rule as bootstrap seeds it, or as a new policy of the type gets it automatically. */
export interface RuleTemplate extends RuleContent {
  name: string;
  /** Default rules are `system: true`: undeletable, pinned last. */
  system: boolean;
}

export interface PolicyKind {
  type: PolicyType;
  /** The rule `type` on the wire: `SIGN_ON` for OKTA_SIGN_ON, otherwise the policy type. */
  ruleType: string;
  /** Whether clients may POST new policies of this type (some types exist only as the org's one default). */
  creatable: boolean;
  /** Whether clients may POST rules to policies of this type. */
  rulesCreatable: boolean;
  /** Most policies of this type per org (including the default), if Okta limits it. */
  maxPolicies?: number;
  /** Most rules per policy, the default rule included. */
  maxRules: number;
  /** The highest rule priority a client may ask for: 1, or 0 for ACCESS_POLICY. */
  firstRulePriority: number;
  /**
   * Where a policy's default rule sits: `'last'` (after all other rules, contiguous) or a
   * fixed number (99 for ACCESS_POLICY, whose other rules take 0..98).
   */
  defaultRulePriority: 'last' | number;
  /** The org's default policy of this type, seeded at bootstrap (`system: true`). */
  defaultPolicy: PolicyTemplate;
  /** The default policy's default rule, if the type has one. */
  defaultRule?: RuleTemplate;
  /** The rule a new (non-default) policy of this type gets automatically, if any. */
  ruleForNewPolicy?: RuleTemplate;
  /**
   * Validates a client's `conditions` and `settings` for this type and fills Okta's defaults.
   * Throws ApiValidationError (E0000001) whose causes each start with the field's dotted
   * path (`"conditions.people.groups.include: ..."`), reporting every problem found, or
   * ReadOnlyFieldError (E0000111) when a read-only part is changed.
   */
  parsePolicy(input: { conditions: unknown; settings: unknown }, context: PolicyParseContext): PolicyContent;
  /** The same for a rule's `conditions` and `actions`. */
  parseRule(input: { conditions: unknown; actions: unknown }, context: RuleParseContext): RuleContent;
}
