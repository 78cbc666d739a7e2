import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { PerClientRateLimitSettingsResource, PrincipalRateLimitResource } from '@tollgate/api';
import type { PerClientInput, PrincipalRateLimitInput } from '../domain/rate-limits/service.ts';
import { CLIENT_MODES, PRINCIPAL_TYPES } from '../domain/rate-limits/types.ts';
import type { PerClientSettings, PrincipalRateLimit } from '../domain/rate-limits/types.ts';
import { isoDate } from '../domain/shared/clock.ts';
import type { Services } from '../services.ts';
import { callContext } from './auth.ts';
import { decodeCursor, page, PageQuery } from './pagination.ts';

/** The spec's default and maximum for `GET /api/v1/principal-rate-limits`; a larger `limit` is clamped. */
const PAGE = { defaultLimit: 20, maxLimit: 50 };

/**
 * `PerClientRateLimitSettings`. The overrides are checked by the service, which refuses keys
 * other than the three use cases (the body validator would silently drop them).
 */
const PerClientBody = Type.Object({
  defaultMode: Type.Enum(CLIENT_MODES),
  useCaseModeOverrides: Type.Optional(Type.Unknown()),
});

/**
 * Values the service checks itself are `Unknown` here: one clear cause per field
 * (`must be an integer from 30 to 90`) rather than the validator's several.
 */
const WarningThresholdBody = Type.Object({ warningThreshold: Type.Unknown() });

const AdminNotificationsBody = Type.Object({ notificationsEnabled: Type.Unknown() });

/**
 * `PrincipalRateLimitEntity`. Read-only fields a client echoes back (`id`, `orgId`,
 * `createdDate`, `createdBy`, `lastUpdate`, `lastUpdatedBy`) are accepted and ignored, so a
 * GET response can be sent back as a PUT; the percentages (integers from 5 to 100, null or
 * absent for the default) are checked by the service.
 */
const PrincipalRateLimitBody = Type.Object({
  principalId: Type.String({ minLength: 1, maxLength: 64 }),
  principalType: Type.Enum(PRINCIPAL_TYPES),
  defaultPercentage: Type.Optional(Type.Unknown()),
  defaultConcurrencyPercentage: Type.Optional(Type.Unknown()),
});

const PrincipalRateLimitParams = Type.Object({ principalRateLimitId: Type.String({ minLength: 1, maxLength: 64 }) });

const ListQuery = Type.Object({ ...PageQuery, filter: Type.Optional(Type.String({ maxLength: 1024 })) });

/** `/api/v1/rate-limit-settings/*` and `/api/v1/principal-rate-limits` (wire facts §b7). */
export function rateLimitRoutes(app: FastifyInstance, opts: { services: Services; orgUrl: () => string }): void {
  const settings = opts.services.rateLimitSettings;

  app.get('/rate-limit-settings/per-client', async (request) => perClientResource(await settings.getPerClient(callContext(request))));

  app.put('/rate-limit-settings/per-client', { schema: { body: PerClientBody } }, async (request) => {
    return perClientResource(await settings.replacePerClient(callContext(request), request.body as PerClientInput));
  });

  app.get('/rate-limit-settings/warning-threshold', async (request) => ({ warningThreshold: await settings.getWarningThreshold(callContext(request)) }));

  app.put('/rate-limit-settings/warning-threshold', { schema: { body: WarningThresholdBody } }, async (request) => {
    const { warningThreshold } = request.body as { warningThreshold: unknown };
    return { warningThreshold: await settings.replaceWarningThreshold(callContext(request), { warningThreshold }) };
  });

  app.get('/rate-limit-settings/admin-notifications', async (request) => ({
    notificationsEnabled: await settings.getNotificationsEnabled(callContext(request)),
  }));

  app.put('/rate-limit-settings/admin-notifications', { schema: { body: AdminNotificationsBody } }, async (request) => {
    const { notificationsEnabled } = request.body as { notificationsEnabled: unknown };
    return { notificationsEnabled: await settings.replaceNotificationsEnabled(callContext(request), { notificationsEnabled }) };
  });

  app.get('/principal-rate-limits', { schema: { querystring: ListQuery } }, async (request, reply) => {
    const ctx = callContext(request);
    const { filter } = request.query as { filter?: string };
    const items = await page({
      request,
      reply,
      orgUrl: opts.orgUrl(),
      spec: PAGE,
      fetch: (limit, after) =>
        settings.listPrincipalRateLimits(ctx, {
          filter,
          limit,
          ...(after ? { after: decodeCursor(after, ([created, id]) => (typeof created === 'number' && typeof id === 'string' ? { created, id } : undefined)) } : {}),
        }),
      cursorOf: (p) => [p.createdDate, p.id],
    });
    return items.map(principalResource);
  });

  app.post('/principal-rate-limits', { schema: { body: PrincipalRateLimitBody } }, async (request, reply) => {
    const created = await settings.createPrincipalRateLimit(callContext(request), principalInput(request.body));
    return reply.code(201).send(principalResource(created));
  });

  app.get('/principal-rate-limits/:principalRateLimitId', { schema: { params: PrincipalRateLimitParams } }, async (request) => {
    const { principalRateLimitId } = request.params as { principalRateLimitId: string };
    return principalResource(await settings.getPrincipalRateLimit(callContext(request), principalRateLimitId));
  });

  app.put('/principal-rate-limits/:principalRateLimitId', { schema: { params: PrincipalRateLimitParams, body: PrincipalRateLimitBody } }, async (request) => {
    const { principalRateLimitId } = request.params as { principalRateLimitId: string };
    return principalResource(await settings.replacePrincipalRateLimit(callContext(request), principalRateLimitId, principalInput(request.body)));
  });
}

/** Only the writable fields reach the service. */
function principalInput(body: unknown): PrincipalRateLimitInput {
  const { principalId, principalType, defaultPercentage, defaultConcurrencyPercentage } = body as PrincipalRateLimitInput;
  return { principalId, principalType, defaultPercentage, defaultConcurrencyPercentage };
}

/** As the spec's examples: no `useCaseModeOverrides` when there are none. */
function perClientResource(settings: PerClientSettings): PerClientRateLimitSettingsResource {
  const overrides = settings.useCaseModeOverrides;
  return { defaultMode: settings.defaultMode, ...(Object.keys(overrides).length > 0 ? { useCaseModeOverrides: { ...overrides } } : {}) };
}

/** Field order as in the spec's examples. */
function principalResource(p: PrincipalRateLimit): PrincipalRateLimitResource {
  return {
    id: p.id,
    orgId: p.orgId,
    principalId: p.principalId,
    principalType: p.principalType,
    defaultPercentage: p.defaultPercentage,
    defaultConcurrencyPercentage: p.defaultConcurrencyPercentage,
    createdDate: isoDate(p.createdDate),
    createdBy: p.createdBy,
    lastUpdate: isoDate(p.lastUpdate),
    lastUpdatedBy: p.lastUpdatedBy,
  };
}
