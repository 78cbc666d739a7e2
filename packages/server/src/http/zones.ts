import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { isoDate } from '../domain/shared/clock.ts';
import { parseZoneFilter } from '../domain/zones/filter.ts';
import type { ZoneInput } from '../domain/zones/service.ts';
import type { ZoneRecord } from '../domain/zones/types.ts';
import { ApiValidationError } from '../errors/catalog.ts';
import type { Services } from '../services.ts';
import { callContext } from './auth.ts';
import { decodeCursor, encodeCursor, PageQuery } from './pagination.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const ZoneParams = Type.Object({ zoneId: Id });
const Nullable = <T extends Type.TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

const Address = Type.Object({
  type: Type.Union([Type.Literal('CIDR'), Type.Literal('RANGE')]),
  value: Type.String({ maxLength: 100 }),
});

/**
 * A zone as clients send it. Read-only fields a client echoes back (`id`, `created`, `_links` ...,
 * the SDK even sends `"id": null`) are dropped; `system` is compared with what is stored; the
 * address lists are checked entry by entry by the service. `maxItems` only bounds the request:
 * the per-zone limits (150, 1000, 5000) are the service's.
 */
const ZoneBody = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 32 }),
  name: Type.String({ minLength: 1, maxLength: 128 }),
  status: Nullable(Type.Union([Type.Literal('ACTIVE'), Type.Literal('INACTIVE')])),
  usage: Nullable(Type.Union([Type.Literal('POLICY'), Type.Literal('BLOCKLIST')])),
  system: Nullable(Type.Boolean()),
  gateways: Nullable(Type.Array(Address, { maxItems: 5000 })),
  proxies: Nullable(Type.Array(Address, { maxItems: 5000 })),
});

const ListQuery = Type.Object({ ...PageQuery, filter: Type.Optional(Type.String({ maxLength: 2000 })) });

type Link = { href: string; hints: { allow: string[] } };

/**
 * The wire form of an IP zone (the spec's `IPNetworkZone`). `gateways` is always a list (the spec
 * types it as a non-nullable array); `proxies` is null when the zone has none, as Okta serves
 * it. A system zone cannot be deleted, so its self link offers no DELETE.
 */
export function zoneResource(zone: ZoneRecord, orgUrl: string) {
  const base = `${orgUrl}/api/v1/zones/${zone.id}`;
  const links: Record<string, Link> = { self: { href: base, hints: { allow: zone.system ? ['GET', 'PUT'] : ['GET', 'PUT', 'DELETE'] } } };
  if (zone.status === 'ACTIVE') links.deactivate = { href: `${base}/lifecycle/deactivate`, hints: { allow: ['POST'] } };
  else links.activate = { href: `${base}/lifecycle/activate`, hints: { allow: ['POST'] } };
  return {
    type: zone.type,
    id: zone.id,
    name: zone.name,
    status: zone.status,
    usage: zone.usage,
    created: isoDate(zone.created),
    lastUpdated: isoDate(zone.lastUpdated),
    system: zone.system,
    gateways: zone.gateways ?? [],
    proxies: zone.proxies,
    _links: links,
  };
}

/** `limit`: Okta's default -1 lists every zone; a positive limit pages with `after`. */
function zoneLimit(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '-1') return undefined;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw new ApiValidationError(['limit: must be -1 (every zone) or a positive integer']);
  return Number(raw);
}

function zoneCursor(key: unknown[]): { created: number; id: string } | undefined {
  const [created, id] = key;
  return typeof created === 'number' && typeof id === 'string' ? { created, id } : undefined;
}

export function zoneRoutes(api: FastifyInstance, deps: { services: Services; orgUrl: () => string }): void {
  const { zones } = deps.services;
  const zoneId = (request: FastifyRequest) => (request.params as { zoneId: string }).zoneId;

  api.get('/zones', { schema: { querystring: ListQuery } }, async (request, reply) => {
    const query = request.query as { filter?: string; after?: string; limit?: string };
    const limit = zoneLimit(query.limit);
    const filter = query.filter ? parseZoneFilter(query.filter) : undefined;
    const after = query.after ? decodeCursor(query.after, zoneCursor) : undefined;
    let list = await zones.list(callContext(request), filter);
    if (after) list = list.filter((z) => z.created > after.created || (z.created === after.created && z.id > after.id));
    const orgUrl = deps.orgUrl();
    const self = new URL(request.url, orgUrl + '/');
    const links = [`<${orgUrl}${self.pathname}${self.search}>; rel="self"`];
    if (limit !== undefined && list.length > limit) {
      list = list.slice(0, limit);
      const last = list[list.length - 1]!;
      const next = new URL(self.pathname + self.search, orgUrl + '/');
      next.searchParams.set('after', encodeCursor([last.created, last.id]));
      next.searchParams.set('limit', String(limit));
      links.push(`<${orgUrl}${next.pathname}${next.search}>; rel="next"`);
    }
    reply.header('link', links);
    return list.map((zone) => zoneResource(zone, orgUrl));
  });

  api.post('/zones', { schema: { body: ZoneBody } }, async (request) => {
    const zone = await zones.create(callContext(request), request.body as ZoneInput);
    return zoneResource(zone, deps.orgUrl());
  });

  api.get('/zones/:zoneId', { schema: { params: ZoneParams } }, async (request) => {
    return zoneResource(await zones.get(callContext(request), zoneId(request)), deps.orgUrl());
  });

  api.put('/zones/:zoneId', { schema: { params: ZoneParams, body: ZoneBody } }, async (request) => {
    const zone = await zones.replace(callContext(request), zoneId(request), request.body as ZoneInput);
    return zoneResource(zone, deps.orgUrl());
  });

  api.delete('/zones/:zoneId', { schema: { params: ZoneParams } }, async (request, reply) => {
    await zones.delete(callContext(request), zoneId(request));
    return reply.code(204).send();
  });

  api.post('/zones/:zoneId/lifecycle/activate', { schema: { params: ZoneParams } }, async (request) => {
    return zoneResource(await zones.activate(callContext(request), zoneId(request)), deps.orgUrl());
  });

  api.post('/zones/:zoneId/lifecycle/deactivate', { schema: { params: ZoneParams } }, async (request) => {
    return zoneResource(await zones.deactivate(callContext(request), zoneId(request)), deps.orgUrl());
  });
}
