import { InvalidSearchCriteriaError } from '../../errors/catalog.ts';
import { USER_STATUSES } from './lifecycle.ts';

/**
 * The users list's `filter` and `search` expressions, parsed into a tree the store compiles to
 * parameterised SQL (storage/user-ports.ts). Grammar (Okta's subset of SCIM filters):
 *
 *   expr       := term ('or' term)*
 *   term       := factor ('and' factor)*
 *   factor     := '(' expr ')' | attribute op value | attribute 'pr'
 *   value      := a JSON string in double quotes
 *
 * Operators and `and`/`or` are case-insensitive; attribute names are case-sensitive, as Okta
 * says. String values compare case-insensitively (the store keeps lower-cased copies of the
 * searchable profile fields). `filter` allows `eq` on every attribute and `gt ge lt le` on
 * `lastUpdated` and `created`; `search` adds `sw`, `co` (on the profile names, email and login),
 * `pr`, and the date comparisons on `activated` and `statusChanged` as well.
 */
export type UserAttribute =
  | 'id'
  | 'status'
  | 'created'
  | 'lastUpdated'
  | 'activated'
  | 'statusChanged'
  | 'profile.login'
  | 'profile.email'
  | 'profile.firstName'
  | 'profile.lastName';

export type UserFilterOp = 'eq' | 'gt' | 'ge' | 'lt' | 'le' | 'sw' | 'co';

export type UserFilter =
  | { kind: 'and' | 'or'; left: UserFilter; right: UserFilter }
  | { kind: 'compare'; attribute: UserAttribute; op: UserFilterOp; value: string | number }
  | { kind: 'present'; attribute: UserAttribute };

const DATES: ReadonlySet<UserAttribute> = new Set(['created', 'lastUpdated', 'activated', 'statusChanged']);
const TEXT: ReadonlySet<UserAttribute> = new Set(['profile.login', 'profile.email', 'profile.firstName', 'profile.lastName']);
const ATTRIBUTES: ReadonlySet<string> = new Set<UserAttribute>(['id', 'status', ...DATES, ...TEXT]);
const OPS: ReadonlySet<string> = new Set(['eq', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'pr']);
const MAX_LENGTH = 2000;
const MAX_COMPARISONS = 50;

type Mode = 'filter' | 'search';

interface Token {
  type: 'word' | 'string' | 'open' | 'close' | 'end';
  text: string;
  at: number;
}

const TOKEN = /(\s+)|("(?:[^"\\]|\\.)*")|(\()|(\))|([A-Za-z_][\w.]*)/y;

function refuse(mode: Mode, reason: string): never {
  throw new InvalidSearchCriteriaError([`${mode}: ${reason}`]);
}

function tokenize(text: string, mode: Mode): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) refuse(mode, `unexpected character '${text[at]}' at position ${at + 1}`);
    if (m[1] !== undefined) continue;
    if (m[2] !== undefined) {
      let value: unknown;
      try {
        value = JSON.parse(m[2]);
      } catch {
        refuse(mode, `${m[2]} is not a valid string`);
      }
      tokens.push({ type: 'string', text: String(value), at });
    } else if (m[3] !== undefined) tokens.push({ type: 'open', text: '(', at });
    else if (m[4] !== undefined) tokens.push({ type: 'close', text: ')', at });
    else tokens.push({ type: 'word', text: m[5]!, at });
  }
  tokens.push({ type: 'end', text: '', at: text.length });
  return tokens;
}

export function parseUserFilter(text: string, mode: Mode): UserFilter {
  if (text.trim() === '') refuse(mode, 'must not be empty');
  if (text.length > MAX_LENGTH) refuse(mode, `must be at most ${MAX_LENGTH} characters`);
  const tokens = tokenize(text, mode);
  let i = 0;
  let comparisons = 0;
  let depth = 0;
  const peek = () => tokens[i]!;
  const next = () => tokens[i++]!;
  const keyword = (word: string) => peek().type === 'word' && peek().text.toLowerCase() === word;
  const describe = (t: Token) => (t.type === 'end' ? 'the end of the expression' : `'${t.text}' at position ${t.at + 1}`);

  const expr = (): UserFilter => {
    let left = term();
    while (keyword('or')) {
      next();
      left = { kind: 'or', left, right: term() };
    }
    return left;
  };
  const term = (): UserFilter => {
    let left = factor();
    while (keyword('and')) {
      next();
      left = { kind: 'and', left, right: factor() };
    }
    return left;
  };
  const factor = (): UserFilter => {
    const t = next();
    if (t.type === 'open') {
      if (++depth > 10) refuse(mode, 'nests parentheses deeper than 10 levels');
      const inner = expr();
      const close = next();
      if (close.type !== 'close') refuse(mode, `expected ')' but found ${describe(close)}`);
      depth--;
      return inner;
    }
    if (t.type !== 'word') refuse(mode, `expected an attribute but found ${describe(t)}`);
    if (++comparisons > MAX_COMPARISONS) refuse(mode, `has more than ${MAX_COMPARISONS} comparisons`);
    const attribute = t.text;
    const opToken = next();
    const op = opToken.text.toLowerCase();
    if (opToken.type !== 'word' || !OPS.has(op)) refuse(mode, `expected an operator after ${attribute} but found ${describe(opToken)}`);
    if (!ATTRIBUTES.has(attribute)) refuse(mode, `${attribute} is not a supported attribute`);
    const attr = attribute as UserAttribute;
    if (op === 'pr') {
      if (mode === 'filter') refuse(mode, `the operator pr is not supported in a filter; use search`);
      return { kind: 'present', attribute: attr };
    }
    const valueToken = next();
    if (valueToken.type !== 'string') refuse(mode, `expected a quoted value after ${attribute} ${op} but found ${describe(valueToken)}`);
    return compare(mode, attr, op as UserFilterOp, valueToken.text);
  };

  const tree = expr();
  if (peek().type !== 'end') refuse(mode, `expected 'and', 'or' or the end of the expression but found ${describe(peek())}`);
  return tree;
}

function compare(mode: Mode, attribute: UserAttribute, op: UserFilterOp, raw: string): UserFilter {
  const ordered = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';
  if (ordered && !DATES.has(attribute)) refuse(mode, `the operator ${op} is supported only on dates`);
  if (mode === 'filter' && ordered && attribute !== 'lastUpdated' && attribute !== 'created') {
    refuse(mode, `the operator ${op} is supported only on lastUpdated and created; use search`);
  }
  if ((op === 'sw' || op === 'co') && mode === 'filter') refuse(mode, `the operator ${op} is not supported in a filter; use search`);
  if (op === 'co' && !TEXT.has(attribute)) refuse(mode, `the operator co is supported only on profile.login, profile.email, profile.firstName and profile.lastName`);
  if (op === 'sw' && DATES.has(attribute)) refuse(mode, `the operator sw is not supported on dates`);
  if (DATES.has(attribute)) {
    const ms = Date.parse(raw);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/.test(raw) || Number.isNaN(ms)) {
      refuse(mode, `${attribute} must be compared with a date such as "2026-01-01T00:00:00.000Z"`);
    }
    return { kind: 'compare', attribute, op, value: ms };
  }
  if (attribute === 'status') {
    const status = raw.toUpperCase();
    if (op === 'eq' && !USER_STATUSES.includes(status as (typeof USER_STATUSES)[number])) refuse(mode, `status must be one of ${USER_STATUSES.join(', ')}`);
    return { kind: 'compare', attribute, op, value: status };
  }
  return { kind: 'compare', attribute, op, value: attribute === 'id' ? raw : raw.toLowerCase() };
}
