import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { LogEvent } from '../../domain/system-log/types.ts';
import type { Dialect } from '../kysely-base.ts';
import { logEventColumns } from '../log-columns.ts';
import type { Database } from '../tables.ts';

/**
 * The System Log's queryable table, replacing the foundation's `log_events`.
 *
 * - `seq` is the persistence order that polling follows. Writers serialise their inserts
 *   (PostgreSQL: an advisory lock held until commit; SQLite: one writer at a time), so `seq`
 *   order is commit order and a reader that has seen `seq` N has seen every event below it.
 *   SQLite uses AUTOINCREMENT so purging the newest rows can never make a number come back.
 * - The attributes filters use most have their own indexed columns; everything else is read
 *   from `body` (jsonb on PostgreSQL). `keywords` holds the event's string values, lower-cased,
 *   for `q`. `system_log_targets` indexes `target[].id`.
 */
/** The tables as this migration sees them (the foundation's `log_events` goes away here). */
interface Tables {
  log_events: { uuid: string; published: number; event_type: string; actor_id: string; body: string };
  system_log: Database['system_log'];
  system_log_targets: Database['system_log_targets'];
}

export function systemLogMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<Tables>) {
      await db.schema
        .createTable('system_log')
        .addColumn('seq', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
        )
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('published', 'bigint', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('outcome_result', 'text', (c) => c.notNull())
        .addColumn('transaction_id', 'text')
        .addColumn('api_token_id', 'text')
        .addColumn('keywords', 'text', (c) => c.notNull())
        .addColumn('body', dialect === 'postgres' ? 'jsonb' : 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('system_log_published_idx').on('system_log').columns(['published', 'seq']).execute();
      await db.schema.createIndex('system_log_event_type_idx').on('system_log').columns(['event_type', 'published', 'seq']).execute();
      await db.schema.createIndex('system_log_event_type_seq_idx').on('system_log').columns(['event_type', 'seq']).execute();
      await db.schema.createIndex('system_log_actor_idx').on('system_log').columns(['actor_id', 'published', 'seq']).execute();
      await db.schema.createIndex('system_log_api_token_idx').on('system_log').columns(['api_token_id', 'published', 'seq']).execute();

      await db.schema
        .createTable('system_log_targets')
        .addColumn('seq', 'bigint', (c) => c.notNull().references('system_log.seq').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('system_log_targets_pk', ['seq', 'position'])
        .execute();
      await db.schema.createIndex('system_log_targets_id_idx').on('system_log_targets').columns(['target_id', 'seq']).execute();

      // Carry the foundation's events over, in their order.
      const old = await db.selectFrom('log_events').select('body').orderBy('published').orderBy('uuid').execute();
      for (const { body } of old) {
        const event = JSON.parse(body) as LogEvent;
        const { targets, ...columns } = logEventColumns(event);
        const row = await db
          .insertInto('system_log')
          .values({ ...columns, body: dialect === 'postgres' ? sql`${body}::jsonb` : body })
          .returning('seq')
          .executeTakeFirstOrThrow();
        for (const [position, targetId] of targets.entries()) {
          await db.insertInto('system_log_targets').values({ seq: row.seq, position, target_id: targetId }).execute();
        }
      }
      await db.schema.dropTable('log_events').execute();
    },
  };
}
