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

    it('0004 adds the rate-limit tables to a database migrated to 0003, leaving its data alone', async () => {
      const created = await backend.create();
      const target = created.target;
      const db =
        target.kind === 'sqlite'
          ? new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(`${target.dataDir}/${SQLITE_FILE}`) }) })
          : new Kysely<unknown>({ dialect: new CurrentSchemaPostgresDialect({ pool: new pg.Pool({ connectionString: created.url, max: 1 }) }) });
      const migrator = new Migrator({ db, provider: migrationProvider(target.kind), ...(target.kind === 'postgres' ? { migrationTableSchema: target.schema } : {}) });
      const { error } = await migrator.migrateTo('0003-system-log');
      assert.equal(error, undefined);
      await sql`insert into orgs (id, name, created, last_updated) values ('00oBefore0004', 'before', 1, 1)`.execute(db);
      await db.destroy();

      const store = await openStore(target);
      try {
        assert.equal((await store.getOrg())?.id, '00oBefore0004');
        assert.deepEqual(await store.readRateLimitSettings(), {});
        assert.equal(await store.rateLimitGeneration(), 0);
        assert.deepEqual(await store.allPrincipalRateLimits(), []);
        assert.deepEqual(await store.concurrencyPeaks('any', '2000-01-01'), []);
        await store.transaction(async (tx) => {
          await tx.writeRateLimitSetting('warningThreshold', 60, 2);
          await tx.bumpRateLimitGeneration();
        });
        assert.equal(await store.rateLimitGeneration(), 1);
      } finally {
        await store.close();
        await created.cleanup();
      }
    });
  });
}
