import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiTokenService } from '../domain/api-tokens/service.ts';
import type { CallContext } from '../domain/shared/context.ts';
import { InvalidSessionError, InvalidTokenError } from '../errors/catalog.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every authenticated route. */
    callContext: CallContext | null;
  }
}

const SSWS = /^SSWS[ \t]+([^\s]+)[ \t]*$/i;

/**
 * Authenticates every request of the scope it is installed in: `Authorization: SSWS <token>`.
 * No header: 403 E0000005. Anything else that does not resolve to an active token (another
 * scheme, a malformed value, a revoked or expired token): 401 E0000011.
 */
export function requireApiToken(scope: FastifyInstance, tokens: ApiTokenService): void {
  scope.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === '') throw new InvalidSessionError();
    const match = SSWS.exec(header);
    if (!match?.[1]) throw new InvalidTokenError();
    const principal = await tokens.authenticate(match[1]);
    request.callContext = contextOf(request, principal);
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
