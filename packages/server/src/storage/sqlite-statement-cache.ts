import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely prepares every query anew; on better-sqlite3 preparing costs more than running a
 * small indexed query. This keeps the most recently used statements, keyed by SQL text
 * (parameters are bound per call, so one statement serves every value). Kysely runs statements
 * with `all`/`run`, which finish before returning, so a cached statement is never in use twice;
 * `iterate` (streaming) gets a fresh statement for the same reason.
 */
export function withStatementCache(db: BetterSqlite3.Database, maxStatements = 500): SqliteDatabase {
  const prepareCached = statementCache(db, maxStatements);
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const cached = prepareCached(sql);
      return {
        get reader() {
          return cached.reader;
        },
        all: (parameters) => cached.all(parameters),
        run: (parameters) => cached.run(parameters),
        iterate: (parameters) => db.prepare(sql).iterate(parameters),
      };
    },
  };
}

/** `prepare` with a bounded most-recently-used cache keyed by SQL text. */
export function statementCache(db: BetterSqlite3.Database, maxStatements = 500): (sql: string) => BetterSqlite3.Statement {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return (sql) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql); // re-insert: Map order is the recency order
    } else {
      statement = db.prepare(sql);
      if (cache.size >= maxStatements) cache.delete(cache.keys().next().value as string);
    }
    cache.set(sql, statement);
    return statement;
  };
}
