import type { BinaryOp, Node } from './ast.ts';
import { refuse } from './errors.ts';
import { tokenize } from './lexer.ts';
import type { Token } from './lexer.ts';

/**
 * A recursive-descent parser for the SpEL subset Okta documents, with SpEL's precedence (lowest
 * first): ternary `?:`, `||`/`or`, `&&`/`and`, one comparison (`==` `!=` `<` `>` `<=` `>=` and
 * their word forms `eq` `ne` `lt` `gt` `le` `ge`; comparisons do not chain), `+ -`, `* / %`
 * (`div`, `mod`), unary `! not - +`, then member access, indexing and calls. Word operators and
 * `true`/`false`/`null` are case-insensitive, as in SpEL.
 */

/** Deepest nesting of parentheses, lists and calls accepted (keeps recursion bounded). */
const MAX_DEPTH = 64;

const WORD_BINARY: Record<string, BinaryOp> = { and: '&&', or: '||', eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=', div: '/', mod: '%' };
const COMPARISONS = new Set<string>(['==', '!=', '<', '>', '<=', '>=']);
/** SpEL word operators Okta does not support. */
const UNSUPPORTED_WORDS: Record<string, string> = {
  matches: 'the matches operator is not supported',
  instanceof: 'the instanceof operator is not supported',
  between: 'the between operator is not supported',
};

export function parse(source: string): Node {
  const tokens = tokenize(source);
  let i = 0;
  let depth = 0;
  const peek = (): Token => tokens[i]!;
  const next = (): Token => tokens[i++]!;
  const describe = (t: Token) => (t.kind === 'end' ? 'the end of the expression' : t.kind === 'string' ? `the string '${t.text}'` : `'${t.text}'`);
  const isOp = (text: string) => peek().kind === 'op' && peek().text === text;
  const word = (t: Token) => (t.kind === 'name' ? t.text.toLowerCase() : undefined);
  const expect = (text: string, what: string) => {
    const t = next();
    if (t.kind !== 'op' || t.text !== text) refuse(`expected '${text}' ${what} but found ${describe(t)}`, t.at);
  };
  const enter = (at: number) => {
    if (++depth > MAX_DEPTH) refuse(`the expression nests deeper than ${MAX_DEPTH} levels`, at);
  };

  /** The binary operator at the cursor (symbol or word form), if any. */
  const binaryAt = (): BinaryOp | undefined => {
    const t = peek();
    if (t.kind === 'op') return ['&&', '||', '==', '!=', '<', '>', '<=', '>=', '+', '-', '*', '/', '%'].includes(t.text) ? (t.text as BinaryOp) : undefined;
    const w = word(t);
    if (w !== undefined && UNSUPPORTED_WORDS[w]) refuse(UNSUPPORTED_WORDS[w], t.at);
    return w !== undefined ? WORD_BINARY[w] : undefined;
  };

  const expression = (): Node => {
    const test = or();
    if (!isOp('?')) return test;
    const at = next().at;
    enter(at);
    const then = expression();
    expect(':', 'in the ternary (condition ? a : b)');
    const otherwise = expression();
    depth--;
    return { kind: 'ternary', test, then, otherwise, at };
  };

  const leftAssociative = (operand: () => Node, ops: readonly BinaryOp[]) => (): Node => {
    let left = operand();
    for (let op = binaryAt(); op !== undefined && ops.includes(op); op = binaryAt()) {
      const at = next().at;
      left = { kind: 'binary', op, left, right: operand(), at };
    }
    return left;
  };

  const comparison = (): Node => {
    const left = sum();
    const op = binaryAt();
    if (op === undefined || !COMPARISONS.has(op)) return left;
    const at = next().at;
    const node: Node = { kind: 'binary', op, left, right: sum(), at };
    const after = binaryAt();
    if (after !== undefined && COMPARISONS.has(after)) refuse('comparisons cannot be chained; combine them with && or ||', peek().at);
    return node;
  };

  const unary = (): Node => {
    const t = peek();
    const w = word(t);
    if ((t.kind === 'op' && (t.text === '!' || t.text === '-' || t.text === '+')) || w === 'not') {
      next();
      enter(t.at);
      const operand = unary();
      depth--;
      return { kind: 'unary', op: w === 'not' ? '!' : (t.text as '!' | '-' | '+'), operand, at: t.at };
    }
    return postfix();
  };

  const args = (): Node[] => {
    const list: Node[] = [];
    expect('(', 'to start the arguments');
    if (isOp(')')) {
      next();
      return list;
    }
    for (;;) {
      list.push(expression());
      const t = next();
      if (t.kind === 'op' && t.text === ')') return list;
      if (t.kind !== 'op' || t.text !== ',') refuse(`expected ',' or ')' in the arguments but found ${describe(t)}`, t.at);
    }
  };

  const postfix = (): Node => {
    let node = primary();
    for (;;) {
      if (isOp('.')) {
        next();
        const t = next();
        if (t.kind !== 'name') refuse(`expected a property or function name after '.' but found ${describe(t)}`, t.at);
        node = { kind: 'member', object: node, name: t.text, at: t.at };
        if (isOp('(')) {
          enter(t.at);
          node = { kind: 'call', callee: node, args: args(), at: t.at };
          depth--;
        }
        continue;
      }
      if (isOp('[')) {
        const at = next().at;
        enter(at);
        const index = expression();
        expect(']', 'to close the index');
        depth--;
        node = { kind: 'index', object: node, index, at };
        continue;
      }
      return node;
    }
  };

  const braces = (at: number): Node => {
    enter(at);
    if (isOp('}')) {
      next();
      depth--;
      return { kind: 'list', items: [], at };
    }
    const first = expression();
    let result: Node;
    if (isOp(':')) {
      const keyOf = (node: Node): string => {
        if (node.kind === 'literal' && typeof node.value === 'string') return node.value;
        if (node.kind === 'name') return node.name;
        return refuse('a map key must be a string', node.at);
      };
      const entries = [];
      let key: Node = first;
      for (;;) {
        expect(':', 'after the map key');
        entries.push({ key: keyOf(key), at: key.at, value: expression() });
        const t = next();
        if (t.kind === 'op' && t.text === '}') break;
        if (t.kind !== 'op' || t.text !== ',') refuse(`expected ',' or '}' in the map but found ${describe(t)}`, t.at);
        key = expression();
      }
      result = { kind: 'map', entries, at };
    } else {
      const items = [first];
      for (;;) {
        const t = next();
        if (t.kind === 'op' && t.text === '}') break;
        if (t.kind !== 'op' || t.text !== ',') refuse(`expected ',' or '}' in the list but found ${describe(t)}`, t.at);
        items.push(expression());
      }
      result = { kind: 'list', items, at };
    }
    depth--;
    return result;
  };

  const primary = (): Node => {
    const t = next();
    if (t.kind === 'number') return { kind: 'literal', value: t.number!, at: t.at };
    if (t.kind === 'string') return { kind: 'literal', value: t.text, at: t.at };
    if (t.kind === 'op' && t.text === '(') {
      enter(t.at);
      const inner = expression();
      expect(')', 'to close the parenthesis');
      depth--;
      return inner;
    }
    if (t.kind === 'op' && t.text === '{') return braces(t.at);
    if (t.kind === 'name') {
      const w = t.text.toLowerCase();
      if (w === 'true' || w === 'false') return { kind: 'literal', value: w === 'true', at: t.at };
      if (w === 'null') return { kind: 'literal', value: null, at: t.at };
      if (w === 'new') refuse('constructor references (new) are not supported', t.at);
      if (t.text === 'T' && isOp('(')) refuse('type references (T(...)) are not supported', t.at);
      if (WORD_BINARY[w] !== undefined || UNSUPPORTED_WORDS[w] !== undefined) refuse(`expected an operand but found '${t.text}'`, t.at);
      const name: Node = { kind: 'name', name: t.text, at: t.at };
      if (!isOp('(')) return name;
      enter(t.at);
      const call: Node = { kind: 'call', callee: name, args: args(), at: t.at };
      depth--;
      return call;
    }
    return refuse(`expected an operand but found ${describe(t)}`, t.at);
  };

  const product = leftAssociative(unary, ['*', '/', '%']);
  const sum = leftAssociative(product, ['+', '-']);
  const and = leftAssociative(comparison, ['&&']);
  const or = leftAssociative(and, ['||']);

  if (source.trim() === '') refuse('the expression is empty', 0);
  const tree = expression();
  const rest = peek();
  if (rest.kind !== 'end') refuse(`expected an operator or the end of the expression but found ${describe(rest)}`, rest.at);
  return tree;
}
