import type { CompiledExpression, EvaluationContext } from '../types.ts';
import { compileNode } from './compile.ts';
import { ExpressionError } from './errors.ts';
import { parse } from './parser.ts';
import { EvaluationFailure, UNDEF } from './values.ts';

/**
 * The Okta Expression Language subset policies use (docs/policy-expressions.md).
 *
 * - `compileExpression(source)` parses and compiles an `elCondition.condition` once; it throws
 *   `ExpressionError` (reason and 1-based position) when the source does not parse, uses
 *   something outside the subset, or cannot evaluate to a boolean.
 * - `expressionProblem(source)` is the save-time check: the refusal's message, or undefined.
 * - Evaluation never throws: a missing input gives 'UNDEFINED'; a run-time failure (a function
 *   called on null, a string that is not a number ...) gives false, as an Okta rule whose
 *   expression fails does not apply.
 */
export { ExpressionError } from './errors.ts';

export type ExpressionResult = 'boolean' | 'string';

export function compileExpression(source: string): CompiledExpression {
  const tree = parse(source);
  const compiled = compileNode(tree);
  if (compiled.type !== 'boolean' && compiled.type !== 'any') {
    throw new ExpressionError(`the expression must evaluate to a boolean, not ${compiled.type === 'null' ? 'null' : `a${compiled.type === 'array' ? 'n' : ''} ${compiled.type}`}`, 0);
  }
  const run = compiled.run;
  return {
    evaluate(context: EvaluationContext): boolean | 'UNDEFINED' {
      let value;
      try {
        value = run(context);
      } catch (error) {
        if (error instanceof EvaluationFailure) return false;
        throw error;
      }
      if (value === true || value === false) return value;
      // A non-boolean result (a profile attribute holding a string or null) does not match.
      return value === UNDEF ? 'UNDEFINED' : false;
    },
  };
}

/** A string-valued expression (IDP_DISCOVERY `matchCriteria.providerExpression`), compiled once. */
export interface CompiledStringExpression {
  /** The string, null when it evaluates to null or fails, 'UNDEFINED' when an input is missing. */
  evaluate(context: EvaluationContext): string | null | 'UNDEFINED';
}

export function compileStringExpression(source: string): CompiledStringExpression {
  const tree = parse(source);
  const compiled = compileNode(tree);
  if (compiled.type !== 'string' && compiled.type !== 'any' && compiled.type !== 'null') {
    throw new ExpressionError(`the expression must evaluate to a string, not a${compiled.type === 'array' ? 'n' : ''} ${compiled.type}`, 0);
  }
  const run = compiled.run;
  return {
    evaluate(context) {
      let value;
      try {
        value = run(context);
      } catch (error) {
        if (error instanceof EvaluationFailure) return null;
        throw error;
      }
      if (value === UNDEF) return 'UNDEFINED';
      return typeof value === 'string' ? value : null;
    },
  };
}

/** Why `source` is refused as an expression of the given result type, or undefined when it is accepted. */
export function expressionProblem(source: string, result: ExpressionResult = 'boolean'): string | undefined {
  try {
    if (result === 'boolean') compileExpression(source);
    else compileStringExpression(source);
    return undefined;
  } catch (error) {
    if (error instanceof ExpressionError) return error.message;
    throw error;
  }
}
