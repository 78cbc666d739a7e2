import { ApiValidationError } from '../../errors/catalog.ts';
import type { Json, JsonObject, PolicyType } from '../policies/kinds/kind.ts';
import type { PolicyRecord, RuleRecord } from '../policies/types.ts';
import type { StorePorts } from '../store.ts';

/**
 * What happens to policies when a group or a network zone they name is deleted (issue 6, bullet 7).
 *
 * Okta's help for network zones: "Deleting a network zone removes it from all policy rules. You
 * can't delete a network zone if it's the only zone used by a policy rule." Tollgate does that
 * for zones and, the same way, for groups:
 * - the id is removed from every list that names it (policies and rules of every type):
 *   zones from `conditions.network.include` / `exclude`; groups from
 *   `conditions.people.groups.include` / `exclude` and a profile-enrollment rule's
 *   `actions.profileEnrollment.targetGroupIds`;
 * - when that would leave a zone list, or a group `include` list, empty, the delete is refused
 *   (400 E0000001 naming the policy or rule), because an empty list means "anywhere" or
 *   "everyone": deleting a group or zone must never widen whom a policy applies to. An emptied
 *   group `exclude` or `targetGroupIds` list is dropped: excluding or targeting a group that no
 *   longer exists changes nobody.
 * Everything happens in the caller's transaction, with each changed policy type's generation bumped.
 */
export type Referenced = { kind: 'group'; id: string; name: string } | { kind: 'zone'; id: string; name: string };

export interface Detached {
  policies: PolicyRecord[];
  rules: { policy: PolicyRecord; rule: RuleRecord }[];
}

interface ListSite {
  /** Path of the list inside the object (`conditions` or `actions`). */
  path: readonly string[];
  /** Whether emptying this list must refuse the delete. */
  mustStayNonEmpty: boolean;
}

const SITES: Record<Referenced['kind'], { conditions: ListSite[]; actions: ListSite[] }> = {
  zone: {
    conditions: [
      { path: ['network', 'include'], mustStayNonEmpty: true },
      { path: ['network', 'exclude'], mustStayNonEmpty: true },
    ],
    actions: [],
  },
  group: {
    conditions: [
      { path: ['people', 'groups', 'include'], mustStayNonEmpty: true },
      { path: ['people', 'groups', 'exclude'], mustStayNonEmpty: false },
    ],
    actions: [{ path: ['profileEnrollment', 'targetGroupIds'], mustStayNonEmpty: false }],
  },
};

export async function detachFromPolicies(tx: StorePorts, target: Referenced, now: number): Promise<Detached> {
  const sites = SITES[target.kind];
  const causes: string[] = [];
  const policies: PolicyRecord[] = [];
  const rules: { policy: PolicyRecord; rule: RuleRecord }[] = [];
  const policyById = new Map<string, PolicyRecord>();

  for (const policy of await tx.policiesMentioning(target.id)) {
    policyById.set(policy.id, policy);
    const outcome = without(policy.conditions, sites.conditions, target.id, 'conditions');
    if (outcome.emptied.length > 0) causes.push(refusal(target, outcome.emptied, `policy "${policy.name}" (${policy.id})`));
    if (outcome.changed) policies.push({ ...policy, conditions: outcome.value, lastUpdated: now });
  }
  for (const rule of await tx.rulesMentioning(target.id)) {
    const conditions = without(rule.conditions, sites.conditions, target.id, 'conditions');
    const actions = without(rule.actions, sites.actions, target.id, 'actions');
    const emptied = [...conditions.emptied, ...actions.emptied];
    if (!conditions.changed && !actions.changed) continue;
    const policy = policyById.get(rule.policyId) ?? (await tx.getPolicy(rule.policyId));
    if (!policy) continue;
    policyById.set(policy.id, policy);
    if (emptied.length > 0) causes.push(refusal(target, emptied, `rule "${rule.name}" (${rule.id}) of policy "${policy.name}" (${policy.id})`));
    rules.push({ policy, rule: { ...rule, conditions: conditions.value, actions: actions.value, lastUpdated: now } });
  }
  if (causes.length > 0) throw new ApiValidationError(causes, 'id');

  const types = new Set<PolicyType>();
  for (const policy of policies) {
    await tx.lockPolicyType(policy.type);
    await tx.updatePolicy({ ...(await tx.getPolicy(policy.id))!, conditions: policy.conditions, lastUpdated: now });
    types.add(policy.type);
  }
  for (const { policy, rule } of rules) {
    await tx.lockPolicy(policy.id);
    const current = await tx.getRule(policy.id, rule.id);
    if (!current) continue;
    await tx.updateRule({ ...current, conditions: rule.conditions, actions: rule.actions, lastUpdated: now });
    types.add(policy.type);
  }
  for (const type of types) await tx.bumpPolicyGeneration(type);
  return { policies, rules };
}

function refusal(target: Referenced, emptied: string[], where: string): string {
  const noun = target.kind === 'zone' ? 'network zone' : 'group';
  return `id: The ${noun} ${target.name} (${target.id}) is the only ${noun} in ${emptied.join(' and ')} of ${where}; change it to use another ${noun} before deleting this one`;
}

/** `value` with `id` removed from the lists at `sites`; which lists that emptied, of those that must not be. */
function without(value: JsonObject | null, sites: readonly ListSite[], id: string, root: string): { value: JsonObject | null; changed: boolean; emptied: string[] } {
  if (value === null) return { value, changed: false, emptied: [] };
  let next: JsonObject = value;
  let changed = false;
  const emptied: string[] = [];
  for (const site of sites) {
    const list = at(next, site.path);
    if (!Array.isArray(list) || !list.includes(id)) continue;
    const kept = list.filter((item) => item !== id);
    if (kept.length === 0 && site.mustStayNonEmpty) emptied.push([root, ...site.path].join('.'));
    next = replaced(next, site.path, kept.length === 0 ? undefined : kept);
    changed = true;
  }
  return { value: next, changed, emptied };
}

function at(value: JsonObject, path: readonly string[]): Json | undefined {
  let current: Json | undefined = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** A copy of `value` with the list at `path` replaced, or removed when `list` is undefined. */
function replaced(value: JsonObject, path: readonly string[], list: Json[] | undefined): JsonObject {
  const [key, ...rest] = path as [string, ...string[]];
  const copy: JsonObject = { ...value };
  if (rest.length === 0) {
    if (list === undefined) delete copy[key];
    else copy[key] = list;
    return copy;
  }
  copy[key] = replaced(copy[key] as JsonObject, rest, list);
  return copy;
}
