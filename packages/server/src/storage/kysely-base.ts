import type { Kysely } from 'kysely';
import type { Database } from './tables.ts';
import { translateDriverError } from './translate-errors.ts';

export type Db = Kysely<Database>;
export type Dialect = 'sqlite' | 'postgres';

/** What every group of store methods shares: the connection, its dialect, and the error edge. */
export abstract class KyselyBase {
  constructor(
    protected readonly db: Db,
    protected readonly dialect: Dialect,
    /** True for the ports of `store.transaction()`: `db` is a connection inside BEGIN…COMMIT. */
    protected readonly transactional = false,
  ) {}

  /**
   * Those of `ids` that name no row of `table`. Inside a PostgreSQL transaction the rows found are
   * locked FOR SHARE until it ends, so an id checked as existing (a policy naming a group or zone)
   * cannot be deleted by a concurrent transaction before this one commits: the delete waits, then
   * sees what this one wrote. SQLite transactions exclude each other anyway.
   */
  protected missingIdsIn(table: 'users' | 'groups' | 'network_zones' | 'apps', ids: readonly string[]): Promise<string[]> {
    return this.guard(async () => {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return [];
      let query = this.db.selectFrom(table).select('id').where('id', 'in', unique);
      if (this.dialect === 'postgres' && this.transactional) query = query.forShare();
      const found = new Set((await query.execute()).map((r) => r.id));
      return unique.filter((id) => !found.has(id));
    });
  }

  /** Runs a storage call, turning driver errors into catalog errors (see translate-errors.ts). */
  protected async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translateDriverError(error);
    }
  }
}

/** Escapes `%`, `_` and the escape character itself for a `like ... escape '\\'` pattern. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
