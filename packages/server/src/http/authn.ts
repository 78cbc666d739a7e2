import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { isoDate } from '../domain/shared/clock.ts';
import type { Services } from '../services.ts';

const AuthnBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 255 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
  options: Type.Optional(Type.Unknown()),
  context: Type.Optional(Type.Unknown()),
  relayState: Type.Optional(Type.String({ maxLength: 2048 })),
});

/**
 * `POST /api/v1/authn`, primary authentication with a username and password (no API token).
 * SUCCESS carries a one-time `sessionToken`; PASSWORD_EXPIRED a `stateToken`; LOCKED_OUT is
 * shown only when the password policy's `showLockoutFailures` is on; anything else is 401
 * E0000004. The rest of Okta's authn state machine (factors, recovery) comes later.
 */
export function authnRoutes(api: FastifyInstance, deps: { services: Services; orgUrl: () => string }): void {
  api.post('/authn', { schema: { body: AuthnBody } }, async (request) => {
    const { username, password, relayState } = request.body as { username: string; password: string; relayState?: string };
    const result = await deps.services.signIn.signIn(
      {
        requestId: request.id,
        ipAddress: request.ip,
        ipChain: request.ips && request.ips.length > 0 ? [...request.ips].reverse() : [request.ip],
        userAgent: request.headers['user-agent'] ?? null,
        requestUri: request.url,
        transactionType: 'WEB',
      },
      { username, password },
    );
    if (result.status === 'LOCKED_OUT') return { status: 'LOCKED_OUT', ...(relayState ? { relayState } : {}) };
    const { user } = result;
    const embedded = {
      user: {
        id: user.id,
        passwordChanged: user.passwordChanged === null ? null : isoDate(user.passwordChanged),
        profile: {
          login: user.profile.login,
          firstName: user.profile.firstName,
          lastName: user.profile.lastName,
          locale: user.profile.locale ?? 'en_US',
          timeZone: user.profile.timezone ?? 'America/Los_Angeles',
        },
      },
    };
    if (result.status === 'PASSWORD_EXPIRED') {
      return { stateToken: result.stateToken, expiresAt: isoDate(result.expiresAt), status: 'PASSWORD_EXPIRED', ...(relayState ? { relayState } : {}), _embedded: embedded };
    }
    return { expiresAt: isoDate(result.expiresAt), status: 'SUCCESS', ...(relayState ? { relayState } : {}), sessionToken: result.sessionToken, _embedded: embedded };
  });
}
