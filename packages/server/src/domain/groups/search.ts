import { InvalidSearchCriteriaError } from '../../errors/catalog.ts';

/** Group attributes `search` and `filter` may name, spelled as on the wire. */
export type GroupField = 'id' | 'type' | 'profile.name' | 'profile.description' | 'created' | 'lastUpdated' | 'lastMembershipUpdated';

export type GroupCompareOp = 'eq' | 'ne' | 'sw' | 'co' | 'gt' | 'ge' | 'lt' | 'le';

/**
 * A parsed group `search` or `filter`. Text comparisons on `profile.*` ignore case (SCIM's
 * default for strings); `id` and `type` compare exactly; times are epoch milliseconds.
 */
export type GroupCondition =
  | { kind: 'and' | 'or'; items: GroupCondition[] }
  | { kind: 'not'; item: GroupCondition }
  | { kind: 'present'; field: GroupField }
  | { kind: 'compare'; field: GroupField; op: GroupCompareOp; value: string | number };

const TIME_FIELDS = new Set<GroupField>(['created', 'lastUpdated', 'lastMembershipUpdated']);
const TEXT_FIELDS = new Set<GroupField>(['profile.name', 'profile.description']);

interface Dialect {
  /** The query parameter, for messages. */
  parameter: 'search' | 'filter';
  fields: ReadonlySet<GroupField>;
  /** Operators allowed on each kind of field. */
  ops: { time: ReadonlySet<GroupCompareOp>; text: ReadonlySet<GroupCompareOp>; exact: ReadonlySet<GroupCompareOp> };
  not: boolean;
  present: boolean;
}

/**
 * `search`: Okta's recommended expression over `id`, `type`, `created`, `lastUpdated`,
 * `lastMembershipUpdated` and the profile; `sw`, `eq` and `co` on text (`co` only on
 * `profile.name` and `profile.description`), comparisons on times, `and`, `or`, `not` and
 * parentheses.
 */
const SEARCH: Dialect = {
  parameter: 'search',
  fields: new Set<GroupField>(['id', 'type', 'profile.name', 'profile.description', 'created', 'lastUpdated', 'lastMembershipUpdated']),
  ops: {
    time: new Set<GroupCompareOp>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']),
    text: new Set<GroupCompareOp>(['eq', 'ne', 'sw', 'co']),
    exact: new Set<GroupCompareOp>(['eq', 'ne', 'sw']),
  },
  not: true,
  present: true,
};

/** `filter`: the older, limited form: `id`, `type`, `lastUpdated`, `lastMembershipUpdated`; `eq` and time comparisons; `and`/`or`. */
const FILTER: Dialect = {
  parameter: 'filter',
  fields: new Set<GroupField>(['id', 'type', 'lastUpdated', 'lastMembershipUpdated']),
  ops: {
    time: new Set<GroupCompareOp>(['eq', 'gt', 'ge', 'lt', 'le']),
    text: new Set<GroupCompareOp>(),
    exact: new Set<GroupCompareOp>(['eq']),
  },
  not: false,
  present: false,
};

export const MAX_EXPRESSION_LENGTH = 2000;
const MAX_COMPARISONS = 50;
const MAX_DEPTH = 10;

export function parseGroupSearch(text: string): GroupCondition {
  return parse(text, SEARCH);
}

export function parseGroupFilter(text: string): GroupCondition {
  return parse(text, FILTER);
}

type Token = { kind: 'word' | 'string' | 'number' | 'open' | 'close' | 'end'; text: string; at: number };

const TOKEN = /(\s+)|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)(?![\w.])|(\()|(\))|([A-Za-z_][\w.]*)/y;

function parse(text: string, dialect: Dialect): GroupCondition {
  const refuse = (why: string): never => {
    throw new InvalidSearchCriteriaError([`${dialect.parameter}: ${why}`]);
  };
  if (text.length > MAX_EXPRESSION_LENGTH) refuse(`must be at most ${MAX_EXPRESSION_LENGTH} characters`);
  const tokens = tokenize(text, refuse);
  let position = 0;
  let comparisons = 0;
  const peek = () => tokens[position]!;
  const next = () => tokens[position++]!;
  const keyword = (token: Token, word: string) => token.kind === 'word' && token.text.toLowerCase() === word;
  const where = (token: Token) => (token.kind === 'end' ? 'the end of the expression' : `'${token.text}' at character ${token.at + 1}`);

  const expression = (depth: number): GroupCondition => {
    if (depth > MAX_DEPTH) refuse(`nests deeper than ${MAX_DEPTH} levels`);
    const items = [conjunction(depth)];
    while (keyword(peek(), 'or')) {
      next();
      items.push(conjunction(depth));
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };
  const conjunction = (depth: number): GroupCondition => {
    const items = [factor(depth)];
    while (keyword(peek(), 'and')) {
      next();
      items.push(factor(depth));
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };
  const factor = (depth: number): GroupCondition => {
    const token = next();
    if (keyword(token, 'not')) {
      if (!dialect.not) refuse(`the not operator is not supported in ${dialect.parameter}`);
      if (peek().kind !== 'open') refuse(`expected '(' after not but found ${where(peek())}`);
      return { kind: 'not', item: factor(depth + 1) };
    }
    if (token.kind === 'open') {
      const inner = expression(depth + 1);
      const close = next();
      if (close.kind !== 'close') refuse(`expected ')' but found ${where(close)}`);
      return inner;
    }
    if (token.kind !== 'word') refuse(`expected an attribute but found ${where(token)}`);
    const field = fieldOf(token.text);
    if (!field || !dialect.fields.has(field)) {
      refuse(`${token.text} cannot be used in ${dialect.parameter}; use one of ${[...dialect.fields].join(', ')}`);
    }
    if (++comparisons > MAX_COMPARISONS) refuse(`has more than ${MAX_COMPARISONS} comparisons`);
    const opToken = next();
    const op = opToken.kind === 'word' ? opToken.text.toLowerCase() : '';
    if (op === 'pr') {
      if (!dialect.present) refuse(`the pr operator is not supported in ${dialect.parameter}`);
      return { kind: 'present', field: field! };
    }
    const allowed = TIME_FIELDS.has(field!) ? dialect.ops.time : TEXT_FIELDS.has(field!) ? dialect.ops.text : dialect.ops.exact;
    if (!allowed.has(op as GroupCompareOp)) {
      refuse(`expected an operator (${[...allowed].join(', ')}) after ${field} but found ${where(opToken)}`);
    }
    if (op === 'co' && field !== 'profile.name' && field !== 'profile.description') refuse(`co can only be used on profile.name and profile.description`);
    const valueToken = next();
    if (valueToken.kind !== 'string') refuse(`expected a "quoted" value after ${field} ${op} but found ${where(valueToken)}`);
    const value = JSON.parse(valueToken.text) as string;
    if (TIME_FIELDS.has(field!)) {
      const ms = parseTime(value);
      if (ms === undefined) refuse(`${field} must be compared with a time such as "2024-01-01T00:00:00.000Z" (found "${value}")`);
      return { kind: 'compare', field: field!, op: op as GroupCompareOp, value: ms! };
    }
    return { kind: 'compare', field: field!, op: op as GroupCompareOp, value };
  };

  const condition = expression(0);
  if (peek().kind !== 'end') refuse(`expected and, or or the end of the expression but found ${where(peek())}`);
  return condition;
}

function tokenize(text: string, refuse: (why: string) => never): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) {
      if (text[at] === '"') refuse(`the string at character ${at + 1} is not closed`);
      refuse(`unexpected character '${text[at]}' at character ${at + 1}`);
    }
    if (m![1] !== undefined) continue;
    if (m![2] !== undefined) {
      try {
        JSON.parse(m![2]);
      } catch {
        refuse(`${m![2]} at character ${at + 1} is not a valid string (escape '"' and '\\' with a backslash)`);
      }
      tokens.push({ kind: 'string', text: m![2], at });
    } else if (m![3] !== undefined) tokens.push({ kind: 'number', text: m![3], at });
    else if (m![4] !== undefined) tokens.push({ kind: 'open', text: '(', at });
    else if (m![5] !== undefined) tokens.push({ kind: 'close', text: ')', at });
    else tokens.push({ kind: 'word', text: m![6]!, at });
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

const FIELDS_LOWER = new Map<string, GroupField>(
  (['id', 'type', 'profile.name', 'profile.description', 'created', 'lastUpdated', 'lastMembershipUpdated'] as const).map((f) => [f.toLowerCase(), f]),
);

/** Attribute names are case-insensitive, as in SCIM. */
function fieldOf(text: string): GroupField | undefined {
  return FIELDS_LOWER.get(text.toLowerCase());
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

function parseTime(value: string): number | undefined {
  if (!ISO_TIME.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
