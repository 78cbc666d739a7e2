/**
 * Run-time values of an expression and the SpEL semantics Tollgate gives them. Profile values
 * arrive as JSON: strings, numbers, booleans, null and arrays; an absent attribute reads as null.
 */

/** An input the context does not carry (an absent user, risk level, device ...). */
export const UNDEF = Symbol('UNDEFINED');
export type Undef = typeof UNDEF;

export type Value = string | number | boolean | null | readonly unknown[] | Undef;

/**
 * A run-time failure that SpEL would raise as an exception (a function called on null, a
 * comparison of a number with a string, a string that is not a number ...). It aborts the whole
 * expression, which then does not match, as an Okta rule whose expression throws does not apply.
 */
export class EvaluationFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationFailure';
  }
}

export function fail(message: string): never {
  throw new EvaluationFailure(message);
}

export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return 'an object';
}

/** A JSON value read from the context as an expression value (objects are not values). */
export function fromJson(raw: unknown, what: string): Value {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return raw;
  if (Array.isArray(raw)) return raw;
  return fail(`${what} holds an object, which expressions cannot read`);
}

/** SpEL `==`: numbers by value, strings by content, lists element by element, null equals only null. */
export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => equals(item, b[i]));
  return false;
}

/**
 * SpEL ordering (`<` `>` `<=` `>=`): numbers, strings (by UTF-16 code units, as Java's
 * compareTo) and booleans (false < true) compare with their own kind; null is less than any
 * other value. Anything else fails.
 */
export function compare(a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if ((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return fail(`cannot compare ${typeName(a)} with ${typeName(b)}`);
}

/** Text of a value in a string concatenation (SpEL: null reads as "null"). */
export function toText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(toText).join(', ')}]`;
  return String(value);
}
