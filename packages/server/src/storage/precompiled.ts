import { CompiledQuery } from 'kysely';
import type { Compilable } from 'kysely';

/** Marks a parameter while a query is compiled once; replaced by the real value per call. */
const SLOT_PREFIX = '\u0000tollgate-slot:';

/**
 * Building and compiling a Kysely query costs more than running a small indexed query on SQLite,
 * so the queries on every request's path are compiled once per dialect and then only bound.
 * `build` receives a `slot(name)` function whose values stand in for the per-call parameters;
 * the compiled SQL is the same text each time, so SQLite's statement cache hits too.
 */
export class PrecompiledQuery<Names extends string, Row> {
  private sql: string | undefined;
  /** For each compiled parameter: the slot it comes from, or a constant fixed at compile time. */
  private sources: ({ slot: Names } | { value: unknown })[] = [];

  constructor(private readonly build: (slot: (name: Names) => string) => Compilable<Row>) {}

  bind(values: Record<Names, unknown>): CompiledQuery<Row> {
    if (this.sql === undefined) this.compile();
    const parameters = this.sources.map((s) => ('slot' in s ? values[s.slot] : s.value));
    return CompiledQuery.raw(this.sql!, parameters) as CompiledQuery<Row>;
  }

  private compile(): void {
    const compiled = this.build((name) => `${SLOT_PREFIX}${name}`).compile();
    this.sources = compiled.parameters.map((p) =>
      typeof p === 'string' && p.startsWith(SLOT_PREFIX) ? { slot: p.slice(SLOT_PREFIX.length) as Names } : { value: p },
    );
    this.sql = compiled.sql;
  }
}
