import { refuse } from './errors.ts';

/**
 * Tokens of the expression language (a subset of SpEL). Strings take single or double quotes; a
 * quote is doubled to include it (`'it''s'`), as SpEL does: there are no backslash escapes.
 * SpEL constructs Okta lists as unsupported are refused here, with the reason, so that a user
 * learns why rather than meeting a generic syntax error later.
 */
export type TokenKind = 'number' | 'string' | 'name' | 'op' | 'end';

export interface Token {
  kind: TokenKind;
  /** The source text of the token (the decoded value for strings). */
  text: string;
  /** For numbers: the value. */
  number?: number;
  /** 0-based offset in the source. */
  at: number;
}

/** Operators and punctuation, longest first. */
const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '(', ')', '{', '}', '[', ']', ',', '.', ':', '?', '<', '>', '!', '+', '-', '*', '/', '%'];

/** Character sequences of SpEL features Okta does not support, and why they are refused. */
const UNSUPPORTED: readonly (readonly [string, string])[] = [
  ['?.', 'safe navigation (?.) is not supported'],
  ['?:', 'the Elvis operator (?:) is not supported; use a ternary (a != null ? a : b)'],
  ['.?[', 'collection selection (.?[...]) is not supported'],
  ['.^[', 'collection selection (.^[...]) is not supported'],
  ['.$[', 'collection selection (.$[...]) is not supported'],
  ['.![', 'collection projection (.![...]) is not supported'],
  ['++', 'the increment operator (++) is not supported'],
  ['--', 'the decrement operator (--) is not supported'],
  ['#', 'variable references (#name) are not supported'],
  ['@', 'bean references (@name) are not supported'],
  ['&', "bean references (&name) are not supported; use && for 'and'"],
  ['|', "use || for 'or'"],
  ['^', 'the power operator (^) is not supported'],
  ['=', 'assignment (=) is not supported; use == to compare'],
];

const isNameStart = (c: string) => /[A-Za-z_$]/.test(c);
const isNamePart = (c: string) => /[A-Za-z0-9_$]/.test(c);
const isDigit = (c: string) => c >= '0' && c <= '9';

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const at = i;
    if (c === "'" || c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= n) refuse(`unterminated string starting with ${c}`, at);
        const d = source[i]!;
        if (d === c) {
          if (source[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += d;
        i++;
      }
      tokens.push({ kind: 'string', text, at });
      continue;
    }
    if (isDigit(c)) {
      let j = i;
      while (j < n && isDigit(source[j]!)) j++;
      // A fraction needs a digit after the dot, so that `1.toString()`-like calls stay calls.
      if (source[j] === '.' && j + 1 < n && isDigit(source[j + 1]!)) {
        j++;
        while (j < n && isDigit(source[j]!)) j++;
      }
      if ((source[j] === 'e' || source[j] === 'E') && (isDigit(source[j + 1] ?? '') || (/[+-]/.test(source[j + 1] ?? '') && isDigit(source[j + 2] ?? '')))) {
        j += 2;
        while (j < n && isDigit(source[j]!)) j++;
      }
      if (j < n && isNamePart(source[j]!)) refuse(`malformed number '${source.slice(i, j + 1)}'`, at);
      const text = source.slice(i, j);
      tokens.push({ kind: 'number', text, number: Number(text), at });
      i = j;
      continue;
    }
    if (isNameStart(c)) {
      let j = i + 1;
      while (j < n && isNamePart(source[j]!)) j++;
      tokens.push({ kind: 'name', text: source.slice(i, j), at });
      i = j;
      continue;
    }
    const unsupported = UNSUPPORTED.find(([seq]) => source.startsWith(seq, i) && !OPERATORS.some((op) => op.length >= seq.length && source.startsWith(op, i)));
    if (unsupported) refuse(unsupported[1], at);
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) refuse(`unexpected character '${c}'`, at);
    tokens.push({ kind: 'op', text: op, at });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', at: n });
  return tokens;
}
