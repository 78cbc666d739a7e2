import type { Filter } from 'scim2-parse-filter';
import { Tokens, parseFilter } from 'scim2-parse-filter/lib/src/parser.js';
import type { Token } from 'scim2-parse-filter/lib/src/parser.js';
import { InvalidFilterError, InvalidSearchCriteriaError } from '../../errors/catalog.ts';
import type { CompareOp, LogFilter } from './query.ts';

/**
 * The System Log `filter` parameter: a SCIM 2.0 filter (RFC 7644 §3.4.2.2) over `LogEvent`
 * attribute paths, parsed, validated against the event schema, and turned into a `LogFilter`
 * whose paths are spelled as in the schema. The store compiles that to SQL
 * (storage/log-filter-sql.ts) using `attributeOf` below.
 *
 * Grammar decisions:
 * - Operators (`eq`, `AND`, `Not`, ...) and schema attribute names are case-insensitive, as
 *   RFC 7644 says; attribute names are normalised to the schema's spelling. Keys inside the
 *   free-form maps (`debugContext.debugData.*` ...) are data, not schema, and stay as written.
 * - Values are JSON (RFC 7644: compValue is a JSON literal): strings in double quotes with
 *   JSON escapes (`\"`, `\\`, `\n`, `\u00e9`), numbers, `true`, `false`, `null`.
 * - Precedence: `not` binds tightest, then `and`, then `or`; parentheses group.
 *
 * The library's parser does the precedence; its tokenizer is replaced by `tokenize` below
 * because it mis-reads JSON strings (it doubles every backslash not before a quote, so `"a\\b"`
 * became two backslashes and `"a\\"` failed) and negative numbers before `)` or a space
 * (`lat lt -30 and ...` failed). Our tokens feed the library's own `Tokens`/`parseFilter`.
 */
export function parseLogFilter(text: string): LogFilter {
  if (text.length > MAX_FILTER_LENGTH) refuse(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  const tokens = tokenize(text);
  const ast = parseTokens(tokens);
  checkSize(ast);
  return toLogFilter(ast);
}

// Limits that keep one request from costing the database much: every comparison is a scan
// expression, and nesting multiplies the work of the planner and of our recursion.
export const MAX_FILTER_LENGTH = 4000;
export const MAX_FILTER_DEPTH = 20;
export const MAX_FILTER_COMPARISONS = 100;

function refuse(what: string): never {
  throw new InvalidFilterError(`Invalid SCIM filter. ${what}`, [`filter: ${what}`]);
}

// ---------------------------------------------------------------------------------------------
// Tokens

interface PositionedToken extends Token {
  /** 0-based index of the token's first character in the filter text. */
  offset: number;
}

// Same token classes as the library's tokenizer, with JSON strings and numbers that may be
// followed by `)` or a space. A word is an attribute path, an operator, or true/false/null.
const TOKEN =
  /(\s+)|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![-\w.:/%])|("(?:[^"\\]|\\.)*")|(\[|\(|\)|\]\.?)|(\w[-\w.:/%]*)/y;

function tokenize(text: string): PositionedToken[] {
  const tokens: PositionedToken[] = [];
  let depth = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const offset = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) {
      if (text[offset] === '"') refuse(`Syntax error at character ${offset + 1}: the string is not closed.`);
      refuse(`Syntax error at character ${offset + 1}: unexpected character '${text[offset]}'.`);
    }
    if (m[1] !== undefined) continue;
    if (m[2] !== undefined) tokens.push({ type: 'Number', literal: m[2], offset });
    else if (m[3] !== undefined) tokens.push({ type: 'Quoted', literal: checkedString(m[3], offset), offset });
    else if (m[4] !== undefined) {
      tokens.push({ type: 'Bracket', literal: m[4], offset });
      // Checked here, before the library's recursive descent runs, so deep input never recurses.
      if (m[4] === '(' || m[4] === '[') depth++;
      else depth = Math.max(0, depth - 1);
      if (depth > MAX_FILTER_DEPTH) refuse(`The filter nests parentheses deeper than ${MAX_FILTER_DEPTH} levels.`);
    } else tokens.push({ type: 'Word', literal: m[5] ?? '', offset });
  }
  tokens.push({ type: 'EOT', literal: '', offset: text.length });
  return tokens;
}

/** A quoted token must be a JSON string; the library JSON-parses it as it is. */
function checkedString(literal: string, offset: number): string {
  try {
    JSON.parse(literal);
  } catch {
    refuse(`Syntax error at character ${offset + 1}: ${literal} is not a valid JSON string (escape '"' and '\\' with a backslash).`);
  }
  return literal;
}

// ---------------------------------------------------------------------------------------------
// Syntax

function parseTokens(tokens: PositionedToken[]): Filter {
  const list = new Tokens(tokens);
  let ast: Filter;
  try {
    ast = parseFilter(list);
  } catch (error) {
    if (error instanceof RangeError) refuse(`The filter nests deeper than ${MAX_FILTER_DEPTH} levels.`);
    // The library shifts the offending token before it throws.
    const at = tokens[Math.max(0, Math.min(list.i - 1, tokens.length - 1))];
    refuse(`Syntax error at ${where(at)}: ${syntaxReason(error, at, tokens[list.i - 2])}.`);
  }
  if (list.peek().type !== 'EOT') {
    const at = tokens[list.i];
    refuse(`Syntax error at ${where(at)}: expected 'and', 'or' or the end of the filter but found ${describe(at)}.`);
  }
  return ast;
}

function where(token: PositionedToken | undefined): string {
  return token === undefined || token.type === 'EOT' ? 'the end of the filter' : `character ${token.offset + 1}`;
}

function describe(token: PositionedToken | undefined): string {
  return token === undefined || token.type === 'EOT' ? 'the end of the filter' : `'${token.literal}'`;
}

/** The library's messages name tokens in its own notation; say the same in the user's terms. */
function syntaxReason(error: unknown, at: PositionedToken | undefined, before: PositionedToken | undefined): string {
  const message = error instanceof Error ? error.message : '';
  if (message.includes('is not json')) {
    return `expected a value (a "quoted string", a number, true, false or null) but found ${describe(at)}`;
  }
  if (message.includes("expected ')'")) return `expected ')' but found ${describe(at)}`;
  if (message.includes("expected ']'")) return `expected ']' but found ${describe(at)}`;
  if (message.includes('as valFilter operator')) {
    return `expected an operator (eq, ne, gt, ge, lt, le, sw, co, ew, pr) after ${describe(before)} but found ${describe(at)}`;
  }
  return at === undefined || at.type === 'EOT' ? 'the filter ends too early' : `unexpected ${describe(at)}`;
}

/** Depth counts nested and/or/not; the comparison budget counts every eq ... pr. */
function checkSize(ast: Filter): void {
  let comparisons = 0;
  const walk = (node: Filter, depth: number): void => {
    if (depth > MAX_FILTER_DEPTH) refuse(`The filter nests deeper than ${MAX_FILTER_DEPTH} levels.`);
    switch (node.op) {
      case 'and':
      case 'or':
        for (const child of node.filters) walk(child, depth + 1);
        return;
      case 'not':
        walk(node.filter, depth + 1);
        return;
      case '[]':
        walk(node.valFilter, depth + 1);
        return;
      default:
        comparisons++;
        if (comparisons > MAX_FILTER_COMPARISONS) refuse(`The filter has more than ${MAX_FILTER_COMPARISONS} comparisons.`);
    }
  };
  walk(ast, 0);
}

// ---------------------------------------------------------------------------------------------
// Meaning

function toLogFilter(node: Filter): LogFilter {
  switch (node.op) {
    case 'and':
    case 'or': {
      // `(a and b) and c` is `a and b and c`: flattening keeps the SQL shallow.
      const items = node.filters.flatMap((child) => {
        const item = toLogFilter(child);
        return item.kind === node.op ? item.items : [item];
      });
      return { kind: node.op, items };
    }
    case 'not':
      return { kind: 'not', item: toLogFilter(node.filter) };
    case '[]':
      return refuse(`The [ ] value filter operator isn't supported (found at '${node.attrPath}['); compare each attribute by its full path, such as target.type eq "User".`);
    case 'pr':
      return { kind: 'present', path: resolveOrRefuse(node.attrPath).path };
    default:
      return comparison(node.op, node.attrPath, node.compValue);
  }
}

function comparison(op: CompareOp, rawPath: string, value: string | number | boolean | null): LogFilter {
  const attribute = resolveOrRefuse(rawPath);
  const path = attribute.path;
  if (op === 'co' && REQUEST_URL_KEYS.has(path.toLowerCase())) {
    // Okta answers E0000031 for `co` on these two: a substring search over request URLs is
    // one it will not run.
    throw new InvalidSearchCriteriaError([`filter: the co operator is not supported on ${path}; use eq or sw`]);
  }
  if (value === null) {
    if (op !== 'eq' && op !== 'ne') refuse(`null can only be compared with eq or ne (found ${path} ${op} null).`);
    return { kind: 'compare', path, op, value };
  }
  if (attribute.type === 'object') {
    refuse(`${path} is an object; compare one of its attributes${childList(path)}, or use pr.`);
  }
  const given = typeof value;
  if (given !== attribute.type) {
    refuse(`${path} is a ${attribute.type} attribute and cannot be compared with the ${given} ${JSON.stringify(value)}.`);
  }
  if ((op === 'sw' || op === 'co' || op === 'ew') && attribute.type !== 'string') {
    refuse(`${op} works on string attributes only; ${path} is a ${attribute.type} attribute.`);
  }
  if (attribute.type === 'boolean' && op !== 'eq' && op !== 'ne') {
    refuse(`${op} cannot compare the boolean attribute ${path}; use eq or ne.`);
  }
  return { kind: 'compare', path, op, value };
}

const REQUEST_URL_KEYS = new Set(['debugcontext.debugdata.url', 'debugcontext.debugdata.requesturi']);

function childList(path: string): string {
  const node = nodeAt(path);
  if (node?.kind !== 'object') return '';
  const names = Object.keys(node.fields).filter((name) => node.fields[name]?.kind !== 'refused');
  return ` (${names.map((name) => `${path}.${name}`).join(', ')})`;
}

function resolveOrRefuse(rawPath: string): LogAttribute {
  const resolved = resolve(rawPath);
  if ('refused' in resolved) refuse(resolved.refused);
  return resolved;
}

// ---------------------------------------------------------------------------------------------
// The LogEvent schema (components.schemas.LogEvent of Okta's management spec, with its $refs).

type Scalar = 'string' | 'number' | 'boolean';

type SchemaNode =
  | { kind: 'scalar'; type: Scalar }
  | { kind: 'object'; fields: Record<string, SchemaNode> }
  /** additionalProperties: any key, string values. */
  | { kind: 'map' }
  | { kind: 'array'; items: SchemaNode }
  /** In the schema but not filterable; `reason` says why. */
  | { kind: 'refused'; reason: string };

const str: SchemaNode = { kind: 'scalar', type: 'string' };
const num: SchemaNode = { kind: 'scalar', type: 'number' };
const bool: SchemaNode = { kind: 'scalar', type: 'boolean' };
const map: SchemaNode = { kind: 'map' };
const obj = (fields: Record<string, SchemaNode>): SchemaNode => ({ kind: 'object', fields });
const arr = (items: SchemaNode): SchemaNode => ({ kind: 'array', items });

const logGeographicalContext = obj({
  city: str,
  state: str,
  country: str,
  postalCode: str,
  geolocation: obj({ lat: num, lon: num }),
});

const logIpDetails = obj({
  asNumber: num,
  asOrg: str,
  domain: str,
  isp: str,
  ipServiceCategories: arr(obj({ isAnonymous: bool, operator: str, type: str })),
});

const LOG_EVENT = obj({
  uuid: str,
  published: { kind: 'refused', reason: "published isn't allowed in filter; use the since and until parameters instead." },
  eventType: str,
  legacyEventType: str,
  version: str,
  severity: str,
  displayMessage: str,
  actor: obj({ id: str, type: str, alternateId: str, displayName: str, detailEntry: map }),
  client: obj({
    id: str,
    device: str,
    ipAddress: str,
    zone: str,
    userAgent: obj({ rawUserAgent: str, os: str, browser: str }),
    geographicalContext: logGeographicalContext,
  }),
  authenticationContext: obj({
    authenticationProvider: str,
    credentialProvider: str,
    credentialType: str,
    externalSessionId: str,
    interface: str,
    // Not in the spec's schema, but in Okta's example events (see wire-facts d).
    rootSessionId: str,
    issuer: obj({ id: str, type: str }),
    authenticationStep: num,
  }),
  securityContext: obj({
    asNumber: num,
    asOrg: str,
    isp: str,
    domain: str,
    isProxy: bool,
    botProtection: obj({ level: str }),
    ipDetails: logIpDetails,
    risk: obj({ detectionName: str, issuer: str, level: str, previousLevel: str, reasons: arr(str) }),
    userBehaviors: arr(obj({ id: str, name: str, result: str })),
  }),
  outcome: obj({ result: str, reason: str }),
  transaction: obj({ type: str, id: str, detail: map }),
  debugContext: obj({ debugData: map }),
  request: obj({
    ipChain: arr(obj({ ip: str, version: str, source: str, geographicalContext: logGeographicalContext, ipDetails: logIpDetails })),
  }),
  target: arr(
    obj({
      id: str,
      type: str,
      alternateId: str,
      displayName: str,
      detailEntry: map,
      // The spec: "You can't run queries on changeDetails or the object's to or from properties."
      changeDetails: { kind: 'refused', reason: "target.changeDetails can't be used in filter." },
    }),
  ),
});

/** Keys of free-form maps: what the tokenizer allows in a path segment, and safe in SQL JSON paths. */
export const MAP_KEY = /^[\w:/%-]+$/;

/**
 * One filterable attribute. `segments` are the JSON keys from the event to the value, split
 * where the path enters an array: `segments[0]` starts at the event; each later part starts at
 * one element of the array the previous part ends at, and an empty part is the element itself.
 * `request.ipChain.ip` is `[['request', 'ipChain'], ['ip']]`; `securityContext.risk.reasons` is
 * `[['securityContext', 'risk', 'reasons'], []]`; `actor.id` is `[['actor', 'id']]`.
 * `object` covers objects, maps and arrays of them: they can be tested for presence only.
 */
export interface LogAttribute {
  /** The path in the schema's spelling. */
  path: string;
  type: Scalar | 'object';
  segments: string[][];
}

/** The attribute at a dotted path (any case), or undefined when filters can't use it. */
export function attributeOf(path: string): LogAttribute | undefined {
  const resolved = resolve(path);
  return 'refused' in resolved ? undefined : resolved;
}

function resolve(rawPath: string): LogAttribute | { refused: string } {
  const unknown = { refused: `Unknown attribute '${rawPath}'.` };
  const parts = rawPath.split('.');
  let node: SchemaNode = LOG_EVENT;
  const names: string[] = [];
  const segments: string[][] = [[]];
  for (const part of parts) {
    if (node.kind === 'array') {
      // A path goes through an array to the attribute of its elements (`target.id`).
      segments.push([]);
      node = node.items;
    }
    if (node.kind === 'object') {
      const name: string | undefined = Object.keys(node.fields).find((key) => key.toLowerCase() === part.toLowerCase());
      const next: SchemaNode | undefined = name === undefined ? undefined : node.fields[name];
      if (name === undefined || next === undefined) return unknown;
      if (next.kind === 'refused') return { refused: next.reason };
      names.push(name);
      segments[segments.length - 1]?.push(name);
      node = next;
    } else if (node.kind === 'map') {
      if (!MAP_KEY.test(part)) return unknown;
      names.push(part);
      segments[segments.length - 1]?.push(part);
      node = str;
    } else {
      return unknown;
    }
  }
  if (node.kind === 'array') {
    // The array itself: each element is the value (`securityContext.risk.reasons eq "x"`).
    segments.push([]);
    node = node.items;
  }
  const type = node.kind === 'scalar' ? node.type : 'object';
  return { path: names.join('.'), type, segments };
}

function nodeAt(path: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = LOG_EVENT;
  for (const part of path.split('.')) {
    if (node?.kind === 'array') node = node.items;
    node = node?.kind === 'object' ? node.fields[part] : undefined;
  }
  return node?.kind === 'array' ? node.items : node;
}
