import type { Value } from './values.ts';
import { equals, fail, toText, typeName } from './values.ts';

/**
 * The functions expressions may call: the methods of Okta's Identity Engine EL (called on a
 * value: `user.profile.email.substringAfter('@')`) and the static functions of the classic EL that
 * IdP routing and older rules use (`String.substringAfter(user.profile.email, '@')`). Each has a
 * signature checked when the rule is saved and an implementation with Java/SpEL semantics.
 */

export type StaticType = 'boolean' | 'string' | 'number' | 'array' | 'null' | 'any';

export interface FunctionSpec {
  /** Parameter types; for a method the first is the receiver. */
  params: readonly StaticType[];
  /** How many trailing parameters may be left out. */
  optional?: number;
  /** The type of any further (variadic) arguments. */
  rest?: StaticType;
  returns: StaticType;
  impl: (args: readonly Value[]) => Value;
}

// --- argument readers: a wrong run-time type fails like a Java ClassCastException ---------------

function str(v: Value, fn: string): string {
  return typeof v === 'string' ? v : fail(`${fn} needs a string, got ${typeName(v)}`);
}
function int(v: Value, fn: string): number {
  return typeof v === 'number' && Number.isInteger(v) ? v : fail(`${fn} needs an integer, got ${typeName(v)}`);
}
function arr(v: Value, fn: string): readonly unknown[] {
  return Array.isArray(v) ? v : fail(`${fn} needs an array, got ${typeName(v)}`);
}

// --- shared implementations ------------------------------------------------------------------

/** Apache Commons `substringBefore`: the whole string when the separator is absent. */
function substringBefore(s: string, sep: string): string {
  if (sep === '') return '';
  const i = s.indexOf(sep);
  return i < 0 ? s : s.slice(0, i);
}
/** Apache Commons `substringAfter`: empty when the separator is absent. */
function substringAfter(s: string, sep: string): string {
  if (sep === '') return s;
  const i = s.indexOf(sep);
  return i < 0 ? '' : s.slice(i + sep.length);
}
/** Java `substring`: indexes out of range fail rather than clamp. */
function substring(s: string, begin: number, end: number, fn: string): string {
  if (begin < 0 || end > s.length || begin > end) fail(`${fn}: index out of range (${begin}, ${end}) for a string of length ${s.length}`);
  return s.slice(begin, end);
}
/** `match` is taken literally (not as a regular expression). */
function replaceFirst(s: string, match: string, replacement: string): string {
  const i = s.indexOf(match);
  return i < 0 ? s : s.slice(0, i) + replacement + s.slice(i + match.length);
}
function replaceAll(s: string, match: string, replacement: string): string {
  return match === '' ? s : s.split(match).join(replacement);
}
function removeSpaces(s: string): string {
  return s.replace(/\s+/g, '');
}

const NUMBER = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
function parseNumber(s: string, fn: string): number {
  return NUMBER.test(s) ? Number(s) : fail(`${fn}: '${s}' is not a number`);
}
/** Rounds half up, as Java's Math.round (and Okta's toInteger) does. */
function toInteger(v: Value, fn: string): number {
  if (typeof v === 'number') return Math.round(v);
  return Math.round(parseNumber(str(v, fn), fn));
}
function flatten(values: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (Array.isArray(v)) out.push(...flatten(v));
    else out.push(v);
  }
  return out;
}
function contains(list: readonly unknown[], item: unknown): boolean {
  for (const v of list) if (equals(v, item)) return true;
  return false;
}

// --- methods (Identity Engine EL), by name, then by the receiver's kind -----------------------

type Method = { string?: FunctionSpec; array?: FunctionSpec; number?: FunctionSpec };

const stringMethod = (params: readonly StaticType[], returns: StaticType, impl: FunctionSpec['impl'], optional = 0): FunctionSpec => ({
  params: ['string', ...params],
  returns,
  impl,
  optional,
});
const arrayMethod = (params: readonly StaticType[], returns: StaticType, impl: FunctionSpec['impl']): FunctionSpec => ({ params: ['array', ...params], returns, impl });

export const METHODS: Readonly<Record<string, Method>> = {
  toUpperCase: { string: stringMethod([], 'string', ([s]) => str(s!, 'toUpperCase').toUpperCase()) },
  toLowerCase: { string: stringMethod([], 'string', ([s]) => str(s!, 'toLowerCase').toLowerCase()) },
  substring: {
    string: stringMethod(
      ['number', 'number'],
      'string',
      ([s, b, e]) => {
        const text = str(s!, 'substring');
        return substring(text, int(b!, 'substring'), e === undefined ? text.length : int(e, 'substring'), 'substring');
      },
      1,
    ),
  },
  replace: { string: stringMethod(['string', 'string'], 'string', ([s, m, r]) => replaceAll(str(s!, 'replace'), str(m!, 'replace'), str(r!, 'replace'))) },
  replaceFirst: {
    string: stringMethod(['string', 'string'], 'string', ([s, m, r]) => replaceFirst(str(s!, 'replaceFirst'), str(m!, 'replaceFirst'), str(r!, 'replaceFirst'))),
  },
  length: { string: stringMethod([], 'number', ([s]) => str(s!, 'length').length) },
  removeSpaces: { string: stringMethod([], 'string', ([s]) => removeSpaces(str(s!, 'removeSpaces'))) },
  contains: {
    string: stringMethod(['string'], 'boolean', ([s, t]) => str(s!, 'contains').includes(str(t!, 'contains'))),
    array: arrayMethod(['any'], 'boolean', ([a, v]) => contains(arr(a!, 'contains'), v)),
  },
  startsWith: { string: stringMethod(['string'], 'boolean', ([s, t]) => str(s!, 'startsWith').startsWith(str(t!, 'startsWith'))) },
  endsWith: { string: stringMethod(['string'], 'boolean', ([s, t]) => str(s!, 'endsWith').endsWith(str(t!, 'endsWith'))) },
  substringBefore: { string: stringMethod(['string'], 'string', ([s, t]) => substringBefore(str(s!, 'substringBefore'), str(t!, 'substringBefore'))) },
  substringAfter: { string: stringMethod(['string'], 'string', ([s, t]) => substringAfter(str(s!, 'substringAfter'), str(t!, 'substringAfter'))) },
  toInteger: {
    string: stringMethod([], 'number', ([s]) => toInteger(s!, 'toInteger')),
    number: { params: ['number'], returns: 'number', impl: ([n]) => toInteger(n!, 'toInteger') },
  },
  toNumber: { string: stringMethod([], 'number', ([s]) => parseNumber(str(s!, 'toNumber'), 'toNumber')) },
  size: { array: arrayMethod([], 'number', ([a]) => arr(a!, 'size').length) },
  isEmpty: { array: arrayMethod([], 'boolean', ([a]) => arr(a!, 'isEmpty').length === 0) },
  add: { array: arrayMethod(['any'], 'array', ([a, v]) => [...arr(a!, 'add'), v]) },
  remove: { array: arrayMethod(['any'], 'array', ([a, v]) => arr(a!, 'remove').filter((item) => !equals(item, v))) },
  flatten: { array: arrayMethod([], 'array', ([a]) => flatten(arr(a!, 'flatten'))) },
};

// --- static functions (classic EL) -------------------------------------------------------------

/**
 * Classic string functions are null-safe, as Okta's are for absent profile attributes: a null
 * input gives null (or false, or 0) instead of failing.
 */
const nullSafe =
  (onNull: Value, impl: FunctionSpec['impl']): FunctionSpec['impl'] =>
  (args) =>
    args[0] === null ? onNull : impl(args);

const stringStatic = (name: string, params: readonly StaticType[], returns: StaticType, onNull: Value, impl: (s: string, rest: readonly Value[]) => Value): FunctionSpec => ({
  params: ['string', ...params],
  returns,
  impl: nullSafe(onNull, (args) => impl(str(args[0]!, name), args.slice(1))),
});

export const STATICS: Readonly<Record<string, FunctionSpec>> = {
  'String.append': stringStatic('String.append', ['string'], 'string', null, (s, [t]) => s + toText(t)),
  'String.join': {
    params: ['string'],
    rest: 'string',
    returns: 'string',
    impl: ([sep, ...parts]) => parts.map((p) => (p === null ? 'null' : str(p!, 'String.join'))).join(str(sep!, 'String.join')),
  },
  'String.len': stringStatic('String.len', [], 'number', 0, (s) => s.length),
  'String.removeSpaces': stringStatic('String.removeSpaces', [], 'string', null, removeSpaces),
  'String.replace': stringStatic('String.replace', ['string', 'string'], 'string', null, (s, [m, r]) => replaceAll(s, str(m!, 'String.replace'), str(r!, 'String.replace'))),
  'String.replaceFirst': stringStatic('String.replaceFirst', ['string', 'string'], 'string', null, (s, [m, r]) =>
    replaceFirst(s, str(m!, 'String.replaceFirst'), str(r!, 'String.replaceFirst')),
  ),
  'String.stringContains': stringStatic('String.stringContains', ['string'], 'boolean', false, (s, [t]) => s.includes(str(t!, 'String.stringContains'))),
  'String.startsWith': stringStatic('String.startsWith', ['string'], 'boolean', false, (s, [t]) => s.startsWith(str(t!, 'String.startsWith'))),
  'String.stringSwitch': {
    params: ['string', 'string'],
    rest: 'string',
    returns: 'string',
    impl: ([input, fallback, ...pairs]) => {
      if (input === null) return fallback!;
      const s = str(input!, 'String.stringSwitch');
      for (let i = 0; i + 1 < pairs.length; i += 2) if (s.includes(str(pairs[i]!, 'String.stringSwitch'))) return pairs[i + 1]!;
      return fallback!;
    },
  },
  'String.substring': stringStatic('String.substring', ['number', 'number'], 'string', null, (s, [b, e]) =>
    substring(s, int(b!, 'String.substring'), int(e!, 'String.substring'), 'String.substring'),
  ),
  'String.substringAfter': stringStatic('String.substringAfter', ['string'], 'string', null, (s, [t]) => substringAfter(s, str(t!, 'String.substringAfter'))),
  'String.substringBefore': stringStatic('String.substringBefore', ['string'], 'string', null, (s, [t]) => substringBefore(s, str(t!, 'String.substringBefore'))),
  'String.toUpperCase': stringStatic('String.toUpperCase', [], 'string', null, (s) => s.toUpperCase()),
  'String.toLowerCase': stringStatic('String.toLowerCase', [], 'string', null, (s) => s.toLowerCase()),
  'Arrays.add': { params: ['array', 'any'], returns: 'array', impl: ([a, v]) => [...(a === null ? [] : arr(a!, 'Arrays.add')), v] },
  'Arrays.remove': { params: ['array', 'any'], returns: 'array', impl: ([a, v]) => (a === null ? [] : arr(a!, 'Arrays.remove').filter((item) => !equals(item, v))) },
  'Arrays.clear': { params: ['array'], returns: 'array', impl: () => [] },
  'Arrays.get': {
    params: ['array', 'number'],
    returns: 'any',
    impl: ([a, i]) => {
      const list = arr(a!, 'Arrays.get');
      const at = int(i!, 'Arrays.get');
      if (at < 0 || at >= list.length) fail(`Arrays.get: index ${at} out of range for an array of ${list.length}`);
      const item = list[at];
      return item === undefined ? null : (item as Value);
    },
  },
  'Arrays.flatten': { params: [], rest: 'any', returns: 'array', impl: (values) => flatten(values) },
  'Arrays.contains': { params: ['array', 'any'], returns: 'boolean', impl: ([a, v]) => a !== null && contains(arr(a!, 'Arrays.contains'), v) },
  'Arrays.size': { params: ['array'], returns: 'number', impl: ([a]) => (a === null ? 0 : arr(a!, 'Arrays.size').length) },
  'Arrays.isEmpty': { params: ['array'], returns: 'boolean', impl: ([a]) => a === null || arr(a!, 'Arrays.isEmpty').length === 0 },
  'Arrays.toCsvString': {
    params: ['array'],
    returns: 'string',
    impl: ([a]) => (a === null ? null : arr(a!, 'Arrays.toCsvString').map(toText).join(',')),
  },
  'Convert.toInt': { params: ['any'], returns: 'number', impl: ([v]) => toInteger(v!, 'Convert.toInt') },
  'Convert.toNum': { params: ['string'], returns: 'number', impl: ([v]) => parseNumber(str(v!, 'Convert.toNum'), 'Convert.toNum') },
};

/** The classic EL's deprecated bare string functions, as aliases of their `String.*` forms. */
export const DEPRECATED_ALIASES: Readonly<Record<string, string>> = {
  toUpperCase: 'String.toUpperCase',
  toLowerCase: 'String.toLowerCase',
  substringBefore: 'String.substringBefore',
  substringAfter: 'String.substringAfter',
  substring: 'String.substring',
};

const GROUP_NAMES = "group names and types are not available to policy conditions; match groups by id, e.g. user.isMemberOf({'group.id': '00g...'})";

/** Documented functions Tollgate cannot back with a request's context, and why. */
export const REFUSED_FUNCTIONS: Readonly<Record<string, string>> = {
  isMemberOfGroupName: GROUP_NAMES,
  isMemberOfGroupNameStartsWith: GROUP_NAMES,
  isMemberOfGroupNameContains: GROUP_NAMES,
  isMemberOfGroupNameRegex: GROUP_NAMES,
  getFilteredGroups: GROUP_NAMES,
  'user.getGroups': GROUP_NAMES,
  'user.getLinkedObject': 'linked objects (user.getLinkedObject) are not available to policy conditions',
  'user.getInternalProperty': 'user.getInternalProperty is not available to policy conditions',
  parseCountryCode: 'country code functions are not supported in policy conditions',
  parseWindowsTime: 'time functions are not supported in policy conditions',
  parseUnixTime: 'time functions are not supported in policy conditions',
  parseStringTime: 'time functions are not supported in policy conditions',
  versionGreaterThan: 'device signals (version comparisons) are not available to policy conditions',
  versionLessThan: 'device signals (version comparisons) are not available to policy conditions',
};

/** Classes of the classic EL whose static functions are all refused, and why. */
export const REFUSED_CLASSES: Readonly<Record<string, string>> = {
  Groups: GROUP_NAMES,
  Time: 'time functions are not supported in policy conditions',
  DateTime: 'time functions are not supported in policy conditions',
  Iso3166Convert: 'country code functions are not supported in policy conditions',
};
