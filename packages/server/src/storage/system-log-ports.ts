import { sql } from 'kysely';
import type { LogQuery, StoredLogEvent } from '../domain/system-log/query.ts';
import type { SystemLogStore } from '../domain/system-log/ports.ts';
import type { LogEvent } from '../domain/system-log/types.ts';
import { escapeLike } from './kysely-base.ts';
import type { Db } from './kysely-base.ts';
import { logEventColumns } from './log-columns.ts';
import { logFilterSql } from './log-filter-sql.ts';
import { PolicyPorts } from './policy-ports.ts';

/**
 * The System Log table (migration 0003). Appends are serialised so that `seq` is commit order:
 * on PostgreSQL each append holds a transaction-scoped advisory lock until it commits, so no
 * event can commit with a lower `seq` than one a reader has already seen; SQLite has one writer
 * at a time anyway. That is what lets polling resume after a `seq` with no gap and no repeat,
 * whatever number of server instances write.
 */
export abstract class SystemLogPorts extends PolicyPorts implements SystemLogStore {
  appendLogEvent(event: LogEvent): Promise<void> {
    const { targets, ...columns } = logEventColumns(event);
    const json = JSON.stringify(event);
    const write = async (db: Db) => {
      if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.system_log'))`.execute(db);
      const row = await db
        .insertInto('system_log')
        .values({ ...columns, body: this.dialect === 'postgres' ? sql`${json}::jsonb` : json })
        .returning('seq')
        .executeTakeFirstOrThrow();
      if (targets.length > 0) {
        await db
          .insertInto('system_log_targets')
          .values(targets.map((target_id, position) => ({ seq: row.seq, position, target_id })))
          .execute();
      }
    };
    // Inside `store.transaction()` the lock and the rows belong to that transaction.
    return this.guard(() => (this.transactional ? write(this.db) : this.db.transaction().execute(write)));
  }

  queryLogEvents(q: LogQuery): Promise<StoredLogEvent[]> {
    return this.guard(async () => {
      const body = this.dialect === 'postgres' ? sql<string>`e.body::text` : sql<string>`e.body`;
      let query = this.db
        .selectFrom('system_log as e')
        .select(['e.seq', 'e.published', body.as('json')])
        .where('e.published', '>=', q.since);
      if (q.until !== undefined) query = query.where('e.published', '<', q.until);
      if (q.filter) query = query.where(logFilterSql(q.filter, this.dialect));
      for (const keyword of q.keywords) {
        query = query.where(sql<boolean>`e.keywords like ${`%${escapeLike(keyword)}%`} escape '\\'`);
      }
      const descending = q.sortOrder === 'DESCENDING';
      const after = q.after;
      if (q.mode === 'polling') {
        if (after) query = query.where('e.seq', descending ? '<' : '>', after.seq);
        query = query.orderBy('e.seq', descending ? 'desc' : 'asc');
      } else {
        if (after) {
          const published = after.published ?? 0;
          query = query.where((eb) =>
            eb.or([
              eb('e.published', descending ? '<' : '>', published),
              eb.and([eb('e.published', '=', published), eb('e.seq', descending ? '<' : '>', after.seq)]),
            ]),
          );
        }
        query = query.orderBy('e.published', descending ? 'desc' : 'asc').orderBy('e.seq', descending ? 'desc' : 'asc');
      }
      const rows = await query.limit(q.limit).execute();
      return rows.map((r) => ({ seq: Number(r.seq), published: Number(r.published), json: r.json }));
    });
  }

  lastLogSeq(): Promise<number> {
    return this.guard(async () => {
      const row = await this.db
        .selectFrom('system_log')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .executeTakeFirst();
      return Number(row?.seq ?? 0);
    });
  }

  purgeLogEvents(before: number, batch: number): Promise<number> {
    return this.guard(async () => {
      const result = await this.db
        .deleteFrom('system_log')
        .where('seq', 'in', (eb) => eb.selectFrom('system_log').select('seq').where('published', '<', before).orderBy('published').limit(batch))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  listLogEvents(query: { limit: number }): Promise<LogEvent[]> {
    return this.guard(async () => {
      const body = this.dialect === 'postgres' ? sql<string>`body::text` : sql<string>`body`;
      const rows = await this.db.selectFrom('system_log').select(body.as('json')).orderBy('seq').limit(query.limit).execute();
      return rows.map((r) => JSON.parse(r.json) as LogEvent);
    });
  }
}
