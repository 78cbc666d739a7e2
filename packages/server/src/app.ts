import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from './config/schema.ts';
import { PathNotFoundError } from './errors/catalog.ts';
import { renderOktaError } from './errors/render.ts';
import { apiTokenRoutes } from './http/api-tokens.ts';
import { appRoutes } from './http/apps.ts';
import { authnRoutes } from './http/authn.ts';
import { groupRoutes } from './http/groups.ts';
import { roleRoutes } from './http/roles.ts';
import { userRoutes } from './http/users.ts';
import { zoneRoutes } from './http/zones.ts';
import { policyRoutes } from './http/policies.ts';
import { policySimulateRoutes } from './http/policy-simulate.ts';
import { rateLimitRoutes } from './http/rate-limits.ts';
import { systemLogRoutes } from './http/system-log.ts';
import { decorateAuth, requireApiToken } from './http/auth.ts';
import { installRateLimiting } from './http/rate-limit.ts';
import { createRateLimiting } from './rate-limit/setup.ts';
import type { RateLimiter } from './rate-limit/limiter.ts';
import { installHttpContract, normalizeUrl, REQUEST_ID_HEADER } from './http/contract.ts';
import { installValidators } from './http/validation.ts';
import type { Services } from './services.ts';

export interface AppDeps {
  services: Services;
  /** The public base URL, without a trailing slash. A function: with `--port 0` it is known only after listen. */
  orgUrl: () => string;
  /** A logger to use instead of building one from the config (tests pass a silent one). */
  logger?: FastifyBaseLogger;
  /** The rate limiter to use instead of the one the config names (tests share one between apps). */
  rateLimiter?: RateLimiter;
}

/** Builds the Fastify app. Never listens: `main.ts` does that. */
/** How often expired System Log events are purged. */
const LOG_PURGE_INTERVAL_MS = 3_600_000;

export function buildApp(config: Config, deps: AppDeps): FastifyInstance {
  const { services } = deps;
  const app = Fastify({
    ...(deps.logger
      ? { loggerInstance: deps.logger }
      : { logger: { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] } }),
    // Request lines only at debug: at info the log carries errors and lifecycle, not traffic.
    logController: new LogController({ disableRequestLogging: !['debug', 'trace'].includes(config.logLevel), requestIdLogLabel: 'reqId' }),
    genReqId: () => services.ids.requestId(),
    requestIdHeader: false,
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    bodyLimit: config.bodyLimit,
    rewriteUrl: (req) => normalizeUrl(req.url),
    forceCloseConnections: 'idle',
    routerOptions: { ignoreDuplicateSlashes: true },
    // A URL the router cannot decode names no resource: 404 E0000008 with the contract's headers.
    frameworkErrors: (_error, request, reply) => {
      const notFound = new PathNotFoundError();
      void (reply as FastifyReply)
        .header(REQUEST_ID_HEADER, request.id)
        .code(notFound.httpStatus)
        .type('application/json')
        .send(renderOktaError(notFound, services.ids.errorId()));
    },
  });
  decorateAuth(app);
  installHttpContract(app, { ids: services.ids, bodyLimit: config.bodyLimit });
  installValidators(app);
  const rateLimiting = createRateLimiting(config, { services, orgUrl: deps.orgUrl, ...(deps.rateLimiter ? { limiter: deps.rateLimiter } : {}) });
  if (rateLimiting) installRateLimiting(app, rateLimiting.http);

  app.register(
    async (api) => {
      requireApiToken(api, services.apiTokens);
      apiTokenRoutes(api, { services, orgUrl: deps.orgUrl });
      policyRoutes(api, { services, orgUrl: deps.orgUrl });
      policySimulateRoutes(api, { services });
      systemLogRoutes(api, { services, orgUrl: deps.orgUrl });
      rateLimitRoutes(api, { services, orgUrl: deps.orgUrl });
      userRoutes(api, { services, orgUrl: deps.orgUrl });
      groupRoutes(api, { services, orgUrl: deps.orgUrl });
      zoneRoutes(api, { services, orgUrl: deps.orgUrl });
      appRoutes(api, { services, orgUrl: deps.orgUrl });
      roleRoutes(api, { services, orgUrl: deps.orgUrl });
    },
    { prefix: '/api/v1' },
  );
  // Primary authentication takes no API token: the caller proves who it is with a password.
  app.register(async (authn) => authnRoutes(authn, { services, orgUrl: deps.orgUrl }), { prefix: '/api/v1' });

  // System Log retention: purge at start and then hourly, on every instance (deletes are idempotent).
  let purgeTimer: NodeJS.Timeout | undefined;
  let purging: Promise<unknown> | undefined;
  const purge = () => {
    purging ??= services.logs
      .purgeExpired()
      .catch((error: unknown) => app.log.error({ err: error }, 'System Log purge failed; will retry'))
      .finally(() => (purging = undefined));
  };
  app.addHook('onReady', async () => {
    await services.rateLimitSettings.start({
      onRefreshError: (error) => app.log.error({ err: error }, 'could not refresh rate-limit settings; keeping the last ones, will retry'),
    });
    await services.policyEngine.start({
      onError: (error) => app.log.error({ err: error }, 'could not load or compile the policy set; keeping the last one, will retry'),
    });
    purge();
    purgeTimer = setInterval(purge, LOG_PURGE_INTERVAL_MS).unref();
    rateLimiting?.start((error) => app.log.error({ err: error }, 'could not sync agent concurrency peaks; will retry'));
  });

  app.addHook('onClose', async () => {
    clearInterval(purgeTimer);
    await purging;
    await services.rateLimitSettings.stop();
    await services.policyEngine.stop();
    await rateLimiting?.stop();
    await services.log.close(); // one last try for buffered System Log events
    await services.store.close();
  });
  return app;
}
