import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomAlphanumeric } from '../../src/domain/shared/ids.ts';
import type { StoreTarget } from '../../src/storage/open-store.ts';

/** A fresh, empty place for one test's data, and how to remove it. */
export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A new empty database (SQLite: a temp dir; PostgreSQL: a new schema). */
  create(): Promise<{ target: StoreTarget; url?: string; cleanup: () => Promise<void> }>;
}

const sqlite: Backend = {
  name: 'sqlite',
  async create() {
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-test-'));
    return { target: { kind: 'sqlite', dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  },
};

function postgres(url: string): Backend {
  return {
    name: 'postgres',
    async create() {
      const schema = `tg_test_${randomAlphanumeric(10).toLowerCase()}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.end();
      const scoped = new URL(url);
      scoped.searchParams.set('options', `-c search_path=${schema}`);
      return {
        target: { kind: 'postgres', url, schema },
        url: scoped.toString(),
        cleanup: async () => {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          await c.query(`drop schema if exists ${schema} cascade`);
          await c.end();
        },
      };
    },
  };
}

let announced = false;

/**
 * The backends every contract and e2e suite runs on: SQLite always, PostgreSQL when
 * TOLLGATE_TEST_DATABASE_URL is set (CI sets it; an unreachable server then fails the tests).
 */
export function backends(): Backend[] {
  const url = process.env.TOLLGATE_TEST_DATABASE_URL;
  if (!url) {
    if (!announced) process.stderr.write('TOLLGATE_TEST_DATABASE_URL is not set: PostgreSQL suites are skipped.\n');
    announced = true;
    return [sqlite];
  }
  return [sqlite, postgres(url)];
}
