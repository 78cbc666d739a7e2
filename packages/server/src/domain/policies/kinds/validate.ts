import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Type from 'typebox';
import type { TObjectOptions, TProperties, TSchema, TSchemaOptions } from 'typebox';
import { ApiValidationError, ReadOnlyFieldError } from '../../../errors/catalog.ts';
import type { Json, JsonObject, PolicyContent, RuleContent } from './kind.ts';

/**
 * The machinery every policy kind shares: schemas written with TypeBox, compiled once with Ajv,
 * applied to one part (`conditions`, `settings`, `actions`) at a time, plus the semantic checks
 * JSON Schema cannot express. Input is parsed JSON of any shape; output is the normalized JSON
 * Tollgate stores and serves.
 *
 * Normalization contract:
 * - `null` anywhere in an object means "not given": such properties are removed before
 *   validation (the official SDK echoes nulls back), so defaults fill them and they never reach
 *   storage. A part that is `null`/absent is `null` in the output unless the part has defaults.
 * - Properties a schema does not know are dropped silently, as Okta ignores unknown fields.
 * - Wrong types, bad enum values and missing required fields are errors; all of them, across all
 *   parts, are reported together in one ApiValidationError.
 */

/**
 * `removeAdditional: true` drops unknown properties of every object schema that says
 * `additionalProperties: false` (all of ours, see `Obj`); maps use a schema there instead and
 * keep their keys. Schemas avoid anyOf/oneOf: Ajv would strip properties while trying a branch
 * that then fails. `verbose` gives errors their schema, for the custom pattern messages.
 */
const ajv = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: true, removeAdditional: true, strict: false, verbose: true });

// --- schema helpers ---------------------------------------------------------------------------

/** An object schema whose unknown properties are dropped. */
export function Obj<P extends TProperties>(properties: P, options: TObjectOptions = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

export const Opt = Type.Optional;

/** A closed set of strings; errors read `must be one of A, B`. */
export function Enum<const V extends string>(values: readonly V[], options: TSchemaOptions = {}) {
  return Type.Enum([...values], options);
}

/** Longest free-text value Tollgate accepts where Okta documents no limit. */
export const MAX_TEXT = 1024;
/** Most entries Tollgate accepts in an id list (users, groups, zones, ...) where Okta documents no limit. */
export const MAX_IDS = 100;

/** An object id or key: a non-empty string. */
export const Id = Type.String({ minLength: 1, maxLength: 255 });
/** A list of ids, at most MAX_IDS. */
export const Ids = Type.Array(Id, { maxItems: MAX_IDS });
export const Text = Type.String({ minLength: 1, maxLength: MAX_TEXT });

/** ISO-8601 duration such as `PT2H`, `P30D`, `PT0S`. */
export const Duration = Type.String({
  pattern: '^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?)?$',
  patternMessage: 'must be an ISO-8601 duration such as PT2H',
});

// --- problems ---------------------------------------------------------------------------------

/** The causes found while parsing one request, in the order found, without repeats. */
export class Problems {
  readonly causes: string[] = [];

  add(path: string, message: string): void {
    const cause = `${path}: ${message}`;
    if (!this.causes.includes(cause)) this.causes.push(cause);
  }

  /** Throws ApiValidationError (E0000001) with every cause, if there is any. */
  throwIfAny(): void {
    if (this.causes.length > 0) throw new ApiValidationError([...this.causes]);
  }
}

/** The message of a missing required field, worded the same by schema errors and semantic checks. */
export const REQUIRED = 'The field is required';

// --- parts ------------------------------------------------------------------------------------

/** Semantic checks of one part; may normalize the (already schema-validated) value in place. */
export type PartCheck = (value: JsonObject, path: string, problems: Problems) => void;

export type PartSpec =
  /** A part the type has: validated by `validate`, then `check`. */
  | {
      kind: 'object';
      validate: ValidateFunction;
      check: PartCheck | undefined;
      /** When the part is not given: stays `null`, or `{}` is validated so its defaults fill in. */
      whenAbsent: 'null' | 'defaults';
    }
  /**
   * A part Okta's spec declares but does not support for the type ("conditions aren't
   * supported", always null). `null` and `{}` are accepted as null; content is an error, because
   * a client sending it expects it to scope the policy or rule, and silently dropping it would
   * change what the client thinks it configured.
   */
  | { kind: 'unsupported'; message: string }
  /** A part the type's spec does not have at all (`settings` of a sign-on policy): ignored, always null. */
  | { kind: 'ignored' };

export function objectPart(schema: TSchema, options: { check?: PartCheck; whenAbsent?: 'null' | 'defaults' } = {}): PartSpec {
  return { kind: 'object', validate: ajv.compile(schema), check: options.check, whenAbsent: options.whenAbsent ?? 'null' };
}

export function unsupportedPart(message: string): PartSpec {
  return { kind: 'unsupported', message };
}

export const IGNORED_PART: PartSpec = { kind: 'ignored' };

/** Parses one part; problems are collected, never thrown. */
export function parsePart(spec: PartSpec, input: unknown, path: string, problems: Problems): JsonObject | null {
  if (spec.kind === 'ignored') return null;
  const given = input === undefined || input === null ? null : input;
  if (spec.kind === 'unsupported') {
    if (given === null || (isObject(given) && Object.values(given).every((item) => item === null))) return null;
    problems.add(path, spec.message);
    return null;
  }
  if (given === null && spec.whenAbsent === 'null') return null;
  if (given !== null && !isObject(given)) {
    problems.add(path, 'must be object');
    return null;
  }
  let value: JsonObject;
  try {
    value = given === null ? {} : (stripNulls(given) as JsonObject);
  } catch (error) {
    if (!(error instanceof TooDeep)) throw error;
    problems.add(path, 'is nested too deeply');
    return null;
  }
  if (!spec.validate(value)) {
    for (const error of spec.validate.errors ?? []) {
      const { at, message } = describe(error);
      problems.add(path + at, message);
    }
  }
  spec.check?.(value, path, problems);
  return value;
}

/** Parses a policy's parts; throws ApiValidationError with every problem found. */
export function parsePolicyParts(
  parts: { conditions: PartSpec; settings: PartSpec },
  input: { conditions: unknown; settings: unknown },
  check?: (content: PolicyContent, problems: Problems) => void,
): PolicyContent {
  const problems = new Problems();
  const content = {
    conditions: parsePart(parts.conditions, input.conditions, 'conditions', problems),
    settings: parsePart(parts.settings, input.settings, 'settings', problems),
  };
  check?.(content, problems);
  problems.throwIfAny();
  return content;
}

/** Parses a rule's parts; throws ApiValidationError with every problem found. */
export function parseRuleParts(
  parts: { conditions: PartSpec; actions: PartSpec },
  input: { conditions: unknown; actions: unknown },
  check?: (content: RuleContent, problems: Problems) => void,
): RuleContent {
  const problems = new Problems();
  const content = {
    conditions: parsePart(parts.conditions, input.conditions, 'conditions', problems),
    actions: parsePart(parts.actions, input.actions, 'actions', problems),
  };
  check?.(content, problems);
  problems.throwIfAny();
  return content;
}

// --- read-only parts --------------------------------------------------------------------------

/**
 * A part Okta keeps read-only on update. Not given (null/absent): the stored value is kept, so a
 * client that leaves it out of a PUT is not refused. Given: it must equal the stored value once
 * normalized, or ReadOnlyFieldError (E0000111) names `field`.
 */
export function keepReadOnly<T extends Json>(field: string, input: unknown, parsed: T | null, previous: T | null): T | null {
  if (input === undefined || input === null) return previous;
  if (!sameJson(parsed, previous)) throw new ReadOnlyFieldError(field);
  return parsed;
}

/**
 * The rule parser of a type whose default rule is a catch-all: it matches whatever no other rule
 * matched, so its conditions are read-only; everything else about it may change.
 */
export function catchAllRuleParser(parts: { conditions: PartSpec; actions: PartSpec }) {
  return (input: { conditions: unknown; actions: unknown }, context: { system: boolean; previous?: RuleContent }): RuleContent => {
    const content = parseRuleParts(parts, input);
    if (!context.system || !context.previous) return content;
    return { ...content, conditions: keepReadOnly('conditions', input.conditions, content.conditions, context.previous.conditions) };
  };
}

// --- JSON helpers -----------------------------------------------------------------------------

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `value[key]`, if it is one. */
export function objectAt(value: unknown, key: string): JsonObject | undefined {
  const found = isObject(value) ? value[key] : undefined;
  return isObject(found) ? found : undefined;
}

/** The array at `value[key]`, if it is one. */
export function arrayAt(value: unknown, key: string): Json[] | undefined {
  const found = isObject(value) ? value[key] : undefined;
  return Array.isArray(found) ? found : undefined;
}

/** The string at `value[key]`, if it is one. */
export function stringAt(value: unknown, key: string): string | undefined {
  const found = isObject(value) ? value[key] : undefined;
  return typeof found === 'string' ? found : undefined;
}

/** Deeper than any policy schema goes; deeper input is refused rather than walked. */
const MAX_DEPTH = 32;

class TooDeep extends Error {}

/**
 * A deep copy without object properties whose value is null (array items are kept as they are).
 * `__proto__` keys are dropped (no schema has one). Throws TooDeep past MAX_DEPTH levels, so a
 * pathological body cannot exhaust the stack.
 */
export function stripNulls(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_DEPTH) throw new TooDeep();
  if (Array.isArray(value)) return value.map((item) => stripNulls(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== null && item !== undefined && key !== '__proto__') out[key] = stripNulls(item, depth + 1);
  }
  return out;
}

/** Structural equality of JSON values; object key order does not matter. */
export function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => key in b && sameJson(a[key], b[key]));
}

/** Deep-freezes a template so the shared constant cannot be changed by a caller. */
export function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) frozen(item);
    Object.freeze(value);
  }
  return value;
}

// --- Ajv errors -> causes ---------------------------------------------------------------------

/** `/a/b/0` -> `.a.b.0` (JSON Pointer to the dotted form Okta uses in causes). */
function dotted(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => `.${segment.replace(/~1/g, '/').replace(/~0/g, '~')}`)
    .join('');
}

function count(n: unknown, one: string, many = `${one}s`): string {
  return `${String(n)} ${n === 1 ? one : many}`;
}

function describe(error: ErrorObject): { at: string; message: string } {
  const at = dotted(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { at: `${at}.${String(params.missingProperty)}`, message: REQUIRED };
    case 'enum':
      return { at, message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}` };
    case 'type':
      return { at, message: `must be ${String(params.type)}` };
    case 'minItems':
      return { at, message: params.limit === 1 ? 'must not be empty' : `must have at least ${count(params.limit, 'item')}` };
    case 'maxItems':
      return { at, message: params.limit === 0 ? 'must be empty' : `must have at most ${count(params.limit, 'item')}` };
    case 'minLength':
      return { at, message: params.limit === 1 ? 'must not be empty' : `must be at least ${count(params.limit, 'character')}` };
    case 'maxLength':
      return { at, message: `must be at most ${count(params.limit, 'character')}` };
    case 'maxProperties':
      return { at, message: `must have at most ${count(params.limit, 'entry', 'entries')}` };
    case 'uniqueItems':
      return { at, message: 'must not contain duplicates' };
    case 'pattern': {
      const custom = (error.parentSchema as { patternMessage?: unknown } | undefined)?.patternMessage;
      return { at, message: typeof custom === 'string' ? custom : 'has an invalid format' };
    }
    default:
      return { at, message: error.message ?? 'is invalid' };
  }
}
