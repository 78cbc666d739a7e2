import type { EvaluationContext } from '../types.ts';
import type { Node } from './ast.ts';
import { refuse } from './errors.ts';
import { DEPRECATED_ALIASES, METHODS, REFUSED_CLASSES, REFUSED_FUNCTIONS, STATICS } from './functions.ts';
import type { FunctionSpec, StaticType } from './functions.ts';
import type { Value } from './values.ts';
import { UNDEF, compare, equals, fail, fromJson, toText, typeName } from './values.ts';

/**
 * Turns a syntax tree into closures over the evaluation context, once. Names are resolved and
 * function signatures checked here, so that anything outside the subset is refused when the rule
 * is saved; evaluation then only runs closures (no lookups by name, no `eval`).
 *
 * Missing inputs: a closure returns UNDEF when the context lacks what it reads (no user, no risk
 * level ...); UNDEF propagates through everything except `&&`/`||`, which follow Kleene logic
 * (`false && UNDEF` is false, `true || UNDEF` is true). An attribute absent from a profile that
 * is present is null, as in Okta.
 */

export type Run = (context: EvaluationContext) => Value;

export interface Compiled {
  type: StaticType;
  run: Run;
}

const article = (type: StaticType) => (type === 'array' || type === 'any' ? `an ${type}` : type === 'null' ? 'null' : `a ${type}`);

/** Whether a value of static type `actual` may be used where `wanted` is expected. */
const fits = (actual: StaticType, wanted: StaticType) => wanted === 'any' || actual === 'any' || actual === 'null' || actual === wanted;

const constant = (value: Value, type: StaticType): Compiled => ({ type, run: () => value });

/** Where the source text of `node` starts (a member's own `at` is its property name). */
function startOf(node: Node): number {
  switch (node.kind) {
    case 'member':
    case 'index':
      return Math.min(node.at, startOf(node.object));
    case 'call':
      return Math.min(node.at, startOf(node.callee));
    case 'binary':
      return startOf(node.left);
    case 'ternary':
      return startOf(node.test);
    default:
      return node.at;
  }
}

/** The dotted path a member/index chain spells (`security.userBehaviors['New IP'].detected`), if it is one. */
function pathOf(node: Node): string[] | undefined {
  if (node.kind === 'name') return [node.name];
  if (node.kind === 'member') {
    const base = pathOf(node.object);
    return base && [...base, node.name];
  }
  if (node.kind === 'index' && node.index.kind === 'literal' && typeof node.index.value === 'string') {
    const base = pathOf(node.object);
    return base && [...base, node.index.value];
  }
  return undefined;
}

const USER_PROPERTIES_UNAVAILABLE = new Set(['status', 'created', 'lastUpdated', 'passwordChanged', 'lastLogin', 'activated', 'statusChanged', 'type', 'realmId']);
const STATIC_CLASSES = new Set(['String', 'Arrays', 'Convert']);
const CONTEXT_ROOTS = new Set(['user', 'security', 'device', 'login']);
const UNAVAILABLE_ROOTS: Readonly<Record<string, string>> = {
  accessRequest: 'accessRequest (account management policies) is not available to these policy conditions',
  appuser: 'app user profiles (appuser) are not available to policy conditions',
  app: 'app profiles (app) are not available to policy conditions',
  org: 'org attributes (org) are not available to policy conditions',
  idpuser: 'IdP user profiles (idpuser) are not available to policy conditions',
  session: 'session attributes are not available to policy conditions',
};

function userVariable(path: string[], at: number): Compiled {
  const [, property, attribute, more] = path;
  if (property === undefined) return refuse("'user' is not a value; read a property such as user.profile.email", at);
  if (property === 'profile') {
    if (attribute === undefined) return refuse("user.profile is not a value; name an attribute, e.g. user.profile.department", at);
    if (more !== undefined) return refuse(`user.profile.${attribute} has no property '${more}'`, at);
    const what = `user.profile.${attribute}`;
    return {
      type: 'any',
      run: (c) => {
        const profile = c.user?.profile;
        if (profile === undefined) return UNDEF;
        return Object.hasOwn(profile, attribute) ? fromJson(profile[attribute], what) : null;
      },
    };
  }
  if (attribute !== undefined) return refuse(`user.${property} has no property '${attribute}'`, at);
  if (property === 'id') return { type: 'string', run: (c) => c.user?.id ?? UNDEF };
  // The username as typed; Identity Engine also spells it login.identifier.
  if (property === 'login') return { type: 'string', run: (c) => c.user?.login ?? UNDEF };
  if (USER_PROPERTIES_UNAVAILABLE.has(property)) return refuse(`user.${property} is not available to policy conditions (user.id, user.login and user.profile.* are)`, at);
  return refuse(`unknown user property 'user.${property}'; profile attributes are read as user.profile.${property}`, at);
}

function securityVariable(path: string[], at: number): Compiled {
  const dotted = path.join('.');
  if (dotted === 'security.risk.level') return { type: 'string', run: (c) => c.risk?.level ?? UNDEF };
  if (dotted === 'security.behaviors') return { type: 'array', run: (c) => c.behaviors ?? UNDEF };
  // The classic sign-on form: security.userBehaviors['New IP'].detected.
  if (path.length === 4 && path[1] === 'userBehaviors' && path[3] === 'detected') {
    const behavior = path[2]!;
    return { type: 'boolean', run: (c) => (c.behaviors === undefined ? UNDEF : c.behaviors.includes(behavior)) };
  }
  if (path[1] === 'ip') return refuse(`${dotted} (ThreatInsight IP signals) is not available to policy conditions`, at);
  return refuse(`${dotted} is not available to policy conditions (security.risk.level and security.behaviors are)`, at);
}

function deviceVariable(path: string[], at: number): Compiled {
  const dotted = path.join('.');
  if (dotted === 'device.profile.registered') return { type: 'boolean', run: (c) => c.device?.registered ?? UNDEF };
  if (dotted === 'device.profile.managed') return { type: 'boolean', run: (c) => c.device?.managed ?? UNDEF };
  return refuse(`${dotted} is not available to policy conditions (device.profile.registered and device.profile.managed are)`, at);
}

function variable(path: string[], at: number): Compiled {
  switch (path[0]) {
    case 'user':
      return userVariable(path, at);
    case 'security':
      return securityVariable(path, at);
    case 'device':
      return deviceVariable(path, at);
    default:
      if (path.join('.') === 'login.identifier') return { type: 'string', run: (c) => c.user?.login ?? UNDEF };
      return refuse(`${path.join('.')} is not available to policy conditions (login.identifier is)`, at);
  }
}

/** Calls `spec` with compiled arguments, after checking their number and static types. */
function apply(name: string, spec: FunctionSpec, args: readonly Compiled[], argNodes: readonly Node[], at: number, isMethod: boolean): Compiled {
  const max = spec.rest ? Infinity : spec.params.length;
  const min = spec.params.length - (spec.optional ?? 0);
  const shown = (n: number) => (isMethod ? n - 1 : n);
  if (args.length < min || args.length > max) {
    const expected = max === Infinity ? `at least ${shown(min)}` : min === max ? `${shown(min)}` : `${shown(min)} to ${shown(max)}`;
    return refuse(`${name} takes ${expected} argument${/(^| )1$/.test(expected) ? '' : 's'}, not ${shown(args.length)}`, at);
  }
  args.forEach((arg, i) => {
    const wanted = spec.params[i] ?? spec.rest ?? 'any';
    if (!fits(arg.type, wanted)) {
      const where = isMethod && i === 0 ? 'be called on' : `take as argument ${shown(i + 1)}`;
      refuse(`${name} cannot ${where} ${article(arg.type)}; it needs ${article(wanted)}`, argNodes[i] ? startOf(argNodes[i]) : at);
    }
  });
  const runs = args.map((a) => a.run);
  const impl = spec.impl;
  const run: Run = (c) => {
    const values: Value[] = new Array(runs.length);
    for (let i = 0; i < runs.length; i++) {
      const v = runs[i]!(c);
      if (v === UNDEF) return UNDEF;
      values[i] = v;
    }
    return impl(values);
  };
  return { type: spec.returns, run };
}

/** `user.isMemberOf({'group.id': ...}, ...)`: criteria of one group, all of which must hold, so the id lists intersect. */
function isMemberOf(args: readonly Node[], at: number): Compiled {
  if (args.length === 0) return refuse("user.isMemberOf needs at least one criterion, e.g. {'group.id': '00g...'}", at);
  let ids: Set<string> | undefined;
  for (const arg of args) {
    if (arg.kind !== 'map') return refuse("user.isMemberOf takes criteria maps, e.g. {'group.id': {'00g...', '00g...'}}", arg.at);
    for (const entry of arg.entries) {
      if (entry.key === 'group.type' || entry.key === 'group.profile.name' || entry.key === 'operator') {
        refuse(`'${entry.key}': group names and types are not available to policy conditions; match groups by 'group.id'`, entry.at);
      }
      if (entry.key !== 'group.id') refuse(`unknown user.isMemberOf criterion '${entry.key}' (supported: 'group.id')`, entry.at);
      const values = entry.value.kind === 'list' ? entry.value.items : [entry.value];
      const these = new Set<string>();
      for (const value of values) {
        if (value.kind !== 'literal' || typeof value.value !== 'string') refuse("'group.id' takes a group id or a list of group ids, as strings", startOf(value));
        these.add(value.value);
      }
      ids = ids === undefined ? these : new Set([...ids].filter((id) => these.has(id)));
    }
  }
  const wanted = ids ?? new Set<string>();
  return {
    type: 'boolean',
    run: (c) => {
      const groupIds = c.user?.groupIds;
      if (groupIds === undefined) return UNDEF;
      for (const id of groupIds) if (wanted.has(id)) return true;
      return false;
    },
  };
}

/** Classic `isMemberOfGroup(id)` / `isMemberOfAnyGroup(id, ...)`. */
function memberOfAny(name: string, args: readonly Compiled[], argNodes: readonly Node[], at: number): Compiled {
  if (args.length === 0 || (name === 'isMemberOfGroup' && args.length > 1)) return refuse(`${name} takes ${name === 'isMemberOfGroup' ? '1 argument' : 'at least 1 argument'} (group ids)`, at);
  args.forEach((a, i) => {
    if (!fits(a.type, 'string')) refuse(`${name} takes group ids as strings, not ${article(a.type)}`, startOf(argNodes[i]!));
  });
  const runs = args.map((a) => a.run);
  return {
    type: 'boolean',
    run: (c) => {
      const groupIds = c.user?.groupIds;
      if (groupIds === undefined) return UNDEF;
      for (const r of runs) {
        const id = r(c);
        if (id === UNDEF) return UNDEF;
        if (typeof id === 'string' && groupIds.includes(id)) return true;
      }
      return false;
    },
  };
}

function compileCall(node: Extract<Node, { kind: 'call' }>): Compiled {
  const { callee, at } = node;
  if (callee.kind === 'name') {
    const name = callee.name;
    if (REFUSED_FUNCTIONS[name]) return refuse(REFUSED_FUNCTIONS[name], at);
    if (name === 'isMemberOfGroup' || name === 'isMemberOfAnyGroup') return memberOfAny(name, node.args.map(compileNode), node.args, at);
    const alias = DEPRECATED_ALIASES[name];
    if (alias) return apply(name, STATICS[alias]!, node.args.map(compileNode), node.args, at, false);
    return refuse(`unknown function '${name}'`, at);
  }
  if (callee.kind !== 'member') return refuse('only functions can be called', at);
  const name = callee.name;
  const owner = pathOf(callee.object);
  if (owner?.length === 1) {
    const cls = owner[0]!;
    if (REFUSED_CLASSES[cls]) return refuse(REFUSED_CLASSES[cls], at);
    if (STATIC_CLASSES.has(cls)) {
      const spec = STATICS[`${cls}.${name}`];
      if (!spec) return refuse(`unknown function '${cls}.${name}'`, at);
      return apply(`${cls}.${name}`, spec, node.args.map(compileNode), node.args, at, false);
    }
    if (cls === 'user') {
      if (name === 'isMemberOf') return isMemberOf(node.args, at);
      const refused = REFUSED_FUNCTIONS[`user.${name}`];
      return refuse(refused ?? `unknown function 'user.${name}'`, at);
    }
  }
  // The receiver first, so that the leftmost problem of a chain is the one reported.
  const receiver = compileNode(callee.object);
  if (REFUSED_FUNCTIONS[name]) return refuse(REFUSED_FUNCTIONS[name], at);
  const method = METHODS[name];
  if (!method) return refuse(`unknown function '${name}'`, at);
  const args = node.args.map(compileNode);
  const all = [receiver, ...args];
  const nodes = [callee.object, ...node.args];
  const variants = (['string', 'array', 'number'] as const).filter((kind) => method[kind] !== undefined);
  if (receiver.type !== 'any') {
    const kind = variants.find((k) => k === receiver.type);
    if (!kind) return refuse(`${name} cannot be called on ${article(receiver.type)}`, startOf(callee.object));
    return apply(name, method[kind]!, all, nodes, at, true);
  }
  // A receiver of unknown type (a profile attribute): pick the variant by the value's kind.
  // Variants whose arguments do not fit are dropped (`contains(3)` can only be the array one).
  const compiled = new Map<string, Compiled>();
  let firstError: unknown;
  for (const k of variants) {
    try {
      compiled.set(k, apply(name, { ...method[k]!, params: ['any', ...method[k]!.params.slice(1)] }, all, nodes, at, true));
    } catch (error) {
      firstError ??= error;
    }
  }
  if (compiled.size === 0) throw firstError;
  const returns = new Set([...compiled.values()].map((c) => c.type));
  const byKind = (v: Value) => (typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : Array.isArray(v) ? 'array' : undefined);
  const receiverRun = receiver.run;
  return {
    type: returns.size === 1 ? [...returns][0]! : 'any',
    run: (c) => {
      const v = receiverRun(c);
      if (v === UNDEF) return UNDEF;
      const kind = byKind(v);
      const chosen = kind && compiled.get(kind);
      if (!chosen) return fail(`${name} cannot be called on ${typeName(v)}`);
      return chosen.run(c);
    },
  };
}

const isBool = (v: Value): v is boolean => v === true || v === false;

function logical(op: '&&' | '||', left: Compiled, right: Compiled): Run {
  const l = left.run;
  const r = right.run;
  // Kleene logic: the deciding value wins over UNDEF.
  const decisive = op === '||';
  return (c) => {
    const a = l(c);
    if (a === decisive) return decisive;
    if (a !== UNDEF && !isBool(a)) return fail(`${op} needs booleans, got ${typeName(a)}`);
    const b = r(c);
    if (b === decisive) return decisive;
    if (b !== UNDEF && !isBool(b)) return fail(`${op} needs booleans, got ${typeName(b)}`);
    return a === UNDEF || b === UNDEF ? UNDEF : !decisive;
  };
}

function compileBinary(node: Extract<Node, { kind: 'binary' }>): Compiled {
  const left = compileNode(node.left);
  const right = compileNode(node.right);
  const { op, at } = node;
  const l = left.run;
  const r = right.run;
  switch (op) {
    case '&&':
    case '||':
      for (const [side, n] of [
        [left, node.left],
        [right, node.right],
      ] as const) {
        if (!fits(side.type, 'boolean') || side.type === 'null') refuse(`${op} needs boolean operands, not ${article(side.type)}`, startOf(n));
      }
      return { type: 'boolean', run: logical(op, left, right) };
    case '==':
    case '!=': {
      const same = op === '==';
      return {
        type: 'boolean',
        run: (c) => {
          const a = l(c);
          if (a === UNDEF) return UNDEF;
          const b = r(c);
          if (b === UNDEF) return UNDEF;
          return equals(a, b) === same;
        },
      };
    }
    case '<':
    case '>':
    case '<=':
    case '>=': {
      const known = (t: StaticType) => t !== 'any' && t !== 'null';
      if ((known(left.type) && known(right.type) && left.type !== right.type) || left.type === 'array' || right.type === 'array') {
        refuse(`cannot compare ${article(left.type)} with ${article(right.type)} using ${op}`, at);
      }
      const test = op === '<' ? (n: number) => n < 0 : op === '>' ? (n: number) => n > 0 : op === '<=' ? (n: number) => n <= 0 : (n: number) => n >= 0;
      return {
        type: 'boolean',
        run: (c) => {
          const a = l(c);
          if (a === UNDEF) return UNDEF;
          const b = r(c);
          if (b === UNDEF) return UNDEF;
          return test(compare(a, b));
        },
      };
    }
    case '+': {
      const textual = left.type === 'string' || right.type === 'string';
      const numeric = left.type === 'number' && right.type === 'number';
      if (!textual && !numeric && left.type !== 'any' && right.type !== 'any') refuse(`+ cannot add ${article(left.type)} and ${article(right.type)}`, at);
      return {
        type: textual ? 'string' : numeric ? 'number' : 'any',
        run: (c) => {
          const a = l(c);
          if (a === UNDEF) return UNDEF;
          const b = r(c);
          if (b === UNDEF) return UNDEF;
          if (typeof a === 'number' && typeof b === 'number') return a + b;
          if (typeof a === 'string' || typeof b === 'string') return toText(a) + toText(b);
          return fail(`+ cannot add ${typeName(a)} and ${typeName(b)}`);
        },
      };
    }
    default: {
      for (const [side, n] of [
        [left, node.left],
        [right, node.right],
      ] as const) {
        if (!fits(side.type, 'number') || side.type === 'null') refuse(`${op} needs numbers, not ${article(side.type)}`, startOf(n));
      }
      const f = op === '-' ? (a: number, b: number) => a - b : op === '*' ? (a: number, b: number) => a * b : op === '/' ? (a: number, b: number) => a / b : (a: number, b: number) => a % b;
      return {
        type: 'number',
        run: (c) => {
          const a = l(c);
          if (a === UNDEF) return UNDEF;
          const b = r(c);
          if (b === UNDEF) return UNDEF;
          if (typeof a !== 'number' || typeof b !== 'number') return fail(`${op} needs numbers, got ${typeName(a)} and ${typeName(b)}`);
          if ((op === '/' || op === '%') && b === 0) return fail('division by zero');
          return f(a, b);
        },
      };
    }
  }
}

export function compileNode(node: Node): Compiled {
  switch (node.kind) {
    case 'literal': {
      const v = node.value;
      return constant(v, v === null ? 'null' : (typeof v as 'string' | 'number' | 'boolean'));
    }
    case 'name': {
      if (CONTEXT_ROOTS.has(node.name)) return variable([node.name], node.at);
      const unavailable = UNAVAILABLE_ROOTS[node.name];
      if (unavailable) return refuse(unavailable, node.at);
      if (STATIC_CLASSES.has(node.name) || REFUSED_CLASSES[node.name]) return refuse(`${node.name} is not a value; call one of its functions, e.g. ${node.name}.name(...)`, node.at);
      return refuse(`unknown name '${node.name}'`, node.at);
    }
    case 'member':
    case 'index': {
      const path = pathOf(node);
      const root = path?.[0];
      if (path && root !== undefined) {
        if (CONTEXT_ROOTS.has(root)) return variable(path, node.at);
        const unavailable = UNAVAILABLE_ROOTS[root];
        if (unavailable) return refuse(unavailable, node.at);
        if (STATIC_CLASSES.has(root) || REFUSED_CLASSES[root]) return refuse(`${path.join('.')} is a function; call it with (...)`, node.at);
        if (path.length > 1 && node.kind === 'member') return refuse(`unknown name '${root}'`, node.at);
      }
      if (node.kind === 'member') {
        compileNode(node.object);
        return refuse(`'.${node.name}' reads a property, which only user, security, device and login have; call functions with (...)`, node.at);
      }
      const list = compileNode(node.object);
      const index = compileNode(node.index);
      if (!fits(list.type, 'array')) refuse(`only arrays can be indexed, not ${article(list.type)}`, node.at);
      if (!fits(index.type, 'number')) refuse(`an array index must be a number, not ${article(index.type)}`, startOf(node.index));
      return {
        type: 'any',
        run: (c) => {
          const a = list.run(c);
          if (a === UNDEF) return UNDEF;
          const i = index.run(c);
          if (i === UNDEF) return UNDEF;
          if (!Array.isArray(a)) return fail(`only arrays can be indexed, not ${typeName(a)}`);
          if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= a.length) return fail(`index ${toText(i)} is out of range`);
          return fromJson(a[i], 'an array item');
        },
      };
    }
    case 'call':
      return compileCall(node);
    case 'list': {
      const items = node.items.map(compileNode);
      const runs = items.map((i) => i.run);
      return {
        type: 'array',
        run: (c) => {
          const out: Value[] = new Array(runs.length);
          for (let i = 0; i < runs.length; i++) {
            const v = runs[i]!(c);
            if (v === UNDEF) return UNDEF;
            out[i] = v;
          }
          return out;
        },
      };
    }
    case 'map':
      return refuse('a map ({key: value}) is only allowed as an argument of user.isMemberOf', node.at);
    case 'unary': {
      const operand = compileNode(node.operand);
      const o = operand.run;
      if (node.op === '!') {
        if (!fits(operand.type, 'boolean') || operand.type === 'null') refuse(`! needs a boolean, not ${article(operand.type)}`, startOf(node.operand));
        return {
          type: 'boolean',
          run: (c) => {
            const v = o(c);
            if (v === UNDEF) return UNDEF;
            return isBool(v) ? !v : fail(`! needs a boolean, got ${typeName(v)}`);
          },
        };
      }
      if (!fits(operand.type, 'number') || operand.type === 'null') refuse(`unary ${node.op} needs a number, not ${article(operand.type)}`, startOf(node.operand));
      const negate = node.op === '-';
      return {
        type: 'number',
        run: (c) => {
          const v = o(c);
          if (v === UNDEF) return UNDEF;
          if (typeof v !== 'number') return fail(`unary ${negate ? '-' : '+'} needs a number, got ${typeName(v)}`);
          return negate ? -v : v;
        },
      };
    }
    case 'binary':
      return compileBinary(node);
    case 'ternary': {
      const test = compileNode(node.test);
      if (!fits(test.type, 'boolean') || test.type === 'null') refuse(`the condition of ?: must be a boolean, not ${article(test.type)}`, startOf(node.test));
      const then = compileNode(node.then);
      const otherwise = compileNode(node.otherwise);
      const t = test.run;
      const a = then.run;
      const b = otherwise.run;
      return {
        type: then.type === otherwise.type ? then.type : then.type === 'null' ? otherwise.type : otherwise.type === 'null' ? then.type : 'any',
        run: (c) => {
          const v = t(c);
          if (v === UNDEF) return UNDEF;
          if (v === true) return a(c);
          if (v === false) return b(c);
          return fail(`the condition of ?: must be a boolean, got ${typeName(v)}`);
        },
      };
    }
  }
}
