import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { GroupCursor } from '../domain/groups/ports.ts';
import { parseGroupFilter, parseGroupSearch } from '../domain/groups/search.ts';
import type { GroupCondition } from '../domain/groups/search.ts';
import type { GroupInput, ListedGroup } from '../domain/groups/service.ts';
import { isoDate } from '../domain/shared/clock.ts';
import { ApiValidationError, SearchWithFilterError } from '../errors/catalog.ts';
import type { Services } from '../services.ts';
import { callContext } from './auth.ts';
import { decodeCursor, page, PageQuery } from './pagination.ts';
import { userResource } from './users.ts';

/**
 * Okta's group list has a maximum `limit` of 10000 and no documented default: without `limit`
 * Tollgate returns up to 10000. A `q` query defaults to 300 results, as Okta documents.
 */
const LIST_PAGE = { defaultLimit: 10_000, maxLimit: 10_000 };
const QUERY_PAGE = { defaultLimit: 300, maxLimit: 10_000 };
/** Group members: Okta's default of 1000; larger pages are clamped to it too. */
const MEMBERS_PAGE = { defaultLimit: 1000, maxLimit: 1000 };

const Id = Type.String({ minLength: 1, maxLength: 64 });
const GroupParams = Type.Object({ groupId: Id });
const MemberParams = Type.Object({ groupId: Id, userId: Id });

/**
 * What a client may send: the profile's name and description. Read-only fields a client echoes
 * back (`id`, `type`, `created`, `_links` ...) and custom profile attributes are dropped.
 */
const GroupBody = Type.Object({
  profile: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 255 }),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
  }),
});

const ListQuery = Type.Object({
  ...PageQuery,
  q: Type.Optional(Type.String({ maxLength: 255 })),
  search: Type.Optional(Type.String({ maxLength: 2000 })),
  filter: Type.Optional(Type.String({ maxLength: 2000 })),
  expand: Type.Optional(Type.String({ maxLength: 64 })),
});

const ExpandQuery = Type.Object({ expand: Type.Optional(Type.String({ maxLength: 64 })) });

type Link = { href: string };

/** The wire form of a group (the spec's `Group`), with Okta's logo, users and apps links. */
export function groupResource(listed: ListedGroup, orgUrl: string) {
  const { group, usersCount } = listed;
  const base = `${orgUrl}/api/v1/groups/${group.id}`;
  const logo = (size: 'medium' | 'large') => ({ name: size, href: `${orgUrl}/img/logos/groups/okta-${size}.png`, type: 'image/png' });
  const links: { logo: ReturnType<typeof logo>[]; users: Link; apps: Link } = {
    logo: [logo('medium'), logo('large')],
    users: { href: `${base}/users` },
    apps: { href: `${base}/apps` },
  };
  return {
    id: group.id,
    created: isoDate(group.created),
    lastUpdated: isoDate(group.lastUpdated),
    lastMembershipUpdated: isoDate(group.lastMembershipUpdated),
    objectClass: ['okta:user_group'],
    type: group.type,
    // `description` is omitted when unset: the spec types it as a non-nullable string.
    profile: { name: group.name, ...(group.description !== null ? { description: group.description } : {}) },
    ...(usersCount !== undefined ? { _embedded: { stats: { usersCount } } } : {}),
    _links: links,
  };
}

/** `expand` takes `stats` and `app` (comma-separated); `app` embeds nothing: no group here is sourced from an app. */
function expandStats(expand: string | undefined): boolean {
  if (expand === undefined || expand === '') return false;
  const parts = expand.split(',').map((p) => p.trim());
  for (const part of parts) if (part !== 'stats' && part !== 'app') throw new ApiValidationError(['expand: must be stats, app, or both separated by a comma']);
  return parts.includes('stats');
}

function groupCursor(key: unknown[]): GroupCursor | undefined {
  const [created, id] = key;
  return typeof created === 'number' && typeof id === 'string' ? { created, id } : undefined;
}

function memberCursor(key: unknown[]): string | undefined {
  const [id] = key;
  return typeof id === 'string' ? id : undefined;
}

export function groupRoutes(api: FastifyInstance, deps: { services: Services; orgUrl: () => string }): void {
  const { groups } = deps.services;
  const params = <T>(request: FastifyRequest) => request.params as T;

  api.get('/groups', { schema: { querystring: ListQuery } }, async (request, reply) => {
    const query = request.query as { q?: string; search?: string; filter?: string; expand?: string };
    const given = [query.q, query.search, query.filter].filter((v) => v !== undefined && v !== '').length;
    if (given > 1) throw new SearchWithFilterError();
    let condition: GroupCondition | undefined;
    if (query.search) condition = parseGroupSearch(query.search);
    else if (query.filter) condition = parseGroupFilter(query.filter);
    const stats = expandStats(query.expand);
    const ctx = callContext(request);
    const orgUrl = deps.orgUrl();
    const items = await page({
      request,
      reply,
      orgUrl,
      spec: query.q ? QUERY_PAGE : LIST_PAGE,
      fetch: (limit, after) =>
        groups.list(ctx, {
          limit,
          stats,
          ...(query.q ? { q: query.q } : {}),
          ...(condition ? { condition } : {}),
          ...(after ? { after: decodeCursor(after, groupCursor) } : {}),
        }),
      cursorOf: ({ group }) => [group.created, group.id],
    });
    return items.map((item) => groupResource(item, orgUrl));
  });

  api.post('/groups', { schema: { body: GroupBody } }, async (request) => {
    const group = await groups.create(callContext(request), request.body as GroupInput);
    return groupResource({ group }, deps.orgUrl());
  });

  api.get('/groups/:groupId', { schema: { params: GroupParams, querystring: ExpandQuery } }, async (request) => {
    const stats = expandStats((request.query as { expand?: string }).expand);
    const listed = await groups.get(callContext(request), params<{ groupId: string }>(request).groupId, { stats });
    return groupResource(listed, deps.orgUrl());
  });

  api.put('/groups/:groupId', { schema: { params: GroupParams, body: GroupBody } }, async (request) => {
    const group = await groups.replace(callContext(request), params<{ groupId: string }>(request).groupId, request.body as GroupInput);
    return groupResource({ group }, deps.orgUrl());
  });

  api.delete('/groups/:groupId', { schema: { params: GroupParams } }, async (request, reply) => {
    await groups.delete(callContext(request), params<{ groupId: string }>(request).groupId);
    return reply.code(204).send();
  });

  api.get('/groups/:groupId/users', { schema: { params: GroupParams, querystring: Type.Object(PageQuery) } }, async (request, reply) => {
    const { groupId } = params<{ groupId: string }>(request);
    const ctx = callContext(request);
    const orgUrl = deps.orgUrl();
    const members = await page({
      request,
      reply,
      orgUrl,
      spec: MEMBERS_PAGE,
      fetch: (limit, after) => groups.listMembers(ctx, groupId, { limit, ...(after ? { afterUserId: decodeCursor(after, memberCursor) } : {}) }),
      cursorOf: (user) => [user.id],
    });
    // Members render as the Users API lists users (the spec's `User`, self link only).
    return members.map((user) => userResource(user, orgUrl, { full: false }));
  });

  api.put('/groups/:groupId/users/:userId', { schema: { params: MemberParams } }, async (request, reply) => {
    const { groupId, userId } = params<{ groupId: string; userId: string }>(request);
    await groups.addMember(callContext(request), groupId, userId);
    return reply.code(204).send();
  });

  api.delete('/groups/:groupId/users/:userId', { schema: { params: MemberParams } }, async (request, reply) => {
    const { groupId, userId } = params<{ groupId: string; userId: string }>(request);
    await groups.removeMember(callContext(request), groupId, userId);
    return reply.code(204).send();
  });
}
