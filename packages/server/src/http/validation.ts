import { Ajv } from 'ajv';
import type { FastifyInstance, FastifySchema } from 'fastify';

/**
 * Two validators. Query strings, params and headers are text on the wire, so they are coerced
 * to the schema's types. JSON bodies are not: `"name": 42` is a wrong type and answers 400, and
 * every failure is reported (Okta lists all causes, not the first).
 */
export function installValidators(app: FastifyInstance): void {
  const common = { useDefaults: true, removeAdditional: true, strict: false } as const;
  const text = new Ajv({ ...common, coerceTypes: 'array', allErrors: false });
  const body = new Ajv({ ...common, coerceTypes: false, allErrors: true });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema as FastifySchema & object));
}
