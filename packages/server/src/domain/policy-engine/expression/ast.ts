/** The syntax tree of an expression; every node keeps its 0-based source offset for error positions. */
export type Literal = string | number | boolean | null;

export type BinaryOp = '&&' | '||' | '==' | '!=' | '<' | '>' | '<=' | '>=' | '+' | '-' | '*' | '/' | '%';

export type Node =
  | { kind: 'literal'; value: Literal; at: number }
  | { kind: 'name'; name: string; at: number }
  | { kind: 'member'; object: Node; name: string; at: number }
  | { kind: 'index'; object: Node; index: Node; at: number }
  | { kind: 'call'; callee: Node; args: Node[]; at: number }
  | { kind: 'list'; items: Node[]; at: number }
  | { kind: 'map'; entries: { key: string; at: number; value: Node }[]; at: number }
  | { kind: 'unary'; op: '!' | '-' | '+'; operand: Node; at: number }
  | { kind: 'binary'; op: BinaryOp; left: Node; right: Node; at: number }
  | { kind: 'ternary'; test: Node; then: Node; otherwise: Node; at: number };
