import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Store } from '../domain/store.ts';
import { migrationProvider } from './migrations/index.ts';
import { CurrentSchemaPostgresDialect } from './postgres-dialect.ts';
import { KyselyStore } from './kysely-store.ts';
import type { SyncReader } from './kysely-store.ts';
import { statementCache, withStatementCache } from './sqlite-statement-cache.ts';
import type { Database } from './tables.ts';

export type StoreTarget =
  | { kind: 'sqlite'; dataDir: string }
  /** `schema` puts every table in that PostgreSQL schema (the tests' isolation). */
  | { kind: 'postgres'; url: string; schema?: string; poolSize?: number };

const INT8_OID = 20;

/** Opens the store and brings its schema up to date. */
export async function openStore(target: StoreTarget): Promise<Store> {
  const postgres = target.kind === 'postgres';
  const { db, file } = postgres ? { db: openPostgres(target), file: undefined } : openSqlite(target.dataDir);
  try {
    await migrate(db, postgres);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // The SQLite reader is opened after migrating, so it never sees a half-made schema.
  return postgres ? new KyselyStore(db, 'postgres') : new KyselyStore(db, 'sqlite', openSqliteReader(file!));
}

export const SQLITE_FILE = 'tollgate.db';

function openSqlite(dataDir: string): { db: Kysely<Database>; file: string } {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, SQLITE_FILE);
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, file };
}

/** The read-only connection behind the store's synchronous reads (see SyncReader). */
function openSqliteReader(file: string): { read: SyncReader; close: () => void } {
  const reader = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  reader.pragma('busy_timeout = 5000');
  const prepare = statementCache(reader);
  return {
    read: (sql, parameters) => prepare(sql).all(parameters as unknown[]),
    close: () => reader.close(),
  };
}

function openPostgres(target: { url: string; schema?: string; poolSize?: number }): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.poolSize ?? 10,
    // Epoch-millisecond columns are int8; they fit a JS number exactly.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
    ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new CurrentSchemaPostgresDialect({ pool }) });
}

/**
 * Applies pending migrations. On PostgreSQL, Kysely's migrator locks against concurrent
 * migrators itself; its tables go in the connection's current schema, named explicitly, and
 * the dialect's introspector looks at that schema only (see postgres-dialect.ts). On SQLite, Kysely
 * has no cross-process lock, so the whole run happens inside one `BEGIN IMMEDIATE`: a second
 * process starting at the same time waits on the busy timeout and then finds nothing to do.
 */
async function migrate(db: Kysely<Database>, postgres: boolean): Promise<void> {
  if (postgres) {
    const schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema;
    await runMigrator(new Migrator({ db, provider: migrationProvider('postgres'), ...(schema ? { migrationTableSchema: schema } : {}) }));
    return;
  }
  await db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      await runMigrator(new Migrator({ db: conn, provider: migrationProvider('sqlite'), disableTransactions: true }));
      await sql`commit`.execute(conn);
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}

async function runMigrator(migrator: Migrator): Promise<void> {
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`);
  }
}
