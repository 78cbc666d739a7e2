import type { Kysely } from 'kysely';

/**
 * Policies, their rules and mappings. `conditions`, `settings` and `actions` are the validated
 * type-specific JSON, stored as text on both dialects. Booleans are 0/1 integers (SQLite has no
 * boolean). Priorities are kept contiguous by the service under a per-type lock, so they carry
 * no unique index (a shift would violate it mid-statement).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('system', 'integer', (c) => c.notNull())
    .addColumn('conditions', 'text')
    .addColumn('settings', 'text')
    .addColumn('created', 'bigint', (c) => c.notNull())
    .addColumn('last_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('policies_type_name_key').unique().on('policies').columns(['type', 'name']).execute();
  await db.schema.createIndex('policies_type_priority_idx').on('policies').columns(['type', 'priority', 'id']).execute();

  await db.schema
    .createTable('policy_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('policy_id', 'text', (c) => c.notNull().references('policies.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('system', 'integer', (c) => c.notNull())
    .addColumn('conditions', 'text')
    .addColumn('actions', 'text')
    .addColumn('created', 'bigint', (c) => c.notNull())
    .addColumn('last_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('policy_rules_policy_name_key').unique().on('policy_rules').columns(['policy_id', 'name']).execute();
  await db.schema.createIndex('policy_rules_policy_priority_idx').on('policy_rules').columns(['policy_id', 'priority', 'id']).execute();

  await db.schema
    .createTable('policy_mappings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('policy_id', 'text', (c) => c.notNull().references('policies.id').onDelete('cascade'))
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('created', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('policy_mappings_policy_resource_key')
    .unique()
    .on('policy_mappings')
    .columns(['policy_id', 'resource_id'])
    .execute();
  await db.schema.createIndex('policy_mappings_resource_idx').on('policy_mappings').column('resource_id').execute();

  // One counter per policy type, bumped in every transaction that changes a policy or rule of
  // the type: readers compare it to decide whether something they rendered earlier is current.
  await db.schema
    .createTable('policy_generations')
    .addColumn('type', 'text', (c) => c.primaryKey())
    .addColumn('generation', 'bigint', (c) => c.notNull())
    .execute();
}
