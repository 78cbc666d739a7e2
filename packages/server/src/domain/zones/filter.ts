import { InvalidSearchCriteriaError } from '../../errors/catalog.ts';
import type { ZoneRecord } from './types.ts';

/**
 * The zone list's `filter`: Okta filters zones on `id`, `usage` and `system` with `eq`,
 * combined with `and`, `or` and parentheses, e.g. `(id eq "nzo1" or id eq "nzo2")`,
 * `usage eq "BLOCKLIST"`, `system eq true`. The result is a predicate: an org has few zones and
 * they are listed whole.
 */
export type ZonePredicate = (zone: ZoneRecord) => boolean;

const MAX_LENGTH = 2000;
const TOKEN = /(\s+)|("(?:[^"\\]|\\.)*")|(\()|(\))|([A-Za-z_]\w*)/y;

type Token = { kind: 'word' | 'string' | 'open' | 'close' | 'end'; text: string; at: number };

export function parseZoneFilter(text: string): ZonePredicate {
  const refuse = (why: string): never => {
    throw new InvalidSearchCriteriaError([`filter: ${why}`]);
  };
  if (text.length > MAX_LENGTH) refuse(`must be at most ${MAX_LENGTH} characters`);
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) refuse(`unexpected character '${text[at]}' at character ${at + 1}`);
    const match = m as RegExpExecArray;
    if (match[1] !== undefined) continue;
    if (match[2] !== undefined) tokens.push({ kind: 'string', text: match[2], at });
    else if (match[3] !== undefined) tokens.push({ kind: 'open', text: '(', at });
    else if (match[4] !== undefined) tokens.push({ kind: 'close', text: ')', at });
    else tokens.push({ kind: 'word', text: match[5]!, at });
  }
  tokens.push({ kind: 'end', text: '', at: text.length });

  let position = 0;
  let depth = 0;
  const peek = () => tokens[position]!;
  const next = () => tokens[position++]!;
  const isWord = (token: Token, word: string) => token.kind === 'word' && token.text.toLowerCase() === word;
  const where = (token: Token) => (token.kind === 'end' ? 'the end of the filter' : `'${token.text}' at character ${token.at + 1}`);

  const expression = (): ZonePredicate => {
    const items = [conjunction()];
    while (isWord(peek(), 'or')) {
      next();
      items.push(conjunction());
    }
    return items.length === 1 ? items[0]! : (zone) => items.some((p) => p(zone));
  };
  const conjunction = (): ZonePredicate => {
    const items = [factor()];
    while (isWord(peek(), 'and')) {
      next();
      items.push(factor());
    }
    return items.length === 1 ? items[0]! : (zone) => items.every((p) => p(zone));
  };
  const factor = (): ZonePredicate => {
    const token = next();
    if (token.kind === 'open') {
      if (++depth > 10) refuse('nests deeper than 10 levels');
      const inner = expression();
      const close = next();
      if (close.kind !== 'close') refuse(`expected ')' but found ${where(close)}`);
      depth--;
      return inner;
    }
    const field = token.kind === 'word' ? token.text : '';
    if (field !== 'id' && field !== 'usage' && field !== 'system') refuse(`expected id, usage or system but found ${where(token)}`);
    const op = next();
    if (!isWord(op, 'eq')) refuse(`expected eq after ${field} but found ${where(op)}`);
    const value = next();
    if (field === 'system') {
      if (!isWord(value, 'true') && !isWord(value, 'false')) refuse(`system must be compared with true or false, found ${where(value)}`);
      const wanted = value.text.toLowerCase() === 'true';
      return (zone) => zone.system === wanted;
    }
    if (value.kind !== 'string') refuse(`expected a "quoted" value after ${field} eq but found ${where(value)}`);
    let wanted = '';
    try {
      wanted = JSON.parse(value.text) as string;
    } catch {
      refuse(`${value.text} is not a valid string`);
    }
    if (field === 'usage' && wanted !== 'POLICY' && wanted !== 'BLOCKLIST') refuse(`usage must be POLICY or BLOCKLIST, found "${wanted}"`);
    return field === 'id' ? (zone) => zone.id === wanted : (zone) => zone.usage === wanted;
  };

  const predicate = expression();
  if (peek().kind !== 'end') refuse(`expected and, or or the end of the filter but found ${where(peek())}`);
  return predicate;
}
