import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { ROLE_LABELS } from '../domain/authz/roles.ts';
import type { RoleType } from '../domain/authz/roles.ts';
import type { RoleAssignmentRecord } from '../domain/org/types.ts';
import type { RoleTargetCursor, RoleTargetType } from '../domain/roles/ports.ts';
import type { AppTargetView, RoleAssignee, RoleAssignmentView, RoleExpand } from '../domain/roles/service.ts';
import { isoDate } from '../domain/shared/clock.ts';
import { ApiValidationError } from '../errors/catalog.ts';
import type { Services } from '../services.ts';
import { callContext } from './auth.ts';
import { groupResource } from './groups.ts';
import { decodeCursor, page, PageQuery } from './pagination.ts';

/** Okta's documented default and maximum for role target lists (`queryLimit`). */
const TARGET_PAGE = { defaultLimit: 20, maxLimit: 200 };

/**
 * The IAM-based standard roles: assigned like standard roles, answered in the custom-role shape
 * (`role`, `resource-set`), as Okta's spec maps them to `CustomRole`.
 */
const IAM_BASED: ReadonlySet<RoleType> = new Set<RoleType>(['ACCESS_CERTIFICATIONS_ADMIN', 'ACCESS_REQUESTS_ADMIN', 'WORKFLOWS_ADMIN']);

const Id = Type.String({ minLength: 1, maxLength: 64 });
const AppName = Type.String({ minLength: 1, maxLength: 255 });
const ExpandQuery = Type.Object({ expand: Type.Optional(Type.String({ maxLength: 64 })) });
const AssignQuery = Type.Object({ disableNotifications: Type.Optional(Type.Boolean()) });
/** `{type}` for a standard role; `role` and `resource-set` belong to custom roles, which Tollgate refuses by type. */
const AssignBody = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64 }),
  role: Type.Optional(Type.String({ maxLength: 64 })),
  'resource-set': Type.Optional(Type.String({ maxLength: 64 })),
});

type Params = Record<string, string>;

/**
 * The Roles API for users and groups: assignments (`/roles`) and their group and app targets.
 * Both assignee kinds share the handlers; only the path prefix, the assignee parameter and a
 * few status codes differ (those of Okta's spec, per operation).
 */
export function roleRoutes(app: FastifyInstance, opts: { services: Services; orgUrl: () => string }): void {
  const { roles } = opts.services;
  const kinds = [
    { type: 'USER', prefix: '/users/:userId', param: 'userId', targetGroupParam: 'groupId', assignStatus: 201, appNamePutStatus: 204 },
    // Okta answers a group's role assignment 200 with the body (201 only without one) and its app-name target PUT 200.
    { type: 'GROUP', prefix: '/groups/:groupId', param: 'groupId', targetGroupParam: 'targetGroupId', assignStatus: 200, appNamePutStatus: 200 },
  ] as const;

  for (const kind of kinds) {
    const base = `${kind.prefix}/roles`;
    const one = `${base}/:roleAssignmentId`;
    const assigneeOf = (request: FastifyRequest): RoleAssignee => ({ type: kind.type, id: (request.params as Params)[kind.param]! });
    const assignmentOf = (request: FastifyRequest) => (request.params as Params).roleAssignmentId!;
    const AssigneeParams = Type.Object({ [kind.param]: Id });
    const OneParams = Type.Object({ [kind.param]: Id, roleAssignmentId: Id });
    const GroupTargetParams = Type.Object({ [kind.param]: Id, roleAssignmentId: Id, [kind.targetGroupParam]: Id });
    const AppNameParams = Type.Object({ [kind.param]: Id, roleAssignmentId: Id, appName: AppName });
    const AppInstanceParams = Type.Object({ [kind.param]: Id, roleAssignmentId: Id, appName: AppName, appId: Id });
    const noContent = (reply: FastifyReply, status = 204) => reply.code(status).send();

    app.get(base, { schema: { params: AssigneeParams, querystring: ExpandQuery } }, async (request) => {
      const views = await roles.list(callContext(request), assigneeOf(request), parseExpand(request));
      return views.map((v) => roleResource(v, opts.orgUrl()));
    });

    app.post(base, { schema: { params: AssigneeParams, querystring: AssignQuery, body: AssignBody } }, async (request, reply) => {
      const assignment = await roles.assign(callContext(request), assigneeOf(request), request.body as { type: string });
      return reply.code(kind.assignStatus).send(roleResource({ assignment }, opts.orgUrl()));
    });

    app.get(one, { schema: { params: OneParams, querystring: ExpandQuery } }, async (request) => {
      const view = await roles.get(callContext(request), assigneeOf(request), assignmentOf(request), parseExpand(request));
      return roleResource(view, opts.orgUrl());
    });

    app.delete(one, { schema: { params: OneParams } }, async (request, reply) => {
      await roles.unassign(callContext(request), assigneeOf(request), assignmentOf(request));
      return noContent(reply);
    });

    // --- group targets ---------------------------------------------------------------------

    app.get(`${one}/targets/groups`, { schema: { params: OneParams, querystring: Type.Object(PageQuery) } }, async (request, reply) => {
      const ctx = callContext(request);
      const orgUrl = opts.orgUrl();
      const items = await page({
        request,
        reply,
        orgUrl,
        spec: TARGET_PAGE,
        fetch: (limit, after) =>
          roles.listGroupTargets(ctx, assigneeOf(request), assignmentOf(request), {
            limit,
            ...(after ? { after: decodeCursor(after, ([id]) => (typeof id === 'string' ? id : undefined)) } : {}),
          }),
        cursorOf: (t) => [t.groupId],
      });
      return items.flatMap((t) => (t.group ? [groupResource({ group: t.group }, orgUrl)] : []));
    });

    app.put(`${one}/targets/groups/:${kind.targetGroupParam}`, { schema: { params: GroupTargetParams } }, async (request, reply) => {
      await roles.addGroupTarget(callContext(request), assigneeOf(request), assignmentOf(request), (request.params as Params)[kind.targetGroupParam]!);
      return noContent(reply);
    });

    app.delete(`${one}/targets/groups/:${kind.targetGroupParam}`, { schema: { params: GroupTargetParams } }, async (request, reply) => {
      await roles.removeGroupTarget(callContext(request), assigneeOf(request), assignmentOf(request), (request.params as Params)[kind.targetGroupParam]!);
      return noContent(reply);
    });

    // --- app targets -----------------------------------------------------------------------

    app.get(`${one}/targets/catalog/apps`, { schema: { params: OneParams, querystring: Type.Object(PageQuery) } }, async (request, reply) => {
      const ctx = callContext(request);
      const orgUrl = opts.orgUrl();
      const items = await page({
        request,
        reply,
        orgUrl,
        spec: TARGET_PAGE,
        fetch: (limit, after) =>
          roles.listAppTargets(ctx, assigneeOf(request), assignmentOf(request), { limit, ...(after ? { after: decodeCursor(after, appCursor) } : {}) }),
        cursorOf: (t) => [t.cursor.targetType, t.cursor.targetId],
      });
      return items.flatMap((t) => appTargetResources(t, orgUrl));
    });

    // Okta's spec has this operation ("assign all apps") for users only; groups get the same for symmetry.
    app.put(`${one}/targets/catalog/apps`, { schema: { params: OneParams } }, async (request, reply) => {
      await roles.targetAllApps(callContext(request), assigneeOf(request), assignmentOf(request));
      return noContent(reply, 200);
    });

    app.put(`${one}/targets/catalog/apps/:appName`, { schema: { params: AppNameParams } }, async (request, reply) => {
      await roles.addAppNameTarget(callContext(request), assigneeOf(request), assignmentOf(request), (request.params as Params).appName!);
      return noContent(reply, kind.appNamePutStatus);
    });

    app.delete(`${one}/targets/catalog/apps/:appName`, { schema: { params: AppNameParams } }, async (request, reply) => {
      await roles.removeAppNameTarget(callContext(request), assigneeOf(request), assignmentOf(request), (request.params as Params).appName!);
      return noContent(reply);
    });

    app.put(`${one}/targets/catalog/apps/:appName/:appId`, { schema: { params: AppInstanceParams } }, async (request, reply) => {
      const { appName, appId } = request.params as Params;
      await roles.addAppTarget(callContext(request), assigneeOf(request), assignmentOf(request), appName!, appId!);
      return noContent(reply);
    });

    app.delete(`${one}/targets/catalog/apps/:appName/:appId`, { schema: { params: AppInstanceParams } }, async (request, reply) => {
      const { appName, appId } = request.params as Params;
      await roles.removeAppTarget(callContext(request), assigneeOf(request), assignmentOf(request), appName!, appId!);
      return noContent(reply);
    });
  }
}

function parseExpand(request: FastifyRequest): RoleExpand | undefined {
  const { expand } = request.query as { expand?: string };
  if (expand === undefined || expand === '') return undefined;
  if (expand === 'targets/groups') return 'groups';
  if (expand === 'targets/catalog/apps') return 'apps';
  throw new ApiValidationError(['expand: must be targets/groups or targets/catalog/apps'], 'expand');
}

function appCursor([type, id]: unknown[]): RoleTargetCursor | undefined {
  return (type === 'APP' || type === 'APP_NAME') && typeof id === 'string' ? { targetType: type as RoleTargetType, targetId: id } : undefined;
}

/** StandardRole, or for the IAM-based roles the CustomRole shape Okta answers them in. */
export function roleResource(view: RoleAssignmentView, orgUrl: string) {
  const a: RoleAssignmentRecord = view.assignment;
  const assignee = `${orgUrl}/api/v1/${a.principalType === 'USER' ? 'users' : 'groups'}/${a.principalId}`;
  const iam = IAM_BASED.has(a.roleType);
  const embedded =
    view.groups !== undefined
      ? { _embedded: { targets: { groups: view.groups.map((group) => groupResource({ group }, orgUrl)) } } }
      : view.apps !== undefined
        ? { _embedded: { targets: { catalog: { apps: view.apps.flatMap((t) => appTargetResources(t, orgUrl)) } } } }
        : {};
  return {
    id: a.id,
    ...(iam ? { role: a.roleType, 'resource-set': `${a.roleType}_IAM_POLICY` } : {}),
    label: ROLE_LABELS[a.roleType],
    type: a.roleType,
    status: a.status,
    created: isoDate(a.created),
    lastUpdated: isoDate(a.lastUpdated),
    assignmentType: a.principalType,
    ...(iam ? {} : embedded),
    _links: {
      assignee: { href: assignee },
      ...(iam ? { role: { href: `${orgUrl}/api/v1/iam/roles/${a.roleType}` } } : {}),
    },
  };
}

/**
 * App targets as `CatalogApplication`s: a catalog-name target without `id` (Okta: "an OIN-cataloged
 * app payload doesn't" have one), an instance target with the app's id. A deleted app shows nothing.
 */
function appTargetResources(target: AppTargetView, orgUrl: string) {
  if (target.kind === 'name') {
    const first = target.apps[0];
    return [
      {
        name: target.name,
        displayName: first?.label ?? target.name,
        status: 'ACTIVE',
        signOnModes: [...new Set(target.apps.map((a) => a.signOnMode))],
        _links: { self: { href: `${orgUrl}/api/v1/catalog/apps/${encodeURIComponent(target.name)}` } },
      },
    ];
  }
  const { app } = target;
  if (!app) return [];
  return [
    {
      id: app.id,
      name: app.name,
      displayName: app.label,
      status: app.status === 'ACTIVE' ? 'ACTIVE' : 'INACTIVE',
      signOnModes: [app.signOnMode],
      lastUpdated: isoDate(app.lastUpdated),
      _links: { self: { href: `${orgUrl}/api/v1/apps/${app.id}` } },
    },
  ];
}
