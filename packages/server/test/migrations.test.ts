import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { systemContext } from '../src/domain/org/bootstrap.ts';
import { FakeClock } from '../src/domain/shared/clock.ts';
import { randomIds } from '../src/domain/shared/ids.ts';
import { SystemLog } from '../src/domain/system-log/writer.ts';
import { migrationProvider } from '../src/storage/migrations/index.ts';
import { openStore, SQLITE_FILE } from '../src/storage/open-store.ts';
import { CurrentSchemaPostgresDialect } from '../src/storage/postgres-dialect.ts';
import { backends } from './helpers/backends.ts';

for (const backend of backends()) {
  describe(`migrations (${backend.name})`, () => {
    it('0003 carries the foundation’s System Log events over, in order, with their targets', async () => {
      const created = await backend.create();
      const target = created.target;
      const db =
        target.kind === 'sqlite'
          ? new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(`${target.dataDir}/${SQLITE_FILE}`) }) })
          : new Kysely<unknown>({ dialect: new CurrentSchemaPostgresDialect({ pool: new pg.Pool({ connectionString: created.url, max: 1 }) }) });
      // A database as the previous release left it: migrated to 0002, with events in log_events.
      const migrator = new Migrator({ db, provider: migrationProvider(target.kind), ...(target.kind === 'postgres' ? { migrationTableSchema: target.schema } : {}) });
      const { error } = await migrator.migrateTo('0002-policies');
      assert.equal(error, undefined);
      const clock = new FakeClock(Date.UTC(2026, 5, 1));
      const writer = new SystemLog({ store: undefined as never, clock, ids: randomIds, sink: { writeFailed: () => undefined, dropped: () => undefined } });
      // The old table's only order is (published, uuid), so the events are a millisecond apart.
      const events = ['first', 'second'].map((name) => {
        clock.advance(1);
        return writer.build(systemContext(randomIds.requestId()), { eventType: `test.${name}`, displayMessage: name, target: [{ id: `t-${name}`, type: 'Thing', alternateId: name, displayName: name }] });
      });
      for (const event of events) {
        await sql`insert into log_events (uuid, published, event_type, actor_id, body) values (${event.uuid}, ${Date.parse(event.published)}, ${event.eventType}, ${event.actor.id}, ${JSON.stringify(event)})`.execute(db);
      }
      await db.destroy();

      const store = await openStore(target);
      try {
        assert.deepEqual(await store.listLogEvents({ limit: 10 }), events);
        const byTarget = await store.queryLogEvents({
          mode: 'polling',
          sortOrder: 'ASCENDING',
          since: 0,
          keywords: [],
          limit: 10,
          filter: { kind: 'compare', path: 'target.id', op: 'eq', value: 't-second' },
        });
        assert.deepEqual(byTarget.map((e) => (JSON.parse(e.json) as { uuid: string }).uuid), [events[1]!.uuid]);
      } finally {
        await store.close();
        await created.cleanup();
      }
    });
  });
}
