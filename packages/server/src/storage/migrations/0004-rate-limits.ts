import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../kysely-base.ts';

/**
 * Rate-limit settings and principal rate limits (Okta's `/api/v1/rate-limit-settings/*` and
 * `/api/v1/principal-rate-limits`), their change counter, and daily concurrency peaks.
 *
 * - `rate_limit_settings`: one row per org-wide setting that was ever written (per-client modes,
 *   warning threshold, admin notifications), its value as JSON text; a missing row means the
 *   default.
 * - `principal_rate_limits`: at most one per principal (`principal_id` unique, which is how a
 *   concurrent duplicate create fails). No foreign key: an OAUTH_CLIENT principal is not a token.
 * - `rate_limit_generations`: one counter (`name` = 'settings') bumped in every transaction that
 *   writes either table, so every instance can tell cheaply that its snapshot is stale.
 * - `concurrency_peaks`: the highest in-flight count per traffic class and UTC day. `day` is
 *   checked to be `YYYY-MM-DD`, so text order is date order (the one dialect-specific part).
 */
export function rateLimitsMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rate_limit_settings')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('principal_rate_limits')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('principal_id', 'text', (c) => c.notNull())
        .addColumn('principal_type', 'text', (c) => c.notNull().check(sql`principal_type in ('SSWS_TOKEN', 'OAUTH_CLIENT')`))
        .addColumn('default_percentage', 'integer', (c) => c.notNull().check(sql`default_percentage between 0 and 100`))
        .addColumn('default_concurrency_percentage', 'integer', (c) => c.notNull().check(sql`default_concurrency_percentage between 0 and 100`))
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('last_update', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('principal_rate_limits_principal_id_key').unique().on('principal_rate_limits').column('principal_id').execute();
      await db.schema.createIndex('principal_rate_limits_type_created_idx').on('principal_rate_limits').columns(['principal_type', 'created', 'id']).execute();

      await db.schema
        .createTable('rate_limit_generations')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('generation', 'bigint', (c) => c.notNull())
        .execute();

      const dayFormat =
        dialect === 'postgres' ? sql`day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'` : sql`day glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'`;
      await db.schema
        .createTable('concurrency_peaks')
        .addColumn('traffic_class', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull().check(dayFormat))
        .addColumn('peak', 'integer', (c) => c.notNull().check(sql`peak >= 0`))
        .addPrimaryKeyConstraint('concurrency_peaks_pk', ['traffic_class', 'day'])
        .execute();
    },
  };
}
