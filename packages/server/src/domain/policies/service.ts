import { ApiValidationError, ReadOnlyFieldError, ResourceNotFoundError } from '../../errors/catalog.ts';
import { demand } from '../authz/permissions.ts';
import type { Clock } from '../shared/clock.ts';
import type { CallContext } from '../shared/context.ts';
import type { IdGenerator } from '../shared/ids.ts';
import type { Store, StorePorts } from '../store.ts';
import type { EventSpec, SystemLog } from '../system-log/writer.ts';
import { canonicalJson } from './canonical-json.ts';
import type { PolicyKind, PolicyType } from './kinds/kind.ts';
import { isPolicyType, POLICY_TYPES } from './kinds/kind.ts';
import { policyKind } from './kinds/index.ts';
import { APP_MAPPING_RESOURCE_TYPE } from './ports.ts';
import type { PolicyCursor, PolicyListQuery } from './ports.ts';
import { reorder } from './priorities.ts';
import type { OrderSpec } from './priorities.ts';
import { checkReferences } from './references.ts';
import type { PolicyMappingRecord, PolicyRecord, PolicyStatus, RuleRecord } from './types.ts';

/** `expand=rules` embeds at most this many rules per policy and refuses policies with more. */
export const EXPAND_RULES_MAX = 20;

/** A policy as a client sends it (create or full replace). Read-only fields echoed back are checked, not stored. */
export interface PolicyInput {
  type: string;
  name: string;
  description?: string | null;
  priority?: number | null;
  status?: string | null;
  system?: boolean | null;
  conditions?: unknown;
  settings?: unknown;
}

export interface RuleInput {
  type?: string | null;
  name: string;
  priority?: number | null;
  status?: string | null;
  system?: boolean | null;
  conditions?: unknown;
  actions?: unknown;
}

export interface PolicyWithRules {
  policy: PolicyRecord;
  /** Present when the caller asked for `expand=rules`. */
  rules?: RuleRecord[];
}

const POLICY_ORDER: OrderSpec = { first: 1, pinned: 'last' };

/**
 * The Policy API's domain: every read and write of policies, rules and mappings, with Okta's
 * priority rules, limits and defaults. Type-specific validation is delegated to the policy kinds;
 * each write runs in one transaction holding the type's (or policy's) lock, so concurrent writers
 * never leave duplicate or missing priorities, and logs its System Log event after committing.
 */
export class PolicyService {
  constructor(private readonly deps: { store: Store; log: SystemLog; clock: Clock; ids: IdGenerator }) {}

  // --- policies ------------------------------------------------------------------------------

  async list(
    ctx: CallContext,
    query: Omit<PolicyListQuery, 'type' | 'after'> & { type: string; after?: PolicyCursor; expandRules: boolean },
  ): Promise<PolicyWithRules[]> {
    demand(ctx.principal, 'okta.policies.read');
    const type = knownType(query.type, 'type');
    const { expandRules, ...rest } = query;
    const policies = await this.deps.store.listPolicies({ ...rest, type });
    if (!expandRules) return policies.map((policy) => ({ policy }));
    const rules = await this.deps.store.listRulesOfPolicies(
      policies.map((p) => p.id),
      EXPAND_RULES_MAX + 1,
    );
    return policies.map((policy) => ({ policy, rules: expandable(policy, rules.get(policy.id) ?? []) }));
  }

  /**
   * The type's change counter, after the read permission check: anything rendered from a list of
   * the type at generation g is current while the counter still reads g (on every instance).
   */
  async generation(ctx: CallContext, type: string): Promise<number> {
    demand(ctx.principal, 'okta.policies.read');
    return this.deps.store.policyGeneration(knownType(type, 'type'));
  }

  async get(ctx: CallContext, id: string, options: { expandRules: boolean }): Promise<PolicyWithRules> {
    demand(ctx.principal, 'okta.policies.read');
    const policy = await this.findPolicy(this.deps.store, id);
    if (!options.expandRules) return { policy };
    const rules = await this.deps.store.listRules(id, EXPAND_RULES_MAX + 1);
    return { policy, rules: expandable(policy, rules) };
  }

  async create(ctx: CallContext, input: PolicyInput, options: { activate: boolean }): Promise<PolicyRecord> {
    demand(ctx.principal, 'okta.policies.manage');
    const type = knownType(input.type, 'type');
    const kind = policyKind(type);
    if (!kind.creatable) {
      throw new ApiValidationError([`type: ${type} policies cannot be created; the org has exactly one, the default policy`]);
    }
    if (input.system === true) throw new ReadOnlyFieldError('system');
    const content = kind.parsePolicy({ conditions: input.conditions, settings: input.settings }, { system: false });
    const status: PolicyStatus = !options.activate || input.status === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE';
    const { policy, rule } = await this.deps.store.transaction(async (tx) => {
      await checkReferences(tx, { conditions: content.conditions });
      await tx.lockPolicyType(type);
      await this.checkPolicyLimit(tx, kind);
      const now = this.deps.clock.now();
      const policy: PolicyRecord = {
        id: this.deps.ids.objectId(type === 'ACCESS_POLICY' ? 'accessPolicy' : 'policy'),
        type,
        name: input.name,
        description: input.description ?? null,
        priority: 0,
        status,
        system: false,
        ...content,
        created: now,
        lastUpdated: now,
      };
      policy.priority = await this.placePolicy(tx, policy, input.priority);
      await tx.insertPolicy(policy);
      const rule = kind.ruleForNewPolicy ? await this.insertRuleFromTemplate(tx, kind, policy, kind.ruleForNewPolicy, now) : undefined;
      await tx.bumpPolicyGeneration(type);
      return { policy, rule };
    });
    await this.deps.log.record(ctx, policyEvent('policy.lifecycle.create', 'Add policy', policy));
    if (rule) await this.deps.log.record(ctx, ruleEvent('policy.rule.add', 'Add policy rule', policy, rule));
    return policy;
  }

  async replace(ctx: CallContext, id: string, input: PolicyInput): Promise<PolicyRecord> {
    demand(ctx.principal, 'okta.policies.manage');
    const { policy, changed } = await this.deps.store.transaction(async (tx) => {
      const stored = await this.findPolicy(tx, id);
      if (input.type !== stored.type) throw new ApiValidationError([`type: The type of a policy cannot be changed from ${stored.type}`]);
      if (input.system !== undefined && input.system !== null && input.system !== stored.system) throw new ReadOnlyFieldError('system');
      const kind = policyKind(stored.type);
      const content = kind.parsePolicy(
        { conditions: input.conditions, settings: input.settings },
        { system: stored.system, previous: { conditions: stored.conditions, settings: stored.settings } },
      );
      await checkReferences(tx, { conditions: content.conditions });
      await tx.lockPolicyType(stored.type);
      // Read again under the lock: the priority may have moved while we validated.
      const current = await this.findPolicy(tx, id);
      const next: PolicyRecord = { ...current, name: input.name, description: input.description ?? null, ...content };
      next.priority = await this.placePolicy(tx, next, stored.system ? undefined : input.priority);
      if (samePolicy(current, next)) return { policy: current, changed: false };
      next.lastUpdated = this.deps.clock.now();
      await tx.updatePolicy(next);
      await tx.bumpPolicyGeneration(next.type);
      return { policy: next, changed: true };
    });
    if (changed) await this.deps.log.record(ctx, policyEvent('policy.lifecycle.update', 'Update policy', policy));
    return policy;
  }

  async delete(ctx: CallContext, id: string): Promise<void> {
    demand(ctx.principal, 'okta.policies.manage');
    const policy = await this.deps.store.transaction(async (tx) => {
      const stored = await this.findPolicy(tx, id);
      if (stored.system) throw new ApiValidationError(['system: The default policy cannot be deleted'], 'system');
      await refuseWhileAppsUse(tx, stored, 'deleted');
      await tx.lockPolicyType(stored.type);
      await tx.lockPolicy(id);
      const { changes } = reorder(await tx.policyOrder(stored.type), POLICY_ORDER, undefined, id);
      await tx.deletePolicy(id);
      await tx.setPolicyPriorities(changes);
      await tx.bumpPolicyGeneration(stored.type);
      return stored;
    });
    await this.deps.log.record(ctx, policyEvent('policy.lifecycle.delete', 'Delete policy', policy));
  }

  activate(ctx: CallContext, id: string): Promise<void> {
    return this.setPolicyStatus(ctx, id, 'ACTIVE');
  }

  deactivate(ctx: CallContext, id: string): Promise<void> {
    return this.setPolicyStatus(ctx, id, 'INACTIVE');
  }

  /**
   * Copies a policy and its rules into a new, inactive policy named "<name> (Copy)" (numbered when
   * taken), placed last among the type's non-default policies. A default policy's clone is an
   * ordinary policy; a default rule stays a default rule only where the type gives every policy one.
   */
  async clone(ctx: CallContext, id: string): Promise<PolicyRecord> {
    demand(ctx.principal, 'okta.policies.manage');
    const { policy, rules } = await this.deps.store.transaction(async (tx) => {
      const source = await this.findPolicy(tx, id);
      const kind = policyKind(source.type);
      if (!kind.creatable) throw new ApiValidationError([`type: ${source.type} policies cannot be cloned; the org has exactly one`]);
      await tx.lockPolicyType(source.type);
      await this.checkPolicyLimit(tx, kind);
      const now = this.deps.clock.now();
      const policy: PolicyRecord = {
        ...source,
        id: this.deps.ids.objectId(source.type === 'ACCESS_POLICY' ? 'accessPolicy' : 'policy'),
        name: await this.copyName(tx, source),
        system: false,
        status: 'INACTIVE',
        priority: 0,
        created: now,
        lastUpdated: now,
      };
      policy.priority = await this.placePolicy(tx, policy, undefined);
      await tx.insertPolicy(policy);
      const rules: RuleRecord[] = [];
      for (const rule of await tx.listRules(source.id)) {
        const system = rule.system && kind.ruleForNewPolicy !== undefined;
        if (rule.system && !system) continue;
        const copy: RuleRecord = { ...rule, id: this.ruleId(source.type), policyId: policy.id, system, created: now, lastUpdated: now };
        await tx.insertRule(copy);
        rules.push(copy);
      }
      const { changes } = reorder(await tx.ruleOrder(policy.id), ruleOrder(kind));
      await tx.setRulePriorities(changes);
      await tx.bumpPolicyGeneration(source.type);
      return { policy, rules };
    });
    await this.deps.log.record(ctx, policyEvent('policy.lifecycle.create', 'Add policy', policy));
    for (const rule of rules) await this.deps.log.record(ctx, ruleEvent('policy.rule.add', 'Add policy rule', policy, rule));
    return policy;
  }

  // --- mappings ------------------------------------------------------------------------------

  async listMappings(ctx: CallContext, policyId: string): Promise<PolicyMappingRecord[]> {
    demand(ctx.principal, 'okta.policies.read');
    await this.findPolicy(this.deps.store, policyId);
    return this.deps.store.listPolicyMappings(policyId);
  }

  async getMapping(ctx: CallContext, policyId: string, mappingId: string): Promise<PolicyMappingRecord> {
    demand(ctx.principal, 'okta.policies.read');
    await this.findPolicy(this.deps.store, policyId);
    const mapping = await this.deps.store.getPolicyMapping(policyId, mappingId);
    if (!mapping) throw new ResourceNotFoundError(mappingId, 'PolicyMapping');
    return mapping;
  }

  /**
   * Okta maps only an app sign-in policy (resourceType ACCESS_POLICY) to a device signal
   * collection policy. Tollgate does not serve DEVICE_SIGNAL_COLLECTION policies, so a mapping
   * request is validated in full and then refused naming the policy; app-to-policy mappings will
   * be created by `PUT /api/v1/apps/{appId}/policies/{policyId}` once apps exist.
   */
  async createMapping(ctx: CallContext, policyId: string, input: { resourceId: string; resourceType: string }): Promise<PolicyMappingRecord> {
    demand(ctx.principal, 'okta.policies.manage');
    const policy = await this.findPolicy(this.deps.store, policyId);
    if (input.resourceType !== 'ACCESS_POLICY') throw new ApiValidationError(['resourceType: must be one of ACCESS_POLICY']);
    const resource = await this.deps.store.getPolicy(input.resourceId);
    if (!resource || resource.type !== 'ACCESS_POLICY') {
      throw new ApiValidationError([`resourceId: ${input.resourceId} is not an app sign-in (ACCESS_POLICY) policy`]);
    }
    throw new ApiValidationError([
      `policyId: Only a DEVICE_SIGNAL_COLLECTION policy can have an app sign-in policy mapped to it; ${policy.id} is ${policy.type}`,
    ]);
  }

  async deleteMapping(ctx: CallContext, policyId: string, mappingId: string): Promise<void> {
    demand(ctx.principal, 'okta.policies.manage');
    const { policy, mapping } = await this.deps.store.transaction(async (tx) => {
      const policy = await this.findPolicy(tx, policyId);
      const mapping = await tx.getPolicyMapping(policyId, mappingId);
      if (!mapping) throw new ResourceNotFoundError(mappingId, 'PolicyMapping');
      await tx.deletePolicyMapping(mappingId);
      return { policy, mapping };
    });
    await this.deps.log.record(ctx, {
      ...policyEvent('policy.lifecycle.update', 'Update policy', policy),
      debugData: { mappingId: mapping.id, resourceId: mapping.resourceId },
    });
  }

  // --- rules ---------------------------------------------------------------------------------

  async listRules(ctx: CallContext, policyId: string, limit?: number): Promise<{ policy: PolicyRecord; rules: RuleRecord[] }> {
    demand(ctx.principal, 'okta.policies.read');
    const policy = await this.findPolicy(this.deps.store, policyId);
    return { policy, rules: await this.deps.store.listRules(policyId, limit) };
  }

  async getRule(ctx: CallContext, policyId: string, ruleId: string): Promise<{ policy: PolicyRecord; rule: RuleRecord }> {
    demand(ctx.principal, 'okta.policies.read');
    const policy = await this.findPolicy(this.deps.store, policyId);
    return { policy, rule: await this.findRule(this.deps.store, policyId, ruleId) };
  }

  async createRule(ctx: CallContext, policyId: string, input: RuleInput, options: { activate: boolean }): Promise<{ policy: PolicyRecord; rule: RuleRecord }> {
    demand(ctx.principal, 'okta.policies.manage');
    const { policy, rule } = await this.deps.store.transaction(async (tx) => {
      const policy = await this.findPolicy(tx, policyId);
      const kind = policyKind(policy.type);
      checkRuleType(kind, input.type);
      if (!kind.rulesCreatable) {
        throw new ApiValidationError([`type: Rules cannot be added to ${policy.type} policies; each has exactly the rule it was created with`]);
      }
      if (input.system === true) throw new ReadOnlyFieldError('system');
      const content = kind.parseRule({ conditions: input.conditions, actions: input.actions }, { system: false });
      await checkReferences(tx, content);
      await tx.lockPolicy(policyId);
      if ((await tx.countRules(policyId)) >= kind.maxRules) {
        throw new ApiValidationError([`rules: A ${policy.type} policy can have at most ${kind.maxRules} rules`], 'rules');
      }
      const now = this.deps.clock.now();
      const rule: RuleRecord = {
        id: this.ruleId(policy.type),
        policyId,
        name: input.name,
        priority: 0,
        status: !options.activate || input.status === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
        system: false,
        ...content,
        created: now,
        lastUpdated: now,
      };
      rule.priority = await this.placeRule(tx, kind, rule, input.priority);
      await tx.insertRule(rule);
      await tx.bumpPolicyGeneration(policy.type);
      return { policy, rule };
    });
    await this.deps.log.record(ctx, ruleEvent('policy.rule.add', 'Add policy rule', policy, rule));
    return { policy, rule };
  }

  async replaceRule(ctx: CallContext, policyId: string, ruleId: string, input: RuleInput): Promise<{ policy: PolicyRecord; rule: RuleRecord }> {
    demand(ctx.principal, 'okta.policies.manage');
    const { policy, rule, changed } = await this.deps.store.transaction(async (tx) => {
      const policy = await this.findPolicy(tx, policyId);
      const kind = policyKind(policy.type);
      checkRuleType(kind, input.type);
      const stored = await this.findRule(tx, policyId, ruleId);
      if (input.system !== undefined && input.system !== null && input.system !== stored.system) throw new ReadOnlyFieldError('system');
      const content = kind.parseRule(
        { conditions: input.conditions, actions: input.actions },
        { system: stored.system, previous: { conditions: stored.conditions, actions: stored.actions } },
      );
      await checkReferences(tx, content);
      await tx.lockPolicy(policyId);
      const current = await this.findRule(tx, policyId, ruleId);
      const next: RuleRecord = { ...current, name: input.name, ...content };
      next.priority = await this.placeRule(tx, kind, next, current.system ? undefined : input.priority);
      if (sameRule(current, next)) return { policy, rule: current, changed: false };
      next.lastUpdated = this.deps.clock.now();
      await tx.updateRule(next);
      await tx.bumpPolicyGeneration(policy.type);
      return { policy, rule: next, changed: true };
    });
    if (changed) await this.deps.log.record(ctx, ruleEvent('policy.rule.update', 'Update policy rule', policy, rule));
    return { policy, rule };
  }

  async deleteRule(ctx: CallContext, policyId: string, ruleId: string): Promise<void> {
    demand(ctx.principal, 'okta.policies.manage');
    const { policy, rule } = await this.deps.store.transaction(async (tx) => {
      const policy = await this.findPolicy(tx, policyId);
      const kind = policyKind(policy.type);
      const rule = await this.findRule(tx, policyId, ruleId);
      if (rule.system) throw new ApiValidationError(['system: The default rule cannot be deleted'], 'system');
      if (!kind.rulesCreatable) {
        throw new ApiValidationError([`rules: A ${policy.type} policy must keep its one rule; it cannot be deleted`], 'rules');
      }
      await tx.lockPolicy(policyId);
      const { changes } = reorder(await tx.ruleOrder(policyId), ruleOrder(kind), undefined, ruleId);
      await tx.deleteRule(ruleId);
      await tx.setRulePriorities(changes);
      await tx.bumpPolicyGeneration(policy.type);
      return { policy, rule };
    });
    await this.deps.log.record(ctx, ruleEvent('policy.rule.delete', 'Delete policy rule', policy, rule));
  }

  activateRule(ctx: CallContext, policyId: string, ruleId: string): Promise<void> {
    return this.setRuleStatus(ctx, policyId, ruleId, 'ACTIVE');
  }

  deactivateRule(ctx: CallContext, policyId: string, ruleId: string): Promise<void> {
    return this.setRuleStatus(ctx, policyId, ruleId, 'INACTIVE');
  }

  // --- seeding -------------------------------------------------------------------------------

  /**
   * Seeds the org's default policy of a type with its default rule (a bootstrap step). The
   * Everyone group, when given, becomes the people condition of the types whose default policy
   * Okta scopes to it.
   */
  async seedDefault(tx: StorePorts, type: PolicyType, everyoneGroupId: string | undefined): Promise<EventSpec[]> {
    const kind = policyKind(type);
    await tx.lockPolicyType(type);
    const now = this.deps.clock.now();
    const template = kind.defaultPolicy;
    const conditions =
      everyoneGroupId && PEOPLE_SCOPED_DEFAULTS.has(type)
        ? { ...template.conditions, people: { groups: { include: [everyoneGroupId] } } }
        : template.conditions;
    const policy: PolicyRecord = {
      id: this.deps.ids.objectId(type === 'ACCESS_POLICY' ? 'accessPolicy' : 'policy'),
      type,
      name: template.name,
      description: template.description,
      priority: 0,
      status: 'ACTIVE',
      system: true,
      conditions,
      settings: template.settings,
      created: now,
      lastUpdated: now,
    };
    policy.priority = await this.placePolicy(tx, policy, undefined);
    await tx.insertPolicy(policy);
    const events = [policyEvent('policy.lifecycle.create', 'Add policy', policy)];
    const ruleTemplate = kind.defaultRule ?? kind.ruleForNewPolicy;
    if (ruleTemplate) {
      const rule = await this.insertRuleFromTemplate(tx, kind, policy, ruleTemplate, now);
      events.push(ruleEvent('policy.rule.add', 'Add policy rule', policy, rule));
    }
    await tx.bumpPolicyGeneration(type);
    return events;
  }

  // --- internals -----------------------------------------------------------------------------

  private async setPolicyStatus(ctx: CallContext, id: string, status: PolicyStatus): Promise<void> {
    demand(ctx.principal, 'okta.policies.manage');
    const { policy, changed } = await this.deps.store.transaction(async (tx) => {
      const stored = await this.findPolicy(tx, id);
      if (stored.status === status) return { policy: stored, changed: false };
      if (stored.system) throw new ApiValidationError(['status: The default policy cannot be deactivated'], 'status');
      if (status === 'INACTIVE') await refuseWhileAppsUse(tx, stored, 'deactivated');
      const next = { ...stored, status, lastUpdated: this.deps.clock.now() };
      await tx.updatePolicy(next);
      await tx.bumpPolicyGeneration(next.type);
      return { policy: next, changed: true };
    });
    if (!changed) return;
    const [eventType, message] = status === 'ACTIVE' ? ['policy.lifecycle.activate', 'Activate policy'] : ['policy.lifecycle.deactivate', 'Deactivate policy'];
    await this.deps.log.record(ctx, policyEvent(eventType, message, policy));
  }

  private async setRuleStatus(ctx: CallContext, policyId: string, ruleId: string, status: PolicyStatus): Promise<void> {
    demand(ctx.principal, 'okta.policies.manage');
    const { policy, rule, changed } = await this.deps.store.transaction(async (tx) => {
      const policy = await this.findPolicy(tx, policyId);
      const stored = await this.findRule(tx, policyId, ruleId);
      if (stored.status === status) return { policy, rule: stored, changed: false };
      if (stored.system) throw new ApiValidationError(['status: The default rule cannot be deactivated'], 'status');
      const next = { ...stored, status, lastUpdated: this.deps.clock.now() };
      await tx.updateRule(next);
      await tx.bumpPolicyGeneration(policy.type);
      return { policy, rule: next, changed: true };
    });
    if (!changed) return;
    const [eventType, message] = status === 'ACTIVE' ? ['policy.rule.activate', 'Activate policy rule'] : ['policy.rule.deactivate', 'Deactivate policy rule'];
    await this.deps.log.record(ctx, ruleEvent(eventType, message, policy, rule));
  }

  private async findPolicy(store: StorePorts, id: string): Promise<PolicyRecord> {
    const policy = await store.getPolicy(id);
    if (!policy) throw new ResourceNotFoundError(id, 'Policy');
    return policy;
  }

  private async findRule(store: StorePorts, policyId: string, ruleId: string): Promise<RuleRecord> {
    const rule = await store.getRule(policyId, ruleId);
    if (!rule) throw new ResourceNotFoundError(ruleId, 'PolicyRule');
    return rule;
  }

  private async checkPolicyLimit(tx: StorePorts, kind: PolicyKind): Promise<void> {
    if (kind.maxPolicies === undefined) return;
    if ((await tx.countPolicies(kind.type)) >= kind.maxPolicies) {
      throw new ApiValidationError([`type: An org can have at most ${kind.maxPolicies} ${kind.type} policies`], 'type');
    }
  }

  /** Computes the policy's slot and moves the others; call with the type lock held. */
  private async placePolicy(tx: StorePorts, policy: PolicyRecord, requested: number | null | undefined): Promise<number> {
    checkRequestedPriority(requested, POLICY_ORDER.first);
    const { priority, changes } = reorder(await tx.policyOrder(policy.type), POLICY_ORDER, { id: policy.id, system: policy.system, requested });
    await tx.setPolicyPriorities(changes.filter((c) => c.id !== policy.id));
    return priority!;
  }

  /** Computes the rule's slot and moves the others; call with the policy lock held. */
  private async placeRule(tx: StorePorts, kind: PolicyKind, rule: RuleRecord, requested: number | null | undefined): Promise<number> {
    const order = ruleOrder(kind);
    checkRequestedPriority(requested, order.first);
    const { priority, changes } = reorder(await tx.ruleOrder(rule.policyId), order, { id: rule.id, system: rule.system, requested });
    await tx.setRulePriorities(changes.filter((c) => c.id !== rule.id));
    return priority!;
  }

  private async insertRuleFromTemplate(
    tx: StorePorts,
    kind: PolicyKind,
    policy: PolicyRecord,
    template: NonNullable<PolicyKind['defaultRule']>,
    now: number,
  ): Promise<RuleRecord> {
    const rule: RuleRecord = {
      id: this.ruleId(policy.type),
      policyId: policy.id,
      name: template.name,
      priority: 0,
      status: 'ACTIVE',
      system: template.system,
      conditions: template.conditions,
      actions: template.actions,
      created: now,
      lastUpdated: now,
    };
    rule.priority = await this.placeRule(tx, kind, rule, undefined);
    await tx.insertRule(rule);
    return rule;
  }

  private ruleId(type: PolicyType): string {
    return this.deps.ids.objectId(type === 'ACCESS_POLICY' ? 'accessPolicyRule' : 'policyRule');
  }

  private async copyName(tx: StorePorts, source: PolicyRecord): Promise<string> {
    for (let n = 1; ; n++) {
      const name = n === 1 ? `${source.name} (Copy)` : `${source.name} (Copy ${n})`;
      const taken = await tx.listPolicies({ type: source.type, q: name, sortBy: 'name', limit: 50 });
      if (!taken.some((p) => p.name === name)) return name;
    }
  }
}

/** Default policies Okta scopes to the Everyone group. */
const PEOPLE_SCOPED_DEFAULTS = new Set<PolicyType>(['OKTA_SIGN_ON', 'PASSWORD', 'MFA_ENROLL']);

function ruleOrder(kind: PolicyKind): OrderSpec {
  return { first: kind.firstRulePriority, pinned: kind.defaultRulePriority };
}

function knownType(value: string, field: string): PolicyType {
  if (!isPolicyType(value)) throw new ApiValidationError([`${field}: must be one of ${POLICY_TYPE_LIST}`]);
  return value;
}

const POLICY_TYPE_LIST = POLICY_TYPES.join(', ');

function checkRuleType(kind: PolicyKind, type: string | null | undefined): void {
  if (type !== undefined && type !== null && type !== kind.ruleType) {
    throw new ApiValidationError([`type: Rules of a ${kind.type} policy have type ${kind.ruleType}`]);
  }
}

function checkRequestedPriority(requested: number | null | undefined, first: number): void {
  if (requested !== undefined && requested !== null && requested < first) {
    throw new ApiValidationError([`priority: must be ${first} or greater`]);
  }
}

function expandable(policy: PolicyRecord, rules: RuleRecord[]): RuleRecord[] {
  if (rules.length > EXPAND_RULES_MAX) {
    throw new ApiValidationError([
      `expand: Policy ${policy.id} has more than ${EXPAND_RULES_MAX} rules, too many to embed; list them with GET /api/v1/policies/${policy.id}/rules`,
    ]);
  }
  return rules;
}

function samePolicy(a: PolicyRecord, b: PolicyRecord): boolean {
  return (
    a.name === b.name &&
    a.description === b.description &&
    a.priority === b.priority &&
    canonicalJson(a.conditions) === canonicalJson(b.conditions) &&
    canonicalJson(a.settings) === canonicalJson(b.settings)
  );
}

function sameRule(a: RuleRecord, b: RuleRecord): boolean {
  return (
    a.name === b.name &&
    a.priority === b.priority &&
    canonicalJson(a.conditions) === canonicalJson(b.conditions) &&
    canonicalJson(a.actions) === canonicalJson(b.actions)
  );
}

function policyTarget(policy: PolicyRecord) {
  return { id: policy.id, type: 'PolicyEntity', alternateId: 'unknown', displayName: policy.name, detailEntry: { policyType: policy.type } };
}

function policyEvent(eventType: string, displayMessage: string, policy: PolicyRecord): EventSpec {
  return { eventType, displayMessage, target: [policyTarget(policy)] };
}

function ruleEvent(eventType: string, displayMessage: string, policy: PolicyRecord, rule: RuleRecord): EventSpec {
  return {
    eventType,
    displayMessage,
    target: [{ id: rule.id, type: 'PolicyRule', alternateId: 'unknown', displayName: rule.name, detailEntry: { policyRuleType: policyKind(policy.type).ruleType } }, policyTarget(policy)],
  };
}

/**
 * Okta refuses to delete or deactivate an app sign-in policy that apps are assigned to: every
 * app must keep one active ACCESS_POLICY. The apps must be assigned another policy first
 * (`PUT /api/v1/apps/{appId}/policies/{policyId}`). Okta's error code for it is not documented;
 * Tollgate answers 400 E0000001 naming the policy (docs/policies.md).
 */
async function refuseWhileAppsUse(tx: StorePorts, policy: PolicyRecord, what: 'deleted' | 'deactivated'): Promise<void> {
  if (policy.type !== 'ACCESS_POLICY') return;
  const apps = (await tx.listPolicyMappings(policy.id)).filter((m) => m.resourceType === APP_MAPPING_RESOURCE_TYPE);
  if (apps.length === 0) return;
  throw new ApiValidationError(
    [`id: The policy cannot be ${what} while ${apps.length} app${apps.length === 1 ? ' is' : 's are'} assigned to it; assign ${apps.length === 1 ? 'it' : 'them'} another policy first`],
    'id',
  );
}
