import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from './config/schema.ts';
import { PathNotFoundError } from './errors/catalog.ts';
import { renderOktaError } from './errors/render.ts';
import { apiTokenRoutes } from './http/api-tokens.ts';
import { policyRoutes } from './http/policies.ts';
import { requireApiToken } from './http/auth.ts';
import { installHttpContract, normalizeUrl, REQUEST_ID_HEADER } from './http/contract.ts';
import { installValidators } from './http/validation.ts';
import type { Services } from './services.ts';

export interface AppDeps {
  services: Services;
  /** The public base URL, without a trailing slash. A function: with `--port 0` it is known only after listen. */
  orgUrl: () => string;
  /** A logger to use instead of building one from the config (tests pass a silent one). */
  logger?: FastifyBaseLogger;
}

/** Builds the Fastify app. Never listens: `main.ts` does that. */
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
  app.decorateRequest('callContext', null);
  installHttpContract(app, { ids: services.ids, bodyLimit: config.bodyLimit });
  installValidators(app);

  app.register(
    async (api) => {
      requireApiToken(api, services.apiTokens);
      apiTokenRoutes(api, { services, orgUrl: deps.orgUrl });
      policyRoutes(api, { services, orgUrl: deps.orgUrl });
    },
    { prefix: '/api/v1' },
  );

  app.addHook('onClose', async () => {
    await services.log.close(); // one last try for buffered System Log events
    await services.store.close();
  });
  return app;
}
