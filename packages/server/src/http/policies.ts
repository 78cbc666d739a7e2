import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { APP_MAPPING_RESOURCE_TYPE } from '../domain/policies/ports.ts';
import type { PolicyCursor } from '../domain/policies/ports.ts';
import type { PolicyInput, RuleInput } from '../domain/policies/service.ts';
import { ApiValidationError } from '../errors/catalog.ts';
import type { Services } from '../services.ts';
import { appResource } from './apps.ts';
import { callContext } from './auth.ts';
import { decodeCursor, page, PageQuery } from './pagination.ts';
import { mappingResource, policyResource, ruleResource } from './policy-resources.ts';
import { RenderedPages } from './rendered-pages.ts';

/**
 * Okta documents no default or maximum page size for policies, and a list without `limit`
 * returns every policy of the type; Tollgate does the same up to the largest per-type count
 * it allows (5,000 app sign-in policies). `limit` and `after` page through it.
 */
const PAGE = { defaultLimit: 5000, maxLimit: 5000 };

/**
 * Rendered list pages per process: a page is served again, byte for byte, while its type's
 * generation (bumped in every transaction that writes a policy or rule of the type, on any
 * instance) is unchanged. Permission and parameters are checked on every request.
 */
const LIST_CACHE = { maxEntries: 64, maxBytes: 16 * 1024 * 1024 };
const JSON_TYPE = 'application/json; charset=utf-8';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const PolicyParams = Type.Object({ policyId: Id });
const RuleParams = Type.Object({ policyId: Id, ruleId: Id });
const MappingParams = Type.Object({ policyId: Id, mappingId: Id });
const Status = Type.Union([Type.Literal('ACTIVE'), Type.Literal('INACTIVE')]);
const Nullable = <T extends Type.TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

/**
 * The fields every policy shares. Type-specific `conditions` and `settings` are checked by the
 * policy kind of `type`; read-only fields a client echoes back (`id`, `created`, `_links` ...)
 * are ignored, and `system` is compared with what is stored.
 */
const PolicyBody = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Nullable(Type.String({ maxLength: 1024 })),
  priority: Nullable(Type.Integer({ maximum: 1_000_000 })),
  status: Nullable(Status),
  system: Nullable(Type.Boolean()),
  conditions: Type.Optional(Type.Unknown()),
  settings: Type.Optional(Type.Unknown()),
});

const RuleBody = Type.Object({
  type: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  priority: Nullable(Type.Integer({ maximum: 1_000_000 })),
  status: Nullable(Status),
  system: Nullable(Type.Boolean()),
  conditions: Type.Optional(Type.Unknown()),
  actions: Type.Optional(Type.Unknown()),
});

const MappingBody = Type.Object({
  resourceId: Type.String({ minLength: 1, maxLength: 64 }),
  resourceType: Type.String({ minLength: 1, maxLength: 64 }),
});

const ActivateQuery = Type.Object({ activate: Type.Optional(Type.Boolean()) });
const ExpandQuery = Type.Object({ expand: Type.Optional(Type.String({ maxLength: 64 })) });

const ListQuery = Type.Object({
  ...PageQuery,
  type: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Status),
  q: Type.Optional(Type.String({ maxLength: 255 })),
  expand: Type.Optional(Type.String({ maxLength: 64 })),
  sortBy: Type.Optional(Type.Literal('name')),
  resourceId: Type.Optional(Type.String({ maxLength: 64 })),
});

const RuleListQuery = Type.Object({ limit: Type.Optional(Type.String({ maxLength: 12 })) });

/** `expand=rules` is the one expansion policies have; an empty value means none. */
function expandRules(expand: string | undefined): boolean {
  if (expand === undefined || expand === '') return false;
  if (expand === 'rules') return true;
  throw new ApiValidationError(['expand: must be rules']);
}

function policyCursor(key: unknown[]): PolicyCursor | undefined {
  const [by, value, id] = key;
  if (typeof id !== 'string') return undefined;
  if (by === 'p' && typeof value === 'number') return { by: 'priority', priority: value, id };
  if (by === 'n' && typeof value === 'string') return { by: 'name', name: value, id };
  return undefined;
}

function ruleLimit(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw new ApiValidationError(['limit: must be a positive integer']);
  return Number(raw);
}

export function policyRoutes(app: FastifyInstance, opts: { services: Services; orgUrl: () => string }): void {
  const { policies } = opts.services;
  const params = <T>(request: FastifyRequest) => request.params as T;
  const pages = new RenderedPages(LIST_CACHE);

  app.get('/policies', { schema: { querystring: ListQuery } }, async (request, reply) => {
    const query = request.query as { type?: string; status?: 'ACTIVE' | 'INACTIVE'; q?: string; expand?: string; sortBy?: 'name' };
    if (query.type === undefined || query.type === '') throw new ApiValidationError(['type: The field is required']);
    const type = query.type;
    const expand = expandRules(query.expand);
    const sortBy = query.sortBy === 'name' ? 'name' : 'priority';
    const ctx = callContext(request);
    const generation = await policies.generation(ctx, type);
    const orgUrl = opts.orgUrl();
    const key = `${orgUrl} ${request.url}`;
    const cached = pages.get(key, generation);
    if (cached) return reply.header('link', cached.link).type(JSON_TYPE).send(cached.body);
    const items = await page({
      request,
      reply,
      orgUrl,
      spec: PAGE,
      fetch: (limit, after) =>
        policies.list(ctx, {
          type,
          sortBy,
          limit,
          expandRules: expand,
          ...(query.status ? { status: query.status } : {}),
          ...(query.q ? { q: query.q } : {}),
          ...(after ? { after: decodeCursor(after, policyCursor) } : {}),
        }),
      cursorOf: ({ policy }) => (sortBy === 'name' ? ['n', policy.name, policy.id] : ['p', policy.priority, policy.id]),
    });
    const body = Buffer.from(JSON.stringify(items.map(({ policy, rules }) => policyResource(policy, orgUrl, rules))), 'utf8');
    pages.set(key, generation, body, [reply.getHeader('link') ?? []].flat().map(String));
    return reply.type(JSON_TYPE).send(body);
  });

  app.post('/policies', { schema: { querystring: ActivateQuery, body: PolicyBody } }, async (request) => {
    const { activate } = request.query as { activate?: boolean };
    const policy = await policies.create(callContext(request), request.body as PolicyInput, { activate: activate ?? true });
    return policyResource(policy, opts.orgUrl());
  });

  app.get('/policies/:policyId', { schema: { params: PolicyParams, querystring: ExpandQuery } }, async (request) => {
    const { expand } = request.query as { expand?: string };
    const { policy, rules } = await policies.get(callContext(request), params<{ policyId: string }>(request).policyId, { expandRules: expandRules(expand) });
    return policyResource(policy, opts.orgUrl(), rules);
  });

  app.put('/policies/:policyId', { schema: { params: PolicyParams, body: PolicyBody } }, async (request) => {
    const policy = await policies.replace(callContext(request), params<{ policyId: string }>(request).policyId, request.body as PolicyInput);
    return policyResource(policy, opts.orgUrl());
  });

  app.delete('/policies/:policyId', { schema: { params: PolicyParams } }, async (request, reply) => {
    await policies.delete(callContext(request), params<{ policyId: string }>(request).policyId);
    return reply.code(204).send();
  });

  app.post('/policies/:policyId/lifecycle/activate', { schema: { params: PolicyParams } }, async (request, reply) => {
    await policies.activate(callContext(request), params<{ policyId: string }>(request).policyId);
    return reply.code(204).send();
  });

  app.post('/policies/:policyId/lifecycle/deactivate', { schema: { params: PolicyParams } }, async (request, reply) => {
    await policies.deactivate(callContext(request), params<{ policyId: string }>(request).policyId);
    return reply.code(204).send();
  });

  app.post('/policies/:policyId/clone', { schema: { params: PolicyParams } }, async (request) => {
    const policy = await policies.clone(callContext(request), params<{ policyId: string }>(request).policyId);
    return policyResource(policy, opts.orgUrl());
  });

  /**
   * Deprecated by Okta in favour of `/mappings`: the applications that use the policy. Tollgate
   * has no applications yet, so after the policy and permission checks the list is empty.
   */
  // Okta's deprecated list of the apps assigned to an app sign-in policy: the APP mappings, as apps.
  app.get('/policies/:policyId/app', { schema: { params: PolicyParams } }, async (request) => {
    const ctx = callContext(request);
    const mappings = await policies.listMappings(ctx, params<{ policyId: string }>(request).policyId);
    const appIds = mappings.filter((m) => m.resourceType === APP_MAPPING_RESOURCE_TYPE).map((m) => m.resourceId);
    const views = await opts.services.apps.getMany(ctx, appIds);
    return views.map((view) => appResource(view, opts.orgUrl()));
  });

  app.get('/policies/:policyId/mappings', { schema: { params: PolicyParams } }, async (request) => {
    const mappings = await policies.listMappings(callContext(request), params<{ policyId: string }>(request).policyId);
    return mappings.map((m) => mappingResource(m, opts.orgUrl()));
  });

  app.post('/policies/:policyId/mappings', { schema: { params: PolicyParams, body: MappingBody } }, async (request) => {
    const mapping = await policies.createMapping(
      callContext(request),
      params<{ policyId: string }>(request).policyId,
      request.body as { resourceId: string; resourceType: string },
    );
    return mappingResource(mapping, opts.orgUrl());
  });

  app.get('/policies/:policyId/mappings/:mappingId', { schema: { params: MappingParams } }, async (request) => {
    const { policyId, mappingId } = params<{ policyId: string; mappingId: string }>(request);
    return mappingResource(await policies.getMapping(callContext(request), policyId, mappingId), opts.orgUrl());
  });

  app.delete('/policies/:policyId/mappings/:mappingId', { schema: { params: MappingParams } }, async (request, reply) => {
    const { policyId, mappingId } = params<{ policyId: string; mappingId: string }>(request);
    await policies.deleteMapping(callContext(request), policyId, mappingId);
    return reply.code(204).send();
  });

  // --- rules ---------------------------------------------------------------------------------

  app.get('/policies/:policyId/rules', { schema: { params: PolicyParams, querystring: RuleListQuery } }, async (request) => {
    const { policyId } = params<{ policyId: string }>(request);
    const limit = ruleLimit((request.query as { limit?: string }).limit);
    const { policy, rules } = await policies.listRules(callContext(request), policyId, limit);
    return rules.map((r) => ruleResource(policy, r, opts.orgUrl()));
  });

  app.post('/policies/:policyId/rules', { schema: { params: PolicyParams, querystring: ActivateQuery, body: RuleBody } }, async (request) => {
    const { activate } = request.query as { activate?: boolean };
    const { policy, rule } = await policies.createRule(callContext(request), params<{ policyId: string }>(request).policyId, request.body as RuleInput, {
      activate: activate ?? true,
    });
    return ruleResource(policy, rule, opts.orgUrl());
  });

  app.get('/policies/:policyId/rules/:ruleId', { schema: { params: RuleParams } }, async (request) => {
    const { policyId, ruleId } = params<{ policyId: string; ruleId: string }>(request);
    const { policy, rule } = await policies.getRule(callContext(request), policyId, ruleId);
    return ruleResource(policy, rule, opts.orgUrl());
  });

  app.put('/policies/:policyId/rules/:ruleId', { schema: { params: RuleParams, body: RuleBody } }, async (request) => {
    const { policyId, ruleId } = params<{ policyId: string; ruleId: string }>(request);
    const { policy, rule } = await policies.replaceRule(callContext(request), policyId, ruleId, request.body as RuleInput);
    return ruleResource(policy, rule, opts.orgUrl());
  });

  app.delete('/policies/:policyId/rules/:ruleId', { schema: { params: RuleParams } }, async (request, reply) => {
    const { policyId, ruleId } = params<{ policyId: string; ruleId: string }>(request);
    await policies.deleteRule(callContext(request), policyId, ruleId);
    return reply.code(204).send();
  });

  app.post('/policies/:policyId/rules/:ruleId/lifecycle/activate', { schema: { params: RuleParams } }, async (request, reply) => {
    const { policyId, ruleId } = params<{ policyId: string; ruleId: string }>(request);
    await policies.activateRule(callContext(request), policyId, ruleId);
    return reply.code(204).send();
  });

  app.post('/policies/:policyId/rules/:ruleId/lifecycle/deactivate', { schema: { params: RuleParams } }, async (request, reply) => {
    const { policyId, ruleId } = params<{ policyId: string; ruleId: string }>(request);
    await policies.deactivateRule(callContext(request), policyId, ruleId);
    return reply.code(204).send();
  });
}
