import { sql } from 'kysely';
import type { ExpressionBuilder, Selectable } from 'kysely';
import type { JsonObject, PolicyType } from '../domain/policies/kinds/kind.ts';
import { APP_MAPPING_RESOURCE_TYPE } from '../domain/policies/ports.ts';
import type { PolicyCursor, PolicyListQuery, PolicyStore } from '../domain/policies/ports.ts';
import type { PolicyMappingRecord, PolicyRecord, PolicyStatus, PrioritySlot, RuleRecord } from '../domain/policies/types.ts';
import { escapeLike, KyselyBase } from './kysely-base.ts';
import type { Database } from './tables.ts';

/**
 * Policies, rules and mappings. Priority changes are serialised per policy type (and rule
 * changes per policy): on PostgreSQL with transaction-scoped advisory locks, on SQLite by the
 * store's `BEGIN IMMEDIATE` transactions, which already exclude every other writer.
 */
export abstract class PolicyPorts extends KyselyBase implements PolicyStore {
  lockPolicyType(type: PolicyType): Promise<void> {
    return this.advisoryLock(`policy-type:${type}`);
  }

  lockPolicy(id: string): Promise<void> {
    return this.advisoryLock(`policy:${id}`);
  }

  private advisoryLock(key: string): Promise<void> {
    if (this.dialect === 'sqlite') return Promise.resolve();
    return this.guard(async () => {
      await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(this.db);
    });
  }

  /** The policy types a transaction's ports bumped: announced once it commits. */
  readonly bumpedPolicyTypes = new Set<PolicyType>();

  bumpPolicyGeneration(type: PolicyType): Promise<void> {
    return this.guard(async () => {
      await this.db
        .insertInto('policy_generations')
        .values({ type, generation: 1 })
        .onConflict((oc) => oc.column('type').doUpdateSet((eb) => ({ generation: eb('policy_generations.generation', '+', 1) })))
        .execute();
      if (this.transactional) this.bumpedPolicyTypes.add(type);
      else this.announcePolicyChanges([type]);
    });
  }

  /** Tells this process's listeners that policies of these types changed (the store overrides it). */
  protected announcePolicyChanges(_types: Iterable<PolicyType>): void {}

  abstract policyGeneration(type: PolicyType): Promise<number>;

  policyGenerations(): Promise<Map<string, number>> {
    return this.guard(async () => {
      const rows = await this.db.selectFrom('policy_generations').select(['type', 'generation']).execute();
      return new Map(rows.map((r) => [r.type, Number(r.generation)]));
    });
  }

  insertPolicy(p: PolicyRecord): Promise<void> {
    return this.guard(async () => {
      await this.db.insertInto('policies').values(policyRow(p)).execute();
    });
  }

  updatePolicy(p: PolicyRecord): Promise<void> {
    return this.guard(async () => {
      const { id, ...row } = policyRow(p);
      await this.db.updateTable('policies').set(row).where('id', '=', id).execute();
    });
  }

  deletePolicy(id: string): Promise<void> {
    return this.guard(async () => {
      // Explicit rather than relying on ON DELETE CASCADE, which SQLite honours only with foreign_keys on.
      await this.db.deleteFrom('policy_rules').where('policy_id', '=', id).execute();
      await this.db.deleteFrom('policy_mappings').where('policy_id', '=', id).execute();
      await this.db.deleteFrom('policies').where('id', '=', id).execute();
    });
  }

  getPolicy(id: string): Promise<PolicyRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('policies').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toPolicy(row);
    });
  }

  listPolicies(query: PolicyListQuery): Promise<PolicyRecord[]> {
    return this.guard(async () => {
      let select = this.db.selectFrom('policies').selectAll().where('type', '=', query.type);
      if (query.status) select = select.where('status', '=', query.status);
      if (query.q) select = select.where(sql<string>`lower(name)`, 'like', sql<string>`${escapeLike(query.q.toLowerCase()) + '%'} escape '\\'`);
      const after = query.after;
      if (after) select = select.where((eb) => afterCursor(eb, after));
      select = query.sortBy === 'name' ? select.orderBy('name').orderBy('id') : select.orderBy('priority').orderBy('id');
      const rows = await select.limit(query.limit).execute();
      return rows.map(toPolicy);
    });
  }

  countPolicies(type: PolicyType): Promise<number> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('policies').select((eb) => eb.fn.countAll<number>().as('n')).where('type', '=', type).executeTakeFirstOrThrow();
      return Number(row.n);
    });
  }

  policyOrder(type: PolicyType): Promise<PrioritySlot[]> {
    return this.guard(async () => {
      const rows = await this.db
        .selectFrom('policies')
        .select(['id', 'priority', 'system'])
        .where('type', '=', type)
        .orderBy('priority')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ id: r.id, priority: r.priority, system: r.system === 1 }));
    });
  }

  setPolicyPriorities(changes: readonly { id: string; priority: number }[]): Promise<void> {
    return this.guard(async () => {
      for (const c of changes) await this.db.updateTable('policies').set({ priority: c.priority }).where('id', '=', c.id).execute();
    });
  }

  insertRule(r: RuleRecord): Promise<void> {
    return this.guard(async () => {
      await this.db.insertInto('policy_rules').values(ruleRow(r)).execute();
    });
  }

  updateRule(r: RuleRecord): Promise<void> {
    return this.guard(async () => {
      const { id, ...row } = ruleRow(r);
      await this.db.updateTable('policy_rules').set(row).where('id', '=', id).execute();
    });
  }

  deleteRule(id: string): Promise<void> {
    return this.guard(async () => {
      await this.db.deleteFrom('policy_rules').where('id', '=', id).execute();
    });
  }

  getRule(policyId: string, ruleId: string): Promise<RuleRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('policy_rules').selectAll().where('id', '=', ruleId).where('policy_id', '=', policyId).executeTakeFirst();
      return row && toRule(row);
    });
  }

  listRules(policyId: string, limit?: number): Promise<RuleRecord[]> {
    return this.guard(async () => {
      let select = this.db.selectFrom('policy_rules').selectAll().where('policy_id', '=', policyId).orderBy('priority').orderBy('id');
      if (limit !== undefined) select = select.limit(limit);
      return (await select.execute()).map(toRule);
    });
  }

  listRulesOfPolicies(policyIds: readonly string[], limitEach: number): Promise<Map<string, RuleRecord[]>> {
    return this.guard(async () => {
      const byPolicy = new Map<string, RuleRecord[]>(policyIds.map((id) => [id, []]));
      if (policyIds.length === 0) return byPolicy;
      // One query for the page, walking the (policy_id, priority, id) index; rows beyond
      // `limitEach` per policy (at most the 100-rule limit) are skipped before parsing. A window
      // function to cut them in SQL measured twice as slow on SQLite.
      const rows = await this.db
        .selectFrom('policy_rules')
        .selectAll()
        .where('policy_id', 'in', [...policyIds])
        .orderBy('policy_id')
        .orderBy('priority')
        .orderBy('id')
        .execute();
      for (const row of rows) {
        const list = byPolicy.get(row.policy_id);
        if (list && list.length < limitEach) list.push(toRule(row));
      }
      return byPolicy;
    });
  }

  countRules(policyId: string): Promise<number> {
    return this.guard(async () => {
      const row = await this.db
        .selectFrom('policy_rules')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('policy_id', '=', policyId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    });
  }

  ruleOrder(policyId: string): Promise<PrioritySlot[]> {
    return this.guard(async () => {
      const rows = await this.db
        .selectFrom('policy_rules')
        .select(['id', 'priority', 'system'])
        .where('policy_id', '=', policyId)
        .orderBy('priority')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ id: r.id, priority: r.priority, system: r.system === 1 }));
    });
  }

  setRulePriorities(changes: readonly { id: string; priority: number }[]): Promise<void> {
    return this.guard(async () => {
      for (const c of changes) await this.db.updateTable('policy_rules').set({ priority: c.priority }).where('id', '=', c.id).execute();
    });
  }

  policiesMentioning(id: string): Promise<PolicyRecord[]> {
    return this.guard(async () => {
      const pattern = `%${escapeLike(id)}%`;
      const rows = await this.db
        .selectFrom('policies')
        .selectAll()
        .where('conditions', 'like', sql<string>`${pattern} escape '\\'`)
        .orderBy('id')
        .execute();
      return rows.map(toPolicy);
    });
  }

  rulesMentioning(id: string): Promise<RuleRecord[]> {
    return this.guard(async () => {
      const pattern = `%${escapeLike(id)}%`;
      const rows = await this.db
        .selectFrom('policy_rules')
        .selectAll()
        .where((eb) =>
          eb.or([eb('conditions', 'like', sql<string>`${pattern} escape '\\'`), eb('actions', 'like', sql<string>`${pattern} escape '\\'`)]),
        )
        .orderBy('id')
        .execute();
      return rows.map(toRule);
    });
  }

  insertPolicyMapping(m: PolicyMappingRecord): Promise<void> {
    return this.guard(async () => {
      await this.db
        .insertInto('policy_mappings')
        .values({ id: m.id, policy_id: m.policyId, resource_id: m.resourceId, resource_type: m.resourceType, created: m.created })
        .execute();
    });
  }

  getPolicyMapping(policyId: string, mappingId: string): Promise<PolicyMappingRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('policy_mappings').selectAll().where('id', '=', mappingId).where('policy_id', '=', policyId).executeTakeFirst();
      return row && toMapping(row);
    });
  }

  listPolicyMappings(policyId: string): Promise<PolicyMappingRecord[]> {
    return this.guard(async () => {
      const rows = await this.db.selectFrom('policy_mappings').selectAll().where('policy_id', '=', policyId).orderBy('created').orderBy('id').execute();
      return rows.map(toMapping);
    });
  }

  deletePolicyMapping(id: string): Promise<void> {
    return this.guard(async () => {
      const removed = await this.db.deleteFrom('policy_mappings').where('id', '=', id).returning('resource_type').execute();
      if (removed.some((r) => r.resource_type === APP_MAPPING_RESOURCE_TYPE)) await this.bumpPolicyGeneration('ACCESS_POLICY');
    });
  }

  accessPolicyIdsOfApps(appIds: readonly string[]): Promise<Map<string, string>> {
    return this.guard(async () => {
      if (appIds.length === 0) return new Map();
      const rows = await this.db
        .selectFrom('policy_mappings')
        .select(['resource_id', 'policy_id'])
        .where('resource_type', '=', APP_MAPPING_RESOURCE_TYPE)
        .where('resource_id', 'in', [...new Set(appIds)])
        .execute();
      return new Map(rows.map((r) => [r.resource_id, r.policy_id]));
    });
  }

  mapAppToPolicy(m: PolicyMappingRecord): Promise<void> {
    return this.guard(async () => {
      await this.db.deleteFrom('policy_mappings').where('resource_type', '=', APP_MAPPING_RESOURCE_TYPE).where('resource_id', '=', m.resourceId).execute();
      await this.insertPolicyMapping(m);
      await this.bumpPolicyGeneration('ACCESS_POLICY');
    });
  }

  deleteAppPolicyMappings(appId: string): Promise<void> {
    return this.guard(async () => {
      const removed = await this.db
        .deleteFrom('policy_mappings')
        .where('resource_type', '=', APP_MAPPING_RESOURCE_TYPE)
        .where('resource_id', '=', appId)
        .returning('id')
        .execute();
      if (removed.length > 0) await this.bumpPolicyGeneration('ACCESS_POLICY');
    });
  }

  allPolicies(): Promise<PolicyRecord[]> {
    return this.guard(async () => {
      const rows = await this.db.selectFrom('policies').selectAll().orderBy('type').orderBy('priority').orderBy('id').execute();
      return rows.map(toPolicy);
    });
  }

  allRules(): Promise<RuleRecord[]> {
    return this.guard(async () => {
      const rows = await this.db.selectFrom('policy_rules').selectAll().orderBy('policy_id').orderBy('priority').orderBy('id').execute();
      return rows.map(toRule);
    });
  }

  allAppPolicyMappings(): Promise<Map<string, string>> {
    return this.guard(async () => {
      const rows = await this.db.selectFrom('policy_mappings').select(['resource_id', 'policy_id']).where('resource_type', '=', APP_MAPPING_RESOURCE_TYPE).execute();
      return new Map(rows.map((r) => [r.resource_id, r.policy_id]));
    });
  }
}

function afterCursor(eb: ExpressionBuilder<Database, 'policies'>, after: PolicyCursor) {
  if (after.by === 'name') {
    return eb.or([eb('name', '>', after.name), eb.and([eb('name', '=', after.name), eb('id', '>', after.id)])]);
  }
  return eb.or([eb('priority', '>', after.priority), eb.and([eb('priority', '=', after.priority), eb('id', '>', after.id)])]);
}

function json(value: JsonObject | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

function parse(text: string | null): JsonObject | null {
  return text === null ? null : (JSON.parse(text) as JsonObject);
}

function policyRow(p: PolicyRecord) {
  return {
    id: p.id,
    type: p.type,
    name: p.name,
    description: p.description,
    priority: p.priority,
    status: p.status,
    system: p.system ? 1 : 0,
    conditions: json(p.conditions),
    settings: json(p.settings),
    created: p.created,
    last_updated: p.lastUpdated,
  };
}

function toPolicy(row: Selectable<Database['policies']>): PolicyRecord {
  return {
    id: row.id,
    type: row.type as PolicyType,
    name: row.name,
    description: row.description,
    priority: row.priority,
    status: row.status as PolicyStatus,
    system: row.system === 1,
    conditions: parse(row.conditions),
    settings: parse(row.settings),
    created: row.created,
    lastUpdated: row.last_updated,
  };
}

function ruleRow(r: RuleRecord) {
  return {
    id: r.id,
    policy_id: r.policyId,
    name: r.name,
    priority: r.priority,
    status: r.status,
    system: r.system ? 1 : 0,
    conditions: json(r.conditions),
    actions: json(r.actions),
    created: r.created,
    last_updated: r.lastUpdated,
  };
}

function toRule(row: Selectable<Database['policy_rules']>): RuleRecord {
  return {
    id: row.id,
    policyId: row.policy_id,
    name: row.name,
    priority: row.priority,
    status: row.status as PolicyStatus,
    system: row.system === 1,
    conditions: parse(row.conditions),
    actions: parse(row.actions),
    created: row.created,
    lastUpdated: row.last_updated,
  };
}

function toMapping(row: Selectable<Database['policy_mappings']>): PolicyMappingRecord {
  return { id: row.id, policyId: row.policy_id, resourceId: row.resource_id, resourceType: row.resource_type, created: row.created };
}
