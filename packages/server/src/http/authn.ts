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
 * shown only when the password policy's `showLockoutFailures` is on; a global session policy
 * that denies, like anything else refused, is 401 E0000004. A policy that requires a factor
 * answers MFA_ENROLL with a `stateToken` and the factors the MFA_ENROLL policy offers, with
 * Okta's links (`enroll`, `cancel`, and `skip` when every factor is optional). The endpoints those
 * links name, like the rest of Okta's authn state machine (factor enrollment and verification,
 * recovery), are not served yet: docs/policy-engine-runtime.md.
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
    if (result.status === 'MFA_ENROLL') {
      const link = (path: string) => ({ href: `${deps.orgUrl()}/api/v1/authn/${path}`, hints: { allow: ['POST'] } });
      const factors = result.factors.map((f) => ({ ...f, status: 'NOT_SETUP', _links: { enroll: link('factors') } }));
      const optional = result.factors.every((f) => f.enrollment === 'OPTIONAL');
      return {
        stateToken: result.stateToken,
        expiresAt: isoDate(result.expiresAt),
        status: 'MFA_ENROLL',
        ...(relayState ? { relayState } : {}),
        _embedded: { ...embedded, factors },
        _links: { ...(optional ? { skip: link('skip') } : {}), cancel: link('cancel') },
      };
    }
    if (result.status === 'PASSWORD_EXPIRED') {
      return { stateToken: result.stateToken, expiresAt: isoDate(result.expiresAt), status: 'PASSWORD_EXPIRED', ...(relayState ? { relayState } : {}), _embedded: embedded };
    }
    return { expiresAt: isoDate(result.expiresAt), status: 'SUCCESS', ...(relayState ? { relayState } : {}), sessionToken: result.sessionToken, _embedded: embedded };
  });
}
