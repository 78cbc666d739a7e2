import { sql } from 'kysely';
import type { RawBuilder, SqlBool } from 'kysely';
import { MAP_KEY, attributeOf } from '../domain/system-log/filter.ts';
import type { LogAttribute } from '../domain/system-log/filter.ts';
import type { CompareOp, LogFilter } from '../domain/system-log/query.ts';
import type { Dialect } from './kysely-base.ts';

/**
 * Compiles a parsed System Log filter (domain/system-log/filter.ts) to a SQL condition on
 * `system_log as e`, for SQLite and PostgreSQL with the same results on both.
 *
 * Semantics:
 * - String comparisons are case-sensitive (`eq`, `sw`, `co`, `ew` compare exact characters;
 *   no LIKE, so `%` and `_` in a value are ordinary characters). `gt`/`ge`/`lt`/`le` on strings
 *   order by Unicode code point (PostgreSQL: `COLLATE "C"`; SQLite: BINARY on UTF-8), so
 *   `"Z" lt "a"` is true whatever the database's locale.
 * - Numbers compare numerically (`10 gt 9`), booleans as booleans. A value of another JSON
 *   type than the attribute's never matches: `"5"` is not `5`.
 * - `pr`: the attribute is present and not null. An empty string is present. On an object, map
 *   or array path, present means present and not null; on an array path, that some element is.
 * - An attribute that is absent (or null) makes `eq`, `gt`, `ge`, `lt`, `le`, `sw`, `co` and
 *   `ew` false. `ne` is "not `eq`" (RFC 7644), so it is true for an absent attribute.
 * - `eq null` means not present; `ne null` means present (the same as `pr`).
 * - On a path through an array (`target.type`, `request.ipChain.ip`,
 *   `securityContext.risk.reasons`), a comparison is true when ANY element matches, each
 *   comparison on its own: `target.type eq "User" and target.id eq "x"` may match two different
 *   targets. `ne` is still "not `eq`": true when NO element equals the value (and when there are
 *   no elements).
 * - `sw`, `co`, `ew` with the empty string match every string value.
 * - `not` negates: every condition below is true or false, never SQL NULL, so `not` of
 *   something about an absent attribute is true.
 *
 * Values are always bound parameters; identifiers and JSON paths come only from the attribute
 * table in filter.ts (map keys are checked against `MAP_KEY` again here).
 */
export function logFilterSql(filter: LogFilter, dialect: Dialect): RawBuilder<SqlBool> {
  return compile(filter, dialect === 'sqlite' ? sqlite : postgres);
}

const TRUE = sql<SqlBool>`(1 = 1)`;
const FALSE = sql<SqlBool>`(1 = 0)`;

function compile(filter: LogFilter, db: JsonSql): RawBuilder<SqlBool> {
  switch (filter.kind) {
    case 'and':
    case 'or':
      if (filter.items.length === 0) return filter.kind === 'and' ? TRUE : FALSE;
      return sql<SqlBool>`(${sql.join(
        filter.items.map((item) => compile(item, db)),
        sql.raw(` ${filter.kind} `),
      )})`;
    case 'not':
      return not(compile(filter.item, db));
    case 'present':
      return present(attribute(filter.path), db);
    case 'compare': {
      const attr = attribute(filter.path);
      if (filter.value === null) {
        if (filter.op === 'eq') return not(present(attr, db));
        if (filter.op === 'ne') return present(attr, db);
        throw new Error(`log filter: null compared with ${filter.op}`);
      }
      if (filter.op === 'ne') return not(compare(attr, 'eq', filter.value, db));
      return compare(attr, filter.op, filter.value, db);
    }
  }
}

function not(condition: RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  return sql<SqlBool>`(not ${condition})`;
}

function attribute(path: string): LogAttribute {
  const attr = attributeOf(path);
  if (!attr) throw new Error(`log filter: unknown attribute ${path}`);
  return attr;
}

type PositiveOp = Exclude<CompareOp, 'ne'>;
type Value = string | number | boolean;

// ---------------------------------------------------------------------------------------------
// Attributes with their own columns (migration 0003), so the indexes on them serve filters.

const COLUMNS: Record<string, { column: string; nullable: boolean }> = {
  uuid: { column: 'e.uuid', nullable: false },
  eventType: { column: 'e.event_type', nullable: false },
  'actor.id': { column: 'e.actor_id', nullable: false },
  severity: { column: 'e.severity', nullable: false },
  'outcome.result': { column: 'e.outcome_result', nullable: false },
  'transaction.id': { column: 'e.transaction_id', nullable: true },
  'transaction.detail.requestApiTokenId': { column: 'e.api_token_id', nullable: true },
};

/** `target[].id`, indexed in system_log_targets. */
const TARGET_ID = 'target.id';

function present(attr: LogAttribute, db: JsonSql): RawBuilder<SqlBool> {
  const column = COLUMNS[attr.path];
  if (column) return sql<SqlBool>`(${sql.raw(column.column)} is not null)`;
  if (attr.path === TARGET_ID) return sql<SqlBool>`exists (select 1 from system_log_targets as t where t.seq = e.seq)`;
  return throughArrays(attr, db, (doc, keys) => db.present(doc, keys));
}

function compare(attr: LogAttribute, op: PositiveOp, value: Value, db: JsonSql): RawBuilder<SqlBool> {
  if (typeof value !== attr.type) throw new Error(`log filter: ${attr.path} is a ${attr.type}, not a ${typeof value}`);
  if (typeof value === 'string') {
    const column = COLUMNS[attr.path];
    if (column) {
      const test = db.text(op, sql.raw(column.column), value);
      // Plain `column = ?` for NOT NULL columns keeps the condition indexable; a nullable one
      // needs the guard so that `not` of it is true, not NULL, when the column is null.
      return column.nullable ? sql<SqlBool>`(${sql.raw(column.column)} is not null and ${test})` : test;
    }
    if (attr.path === TARGET_ID) {
      return sql<SqlBool>`exists (select 1 from system_log_targets as t where t.seq = e.seq and ${db.text(op, sql`t.target_id`, value)})`;
    }
    return throughArrays(attr, db, (doc, keys) => db.string(doc, keys, op, value));
  }
  if (typeof value === 'number') {
    if (op === 'sw' || op === 'co' || op === 'ew') throw new Error(`log filter: ${op} on the number ${attr.path}`);
    return throughArrays(attr, db, (doc, keys) => db.number(doc, keys, op, value));
  }
  if (op !== 'eq') throw new Error(`log filter: ${op} on the boolean ${attr.path}`);
  return throughArrays(attr, db, (doc, keys) => db.boolean(doc, keys, value));
}

/**
 * Applies `leaf` to the value the attribute's path leads to, through `exists` over each array
 * on the way: true when some element (of each array crossed) satisfies it.
 */
function throughArrays(attr: LogAttribute, db: JsonSql, leaf: (doc: Doc, keys: string[]) => RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  for (const keys of attr.segments) for (const key of keys) if (!MAP_KEY.test(key)) throw new Error(`log filter: bad key in ${attr.path}`);
  const at = (doc: Doc, level: number): RawBuilder<SqlBool> => {
    const keys = attr.segments[level] ?? [];
    if (level === attr.segments.length - 1) {
      if (keys.length === 0 && doc.kind === 'body') throw new Error('log filter: empty path');
      return leaf(doc, keys);
    }
    if (keys.length === 0) throw new Error(`log filter: ${attr.path} crosses an array of arrays`);
    const alias = `a${level + 1}`;
    return db.anyElement(doc, keys, alias, at({ kind: 'element', alias }, level + 1));
  };
  return at({ kind: 'body' }, 0);
}

// ---------------------------------------------------------------------------------------------
// The two dialects' JSON functions.

/** Where a value is read from: the event body, or one element of an array (a subquery alias). */
type Doc = { kind: 'body' } | { kind: 'element'; alias: string };

interface JsonSql {
  /** A string comparison on a text expression that is not null. */
  text(op: PositiveOp, expr: RawBuilder<unknown>, value: string): RawBuilder<SqlBool>;
  present(doc: Doc, keys: string[]): RawBuilder<SqlBool>;
  string(doc: Doc, keys: string[], op: PositiveOp, value: string): RawBuilder<SqlBool>;
  number(doc: Doc, keys: string[], op: 'eq' | 'gt' | 'ge' | 'lt' | 'le', value: number): RawBuilder<SqlBool>;
  boolean(doc: Doc, keys: string[], value: boolean): RawBuilder<SqlBool>;
  /** Whether the array at `keys` under `doc` has an element, named `alias`, for which `test` holds. */
  anyElement(doc: Doc, keys: string[], alias: string, test: RawBuilder<SqlBool>): RawBuilder<SqlBool>;
}

const ORDER = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/** `sw`/`co`/`ew ""` hold for every string; SQLite's substr has no clean way to say so. */
function matchesEveryString(op: PositiveOp, value: string): boolean {
  return value === '' && (op === 'sw' || op === 'co' || op === 'ew');
}

/**
 * SQLite: `json_type`/`json_extract` on the body; elements come from `json_each`, whose `type`
 * and `value` columns are the element itself. Types: text, integer, real, true, false, null,
 * object, array. Text comparisons use the BINARY collation (the columns declare none).
 */
const sqlite: JsonSql = {
  text: sqliteText,
  present(doc, keys) {
    return sql<SqlBool>`(coalesce(${sqliteType(doc, keys)}, 'null') <> 'null')`;
  },
  string(doc, keys, op, value) {
    return sql<SqlBool>`(coalesce(${sqliteType(doc, keys)}, '') = 'text' and ${sqliteText(op, sqliteValue(doc, keys), value)})`;
  },
  number(doc, keys, op, value) {
    return sql<SqlBool>`(coalesce(${sqliteType(doc, keys)}, '') in ('integer', 'real') and ${sqliteValue(doc, keys)} ${sql.raw(ORDER[op])} ${value})`;
  },
  boolean(doc, keys, value) {
    return sql<SqlBool>`(coalesce(${sqliteType(doc, keys)}, '') = ${sql.lit(value ? 'true' : 'false')})`;
  },
  anyElement(doc, keys, alias, test) {
    // json_each also walks objects (and yields one row for a scalar): only integer keys are
    // array elements.
    const a = sql.raw(alias);
    return sql<SqlBool>`exists (select 1 from json_each(${sqliteSource(doc)}, ${sqlitePath(keys)}) as ${a} where typeof(${a}.key) = 'integer' and ${test})`;
  },
};

function sqliteText(op: PositiveOp, expr: RawBuilder<unknown>, value: string): RawBuilder<SqlBool> {
  if (matchesEveryString(op, value)) return TRUE;
  switch (op) {
    case 'sw':
      return sql<SqlBool>`(substr(${expr}, 1, length(${value})) = ${value})`;
    case 'co':
      return sql<SqlBool>`(instr(${expr}, ${value}) > 0)`;
    case 'ew':
      // A negative start counts from the end; the value is not empty here.
      return sql<SqlBool>`(substr(${expr}, -length(${value})) = ${value})`;
    default:
      return sql<SqlBool>`(${expr} ${sql.raw(ORDER[op])} ${value})`;
  }
}

function sqlitePath(keys: string[]): RawBuilder<unknown> {
  return sql.lit(`$${keys.map((key) => `."${key}"`).join('')}`);
}

/** The JSON text to read from; an element that is not an object has no attributes. */
function sqliteSource(doc: Doc): RawBuilder<unknown> {
  if (doc.kind === 'body') return sql`e.body`;
  const a = sql.raw(doc.alias);
  return sql`(case when ${a}.type = 'object' then ${a}.value end)`;
}

function sqliteType(doc: Doc, keys: string[]): RawBuilder<unknown> {
  if (keys.length === 0 && doc.kind === 'element') return sql`${sql.raw(doc.alias)}.type`;
  return sql`json_type(${sqliteSource(doc)}, ${sqlitePath(keys)})`;
}

function sqliteValue(doc: Doc, keys: string[]): RawBuilder<unknown> {
  if (keys.length === 0 && doc.kind === 'element') return sql`${sql.raw(doc.alias)}.value`;
  return sql`json_extract(${sqliteSource(doc)}, ${sqlitePath(keys)})`;
}

/**
 * PostgreSQL: `#>` (jsonb) and `#>>` (text) on the jsonb body; elements come from
 * `jsonb_array_elements`. Types: string, number, boolean, null, object, array. Ordering uses
 * `COLLATE "C"` (code points); equality needs none (default collations are deterministic, and
 * a plain `=` keeps the column indexes usable).
 */
const postgres: JsonSql = {
  text: pgText,
  present(doc, keys) {
    return sql<SqlBool>`(coalesce(jsonb_typeof(${pgJson(doc, keys)}), 'null') <> 'null')`;
  },
  string(doc, keys, op, value) {
    return sql<SqlBool>`(coalesce(jsonb_typeof(${pgJson(doc, keys)}), '') = 'string' and ${pgText(op, pgTextAt(doc, keys), value)})`;
  },
  number(doc, keys, op, value) {
    // jsonb numbers compare as numeric; the type test keeps other jsonb types out of the order.
    const json = pgJson(doc, keys);
    return sql<SqlBool>`(coalesce(jsonb_typeof(${json}), '') = 'number' and ${json} ${sql.raw(ORDER[op])} to_jsonb(${value}::numeric))`;
  },
  boolean(doc, keys, value) {
    return sql<SqlBool>`coalesce(${pgJson(doc, keys)} = ${sql.lit(value ? 'true' : 'false')}::jsonb, false)`;
  },
  anyElement(doc, keys, alias, test) {
    // jsonb_array_elements fails on a non-array; NULL gives no rows.
    const array = pgJson(doc, keys);
    const a = sql.raw(alias);
    return sql<SqlBool>`exists (select 1 from jsonb_array_elements(case when jsonb_typeof(${array}) = 'array' then ${array} end) as ${a}(v) where ${test})`;
  },
};

function pgText(op: PositiveOp, expr: RawBuilder<unknown>, value: string): RawBuilder<SqlBool> {
  if (matchesEveryString(op, value)) return TRUE;
  const v = sql`${value}::text`;
  switch (op) {
    case 'eq':
      return sql<SqlBool>`(${expr} = ${v})`;
    case 'sw':
      return sql<SqlBool>`starts_with(${expr}, ${v})`;
    case 'co':
      return sql<SqlBool>`(strpos(${expr}, ${v}) > 0)`;
    case 'ew':
      return sql<SqlBool>`(right(${expr}, length(${v})) = ${v})`;
    default:
      return sql<SqlBool>`(${expr} collate "C" ${sql.raw(ORDER[op])} ${v})`;
  }
}

function pgDoc(doc: Doc): RawBuilder<unknown> {
  return doc.kind === 'body' ? sql`e.body` : sql`${sql.raw(doc.alias)}.v`;
}

function pgPath(keys: string[]): RawBuilder<unknown> {
  return sql.lit(`{${keys.map((key) => `"${key}"`).join(',')}}`);
}

function pgJson(doc: Doc, keys: string[]): RawBuilder<unknown> {
  return keys.length === 0 ? pgDoc(doc) : sql`(${pgDoc(doc)} #> ${pgPath(keys)})`;
}

function pgTextAt(doc: Doc, keys: string[]): RawBuilder<unknown> {
  return sql`(${pgDoc(doc)} #>> ${pgPath(keys)})`;
}
