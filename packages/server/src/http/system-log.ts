import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { LegacyListParams, LogListParams } from '../domain/system-log/service.ts';
import type { Services } from '../services.ts';
import { callContext } from './auth.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

const LogsQuery = Type.Object({
  since: Type.Optional(Type.String({ maxLength: 64 })),
  until: Type.Optional(Type.String({ maxLength: 64 })),
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  filter: Type.Optional(Type.String({ maxLength: 4_000 })),
  q: Type.Optional(Type.String({ maxLength: 1_000 })),
  limit: Type.Optional(Type.String({ maxLength: 12 })),
  sortOrder: Type.Optional(Type.String({ maxLength: 16 })),
});

const EventsQuery = Type.Object({
  startDate: Type.Optional(Type.String({ maxLength: 64 })),
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  filter: Type.Optional(Type.String({ maxLength: 2_000 })),
  limit: Type.Optional(Type.String({ maxLength: 12 })),
});

/** The parameters a `next` link carries over; `since` and `after` are replaced by the cursor. */
const CARRIED = ['until', 'filter', 'q', 'limit', 'sortOrder'] as const;

/**
 * `GET /api/v1/logs`. Events are sent as the JSON text the store holds, without parsing and
 * re-serialising each one. Links: `self` always; `next` always in polling mode (even on an
 * empty page), and in bounded mode only when more events remain.
 */
export function systemLogRoutes(app: FastifyInstance, opts: { services: Services; orgUrl: () => string }): void {
  const { logs } = opts.services;

  app.get('/logs', { schema: { querystring: LogsQuery } }, async (request, reply) => {
    const params = request.query as LogListParams;
    const result = await logs.list(callContext(request), params);
    const links = linkHeader(request.url, opts.orgUrl(), result.next === undefined ? undefined : nextQuery(params, CARRIED, result.next));
    const body = `[${result.events.map((e) => e.json).join(',')}]`;
    return reply.header('link', links).type(JSON_TYPE).send(body);
  });

  /** The deprecated Events API, from the same store; `next` on every page (reliable ingestion). */
  app.get('/events', { schema: { querystring: EventsQuery } }, async (request, reply) => {
    const params = request.query as LegacyListParams;
    const result = await logs.listLegacy(callContext(request), params);
    reply.header('link', linkHeader(request.url, opts.orgUrl(), nextQuery(params, ['filter', 'limit'], result.next)));
    return result.events;
  });
}

/** The query of a `next` link: the carried parameters as the client sent them, then `after`. */
function nextQuery<P extends { [K in keyof P]?: string }>(params: P, carried: readonly (keyof P & string)[], after: string): URLSearchParams {
  const next = new URLSearchParams();
  for (const key of carried) {
    const value = params[key];
    if (value !== undefined) next.set(key, value);
  }
  next.set('after', after);
  return next;
}

/** `self` (the request as made) and, when given, `next`, as absolute URLs on the org. */
function linkHeader(requestUrl: string, orgUrl: string, next: URLSearchParams | undefined): string[] {
  const self = new URL(requestUrl, orgUrl + '/');
  const links = [`<${orgUrl}${self.pathname}${self.search}>; rel="self"`];
  if (next) links.push(`<${orgUrl}${self.pathname}?${next.toString()}>; rel="next"`);
  return links;
}
