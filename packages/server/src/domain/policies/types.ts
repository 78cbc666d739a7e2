import type { PolicyContent, PolicyType, RuleContent } from './kinds/kind.ts';

export type PolicyStatus = 'ACTIVE' | 'INACTIVE';

export interface PolicyRecord extends PolicyContent {
  id: string;
  type: PolicyType;
  name: string;
  description: string | null;
  /** 1 = evaluated first; contiguous per type, the system default last. */
  priority: number;
  status: PolicyStatus;
  /** The org's default policy of its type: undeletable, always last. */
  system: boolean;
  created: number;
  lastUpdated: number;
}

export interface RuleRecord extends RuleContent {
  id: string;
  policyId: string;
  name: string;
  /** Contiguous per policy from the type's first priority; a default rule is pinned last (or at 99). */
  priority: number;
  status: PolicyStatus;
  /** A default rule: undeletable, pinned, with read-only parts. */
  system: boolean;
  created: number;
  lastUpdated: number;
}

/** A resource (an app sign-in policy, later an app) mapped to a policy. */
export interface PolicyMappingRecord {
  id: string;
  policyId: string;
  resourceId: string;
  resourceType: string;
  created: number;
}

/** A slot in a priority order, as the store reports it. */
export interface PrioritySlot {
  id: string;
  priority: number;
  system: boolean;
}
