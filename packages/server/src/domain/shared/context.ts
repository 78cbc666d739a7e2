import type { RoleType } from '../authz/roles.ts';

/** Who is calling: the authenticated principal behind a request or an operator command. */
export interface Principal {
  userId: string;
  login: string;
  displayName: string;
  roles: ReadonlySet<RoleType>;
  /** Set when the caller authenticated with an SSWS token. */
  apiTokenId?: string;
}

/**
 * What every domain service receives about the call it serves: the principal (for permission
 * checks and the System Log actor) and the request facts the System Log records.
 */
export interface CallContext {
  principal: Principal;
  requestId: string;
  /** Client address after trusted proxies. */
  ipAddress: string | null;
  /** The chain of addresses from X-Forwarded-For that trusted proxies vouched for, client first. */
  ipChain: string[];
  userAgent: string | null;
  requestUri: string | null;
  /** `WEB` for HTTP requests, `JOB` for operator commands. */
  transactionType: 'WEB' | 'JOB';
}
