import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { ApiTokenResource } from '@tollgate/api';
import type { ApiTokenRecord } from '../domain/api-tokens/types.ts';
import { isoDate } from '../domain/shared/clock.ts';
import type { Services } from '../services.ts';
import { callContext } from './auth.ts';
import { decodeCursor, page, PageQuery } from './pagination.ts';

/** Okta's documented default and maximum for `GET /api/v1/api-tokens`. */
const PAGE = { defaultLimit: 20, maxLimit: 200 };

const TokenId = Type.Object({ apiTokenId: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * `ApiTokenUpdate`. Read-only fields a client echoes back (`id`, `created`, `clientName`,
 * `_links` ...) are accepted and ignored.
 */
const ApiTokenUpdate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  userId: Type.Optional(Type.String()),
  network: Type.Optional(
    Type.Object({
      connection: Type.Union([Type.Literal('ANYWHERE'), Type.Literal('ZONE')]),
      include: Type.Optional(Type.Array(Type.String())),
      exclude: Type.Optional(Type.Array(Type.String())),
    }),
  ),
});

export function apiTokenRoutes(app: FastifyInstance, opts: { services: Services; orgUrl: () => string }): void {
  const { apiTokens } = opts.services;
  const resource = (token: ApiTokenRecord) => toResource(token, opts.orgUrl());

  app.get('/api-tokens', { schema: { querystring: Type.Object({ ...PageQuery, q: Type.Optional(Type.String({ maxLength: 255 })) }) } }, async (request, reply) => {
    const ctx = callContext(request);
    const { q } = request.query as { q?: string };
    const items = await page({
      request,
      reply,
      orgUrl: opts.orgUrl(),
      spec: PAGE,
      fetch: (limit, after) =>
        apiTokens.list(ctx, {
          limit,
          ...(q ? { q } : {}),
          ...(after ? { after: decodeCursor(after, ([created, id]) => (typeof created === 'number' && typeof id === 'string' ? { created, id } : undefined)) } : {}),
        }),
      cursorOf: (t) => [t.created, t.id],
    });
    return items.map(resource);
  });

  app.delete('/api-tokens/current', async (request, reply) => {
    await apiTokens.revokeCurrent(callContext(request));
    return reply.code(204).send();
  });

  app.get('/api-tokens/:apiTokenId', { schema: { params: TokenId } }, async (request) => {
    const { apiTokenId } = request.params as { apiTokenId: string };
    return resource(await apiTokens.get(callContext(request), apiTokenId));
  });

  app.put('/api-tokens/:apiTokenId', { schema: { params: TokenId, body: ApiTokenUpdate } }, async (request) => {
    const { apiTokenId } = request.params as { apiTokenId: string };
    const body = request.body as { name: string; userId?: string; network?: ApiTokenRecord['network'] };
    const updated = await apiTokens.update(callContext(request), apiTokenId, {
      name: body.name,
      ...(body.network ? { network: body.network } : {}),
      ...(body.userId !== undefined ? { userId: body.userId } : {}),
    });
    return resource(updated);
  });

  app.delete('/api-tokens/:apiTokenId', { schema: { params: TokenId } }, async (request, reply) => {
    const { apiTokenId } = request.params as { apiTokenId: string };
    await apiTokens.revoke(callContext(request), apiTokenId);
    return reply.code(204).send();
  });
}

function toResource(token: ApiTokenRecord, orgUrl: string): ApiTokenResource {
  return {
    name: token.name,
    userId: token.userId,
    tokenWindow: token.tokenWindow,
    network: token.network,
    id: token.id,
    clientName: token.clientName,
    expiresAt: isoDate(token.expiresAt),
    created: isoDate(token.created),
    lastUpdated: isoDate(token.lastUpdated),
    _links: {
      self: { href: `${orgUrl}/api/v1/api-tokens/${token.id}`, hints: { allow: ['GET', 'DELETE'] } },
      user: { href: `${orgUrl}/api/v1/users/${token.userId}`, hints: { allow: ['GET'] } },
    },
  };
}
