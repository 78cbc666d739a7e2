import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay from 'find-my-way';
import type { HTTPMethod } from 'find-my-way';
import {
  ApiValidationError,
  InternalServerError,
  MalformedBodyError,
  MethodNotAllowedError,
  OktaError,
  PathNotFoundError,
  RequestBodyTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors/catalog.ts';
import { renderOktaError } from '../errors/render.ts';
import type { IdGenerator } from '../domain/shared/ids.ts';

export const REQUEST_ID_HEADER = 'x-okta-request-id';
const METHODS: HTTPMethod[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

/** Collapses runs of slashes in the path (not the query): `//api/v1/x` is `/api/v1/x`. */
export function normalizeUrl(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const normalized = path.replace(/\/{2,}/g, '/');
  return q === -1 ? normalized : normalized + url.slice(q);
}

/**
 * The HTTP contract every endpoint inherits: `X-Okta-Request-Id` on every response, JSON bodies
 * (empty ones allowed for bodiless POSTs), Okta's 404 E0000008 and 405 E0000022 instead of
 * Fastify's defaults, and one error handler that renders the catalog and nothing else.
 */
export function installHttpContract(app: FastifyInstance, deps: { ids: IdGenerator; bodyLimit: number }): void {
  const knownRoutes = FindMyWay();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (!METHODS.includes(method as HTTPMethod)) continue;
      try {
        knownRoutes.on(method as HTTPMethod, route.url, () => undefined);
      } catch {
        // The same path and method registered twice cannot happen in Fastify; nothing to record.
      }
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  // JSON only; an empty body is "no body" (clients send Content-Length: 0 on bodiless POSTs).
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: deps.bodyLimit }, (request, body, done) => {
    if (String(body).trim() === '') {
      done(null, undefined);
      return;
    }
    defaultJson(request, String(body), done);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((m) => knownRoutes.find(m, path) !== null);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendError(request, reply, new MethodNotAllowedError(), deps.ids);
    }
    return sendError(request, reply, new PathNotFoundError(), deps.ids);
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    return sendError(request, reply, toCatalogError(error, request, deps.bodyLimit), deps.ids, error);
  });
}

/** Maps anything thrown on the request path to a catalog error. */
function toCatalogError(error: FastifyError, request: FastifyRequest, bodyLimit: number): OktaError {
  if (error instanceof OktaError) return error;
  if (error.validation) {
    if (error.validationContext === 'body' && request.body === undefined) return new MalformedBodyError();
    const causes = error.validation.map((v) => {
      const params = v.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
      const path = [error.validationContext === 'body' ? '' : error.validationContext, ...v.instancePath.split('/').slice(1)]
        .filter(Boolean)
        .join('.');
      const field = [path, params.missingProperty].filter(Boolean).join('.') || error.validationContext || 'body';
      const message = params.missingProperty
        ? 'The field is required'
        : params.allowedValues
          ? `must be one of ${params.allowedValues.map(String).join(', ')}`
          : (v.message ?? 'is invalid');
      return `${field}: ${message}`;
    });
    return new ApiValidationError(causes);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new MalformedBodyError();
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RequestBodyTooLargeError(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError();
  }
  if (error.statusCode === 400) return new MalformedBodyError();
  if (error.statusCode === 404) return new PathNotFoundError();
  return new InternalServerError();
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: OktaError, ids: IdGenerator, cause?: unknown) {
  const errorId = ids.errorId();
  if (error.httpStatus >= 500) {
    // The only place internals are written down: the log, keyed by request and error id.
    request.log.error({ err: cause ?? error, reqId: request.id, errorId }, 'unhandled error');
  }
  return reply.code(error.httpStatus).type('application/json').send(renderOktaError(error, errorId));
}
