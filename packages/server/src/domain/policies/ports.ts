import type { PolicyType } from './kinds/kind.ts';
import type { PolicyMappingRecord, PolicyRecord, PolicyStatus, PrioritySlot, RuleRecord } from './types.ts';

/** Keyset position in a policy list: by priority, or by name when sorted by name. */
export type PolicyCursor = { by: 'priority'; priority: number; id: string } | { by: 'name'; name: string; id: string };

export interface PolicyListQuery {
  type: PolicyType;
  status?: PolicyStatus;
  /** Name prefix, case-insensitive. */
  q?: string;
  sortBy: 'priority' | 'name';
  after?: PolicyCursor;
  limit: number;
}

export interface PolicyStore {
  /**
   * Serialises priority changes among the policies of one type until the transaction ends.
   * Call first in any transaction that inserts, deletes or reorders policies of the type.
   */
  lockPolicyType(type: PolicyType): Promise<void>;
  /** Serialises changes to one policy's rules until the transaction ends. */
  lockPolicy(id: string): Promise<void>;

  /**
   * Records that policies or rules of the type changed. Every transaction that writes them calls
   * it, so `policyGeneration` moves whenever anything a reader rendered for the type may differ.
   */
  bumpPolicyGeneration(type: PolicyType): Promise<void>;
  /** The type's change counter (0 before the first change); a cheap read for cache validation. */
  policyGeneration(type: PolicyType): Promise<number>;
  /** Every type's change counter in one read (types never changed are absent: 0). */
  policyGenerations(): Promise<Map<string, number>>;

  insertPolicy(policy: PolicyRecord): Promise<void>;
  /** Writes every field of the stored policy (priority included). */
  updatePolicy(policy: PolicyRecord): Promise<void>;
  /** Deletes the policy with its rules and mappings. */
  deletePolicy(id: string): Promise<void>;
  getPolicy(id: string): Promise<PolicyRecord | undefined>;
  listPolicies(query: PolicyListQuery): Promise<PolicyRecord[]>;
  countPolicies(type: PolicyType): Promise<number>;
  /** The type's policies in priority order. */
  policyOrder(type: PolicyType): Promise<PrioritySlot[]>;
  setPolicyPriorities(changes: readonly { id: string; priority: number }[]): Promise<void>;

  insertRule(rule: RuleRecord): Promise<void>;
  updateRule(rule: RuleRecord): Promise<void>;
  deleteRule(id: string): Promise<void>;
  getRule(policyId: string, ruleId: string): Promise<RuleRecord | undefined>;
  /** A policy's rules in priority order, at most `limit`. */
  listRules(policyId: string, limit?: number): Promise<RuleRecord[]>;
  /** The rules of several policies, each list in priority order, at most `limitEach` per policy. */
  listRulesOfPolicies(policyIds: readonly string[], limitEach: number): Promise<Map<string, RuleRecord[]>>;
  countRules(policyId: string): Promise<number>;
  ruleOrder(policyId: string): Promise<PrioritySlot[]>;
  setRulePriorities(changes: readonly { id: string; priority: number }[]): Promise<void>;

  /**
   * Policies whose conditions mention `id` anywhere in their text, and rules whose conditions or
   * actions do: candidates for the directory's delete paths (a deleted group or zone is taken out
   * of them), which parse each to find the exact references.
   */
  policiesMentioning(id: string): Promise<PolicyRecord[]>;
  rulesMentioning(id: string): Promise<RuleRecord[]>;

  insertPolicyMapping(mapping: PolicyMappingRecord): Promise<void>;
  getPolicyMapping(policyId: string, mappingId: string): Promise<PolicyMappingRecord | undefined>;
  listPolicyMappings(policyId: string): Promise<PolicyMappingRecord[]>;
  deletePolicyMapping(id: string): Promise<void>;

  /**
   * App sign-in policy mappings (resourceType APP): each app is mapped to exactly one
   * ACCESS_POLICY. The ids of the policies the given apps are mapped to, by app id.
   */
  accessPolicyIdsOfApps(appIds: readonly string[]): Promise<Map<string, string>>;
  /**
   * Maps an app to a policy, replacing the app's previous mapping. Bumps the ACCESS_POLICY
   * generation (the policy engine compiles the mappings), as do the two deletes below when they
   * remove an app mapping.
   */
  mapAppToPolicy(mapping: PolicyMappingRecord): Promise<void>;
  /** Removes an app's policy mapping (when the app is deleted). */
  deleteAppPolicyMappings(appId: string): Promise<void>;

  // --- the policy engine's source: the whole org at once (an org has at most a few thousand) --
  /** Every policy, any type and status, in (type, priority, id) order. */
  allPolicies(): Promise<PolicyRecord[]>;
  /** Every rule, in (policy, priority, id) order. */
  allRules(): Promise<RuleRecord[]>;
  /** Every app sign-in policy mapping: app id → ACCESS_POLICY id. */
  allAppPolicyMappings(): Promise<Map<string, string>>;
}

/** The `resourceType` of a policy mapping that maps an app to its app sign-in policy. */
export const APP_MAPPING_RESOURCE_TYPE = 'APP';
