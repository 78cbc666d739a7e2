import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiTokenService } from '../domain/api-tokens/service.ts';
import type { CallContext } from '../domain/shared/context.ts';
import { InvalidSessionError, InvalidTokenError, OktaError } from '../errors/catalog.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every authenticated route. */
    callContext: CallContext | null;
    /** Why the caller could not be identified (answered by `requireApiToken`). */
    authFailure: OktaError | null;
    /** `identifyCaller` ran (the rate limiter identifies callers before the route's scope does). */
    identified: boolean;
  }
}

/** Request decorations this module reads and writes; call once on the root instance. */
export function decorateAuth(app: FastifyInstance): void {
  app.decorateRequest('callContext', null);
  app.decorateRequest('authFailure', null);
  app.decorateRequest('identified', false);
}

const SSWS = /^SSWS[ \t]+([^\s]+)[ \t]*$/i;

/**
 * Resolves `Authorization: SSWS <token>` to a call context, or records why it cannot: no header
 * is E0000005; anything that does not resolve to an active token (another scheme, a malformed
 * value, a revoked or expired token) is E0000011. Never throws a catalog error: the rate limiter
 * identifies callers before limiting them, and `requireApiToken` answers the failure after.
 */
export async function identifyCaller(request: FastifyRequest, tokens: ApiTokenService): Promise<void> {
  request.identified = true;
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') {
    request.authFailure = new InvalidSessionError();
    return;
  }
  const match = SSWS.exec(header);
  if (!match?.[1]) {
    request.authFailure = new InvalidTokenError();
    return;
  }
  try {
    request.callContext = contextOf(request, await tokens.authenticate(match[1], { ip: request.ip }));
  } catch (error) {
    if (!(error instanceof OktaError)) throw error;
    request.authFailure = error;
  }
}

/**
 * Every request of the scope it is installed in must carry an active SSWS token: 403 E0000005
 * without one, 401 E0000011 for one that does not authenticate.
 */
export function requireApiToken(scope: FastifyInstance, tokens: ApiTokenService): void {
  scope.addHook('onRequest', async (request) => {
    if (!request.identified) await identifyCaller(request, tokens);
    if (request.callContext === null) throw request.authFailure ?? new InvalidSessionError();
  });
}

function contextOf(request: FastifyRequest, principal: CallContext['principal']): CallContext {
  return {
    principal,
    requestId: request.id,
    ipAddress: request.ip,
    ipChain: ipChain(request),
    userAgent: request.headers['user-agent'] ?? null,
    requestUri: request.url,
    transactionType: 'WEB',
  };
}

/**
 * Okta's `request.ipChain`: the client first, then each trusted proxy it came through. Fastify's
 * `ips` (set only when proxies are trusted) lists them the other way round: the socket peer first,
 * up to the first address not trusted.
 */
function ipChain(request: FastifyRequest): string[] {
  return request.ips && request.ips.length > 0 ? [...request.ips].reverse() : [request.ip];
}

/** The context of an authenticated request; a route outside an authenticated scope is a bug. */
export function callContext(request: FastifyRequest): CallContext {
  if (!request.callContext) throw new Error('route is not behind requireApiToken');
  return request.callContext;
}
