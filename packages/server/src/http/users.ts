import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { isoDate } from '../domain/shared/clock.ts';
import { parseUserFilter } from '../domain/users/filter.ts';
import type { UserFilter } from '../domain/users/filter.ts';
import { allowed } from '../domain/users/lifecycle.ts';
import type { LifecycleOperation } from '../domain/users/lifecycle.ts';
import type { CreateUserInput, UpdateUserInput } from '../domain/users/service.ts';
import type { UserAccount, UserCursor } from '../domain/users/types.ts';
import { SearchWithFilterError } from '../errors/catalog.ts';
import type { Services } from '../services.ts';
import { callContext } from './auth.ts';
import { groupResource } from './groups.ts';
import { decodeCursor, page, PageQuery } from './pagination.ts';

/** Okta: 200 users per page by default (10 with `q`), at most 200. */
const PAGE = { defaultLimit: 200, maxLimit: 200 };
const Q_PAGE = { defaultLimit: 10, maxLimit: 200 };

/**
 * Tollgate has one user type, Okta's default; its id is fixed (there is no User Types API), so a
 * client that echoes `type.id` back sends what it read.
 */
export const DEFAULT_USER_TYPE_ID = 'oty00000000000000000';

const Id = Type.String({ minLength: 1, maxLength: 255 });
const UserParams = Type.Object({ id: Id });
const UserIdParams = Type.Object({ userId: Id });
const Nullable = <T extends Type.TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

const PasswordCredential = Type.Object({ value: Type.Optional(Type.Unknown()), hash: Type.Optional(Type.Unknown()), hook: Type.Optional(Type.Unknown()) });
const Credentials = Nullable(
  Type.Object({
    password: Nullable(PasswordCredential),
    provider: Nullable(Type.Object({ type: Type.Optional(Type.Unknown()), name: Type.Optional(Type.Unknown()) })),
    recovery_question: Type.Optional(Type.Unknown()),
  }),
);

/** `CreateUserRequest`: the profile is checked by the domain (profile.ts), attribute by attribute. */
const CreateBody = Type.Object({
  profile: Type.Unknown(),
  credentials: Credentials,
  groupIds: Nullable(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1000 })),
  type: Nullable(Type.Object({ id: Type.Optional(Type.String({ maxLength: 64 })) })),
  realmId: Type.Optional(Type.Unknown()),
});

/** `UpdateUserRequest`; read-only fields a client echoes back (`id`, `status`, `_links` ...) are dropped. */
const UpdateBody = Type.Object({
  profile: Type.Optional(Type.Unknown()),
  credentials: Credentials,
  type: Nullable(Type.Object({ id: Type.Optional(Type.String({ maxLength: 64 })) })),
  realmId: Type.Optional(Type.Unknown()),
});

const ChangePasswordBody = Type.Object({
  oldPassword: Type.Object({ value: Type.String({ minLength: 1, maxLength: 256 }) }),
  newPassword: Type.Object({ value: Type.String({ minLength: 1, maxLength: 256 }) }),
  revokeSessions: Type.Optional(Type.Boolean()),
});

const ListQuery = Type.Object({
  ...PageQuery,
  q: Type.Optional(Type.String({ maxLength: 255 })),
  filter: Type.Optional(Type.String({ maxLength: 2000 })),
  search: Type.Optional(Type.String({ maxLength: 2000 })),
  sortBy: Type.Optional(Type.String({ maxLength: 64 })),
  sortOrder: Type.Optional(Type.String({ maxLength: 8 })),
});

const CreateQuery = Type.Object({
  activate: Type.Optional(Type.Boolean()),
  provider: Type.Optional(Type.Boolean()),
  nextLogin: Type.Optional(Type.Literal('changePassword')),
});
const StrictQuery = Type.Object({ strict: Type.Optional(Type.Boolean()) });
const SendEmailQuery = Type.Object({ sendEmail: Type.Optional(Type.Boolean()) });
const ResetQuery = Type.Object({ sendEmail: Type.Optional(Type.Boolean()), revokeSessions: Type.Optional(Type.Boolean()) });
const ExpireQuery = Type.Object({ tempPassword: Type.Optional(Type.Boolean()), revokeSessions: Type.Optional(Type.Boolean()) });
const RevokeQuery = Type.Object({ revokeSessions: Type.Optional(Type.Boolean()) });

type Link = { href: string; method?: string };

/** The lifecycle links Okta shows on a single user, by what the status allows. */
const LIFECYCLE_LINKS: [LifecycleOperation, string, string][] = [
  ['activate', 'activate', 'lifecycle/activate'],
  ['reactivate', 'reactivate', 'lifecycle/reactivate'],
  ['resetPassword', 'resetPassword', 'lifecycle/reset_password'],
  ['expirePassword', 'expirePassword', 'lifecycle/expire_password'],
  ['changePassword', 'changePassword', 'credentials/change_password'],
  ['suspend', 'suspend', 'lifecycle/suspend'],
  ['unsuspend', 'unsuspend', 'lifecycle/unsuspend'],
  ['unlock', 'unlock', 'lifecycle/unlock'],
  ['deactivate', 'deactivate', 'lifecycle/deactivate'],
];

/**
 * The spec's `User`. No password value or hash ever appears: `credentials.password` is `{}`
 * when the user has one. Lists carry only the `self` link, as Okta's do.
 */
export function userResource(user: UserAccount, orgUrl: string, options: { full: boolean } = { full: true }) {
  const base = `${orgUrl}/api/v1/users/${user.id}`;
  const links: Record<string, Link> = { self: { href: base } };
  if (options.full) {
    for (const [operation, rel, path] of LIFECYCLE_LINKS) {
      if (!allowed(operation, user.status)) continue;
      if (operation === 'changePassword' && user.passwordHash === null) continue;
      links[rel] = { href: `${base}/${path}`, method: 'POST' };
    }
    links.schema = { href: `${orgUrl}/api/v1/meta/schemas/user/default` };
    links.type = { href: `${orgUrl}/api/v1/meta/types/user/${DEFAULT_USER_TYPE_ID}` };
  }
  return {
    id: user.id,
    status: user.status,
    created: isoDate(user.created),
    activated: user.activated === null ? null : isoDate(user.activated),
    statusChanged: user.statusChanged === null ? null : isoDate(user.statusChanged),
    lastLogin: user.lastLogin === null ? null : isoDate(user.lastLogin),
    lastUpdated: isoDate(user.lastUpdated),
    passwordChanged: user.passwordChanged === null ? null : isoDate(user.passwordChanged),
    type: { id: DEFAULT_USER_TYPE_ID },
    profile: user.profile,
    credentials: credentialsResource(user),
    _links: links,
  };
}

function credentialsResource(user: UserAccount) {
  return { ...(user.passwordHash !== null ? { password: {} } : {}), provider: { type: 'OKTA', name: 'OKTA' } };
}

function userCursor(key: unknown[]): UserCursor | undefined {
  const [created, id] = key;
  return typeof created === 'number' && typeof id === 'string' ? { created, id } : undefined;
}

export function userRoutes(api: FastifyInstance, deps: { services: Services; orgUrl: () => string }): void {
  const { users } = deps.services;
  const id = (request: FastifyRequest) => (request.params as { id?: string; userId?: string }).id ?? (request.params as { userId: string }).userId;

  api.get('/users', { schema: { querystring: ListQuery } }, async (request, reply) => {
    const query = request.query as { q?: string; filter?: string; search?: string };
    const given = [query.q, query.filter, query.search].filter((v) => v !== undefined && v !== '').length;
    if (given > 1) throw new SearchWithFilterError();
    let filter: UserFilter | undefined;
    if (query.filter) filter = parseUserFilter(query.filter, 'filter');
    else if (query.search) filter = parseUserFilter(query.search, 'search');
    const q = query.q ? query.q : undefined;
    const ctx = callContext(request);
    const orgUrl = deps.orgUrl();
    const items = await page({
      request,
      reply,
      orgUrl,
      spec: q !== undefined ? Q_PAGE : PAGE,
      fetch: (limit, after) =>
        users.list(ctx, {
          includeDeprovisioned: filter !== undefined,
          limit,
          ...(q !== undefined ? { q } : {}),
          ...(filter ? { filter } : {}),
          ...(after ? { after: decodeCursor(after, userCursor) } : {}),
        }),
      cursorOf: (user) => [user.created, user.id],
    });
    return items.map((user) => userResource(user, orgUrl, { full: false }));
  });

  api.post('/users', { schema: { querystring: CreateQuery, body: CreateBody } }, async (request) => {
    const query = request.query as { activate?: boolean; nextLogin?: 'changePassword' };
    const user = await users.create(callContext(request), request.body as CreateUserInput, {
      activate: query.activate ?? true,
      ...(query.nextLogin ? { nextLogin: query.nextLogin } : {}),
    });
    return userResource(user, deps.orgUrl());
  });

  api.get('/users/:id', { schema: { params: UserParams } }, async (request) => userResource(await users.get(callContext(request), id(request)), deps.orgUrl()));

  api.post('/users/:id', { schema: { params: UserParams, querystring: StrictQuery, body: UpdateBody } }, async (request) => {
    const { strict } = request.query as { strict?: boolean };
    const user = await users.update(callContext(request), id(request), request.body as UpdateUserInput, { partial: true, strict: strict ?? false });
    return userResource(user, deps.orgUrl());
  });

  api.put('/users/:id', { schema: { params: UserParams, querystring: StrictQuery, body: UpdateBody } }, async (request) => {
    const { strict } = request.query as { strict?: boolean };
    const user = await users.update(callContext(request), id(request), request.body as UpdateUserInput, { partial: false, strict: strict ?? false });
    return userResource(user, deps.orgUrl());
  });

  api.delete('/users/:id', { schema: { params: UserParams, querystring: SendEmailQuery } }, async (request, reply) => {
    await users.delete(callContext(request), id(request));
    return reply.code(204).send();
  });

  api.get('/users/:id/groups', { schema: { params: UserParams } }, async (request) => {
    const orgUrl = deps.orgUrl();
    return (await users.listGroups(callContext(request), id(request))).map((group) => groupResource({ group }, orgUrl));
  });

  /** Activation tokens are answered only with `sendEmail=false`: Tollgate sends no email, so `true` answers `{}` as Okta does. */
  const activation = (token: string, sendEmail: boolean) =>
    sendEmail ? {} : { activationUrl: `${deps.orgUrl()}/welcome/${token}`, activationToken: token };

  api.post('/users/:id/lifecycle/activate', { schema: { params: UserParams, querystring: SendEmailQuery } }, async (request) => {
    const { sendEmail } = request.query as { sendEmail?: boolean };
    const { token } = await users.activate(callContext(request), id(request));
    return activation(token, sendEmail ?? true);
  });

  api.post('/users/:id/lifecycle/reactivate', { schema: { params: UserParams, querystring: SendEmailQuery } }, async (request) => {
    const { sendEmail } = request.query as { sendEmail?: boolean };
    const { token } = await users.reactivate(callContext(request), id(request));
    return activation(token, sendEmail ?? false);
  });

  api.post('/users/:id/lifecycle/deactivate', { schema: { params: UserParams, querystring: SendEmailQuery } }, async (request) => {
    await users.deactivate(callContext(request), id(request));
    return {};
  });

  api.post('/users/:id/lifecycle/suspend', { schema: { params: UserParams } }, async (request) => {
    await users.suspend(callContext(request), id(request));
    return {};
  });

  api.post('/users/:id/lifecycle/unsuspend', { schema: { params: UserParams } }, async (request) => {
    await users.unsuspend(callContext(request), id(request));
    return {};
  });

  api.post('/users/:id/lifecycle/unlock', { schema: { params: UserParams } }, async (request) => {
    await users.unlock(callContext(request), id(request));
    return {};
  });

  /** `tempPassword=true` is the classic form of `expire_password_with_temp_password` and answers the same. */
  api.post('/users/:id/lifecycle/expire_password', { schema: { params: UserParams, querystring: ExpireQuery } }, async (request) => {
    const { tempPassword, revokeSessions } = request.query as { tempPassword?: boolean; revokeSessions?: boolean };
    const result = await users.expirePassword(callContext(request), id(request), { tempPassword: tempPassword ?? false, revokeSessions: revokeSessions ?? false });
    return result.tempPassword !== undefined ? { tempPassword: result.tempPassword } : userResource(result.user, deps.orgUrl());
  });

  api.post('/users/:id/lifecycle/expire_password_with_temp_password', { schema: { params: UserParams, querystring: RevokeQuery } }, async (request) => {
    const { revokeSessions } = request.query as { revokeSessions?: boolean };
    const result = await users.expirePassword(callContext(request), id(request), { tempPassword: true, revokeSessions: revokeSessions ?? false });
    return { tempPassword: result.tempPassword };
  });

  api.post('/users/:id/lifecycle/reset_password', { schema: { params: UserParams, querystring: ResetQuery } }, async (request) => {
    const { sendEmail, revokeSessions } = request.query as { sendEmail?: boolean; revokeSessions?: boolean };
    const { token } = await users.resetPassword(callContext(request), id(request), { revokeSessions: revokeSessions ?? false });
    return (sendEmail ?? true) ? {} : { resetPasswordUrl: `${deps.orgUrl()}/signin/reset-password/${token}` };
  });

  api.post('/users/:userId/credentials/change_password', { schema: { params: UserIdParams, querystring: StrictQuery, body: ChangePasswordBody } }, async (request) => {
    const body = request.body as { oldPassword: { value: string }; newPassword: { value: string }; revokeSessions?: boolean };
    const user = await users.changePassword(callContext(request), id(request), {
      oldPassword: body.oldPassword.value,
      newPassword: body.newPassword.value,
      revokeSessions: body.revokeSessions ?? false,
    });
    return credentialsResource(user);
  });

  api.delete('/users/:userId/sessions', { schema: { params: UserIdParams, querystring: Type.Object({ oauthTokens: Type.Optional(Type.Boolean()) }) } }, async (request, reply) => {
    await users.clearSessions(callContext(request), id(request));
    return reply.code(204).send();
  });
}
