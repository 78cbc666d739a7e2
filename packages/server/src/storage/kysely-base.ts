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
