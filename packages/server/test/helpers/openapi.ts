// Validates Tollgate responses against Okta's published management OpenAPI spec, through
// openapi-backend (routing, $ref resolution and per-status Ajv response validators).
//
// The 3.5 MB spec is read, parsed and initialised once per test process (a lazy module-level
// promise). openapi-backend's `quick` mode skips validating the spec itself against the OpenAPI
// meta-schema and compiles each operation's validators on first use, so a test file pays only
// for the operations it checks.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ajvFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { LightMyRequestResponse } from 'fastify';
import { OpenAPIBackend, ValidationContext } from 'openapi-backend';
import type { Document } from 'openapi-backend';
import { parse } from 'yaml';

/** Okta's spec, as CI also has it: `../shared/okta/openapi/` relative to the repository root. */
export const SPEC_PATH = fileURLToPath(new URL('../../../../../shared/okta/openapi/management-oneOfInheritance.yaml', import.meta.url));

/**
 * The spec's `TimeDuration` pattern, as published (2026.06.3). `(?:$)` right after `P` is an
 * end-of-input assertion, so the pattern accepts only the bare string `P` and rejects `P30D`,
 * the value in the spec's own ApiToken example and on the wire. The author meant the usual
 * ISO 8601 duration pattern with lookaheads `(?!$)` and `(?=\d)`, which is what we validate with.
 * The patch applies only while the spec carries exactly this pattern.
 */
export const BROKEN_TIME_DURATION_PATTERN = String.raw`^P(?:$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?:\d)(\d+H)?(\d+M)?(\d+S)?)?$`;
export const FIXED_TIME_DURATION_PATTERN = String.raw`^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$`;

type JsonObject = Record<string, unknown>;

interface LoadedSpec {
  api: OpenAPIBackend;
  /** The parsed document as published (plus `patches`), examples included. */
  raw: JsonObject;
  /** What openapi-backend validates with: `raw` without examples, `$ref`s intact. */
  schemaDoc: JsonObject;
  /** Deviations from the published spec applied before init, for reports. */
  patches: string[];
  timings: { readMs: number; parseMs: number; initMs: number; totalMs: number };
}

let loading: Promise<LoadedSpec> | undefined;

/** Loads, patches and initialises the spec once per process. */
export function loadSpec(): Promise<LoadedSpec> {
  loading ??= loadSpecFrom(SPEC_PATH);
  return loading;
}

/** Loads a spec file without caching it (`loadSpec` is the cached one for SPEC_PATH). */
export async function loadSpecFrom(path: string): Promise<LoadedSpec> {
  if (!existsSync(path)) {
    throw new Error(`Okta's OpenAPI spec is missing: expected it at ${path} (../shared/okta/openapi/ relative to the repository root)`);
  }
  const start = performance.now();
  const text = readFileSync(path, 'utf8');
  const read = performance.now();
  // YAML 1.2 core schema: unquoted timestamps stay strings, as JSON would have them.
  const raw = parse(text, { maxAliasCount: -1 }) as JsonObject;
  const parsed = performance.now();

  const patches: string[] = [];
  const schemas = componentSchemas(raw);
  const timeDuration = schemas.TimeDuration as JsonObject | undefined;
  if (timeDuration?.pattern === BROKEN_TIME_DURATION_PATTERN) {
    timeDuration.pattern = FIXED_TIME_DURATION_PATTERN;
    patches.push(`components.schemas.TimeDuration.pattern: ${BROKEN_TIME_DURATION_PATTERN} -> ${FIXED_TIME_DURATION_PATTERN}`);
  }

  // Some enums list a value twice (EnrollmentPolicyAuthenticatorGracePeriod.type: BY_DATE_TIME,
  // an app's assertionEncryption.encryptionAlgorithm ...). JSON Schema requires enum items to be
  // unique and Ajv refuses to compile such a schema, which made every response containing one
  // (any MFA_ENROLL policy, for instance) impossible to validate. Duplicates are dropped.
  const deduped = dedupeEnums(schemas, 'components.schemas');
  if (deduped.length > 0) patches.push(`enum duplicates removed: ${deduped.join(', ')}`);

  // `IdpPolicyRuleActionProvider.type` refers to IdentityProviderType, which lacks the OKTA,
  // AgentlessDSSO and IWA providers that the property's own description names and that the
  // spec's IdP-discovery examples (the default rule routes to `{type: OKTA}`) use.
  const providerType = ((schemas.IdpPolicyRuleActionProvider as JsonObject | undefined)?.properties as JsonObject | undefined) ?? undefined;
  const providerTypeRef = (providerType?.type as JsonObject | undefined)?.$ref;
  const identityProviderTypes = (schemas.IdentityProviderType as JsonObject | undefined)?.enum;
  if (providerType && providerTypeRef === '#/components/schemas/IdentityProviderType' && Array.isArray(identityProviderTypes) && !identityProviderTypes.includes('OKTA')) {
    providerType.type = { anyOf: [{ $ref: providerTypeRef }, { type: 'string', enum: ['OKTA', 'AgentlessDSSO', 'IWA'] }] };
    patches.push('components.schemas.IdpPolicyRuleActionProvider.properties.type: also OKTA, AgentlessDSSO, IWA');
  }

  // Examples are documentation, and some hold JSON-Schema-looking values with `$ref`s that point
  // nowhere (`#/definitions/base` in the schema API examples); the dereferencer would follow them.
  const schemaDoc = discriminatorsAsConditionals(withoutExamples(raw)) as JsonObject;

  const api = new OpenAPIBackend({
    definition: schemaDoc as unknown as Document,
    quick: true,
    strict: true,
    validate: true,
    // allErrors: report every mismatch of a body at once, not just the first.
    ajvOpts: { allErrors: true, strict: false },
    // openapi-backend registers only the OpenAPI formats (int32, byte ...); add date-time, uri ...
    customizeAjv: (ajv) => {
      // ajv-formats is CommonJS: the default import is `module.exports`, whose `default` is the plugin.
      ajvFormats.default(ajv);
      return ajv;
    },
  });
  await api.init();
  const done = performance.now();
  return {
    api,
    raw,
    schemaDoc,
    patches,
    timings: { readMs: read - start, parseMs: parsed - read, initMs: done - parsed, totalMs: done - start },
  };
}

/** A copy without `example`/`examples` keywords (a schema property of that name is kept). */
function withoutExamples(node: unknown, parentKey = ''): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutExamples(item));
  if (node === null || typeof node !== 'object') return node;
  const keepAll = parentKey === 'properties' || parentKey === 'patternProperties';
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (!keepAll && (key === 'example' || key === 'examples')) continue;
    copy[key] = withoutExamples(value, key);
  }
  return copy;
}

/** Removes repeated enum items in place; returns the paths it changed. */
function dedupeEnums(node: unknown, path: string, seen = new Set<unknown>()): string[] {
  if (node === null || typeof node !== 'object' || seen.has(node)) return [];
  seen.add(node); // YAML aliases share objects
  const changed: string[] = [];
  const object = node as JsonObject;
  if (Array.isArray(object.enum) && new Set(object.enum).size !== object.enum.length) {
    object.enum = [...new Set(object.enum)];
    changed.push(path);
  }
  for (const [key, value] of Object.entries(object)) changed.push(...dedupeEnums(value, `${path}.${key}`, seen));
  return changed;
}

/**
 * Ajv does not implement OpenAPI's `discriminator` with a `mapping` (its own `discriminator`
 * option refuses mappings), and without it a `oneOf` of Okta's polymorphic schemas cannot pass:
 * the per-type schemas (OktaSignOnPolicy, PasswordPolicy ...) all accept every `type`, so a body
 * matches several of them and `oneOf` fails. This rewrites each `oneOf` + `discriminator.mapping`
 * into what the discriminator means: the property is required, must be a mapped value, and the
 * body must match the schema mapped to its value (one `if`/`then` per value).
 */
function discriminatorsAsConditionals(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(discriminatorsAsConditionals);
  if (node === null || typeof node !== 'object') return node;
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(node)) copy[key] = discriminatorsAsConditionals(value);
  const discriminator = copy.discriminator as { propertyName?: string; mapping?: Record<string, string> } | undefined;
  if (!Array.isArray(copy.oneOf) || !discriminator?.propertyName || !discriminator.mapping) return copy;
  const { oneOf: _oneOf, discriminator: _discriminator, ...rest } = copy;
  const property = discriminator.propertyName;
  const mapping = discriminator.mapping;
  return {
    ...rest,
    type: 'object',
    required: [...new Set([...((rest.required as string[] | undefined) ?? []), property])],
    allOf: [
      ...((rest.allOf as unknown[] | undefined) ?? []),
      { properties: { [property]: { enum: Object.keys(mapping) } } },
      ...Object.entries(mapping).map(([value, ref]) => ({ if: { properties: { [property]: { const: value } } }, then: { $ref: ref } })),
    ],
  };
}

function componentSchemas(doc: JsonObject): JsonObject {
  const components = doc.components as JsonObject | undefined;
  return (components?.schemas as JsonObject | undefined) ?? {};
}

/** The response keys (`'200'`, `'404'` ...) the spec lists for an operation. */
export async function specStatuses(operationId: string): Promise<string[]> {
  const { api } = await loadSpec();
  const operation = api.getOperation(operationId);
  if (!operation) assert.fail(`operation ${operationId} is not in the spec (${SPEC_PATH})`);
  return Object.keys(operation.responses ?? {});
}

/** The response object key that covers a status: exact, then `4XX`, then `default`. */
function responseKey(responses: Record<string, unknown>, status: number): string | undefined {
  return [String(status), `${Math.floor(status / 100)}XX`, 'default'].find((k) => k in responses);
}

function formatErrors(errors: readonly ErrorObject[]): string {
  return errors.map((e) => `  - ${e.instancePath || '(root)'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)} [schema ${e.schemaPath}]`).join('\n');
}

function excerpt(body: string): string {
  return body.length > 2000 ? `${body.slice(0, 2000)}… (${body.length} characters)` : body;
}

function describeRequest(res: LightMyRequestResponse): string {
  const req = (res as { raw?: { req?: { method?: string; url?: string } } }).raw?.req;
  return req?.method && req.url ? `${req.method} ${req.url} -> ${res.statusCode}` : `status ${res.statusCode}`;
}

function parseJsonBody(res: LightMyRequestResponse, what: string): unknown {
  assert.match(String(res.headers['content-type'] ?? ''), /^application\/json\b/, `${what}: the spec declares application/json, got content-type ${String(res.headers['content-type'])}`);
  try {
    return JSON.parse(res.body);
  } catch {
    return assert.fail(`${what}: the body is not JSON:\n${excerpt(res.body)}`);
  }
}

/**
 * Asserts that the response's status is one the spec lists for the operation and that its body
 * matches that status's schema (for a response without content in the spec, such as 204: that
 * there is no body and no content type). Fails listing every Ajv error. Returns the parsed body.
 */
export async function assertMatchesSpec(operationId: string, res: LightMyRequestResponse): Promise<unknown> {
  const { api } = await loadSpec();
  const what = `${operationId} (${describeRequest(res)})`;
  const operation = api.getOperation(operationId);
  if (!operation) assert.fail(`${what}: operation ${operationId} is not in the spec (${SPEC_PATH})`);
  const responses = (operation.responses ?? {}) as Record<string, { content?: Record<string, { schema?: unknown }> }>;
  const key = responseKey(responses, res.statusCode);
  if (key === undefined) {
    assert.fail(`${what}: the spec lists no ${res.statusCode} response for ${operationId}; it lists ${Object.keys(responses).join(', ')}\n${excerpt(res.body)}`);
  }
  const content = responses[key]?.content;
  // Some no-content responses (204 of the lifecycle operations) are written with `content: {}`.
  if (!content || Object.keys(content).length === 0) {
    assert.equal(res.body, '', `${what}: the spec's ${key} response has no content, but the body is not empty`);
    assert.equal(res.headers['content-type'], undefined, `${what}: the spec's ${key} response has no content, but there is a content type`);
    return undefined;
  }
  if (!content['application/json']?.schema) {
    assert.fail(`${what}: the spec's ${key} response has no application/json schema (media types: ${Object.keys(content).join(', ')})`);
  }
  const body = parseJsonBody(res, what);
  const result = api.validateResponse(body, operationId, res.statusCode);
  if (!result.valid) {
    assert.fail(`${what}: the body does not match the spec's ${key} response schema:\n${formatErrors(result.errors ?? [])}\nbody: ${excerpt(res.body)}`);
  }
  return body;
}

const schemaValidators = new Map<string, ValidateFunction>();
let componentAjvId: string | undefined;

/**
 * Asserts that a value matches `#/components/schemas/<name>` (refs and cycles resolved by Ajv on
 * the unmodified document, with the same options and formats as the response validators).
 */
export async function assertMatchesSchema(name: string, value: unknown, what = `#/components/schemas/${name}`): Promise<void> {
  const { api, schemaDoc } = await loadSpec();
  let validate = schemaValidators.get(name);
  if (!validate) {
    if (!(name in componentSchemas(schemaDoc))) assert.fail(`${what}: the spec has no schema ${name}`);
    const ajv = componentAjv(api, schemaDoc);
    validate = ajv.compile({ $ref: `${componentAjvId}#/components/schemas/${name}` });
    schemaValidators.set(name, validate);
  }
  if (!validate(value)) {
    assert.fail(`${what}: does not match #/components/schemas/${name}:\n${formatErrors(validate.errors ?? [])}\nvalue: ${excerpt(JSON.stringify(value))}`);
  }
}

let sharedAjv: ReturnType<OpenAPIBackend['validator']['getAjv']> | undefined;

function componentAjv(api: OpenAPIBackend, schemaDoc: JsonObject) {
  if (!sharedAjv) {
    sharedAjv = api.validator.getAjv(ValidationContext.Response);
    componentAjvId = 'okta-management-spec';
    sharedAjv.addSchema({ components: { schemas: componentSchemas(schemaDoc) } }, componentAjvId);
  }
  return sharedAjv;
}

/**
 * For error responses: validates against the operation's response when the spec lists the
 * status, and otherwise against `#/components/schemas/Error`, the envelope every Okta error
 * response in the spec uses. Returns whether the spec lists the status.
 */
export async function assertErrorMatchesSpec(operationId: string, res: LightMyRequestResponse): Promise<{ listed: boolean }> {
  assert.ok(res.statusCode >= 400, `${operationId} (${describeRequest(res)}): not an error response`);
  const statuses = await specStatuses(operationId);
  if (responseKey(Object.fromEntries(statuses.map((s) => [s, true])), res.statusCode) !== undefined) {
    await assertMatchesSpec(operationId, res);
    return { listed: true };
  }
  const what = `${operationId} (${describeRequest(res)}), a status the spec does not list`;
  await assertMatchesSchema('Error', parseJsonBody(res, what), what);
  return { listed: false };
}
