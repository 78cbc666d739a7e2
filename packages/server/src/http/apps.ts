import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AppInput } from '../domain/apps/app-input.ts';
import type { AppCursor } from '../domain/apps/ports.ts';
import type { AppGroupInput, AppUserInput, AppWriteResult } from '../domain/apps/service.ts';
import type { AppGroupAssignmentRecord, AppUserView, AppView } from '../domain/apps/types.ts';
import { isoDate } from '../domain/shared/clock.ts';
import { ApiValidationError } from '../errors/catalog.ts';
import type { Services } from '../services.ts';
import { callContext } from './auth.ts';
import { decodeCursor, page, PageQuery } from './pagination.ts';

/**
 * Okta's app list: `limit` defaults to -1 ("the server's page size") and is at most 200; a list
 * without `limit` returns pages of 200 with a `next` link.
 */
const APP_PAGE = { defaultLimit: 200, maxLimit: 200 };
/** App users: 50 by default, at most 500 (Okta's `queryAppLimit`). */
const APP_USER_PAGE = { defaultLimit: 50, maxLimit: 500 };
/** App group assignments: 20 by default, at most 200 (Okta's `queryGroupAssignmentLimit`). */
const APP_GROUP_PAGE = { defaultLimit: 20, maxLimit: 200 };

const Id = Type.String({ minLength: 1, maxLength: 100 });
const AppParams = Type.Object({ appId: Id });
const AppUserParams = Type.Object({ appId: Id, userId: Id });
const AppGroupParams = Type.Object({ appId: Id, groupId: Id });
const AppPolicyParams = Type.Object({ appId: Id, policyId: Id });

/**
 * The fields of an app a client may send. Each is checked in the domain (`parseAppInput`), which
 * reports every problem as a cause; read-only fields echoed back (`id`, `status`, `_links` ...)
 * are ignored.
 */
const AppBody = Type.Object({
  name: Type.Optional(Type.Unknown()),
  signOnMode: Type.Optional(Type.Unknown()),
  label: Type.Optional(Type.Unknown()),
  settings: Type.Optional(Type.Unknown()),
  credentials: Type.Optional(Type.Unknown()),
  visibility: Type.Optional(Type.Unknown()),
  accessibility: Type.Optional(Type.Unknown()),
  profile: Type.Optional(Type.Unknown()),
});

const AppUserBody = Type.Object({
  id: Type.Optional(Type.Unknown()),
  scope: Type.Optional(Type.Unknown()),
  profile: Type.Optional(Type.Unknown()),
  credentials: Type.Optional(Type.Unknown()),
});

const ActivateQuery = Type.Object({ activate: Type.Optional(Type.Boolean()) });
const ListQuery = Type.Object({
  ...PageQuery,
  q: Type.Optional(Type.String({ maxLength: 255 })),
  filter: Type.Optional(Type.String({ maxLength: 1024 })),
});
const AssignmentListQuery = Type.Object({ ...PageQuery, q: Type.Optional(Type.String({ maxLength: 255 })) });

type Link = { href: string; hints?: { allow: string[] }; name?: string };

function link(href: string, ...allow: string[]): Link {
  return allow.length > 0 ? { href, hints: { allow } } : { href };
}

/**
 * The wire form of an app, in Okta's field order. The client secret appears only in the response
 * of the write that set or generated it; Tollgate keeps only its hash. Tollgate serves no
 * end-user dashboard or logos, so there are no `appLinks` or `logo` links.
 */
export function appResource({ app, accessPolicyId }: AppView, orgUrl: string, clientSecret?: string) {
  const base = `${orgUrl}/api/v1/apps/${app.id}`;
  const links: Record<string, Link> = {
    self: link(base, 'GET', 'PUT', ...(app.status === 'ACTIVE' ? [] : ['DELETE'])),
    ...(accessPolicyId ? { accessPolicy: link(`${orgUrl}/api/v1/policies/${accessPolicyId}`) } : {}),
    ...(app.status === 'ACTIVE' ? { deactivate: link(`${base}/lifecycle/deactivate`, 'POST') } : { activate: link(`${base}/lifecycle/activate`, 'POST') }),
    users: link(`${base}/users`),
    groups: link(`${base}/groups`),
  };
  const { oauthClient, ...credentials } = app.credentials;
  return {
    id: app.id,
    name: app.name,
    label: app.label,
    status: app.status,
    lastUpdated: isoDate(app.lastUpdated),
    created: isoDate(app.created),
    accessibility: app.accessibility,
    visibility: app.visibility,
    features: [],
    signOnMode: app.signOnMode,
    credentials: {
      ...credentials,
      ...(oauthClient
        ? {
            oauthClient: {
              autoKeyRotation: oauthClient.autoKeyRotation,
              client_id: app.clientId,
              ...(clientSecret !== undefined ? { client_secret: clientSecret } : {}),
              token_endpoint_auth_method: oauthClient.token_endpoint_auth_method,
              pkce_required: oauthClient.pkce_required,
            },
          }
        : {}),
    },
    settings: app.settings,
    ...(app.profile !== null ? { profile: app.profile } : {}),
    _links: links,
  };
}

/** An app user: its app username is the user's login (the default `${source.login}` template). */
export function appUserResource(user: AppUserView, orgUrl: string) {
  return {
    id: user.userId,
    created: isoDate(user.created),
    lastUpdated: isoDate(user.lastUpdated),
    scope: user.scope,
    status: 'ACTIVE',
    statusChanged: isoDate(user.created),
    passwordChanged: null,
    syncState: 'DISABLED',
    credentials: { userName: user.login },
    profile: user.profile,
    _links: {
      app: link(`${orgUrl}/api/v1/apps/${user.appId}`),
      user: link(`${orgUrl}/api/v1/users/${user.userId}`),
      ...(user.groupId ? { group: link(`${orgUrl}/api/v1/groups/${user.groupId}`) } : {}),
    },
  };
}

export function appGroupResource(assignment: AppGroupAssignmentRecord, orgUrl: string) {
  const app = `${orgUrl}/api/v1/apps/${assignment.appId}`;
  return {
    id: assignment.groupId,
    lastUpdated: isoDate(assignment.lastUpdated),
    priority: assignment.priority,
    profile: assignment.profile,
    _links: {
      app: link(app),
      self: link(`${app}/groups/${assignment.groupId}`),
      group: link(`${orgUrl}/api/v1/groups/${assignment.groupId}`),
    },
  };
}

function appCursor(key: unknown[]): AppCursor | undefined {
  const [created, id] = key;
  return typeof created === 'number' && typeof id === 'string' ? { created, id } : undefined;
}

function userCursor(key: unknown[]): string | undefined {
  const [id] = key;
  return typeof id === 'string' ? id : undefined;
}

function groupCursor(key: unknown[]): { priority: number; groupId: string } | undefined {
  const [priority, groupId] = key;
  return typeof priority === 'number' && typeof groupId === 'string' ? { priority, groupId } : undefined;
}

export function appRoutes(api: FastifyInstance, deps: { services: Services; orgUrl: () => string }): void {
  const { apps } = deps.services;
  const params = <T>(request: FastifyRequest) => request.params as T;
  const render = (result: AppWriteResult) => appResource(result, deps.orgUrl(), result.clientSecret);

  api.get('/apps', { schema: { querystring: ListQuery } }, async (request, reply) => {
    const query = request.query as { q?: string; filter?: string; limit?: string };
    // Okta's default, -1, asks for the server's page size.
    if (query.limit === '-1') delete query.limit;
    const ctx = callContext(request);
    const orgUrl = deps.orgUrl();
    const views = await page({
      request,
      reply,
      orgUrl,
      spec: APP_PAGE,
      fetch: (limit, after) =>
        apps.list(ctx, {
          limit,
          ...(query.q ? { q: query.q } : {}),
          ...(query.filter !== undefined ? { filter: query.filter } : {}),
          ...(after ? { after: decodeCursor(after, appCursor) } : {}),
        }),
      cursorOf: ({ app }) => [app.created, app.id],
    });
    return views.map((view) => appResource(view, orgUrl));
  });

  api.post('/apps', { schema: { querystring: ActivateQuery, body: AppBody } }, async (request) => {
    const { activate } = request.query as { activate?: boolean };
    return render(await apps.create(callContext(request), request.body as AppInput, { activate: activate ?? true }));
  });

  api.get('/apps/:appId', { schema: { params: AppParams } }, async (request) => {
    return appResource(await apps.get(callContext(request), params<{ appId: string }>(request).appId), deps.orgUrl());
  });

  api.put('/apps/:appId', { schema: { params: AppParams, body: AppBody } }, async (request) => {
    return render(await apps.replace(callContext(request), params<{ appId: string }>(request).appId, request.body as AppInput));
  });

  api.delete('/apps/:appId', { schema: { params: AppParams } }, async (request, reply) => {
    await apps.delete(callContext(request), params<{ appId: string }>(request).appId);
    return reply.code(204).send();
  });

  // Okta answers the lifecycle operations with 200 and no body.
  api.post('/apps/:appId/lifecycle/activate', { schema: { params: AppParams } }, async (request, reply) => {
    await apps.activate(callContext(request), params<{ appId: string }>(request).appId);
    return reply.code(200).send();
  });

  api.post('/apps/:appId/lifecycle/deactivate', { schema: { params: AppParams } }, async (request, reply) => {
    await apps.deactivate(callContext(request), params<{ appId: string }>(request).appId);
    return reply.code(200).send();
  });

  api.put('/apps/:appId/policies/:policyId', { schema: { params: AppPolicyParams } }, async (request, reply) => {
    const { appId, policyId } = params<{ appId: string; policyId: string }>(request);
    await apps.assignPolicy(callContext(request), appId, policyId);
    return reply.code(204).send();
  });

  // --- users ---------------------------------------------------------------------------------

  api.get('/apps/:appId/users', { schema: { params: AppParams, querystring: AssignmentListQuery } }, async (request, reply) => {
    const { appId } = params<{ appId: string }>(request);
    const { q } = request.query as { q?: string };
    const ctx = callContext(request);
    const orgUrl = deps.orgUrl();
    const users = await page({
      request,
      reply,
      orgUrl,
      spec: APP_USER_PAGE,
      fetch: (limit, after) => apps.listUsers(ctx, appId, { limit, ...(q ? { q } : {}), ...(after ? { after: decodeCursor(after, userCursor) } : {}) }),
      cursorOf: (user) => [user.userId],
    });
    return users.map((user) => appUserResource(user, orgUrl));
  });

  api.post('/apps/:appId/users', { schema: { params: AppParams, body: AppUserBody } }, async (request) => {
    const user = await apps.assignUser(callContext(request), params<{ appId: string }>(request).appId, request.body as AppUserInput);
    return appUserResource(user, deps.orgUrl());
  });

  api.get('/apps/:appId/users/:userId', { schema: { params: AppUserParams } }, async (request) => {
    const { appId, userId } = params<{ appId: string; userId: string }>(request);
    return appUserResource(await apps.getUser(callContext(request), appId, userId), deps.orgUrl());
  });

  api.post('/apps/:appId/users/:userId', { schema: { params: AppUserParams, body: AppUserBody } }, async (request) => {
    const { appId, userId } = params<{ appId: string; userId: string }>(request);
    return appUserResource(await apps.updateUser(callContext(request), appId, userId, request.body as AppUserInput), deps.orgUrl());
  });

  api.delete('/apps/:appId/users/:userId', { schema: { params: AppUserParams } }, async (request, reply) => {
    const { appId, userId } = params<{ appId: string; userId: string }>(request);
    await apps.unassignUser(callContext(request), appId, userId);
    return reply.code(204).send();
  });

  // --- groups --------------------------------------------------------------------------------

  api.get('/apps/:appId/groups', { schema: { params: AppParams, querystring: AssignmentListQuery } }, async (request, reply) => {
    const { appId } = params<{ appId: string }>(request);
    const { q } = request.query as { q?: string };
    const ctx = callContext(request);
    const orgUrl = deps.orgUrl();
    const assignments = await page({
      request,
      reply,
      orgUrl,
      spec: APP_GROUP_PAGE,
      fetch: (limit, after) => apps.listGroups(ctx, appId, { limit, ...(q ? { q } : {}), ...(after ? { after: decodeCursor(after, groupCursor) } : {}) }),
      cursorOf: (a) => [a.priority, a.groupId],
    });
    return assignments.map((a) => appGroupResource(a, orgUrl));
  });

  api.get('/apps/:appId/groups/:groupId', { schema: { params: AppGroupParams } }, async (request) => {
    const { appId, groupId } = params<{ appId: string; groupId: string }>(request);
    return appGroupResource(await apps.getGroup(callContext(request), appId, groupId), deps.orgUrl());
  });

  // The body is optional (Okta: `requestBody.required: false`): no body assigns with defaults.
  api.put('/apps/:appId/groups/:groupId', { schema: { params: AppGroupParams } }, async (request) => {
    const { appId, groupId } = params<{ appId: string; groupId: string }>(request);
    const body: unknown = request.body ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiValidationError(['body: must be an ApplicationGroupAssignment object']);
    const { priority, profile } = body as AppGroupInput;
    return appGroupResource(await apps.assignGroup(callContext(request), appId, groupId, { priority, profile }), deps.orgUrl());
  });

  api.delete('/apps/:appId/groups/:groupId', { schema: { params: AppGroupParams } }, async (request, reply) => {
    const { appId, groupId } = params<{ appId: string; groupId: string }>(request);
    await apps.unassignGroup(callContext(request), appId, groupId);
    return reply.code(204).send();
  });
}
