import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { randomAlphanumeric } from '../src/domain/shared/ids.ts';
import { openStore } from '../src/storage/open-store.ts';
import { CurrentSchemaPostgresDialect } from '../src/storage/postgres-dialect.ts';
import { backends } from './helpers/backends.ts';

const postgres = backends().find((b) => b.name === 'postgres');

/**
 * CI once failed with `schema "tg_test_…" does not exist` while migrating. Kysely's stock
 * PostgreSQL introspector, which its migrator calls, reads every table of every schema in the
 * database and resolves each by name (`has_schema_privilege`, `pg_get_serial_sequence`), so a
 * schema that another test (or another application sharing the database) dropped during that
 * query broke a migration that had nothing to do with it. Many tables make the query long and
 * the drop is committed while it runs, which reproduced the failure every time before the fix.
 */
describe('PostgreSQL migrations', { skip: postgres ? false : 'TOLLGATE_TEST_DATABASE_URL is not set' }, () => {
  it('look only at their own schema: other schemas dropped while they run do not stop them', async () => {
    const url = process.env.TOLLGATE_TEST_DATABASE_URL!;
    const prefix = `tg_drop_${randomAlphanumeric(6).toLowerCase()}`;
    const others = Array.from({ length: 60 }, (_, i) => `${prefix}_${i}`);
    const dropper = new pg.Client({ connectionString: url });
    const watcher = new pg.Client({ connectionString: url });
    await dropper.connect();
    await watcher.connect();
    const fresh = await postgres!.create();
    try {
      const columns = 'id serial primary key, a text, b text, c integer, d integer, e text';
      for (const schema of others) {
        const tables = Array.from({ length: 10 }, (_, i) => `create table ${schema}.t${i} (${columns})`);
        await dropper.query(`create schema ${schema}; ${tables.join('; ')}`);
      }

      let settled = false;
      const opening = openStore(fresh.target).finally(() => {
        settled = true;
      });
      opening.catch(() => undefined);
      // Once the migration is reading the catalog, drop the other schemas one by one.
      while (!settled) {
        const reading = await watcher.query(`select 1 from pg_stat_activity where state = 'active' and query like '%pg_get_serial_sequence%' and pid <> pg_backend_pid()`);
        if (reading.rowCount) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (const schema of others) {
        if (settled) break;
        await dropper.query(`drop schema ${schema} cascade`);
      }

      const store = await opening;
      assert.equal(await store.getOrg(), undefined);
      await store.close();
    } finally {
      for (const schema of others) await dropper.query(`drop schema if exists ${schema} cascade`);
      await dropper.end();
      await watcher.end();
      await fresh.cleanup();
    }
  });

  it('describe the tables of their own schema as Kysely expects, and nothing else', async () => {
    const own = await postgres!.create();
    const other = await postgres!.create();
    const schemaOf = (b: { target: unknown }) => (b.target as { schema: string }).schema;
    const pool = new pg.Pool({ connectionString: own.url });
    const db = new Kysely<unknown>({ dialect: new CurrentSchemaPostgresDialect({ pool }) });
    try {
      await db.schema.createTable('kysely_migration').addColumn('name', 'text').execute();
      await sql`create table ${sql.table(`${schemaOf(other)}.elsewhere`)} (id integer)`.execute(db);
      await sql`create table things (id serial primary key, name text not null default 'x', n bigint generated always as identity, note text)`.execute(db);
      await sql`comment on column things.note is 'free text'`.execute(db);
      await sql`create view thing_names as select name from things`.execute(db);

      const tables = await db.introspection.getTables();
      const column = (name: string, dataType: string, flags: { nullable?: boolean; dflt?: boolean; auto?: boolean; comment?: string } = {}) => ({
        name,
        dataType,
        dataTypeSchema: 'pg_catalog',
        isNullable: flags.nullable ?? true,
        hasDefaultValue: flags.dflt ?? false,
        isAutoIncrementing: flags.auto ?? false,
        ...(flags.comment ? { comment: flags.comment } : {}),
      });
      assert.deepEqual(tables, [
        { name: 'thing_names', schema: schemaOf(own), isView: true, columns: [column('name', 'text')] },
        {
          name: 'things',
          schema: schemaOf(own),
          isView: false,
          columns: [
            column('id', 'int4', { nullable: false, dflt: true, auto: true }),
            column('name', 'text', { nullable: false, dflt: true }),
            column('n', 'int8', { nullable: false, auto: true }),
            column('note', 'text', { comment: 'free text' }),
          ],
        },
      ]);
      const internal = await db.introspection.getTables({ withInternalKyselyTables: true });
      assert.deepEqual(internal.map((t) => t.name), ['kysely_migration', 'thing_names', 'things']);
    } finally {
      await db.destroy();
      await own.cleanup();
      await other.cleanup();
    }
  });
});
