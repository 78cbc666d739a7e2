import type { AddressInfo } from 'node:net';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/app.ts';
import { validateConfigObject } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { BOOTSTRAP_ADMIN_LOGIN, bootstrapOrg, systemContext } from '../../src/domain/org/bootstrap.ts';
import type { RoleType } from '../../src/domain/authz/roles.ts';
import { FakeClock } from '../../src/domain/shared/clock.ts';
import { randomIds } from '../../src/domain/shared/ids.ts';
import { createServices } from '../../src/services.ts';
import type { Services } from '../../src/services.ts';
import { openStore } from '../../src/storage/open-store.ts';
import type { StoreTarget } from '../../src/storage/open-store.ts';
import type { Backend } from './backends.ts';
import type { RateLimiter } from '../../src/rate-limit/limiter.ts';
import { defaultWarningThreshold } from '../../src/rate-limit/buckets.ts';

export const ORG_URL = 'http://tollgate.test:8080';
/** The bootstrap admin's token in every test org (TOLLGATE_BOOTSTRAP_TOKEN semantics). */
export const ADMIN_TOKEN = '00TestAdminToken0123456789abcdefghijklmnop';

/** What `userWithToken` limits one role to. */
export interface TestRoleTargets {
  groupIds?: string[];
  appIds?: string[];
  appNames?: string[];
}

export interface TestOrg {
  app: FastifyInstance;
  /** Where the org's data lives (for tests that reach the database from outside). */
  target: StoreTarget;
  /** ORG_URL when served through inject; `http://127.0.0.1:<port>` when listening. */
  orgUrl: string;
  /** Every request the server received and the rate limiter admitted, in order: method and URL as sent (before slash collapsing). */
  requests: { method: string; url: string }[];
  services: Services;
  clock: FakeClock;
  config: Config;
  /** Sends a request with the admin token unless `headers.authorization` is given (null: none). */
  request(opts: InjectOptions & { token?: string | null }): Promise<LightMyRequestResponse>;
  /**
   * Creates an active user, optionally with admin roles (each limited to `targets[role]` when
   * given: group ids, app ids, catalog app names), and an API token for it.
   */
  userWithToken(login: string, roles?: RoleType[], targets?: Partial<Record<RoleType, TestRoleTargets>>): Promise<{ userId: string; token: string; tokenId: string }>;
  /** Log lines the app wrote (the logger is in memory). */
  logLines: string[];
  close(): Promise<void>;
}

/**
 * A bootstrapped org on a fresh database of the given backend, served in-process through
 * `app.inject`, or with `listen` on 127.0.0.1:<free port> for clients that speak HTTP
 * themselves (then `orgUrl`, used in `_links` and `Link` headers, is that address).
 * `prepare` may register extra routes before the app is ready.
 */
export async function startOrg(
  backend: Backend,
  options: { config?: Record<string, unknown>; prepare?: (app: FastifyInstance) => void; listen?: boolean; rateLimiter?: RateLimiter } = {},
): Promise<TestOrg> {
  const { target, cleanup } = await backend.create();
  const store = await openStore(target);
  const clock = new FakeClock(Date.UTC(2026, 10, 1, 12, 0, 0, 0));
  const logLines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  // Rate limits are off unless a test turns them on: suites about other features make more
  // requests per fake-clock minute than Okta's buckets allow. test/rate-limits*.test.ts cover them.
  // Passwords are hashed at the lowest scrypt cost unless a test asks for more: suites create many.
  const config = validateConfigObject({ logLevel: 'info', rateLimits: 'off', passwordHashCost: 10, ...options.config });
  const services = createServices({
    store,
    clock,
    ids: randomIds,
    authCacheMs: config.authCacheSeconds * 1000,
    logRetentionDays: config.logRetentionDays,
    defaultWarningThreshold: defaultWarningThreshold(config.orgTier),
    passwordHashCost: config.passwordHashCost,
    logSink: {
      writeFailed: (error, event) => logger.error({ err: error, eventUuid: event.uuid }, 'could not write System Log event; will retry'),
      dropped: (count) => logger.error({ dropped: count }, 'dropped System Log events'),
    },
  });
  await bootstrapOrg(services, { bootstrapToken: ADMIN_TOKEN });
  let orgUrl = ORG_URL;
  const app = buildApp(config, { services, orgUrl: () => orgUrl, logger, ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}) });
  const requests: { method: string; url: string }[] = [];
  app.addHook('onRequest', async (request) => {
    requests.push({ method: request.method, url: request.originalUrl });
  });
  options.prepare?.(app);
  try {
    if (options.listen) {
      await app.listen({ port: 0, host: '127.0.0.1' });
      orgUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    } else {
      await app.ready();
    }
  } catch (error) {
    await app.close();
    await cleanup();
    throw error;
  }

  return {
    app,
    target,
    orgUrl,
    requests,
    services,
    clock,
    config,
    logLines,
    request({ token, ...opts }) {
      const headers = { ...(opts.headers ?? {}) };
      if (token !== null && headers.authorization === undefined) headers.authorization = `SSWS ${token ?? ADMIN_TOKEN}`;
      return app.inject({ ...opts, headers });
    },
    async userWithToken(login, roles = [], targets = {}) {
      const now = clock.now();
      const userId = randomIds.objectId('user');
      await store.insertUser({
        id: userId,
        status: 'ACTIVE',
        profile: { login, email: login, firstName: 'Test', lastName: login.split('@')[0] ?? login },
        created: now,
        lastUpdated: now,
        activated: now,
        statusChanged: now,
      });
      for (const roleType of roles) {
        const assignmentId = randomIds.objectId('roleAssignment');
        await store.insertRoleAssignment({
          id: assignmentId,
          principalType: 'USER',
          principalId: userId,
          roleType,
          status: 'ACTIVE',
          created: now,
          lastUpdated: now,
        });
        const limits = targets[roleType];
        const rows = [
          ...(limits?.groupIds ?? []).map((id) => ['GROUP', id] as const),
          ...(limits?.appIds ?? []).map((id) => ['APP', id] as const),
          ...(limits?.appNames ?? []).map((name) => ['APP_NAME', name] as const),
        ];
        for (const [targetType, targetId] of rows) await store.addRoleTarget({ assignmentId, targetType, targetId, created: now });
      }
      const { token, value } = await services.apiTokens.create(systemContext(randomIds.requestId()), { name: `token of ${login}`, userLogin: login });
      return { userId, token: value, tokenId: token.id };
    },
    async close() {
      await app.close();
      await cleanup();
    },
  };
}

export { BOOTSTRAP_ADMIN_LOGIN };
