import type { RoleType } from '../authz/roles.ts';

/** Who is calling: the authenticated principal behind a request or an operator command. */
export interface Principal {
  userId: string;
  login: string;
  displayName: string;
  roles: ReadonlySet<RoleType>;
  /**
   * The targets of the principal's targetable roles (group-, app- or app-name-limited). A role
   * absent here, or present with empty sets, is unbounded.
   */
  targets?: ReadonlyMap<RoleType, RoleTargets>;
  /** Set when the caller authenticated with an SSWS token. */
  apiTokenId?: string;
}

/** What one admin role of a principal is limited to (the union over its assignments). */
export interface RoleTargets {
  groupIds: ReadonlySet<string>;
  appIds: ReadonlySet<string>;
  /** Catalog app names (`targets/catalog/apps/{appName}`): every app of that name. */
  appNames: ReadonlySet<string>;
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
