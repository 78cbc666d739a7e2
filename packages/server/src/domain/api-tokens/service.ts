import { timingSafeEqual } from 'node:crypto';
import { ApiValidationError, InvalidTokenError, PermissionDeniedError, ResourceNotFoundError } from '../../errors/catalog.ts';
import { can, demand } from '../authz/permissions.ts';
import { isRoleType } from '../authz/roles.ts';
import type { RoleType } from '../authz/roles.ts';
import type { RoleGrantRow } from '../roles/ports.ts';
import type { Clock } from '../shared/clock.ts';
import { hashSecret } from '../shared/secret-hash.ts';
import type { CallContext, Principal } from '../shared/context.ts';
import type { IdGenerator } from '../shared/ids.ts';
import type { Store, StorePorts } from '../store.ts';
import type { EventSpec, SystemLog } from '../system-log/writer.ts';
import { checkTokenNetwork, TokenNetworkGuard } from './network.ts';
import type { ApiTokenCursor } from './ports.ts';
import type { ApiTokenNetwork, ApiTokenRecord } from './types.ts';

/** Okta's token window: a token expires after 30 days without use. */
export const TOKEN_WINDOW = 'P30D';
const TOKEN_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;
/** `lastUsed` is written at most this often per token, to keep authentication read-only. */
const TOUCH_INTERVAL_MS = 60 * 1000;
/** Okta's client name for tokens created in the Admin Console; ours come from the CLI or bootstrap. */
const CLIENT_NAME = 'Okta API';
/** Owners in these states can no longer use their tokens. */
const BLOCKED_OWNER_STATUSES = new Set(['SUSPENDED', 'DEPROVISIONED', 'STAGED', 'PROVISIONED']);

/** A successful authentication, kept for `authCacheMs` so repeat calls skip the database. */
interface CachedAuthentication {
  principal: Principal;
  /** The token's network condition, checked against every request's IP. */
  network: ApiTokenNetwork;
  cachedAt: number;
  lastUsed: number;
  expiresAt: number;
}

/** Most authentications kept at once; the oldest is dropped first. Failures are never cached. */
const AUTH_CACHE_MAX = 10_000;

export class ApiTokenService {
  private readonly authCache = new Map<string, CachedAuthentication>();
  private readonly networkGuard: TokenNetworkGuard;

  constructor(
    private readonly deps: {
      store: Store;
      log: SystemLog;
      clock: Clock;
      ids: IdGenerator;
      /**
       * How long a successful authentication is reused without reading the database. Changes
       * made through this process (revoke, and later role or user status changes) invalidate
       * it at once; other processes sharing PostgreSQL see them within this time. 0 disables.
       */
      authCacheMs: number;
    },
  ) {
    this.networkGuard = new TokenNetworkGuard({ store: deps.store, clock: deps.clock });
  }

  /**
   * Resolves `Authorization: SSWS <value>` to its principal, or throws 401 E0000011. The
   * lookup is by SHA-256 (indexed); the stored hash is then compared in constant time.
   */
  async authenticate(value: string, request: { ip?: string } = {}): Promise<Principal> {
    const { clock, authCacheMs } = this.deps;
    const presented = hashSecret(value);
    const now = clock.now();
    const cached = this.authCache.get(presented);
    if (cached && now - cached.cachedAt < authCacheMs && now < cached.expiresAt) {
      if (cached.network.connection !== 'ANYWHERE') await this.demandNetwork(cached.network, request.ip);
      await this.touch(cached, now);
      return cached.principal;
    }
    if (cached) this.authCache.delete(presented);

    const found = await this.deps.store.findApiTokenByHash(presented);
    if (!found || !timingSafeEqual(Buffer.from(found.token.tokenHash, 'hex'), Buffer.from(presented, 'hex'))) {
      throw new InvalidTokenError();
    }
    const { token, owner } = found;
    if (now >= token.expiresAt || BLOCKED_OWNER_STATUSES.has(owner.status)) throw new InvalidTokenError();
    const entry: CachedAuthentication = {
      principal: {
        userId: owner.id,
        login: owner.login,
        displayName: [owner.firstName, owner.lastName].filter(Boolean).join(' ') || owner.login,
        ...principalGrants(await this.deps.store.roleGrantsOfUser(owner.id)),
        apiTokenId: token.id,
      },
      network: token.network,
      cachedAt: now,
      lastUsed: token.lastUsed,
      expiresAt: token.expiresAt,
    };
    await this.demandNetwork(token.network, request.ip);
    await this.touch(entry, now);
    if (authCacheMs > 0) {
      if (this.authCache.size >= AUTH_CACHE_MAX) this.authCache.delete(this.authCache.keys().next().value as string);
      this.authCache.set(presented, entry);
    }
    return entry.principal;
  }

  /**
   * A token restricted to network zones may be used only from them. A request from elsewhere is
   * refused with 403 E0000006: the token is genuine, the call is not permitted from here (Okta's
   * exact answer is undocumented; docs/http-contract.md). Callers that pass no IP (operator
   * commands) are not network-bound.
   */
  private async demandNetwork(network: ApiTokenNetwork, ip: string | undefined): Promise<void> {
    if (network.connection === 'ANYWHERE' || ip === undefined) return;
    if (!(await this.networkGuard.allows(network, ip))) throw new PermissionDeniedError();
  }

  /** Forgets cached authentications of a user: call after changing its status or roles. */
  forgetUser(userId: string): void {
    for (const [hash, entry] of this.authCache) if (entry.principal.userId === userId) this.authCache.delete(hash);
  }

  /** Forgets cached authentications of several users in one pass (a group's members after its roles change). */
  forgetUsers(userIds: Iterable<string>): void {
    const ids = new Set(userIds);
    if (ids.size === 0) return;
    for (const [hash, entry] of this.authCache) if (ids.has(entry.principal.userId)) this.authCache.delete(hash);
  }

  private forgetToken(tokenId: string): void {
    for (const [hash, entry] of this.authCache) if (entry.principal.apiTokenId === tokenId) this.authCache.delete(hash);
  }

  /** Moves `lastUsed`/`expiresAt` forward, writing at most once per TOUCH_INTERVAL_MS per token. */
  private async touch(entry: CachedAuthentication, now: number): Promise<void> {
    if (now - entry.lastUsed < TOUCH_INTERVAL_MS) return;
    const tokenId = entry.principal.apiTokenId!;
    await this.deps.store.touchApiToken(tokenId, now, now + TOKEN_WINDOW_MS, now - TOUCH_INTERVAL_MS);
    entry.lastUsed = now;
    entry.expiresAt = now + TOKEN_WINDOW_MS;
  }

  async list(ctx: CallContext, query: { q?: string; after?: ApiTokenCursor; limit: number }): Promise<ApiTokenRecord[]> {
    const userId = this.visibleOwner(ctx.principal);
    return this.deps.store.listApiTokens({ ...query, ...(userId ? { userId } : {}) });
  }

  async get(ctx: CallContext, id: string): Promise<ApiTokenRecord> {
    const userId = this.visibleOwner(ctx.principal);
    const token = await this.deps.store.getApiToken(id);
    if (!token || (userId && token.userId !== userId)) throw new ResourceNotFoundError(id, 'ApiToken');
    return token;
  }

  /** PUT: changes the name and network condition; other fields are read-only and ignored. */
  async update(ctx: CallContext, id: string, change: { name: string; network?: ApiTokenNetwork; userId?: string }): Promise<ApiTokenRecord> {
    const own = this.manageableOwner(ctx.principal);
    const { token, changed } = await this.deps.store.transaction(async (tx) => {
      const token = await tx.getApiToken(id);
      if (!token || (own && token.userId !== own)) throw new ResourceNotFoundError(id, 'ApiToken');
      if (change.userId !== undefined && change.userId !== token.userId) {
        throw new ApiValidationError(['userId: The owner of an API token cannot be changed'], 'userId');
      }
      const network = change.network ? await checkTokenNetwork(tx, change.network) : token.network;
      if (change.name === token.name && JSON.stringify(network) === JSON.stringify(token.network)) return { token, changed: false };
      const lastUpdated = this.deps.clock.now();
      await tx.updateApiToken(id, { name: change.name, network, lastUpdated });
      return { token: { ...token, name: change.name, network, lastUpdated }, changed: true };
    });
    if (!changed) return token;
    // A changed network applies to the token's very next request on this instance.
    this.forgetToken(id);
    await this.deps.log.record(ctx, { eventType: 'system.api_token.update', displayMessage: 'Update API token', target: [tokenTarget(token)] });
    return token;
  }

  async revoke(ctx: CallContext, id: string): Promise<void> {
    const own = this.manageableOwner(ctx.principal);
    const token = await this.deps.store.getApiToken(id);
    if (!token || (own && token.userId !== own)) throw new ResourceNotFoundError(id, 'ApiToken');
    await this.revokeToken(ctx, token);
  }

  /** Any authenticated token may revoke itself, whatever its owner's roles. */
  async revokeCurrent(ctx: CallContext): Promise<void> {
    const id = ctx.principal.apiTokenId;
    if (!id) throw new InvalidTokenError();
    const token = await this.deps.store.getApiToken(id);
    if (!token) throw new InvalidTokenError();
    await this.revokeToken(ctx, token);
  }

  /**
   * Mints a token for an active user (an operator action: the CLI calls it). Returns the record
   * and the value, which is shown once and never stored.
   */
  async create(ctx: CallContext, input: { name: string; userLogin: string; value?: string }): Promise<{ token: ApiTokenRecord; value: string }> {
    const { event, ...created } = await this.createIn(this.deps.store, ctx, input);
    await this.deps.log.record(ctx, event);
    return created;
  }

  /**
   * The create inside a caller's transaction (the bootstrap uses it); the caller records the
   * returned event once the transaction has committed.
   */
  async createIn(
    tx: StorePorts,
    ctx: CallContext,
    input: { name: string; userLogin: string; value?: string },
  ): Promise<{ token: ApiTokenRecord; value: string; event: EventSpec }> {
    demand(ctx.principal, 'okta.apiTokens.manage');
    const name = input.name.trim();
    if (name.length === 0 || name.length > 255) throw new ApiValidationError(['name: must be 1 to 255 characters']);
    const user = await tx.findUserByLogin(input.userLogin);
    if (!user) throw new ApiValidationError([`userLogin: no user with login ${input.userLogin}`], 'userLogin');
    if (user.status !== 'ACTIVE') throw new ApiValidationError([`userLogin: user ${input.userLogin} is not ACTIVE`], 'userLogin');
    const { clock, ids } = this.deps;
    const value = input.value ?? ids.apiTokenValue();
    const now = clock.now();
    const token: ApiTokenRecord = {
      id: ids.objectId('apiToken'),
      name,
      userId: user.id,
      clientName: CLIENT_NAME,
      tokenHash: hashSecret(value),
      tokenWindow: TOKEN_WINDOW,
      network: { connection: 'ANYWHERE' },
      created: now,
      lastUpdated: now,
      lastUsed: now,
      expiresAt: now + TOKEN_WINDOW_MS,
      revoked: null,
    };
    await tx.insertApiToken(token);
    return { token, value, event: { eventType: 'system.api_token.create', displayMessage: 'Create API token', target: [tokenTarget(token)] } };
  }

  /** Revocation is one conditional update, so two concurrent revokes log one event. */
  private async revokeToken(ctx: CallContext, token: ApiTokenRecord): Promise<void> {
    const revoked = await this.deps.store.revokeApiToken(token.id, this.deps.clock.now());
    // After the write, so a request that read the row just before cannot re-cache it.
    this.forgetToken(token.id);
    if (!revoked) throw new ResourceNotFoundError(token.id, 'ApiToken');
    await this.deps.log.record(ctx, { eventType: 'system.api_token.revoke', displayMessage: 'Revoke API token', target: [tokenTarget(token)] });
  }

  /** undefined = may see every token; a user id = may see only that user's tokens. */
  private visibleOwner(principal: Principal): string | undefined {
    if (can(principal, 'okta.apiTokens.read')) return undefined;
    demand(principal, 'tollgate.apiTokens.self');
    return principal.userId;
  }

  private manageableOwner(principal: Principal): string | undefined {
    if (can(principal, 'okta.apiTokens.manage')) return undefined;
    demand(principal, 'tollgate.apiTokens.self');
    return principal.userId;
  }
}

/**
 * A principal's roles and targets from its grant rows (one per assignment and target). An
 * assignment without targets makes its role unbounded, whatever other assignments of the same
 * role (direct or through groups) are limited to; otherwise the role is limited to the union of
 * its assignments' targets.
 */
export function principalGrants(rows: readonly RoleGrantRow[]): Pick<Principal, 'roles' | 'targets'> {
  const roles = new Set<RoleType>();
  const unbounded = new Set<RoleType>();
  const limited = new Map<RoleType, { groupIds: Set<string>; appIds: Set<string>; appNames: Set<string> }>();
  for (const row of rows) {
    if (!isRoleType(row.roleType)) continue;
    const role = row.roleType;
    roles.add(role);
    if (row.targetType === null || row.targetId === null) {
      unbounded.add(role);
      continue;
    }
    let targets = limited.get(role);
    if (!targets) limited.set(role, (targets = { groupIds: new Set(), appIds: new Set(), appNames: new Set() }));
    if (row.targetType === 'GROUP') targets.groupIds.add(row.targetId);
    else if (row.targetType === 'APP') targets.appIds.add(row.targetId);
    else targets.appNames.add(row.targetId);
  }
  for (const role of unbounded) limited.delete(role);
  return limited.size === 0 ? { roles } : { roles, targets: limited };
}

function tokenTarget(token: ApiTokenRecord) {
  return { id: token.id, type: 'Token', alternateId: token.name, displayName: token.name };
}
