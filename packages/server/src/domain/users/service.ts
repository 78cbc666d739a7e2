import { hashSecret } from '../shared/secret-hash.ts';
import {
  ApiValidationError,
  CredentialsUpdateFailedError,
  ExpiredPasswordNeedsActivationError,
  ExpiredPasswordNeedsPasswordError,
  PermissionDeniedError,
  ResourceNotFoundError,
  TargetCountLimitError,
  UserStatusError,
} from '../../errors/catalog.ts';
import { demandNotAdminGroup, GROUPS_GENERATION } from '../groups/service.ts';
import { demandOnUser, scopeOf } from '../authz/permissions.ts';
import type { Permission, UserFacts } from '../authz/permissions.ts';
import { EVERYONE_GROUP } from '../org/bootstrap.ts';
import type { GroupRecord, UserStatus } from '../org/types.ts';
import type { DirectoryServiceDeps } from '../shared/service-deps.ts';
import type { CallContext } from '../shared/context.ts';
import type { StorePorts } from '../store.ts';
import type { EventSpec } from '../system-log/writer.ts';
import type { UserFilter } from './filter.ts';
import { demandTransition, SIGN_IN_STATUSES } from './lifecycle.ts';
import type { LifecycleOperation } from './lifecycle.ts';
import type { PasswordHasher } from './password-hash.ts';
import { complexityFailures, historyFailure, minAgeFailure, refuseIfAny } from './password-policy.ts';
import type { PasswordPolicyResolver, PasswordRules } from './password-policy.ts';
import { checkProfile, mergeProfile } from './profile.ts';
import type { UserAccount, UserChange, UserCursor } from './types.ts';

/** The largest `age.historyCount` a policy may set: history is kept this deep. */
const MAX_HISTORY = 30;
/** Okta's limit on `groupIds` of a new user. */
const MAX_CREATE_GROUPS = 20;
/** How long an activation token lasts (Okta: 7 days). */
const ACTIVATION_TOKEN_MS = 7 * 24 * 3_600_000;

export interface UserServiceDeps extends DirectoryServiceDeps {
  passwords: PasswordHasher;
  passwordPolicies: PasswordPolicyResolver;
}

/** `credentials` as a client sends it; only `password.value` and an OKTA provider are supported. */
export interface CredentialsInput {
  password?: { value?: unknown; hash?: unknown; hook?: unknown } | null;
  provider?: { type?: unknown; name?: unknown } | null;
  recovery_question?: unknown;
}

export interface CreateUserInput {
  profile: unknown;
  credentials?: CredentialsInput | null;
  groupIds?: string[] | null;
  type?: { id?: string } | null;
}

export interface UpdateUserInput {
  profile?: unknown;
  credentials?: CredentialsInput | null;
}

export interface UserListRequest {
  q?: string;
  filter?: UserFilter;
  /** True for `filter` and `search`, which include DEPROVISIONED users. */
  includeDeprovisioned: boolean;
  after?: UserCursor;
  limit: number;
}

/** A one-time token handed to the caller (activation or password reset); only its hash is stored. */
export interface OneTimeToken {
  token: string;
}

/**
 * Users: profiles, credentials and Okta's lifecycle. Every operation checks the caller's
 * permission on the user (the user's groups and admin roles decide targeted and protected
 * cases), changes the store in one transaction, records its System Log event after the commit,
 * and forgets cached API-token authentications of a user whose status or password changed.
 */
/** The path segment that names the caller's own user. */
const ME = 'me';

export class UserService {
  constructor(private readonly deps: UserServiceDeps) {}

  // --- reads ---------------------------------------------------------------------------------

  /**
   * A user by id or login. `me` is the caller's own user, which every caller may read, as Okta
   * serves `GET /api/v1/users/me` to the owner of the token or session (logins are email
   * addresses, so no login is `me`).
   */
  async get(ctx: CallContext, idOrLogin: string): Promise<UserAccount> {
    if (idOrLogin === ME) return this.find(this.deps.store, ctx.principal.userId);
    const user = await this.find(this.deps.store, idOrLogin);
    await this.demandOn(ctx, 'okta.users.read', user);
    return user;
  }

  async list(ctx: CallContext, request: UserListRequest): Promise<UserAccount[]> {
    const scope = scopeOf(ctx.principal, 'okta.users.read');
    if (scope === null) throw new PermissionDeniedError();
    return this.deps.store.listUsers({
      includeDeprovisioned: request.includeDeprovisioned,
      limit: request.limit,
      ...(request.q !== undefined ? { q: request.q } : {}),
      ...(request.filter ? { filter: request.filter } : {}),
      ...(request.after ? { after: request.after } : {}),
      ...(scope.all ? {} : { inGroups: [...scope.groupIds] }),
    });
  }

  async listGroups(ctx: CallContext, idOrLogin: string): Promise<GroupRecord[]> {
    const user = await this.find(this.deps.store, idOrLogin);
    await this.demandOn(ctx, 'okta.users.read', user);
    return this.deps.store.listGroupsOfUser(user.id);
  }

  // --- create and update ---------------------------------------------------------------------

  async create(ctx: CallContext, input: CreateUserInput, options: { activate: boolean; nextLogin?: 'changePassword' }): Promise<UserAccount> {
    const scope = scopeOf(ctx.principal, 'okta.users.create');
    if (scope === null) throw new PermissionDeniedError();
    const groupIds = [...new Set(input.groupIds ?? [])];
    if (!scope.all && (groupIds.length === 0 || groupIds.some((g) => !scope.groupIds.has(g)))) throw new PermissionDeniedError();
    if (groupIds.length > MAX_CREATE_GROUPS) throw new TargetCountLimitError();
    const profile = checkProfile(input.profile);
    const password = passwordValue(input.credentials);
    if (options.nextLogin === 'changePassword') {
      if (!options.activate) throw new ExpiredPasswordNeedsActivationError();
      if (password === undefined) throw new ExpiredPasswordNeedsPasswordError();
    }
    const missing = await this.deps.store.missingGroupIds(groupIds);
    if (missing.length > 0) throw new ApiValidationError(missing.map((id) => `groupIds: No group found with id ${id}`), 'groupIds');
    const everyone = await this.deps.store.findGroupByName('BUILT_IN', EVERYONE_GROUP);
    const memberOf = new Set([...(everyone ? [everyone.id] : []), ...groupIds]);
    let passwordHash: string | undefined;
    if (password !== undefined) {
      const rules = await this.deps.passwordPolicies.resolve([...memberOf]);
      refuseIfAny(complexityFailures(password, rules, profile));
      passwordHash = await this.deps.passwords.hash(password);
    }
    const now = this.deps.clock.now();
    const status: UserStatus = !options.activate ? 'STAGED' : passwordHash === undefined ? 'PROVISIONED' : options.nextLogin ? 'PASSWORD_EXPIRED' : 'ACTIVE';
    const user: UserAccount = {
      id: this.deps.ids.objectId('user'),
      status,
      profile,
      created: now,
      lastUpdated: now,
      activated: status === 'STAGED' ? null : now,
      statusChanged: status === 'STAGED' ? null : now,
      passwordHash: passwordHash ?? null,
      passwordChanged: passwordHash === undefined ? null : now,
      lastLogin: null,
      failedAttempts: 0,
      recoveryTokenHash: null,
      recoveryTokenExpires: null,
    };
    await this.deps.store.transaction(async (tx) => {
      // Putting a user in a group that grants admin roles makes an admin: reserved as joining it is.
      for (const groupId of groupIds) await demandNotAdminGroup(tx, ctx, groupId);
      await tx.insertUser(user, passwordHash === undefined ? undefined : { passwordHash, passwordChanged: now });
      // Memberships move each group's lastMembershipUpdated and the groups generation, as
      // membership changes through the Groups API do.
      for (const groupId of memberOf) await tx.addMembership(groupId, user.id, now);
      if (memberOf.size > 0) await tx.bumpDirectoryGeneration(GROUPS_GENERATION);
    });
    await this.record(ctx, user, 'user.lifecycle.create', 'Create okta user');
    if (status !== 'STAGED') await this.record(ctx, user, 'user.lifecycle.activate', 'Activate Okta user');
    return user;
  }

  /**
   * POST (partial: given profile attributes replace stored ones) and PUT (full: the profile is
   * replaced). `credentials.password.value` sets the password as an admin: complexity is always
   * checked, history and minimum age only with `strict`, as Okta does.
   */
  async update(ctx: CallContext, idOrLogin: string, input: UpdateUserInput, options: { partial: boolean; strict: boolean }): Promise<UserAccount> {
    const stored = await this.find(this.deps.store, idOrLogin);
    const facts = await this.facts(stored);
    const password = passwordValue(input.credentials);
    const hasProfile = input.profile !== undefined && input.profile !== null;
    if (!options.partial && !hasProfile) throw new ApiValidationError(['profile: The field cannot be left blank'], 'profile');
    if (hasProfile) demandOnUser(ctx.principal, 'okta.users.userprofile.manage', facts);
    if (password !== undefined) demandOnUser(ctx.principal, 'okta.users.credentials.manage', facts);
    if (!hasProfile && password === undefined) return stored;
    if (stored.status === 'DEPROVISIONED') throw new UserStatusError();
    const profile = hasProfile ? checkProfile(options.partial ? mergeProfile(stored.profile, input.profile) : input.profile) : stored.profile;
    const now = this.deps.clock.now();
    const change: UserChange = { lastUpdated: now };
    const profileChanged = hasProfile && JSON.stringify(profile) !== JSON.stringify(stored.profile);
    if (profileChanged) change.profile = profile;
    if (password !== undefined) {
      const rules = await this.deps.passwordPolicies.resolve(facts.groupIds, stored.id);
      const causes = complexityFailures(password, rules, profile);
      if (options.strict) causes.push(...(await this.ageAndHistoryFailures(stored, password, rules, now)));
      refuseIfAny(causes);
      Object.assign(change, await this.newPassword(password, now));
      // A password set by an admin ends an expiry or a recovery; a locked-out user stays locked.
      if (stored.status === 'PASSWORD_EXPIRED' || stored.status === 'RECOVERY') Object.assign(change, { status: 'ACTIVE', statusChanged: now });
    }
    if (!profileChanged && password === undefined) return stored;
    await this.deps.store.transaction(async (tx) => {
      await tx.updateUser(stored.id, change);
      if (change.passwordHash) await tx.addPasswordToHistory(stored.id, change.passwordHash, now, MAX_HISTORY);
    });
    const user = { ...stored, ...change, profile };
    if (profileChanged) await this.record(ctx, user, 'user.account.update_profile', 'Update user profile for Okta');
    if (password !== undefined) {
      this.deps.apiTokens.forgetUser(user.id);
      await this.record(ctx, user, 'user.account.update_password', 'User update password for Okta');
    }
    return user;
  }

  /**
   * `credentials/change_password`: the old password must be right (403 E0000014 otherwise, with
   * no change); the new one must meet the whole policy, minimum age and history included. A user
   * may change their own password; changing another's needs `okta.users.credentials.manage`.
   */
  async changePassword(
    ctx: CallContext,
    idOrLogin: string,
    input: { oldPassword: string; newPassword: string; revokeSessions: boolean },
  ): Promise<UserAccount> {
    const stored = await this.find(this.deps.store, idOrLogin);
    const facts = await this.facts(stored);
    if (ctx.principal.userId !== stored.id) demandOnUser(ctx.principal, 'okta.users.credentials.manage', facts);
    demandTransition('changePassword', stored.status);
    const matches = stored.passwordHash === null ? await this.deps.passwords.verifyNothing(input.oldPassword) : await this.deps.passwords.verify(input.oldPassword, stored.passwordHash);
    if (!matches) throw new CredentialsUpdateFailedError(['oldPassword: The credentials provided were incorrect.']);
    const now = this.deps.clock.now();
    const rules = await this.deps.passwordPolicies.resolve(facts.groupIds, stored.id);
    const causes = complexityFailures(input.newPassword, rules, stored.profile);
    causes.push(...(await this.ageAndHistoryFailures(stored, input.newPassword, rules, now)));
    refuseIfAny(causes);
    const change: UserChange = { lastUpdated: now, ...(await this.newPassword(input.newPassword, now)) };
    // Okta: a successful change ends an expiry, and a recovery too.
    if (stored.status === 'PASSWORD_EXPIRED' || stored.status === 'RECOVERY') Object.assign(change, { status: 'ACTIVE', statusChanged: now });
    await this.deps.store.transaction(async (tx) => {
      await tx.updateUser(stored.id, change);
      await tx.addPasswordToHistory(stored.id, change.passwordHash!, now, MAX_HISTORY);
      if (input.revokeSessions) await tx.deleteSessionsOfUser(stored.id);
    });
    const user = { ...stored, ...change };
    this.deps.apiTokens.forgetUser(user.id);
    await this.record(ctx, user, 'user.account.update_password', 'User update password for Okta');
    return user;
  }

  // --- lifecycle -----------------------------------------------------------------------------

  /** STAGED or DEPROVISIONED → ACTIVE with a password, PROVISIONED without one. Answers an activation token. */
  async activate(ctx: CallContext, idOrLogin: string): Promise<OneTimeToken> {
    return this.issueActivation(ctx, idOrLogin, 'activate');
  }

  /** PROVISIONED (or RECOVERY) users get a new activation token and stay PROVISIONED. */
  async reactivate(ctx: CallContext, idOrLogin: string): Promise<OneTimeToken> {
    return this.issueActivation(ctx, idOrLogin, 'reactivate');
  }

  async deactivate(ctx: CallContext, idOrLogin: string): Promise<void> {
    const user = await this.transition(ctx, idOrLogin, 'deactivate', 'okta.users.lifecycle.deactivate', () => ({ status: 'DEPROVISIONED' }), { clearSessions: true });
    await this.record(ctx, user, 'user.lifecycle.deactivate', 'Deactivate Okta user');
  }

  async suspend(ctx: CallContext, idOrLogin: string): Promise<void> {
    const user = await this.transition(ctx, idOrLogin, 'suspend', 'okta.users.lifecycle.suspend', () => ({ status: 'SUSPENDED' }), { clearSessions: true });
    await this.record(ctx, user, 'user.lifecycle.suspend', 'Suspend Okta user');
  }

  async unsuspend(ctx: CallContext, idOrLogin: string): Promise<void> {
    const user = await this.transition(ctx, idOrLogin, 'unsuspend', 'okta.users.lifecycle.suspend', () => ({ status: 'ACTIVE' }));
    await this.record(ctx, user, 'user.lifecycle.unsuspend', 'Unsuspend Okta user');
  }

  async unlock(ctx: CallContext, idOrLogin: string): Promise<void> {
    const user = await this.transition(ctx, idOrLogin, 'unlock', 'okta.users.lifecycle.unlock', () => ({ status: 'ACTIVE' }));
    await this.record(ctx, user, 'user.account.unlock', 'Unlock user account');
  }

  /**
   * → PASSWORD_EXPIRED: the user must change the password at the next sign-in. With
   * `tempPassword`, the password is first replaced by a random one that meets the user's policy,
   * answered once and never stored in the clear.
   */
  async expirePassword(ctx: CallContext, idOrLogin: string, options: { tempPassword: boolean; revokeSessions: boolean }): Promise<{ user: UserAccount; tempPassword?: string }> {
    let tempPassword: string | undefined;
    const user = await this.transition(
      ctx,
      idOrLogin,
      'expirePassword',
      'okta.users.credentials.expirePassword',
      async (stored, facts, now) => {
        if (!options.tempPassword) return { status: 'PASSWORD_EXPIRED' };
        const rules = await this.deps.passwordPolicies.resolve(facts.groupIds, stored.id);
        tempPassword = this.temporaryPassword(rules, stored);
        return { status: 'PASSWORD_EXPIRED', ...(await this.newPassword(tempPassword, now)) };
      },
      { clearSessions: options.revokeSessions },
    );
    await this.record(ctx, user, 'user.account.expire_password', 'Expire user password');
    return tempPassword === undefined ? { user } : { user, tempPassword };
  }

  /** → RECOVERY with a one-time reset token (its SHA-256 stored), valid as long as the policy's recovery token lifetime. */
  async resetPassword(ctx: CallContext, idOrLogin: string, options: { revokeSessions: boolean }): Promise<OneTimeToken> {
    const token = this.deps.ids.secret(20);
    const user = await this.transition(
      ctx,
      idOrLogin,
      'resetPassword',
      'okta.users.credentials.resetPassword',
      async (stored, facts, now) => {
        const rules = await this.deps.passwordPolicies.resolve(facts.groupIds, stored.id);
        return { status: 'RECOVERY', failedAttempts: 0, recoveryTokenHash: hashSecret(token), recoveryTokenExpires: now + rules.recoveryTokenMinutes * 60_000 };
      },
      { clearSessions: options.revokeSessions },
    );
    await this.record(ctx, user, 'user.account.reset_password', 'Reset user password');
    return { token };
  }

  /**
   * Okta's two-step delete: on a user who is not DEPROVISIONED it deactivates; on a
   * DEPROVISIONED user it deletes, with memberships, sessions, history, API tokens and roles.
   */
  async delete(ctx: CallContext, idOrLogin: string): Promise<void> {
    const stored = await this.find(this.deps.store, idOrLogin);
    demandOnUser(ctx.principal, 'okta.users.lifecycle.delete', await this.facts(stored));
    if (stored.status !== 'DEPROVISIONED') {
      const user = await this.transition(ctx, stored.id, 'deactivate', 'okta.users.lifecycle.delete', () => ({ status: 'DEPROVISIONED' }), { clearSessions: true });
      await this.record(ctx, user, 'user.lifecycle.deactivate', 'Deactivate Okta user');
      return;
    }
    await this.deps.store.transaction(async (tx) => {
      const current = await this.find(tx, stored.id);
      demandTransition('delete', current.status);
      await tx.deleteUser(stored.id);
    });
    this.deps.apiTokens.forgetUser(stored.id);
    await this.record(ctx, stored, 'user.lifecycle.delete.initiated', 'Delete Okta user initiated');
    await this.record(ctx, stored, 'user.lifecycle.delete.completed', 'Delete Okta user completed');
  }

  async clearSessions(ctx: CallContext, idOrLogin: string): Promise<void> {
    const user = await this.find(this.deps.store, idOrLogin);
    demandOnUser(ctx.principal, 'okta.users.lifecycle.clearSessions', await this.facts(user));
    await this.deps.store.deleteSessionsOfUser(user.id);
    this.deps.apiTokens.forgetUser(user.id);
    await this.record(ctx, user, 'user.session.clear', 'Clear user session');
  }

  // --- internals -----------------------------------------------------------------------------

  private async issueActivation(ctx: CallContext, idOrLogin: string, operation: 'activate' | 'reactivate'): Promise<OneTimeToken> {
    const token = this.deps.ids.secret(20);
    const user = await this.transition(ctx, idOrLogin, operation, 'okta.users.lifecycle.activate', (stored, _facts, now) => {
      const status: UserStatus = operation === 'activate' && stored.passwordHash !== null ? 'ACTIVE' : 'PROVISIONED';
      return {
        status,
        ...(status === 'ACTIVE' ? { activated: now } : {}),
        recoveryTokenHash: hashSecret(token),
        recoveryTokenExpires: now + ACTIVATION_TOKEN_MS,
      };
    });
    if (operation === 'activate') await this.record(ctx, user, 'user.lifecycle.activate', 'Activate Okta user');
    else await this.record(ctx, user, 'user.lifecycle.reactivate', 'Reactivate Okta user');
    return { token };
  }

  /**
   * One lifecycle step: permission, then in one transaction the status check on the current row
   * and the change. A status that changes forgets cached token authentications of the user.
   */
  private async transition(
    ctx: CallContext,
    idOrLogin: string,
    operation: LifecycleOperation,
    permission: Permission,
    next: (stored: UserAccount, facts: UserFacts & { groupIds: string[] }, now: number) => Omit<UserChange, 'lastUpdated'> | Promise<Omit<UserChange, 'lastUpdated'>>,
    options: { clearSessions?: boolean } = {},
  ): Promise<UserAccount> {
    const found = await this.find(this.deps.store, idOrLogin);
    const facts = await this.facts(found);
    demandOnUser(ctx.principal, permission, facts);
    demandTransition(operation, found.status);
    const now = this.deps.clock.now();
    const planned = await next(found, facts, now);
    const user = await this.deps.store.transaction(async (tx) => {
      const current = await this.find(tx, found.id);
      demandTransition(operation, current.status);
      const change: UserChange = { ...planned, lastUpdated: now };
      if (change.status !== undefined && change.status !== current.status) change.statusChanged = now;
      // The failed-attempt counter counts only while the user may sign in: coming back to that
      // (activate after a locked user's deactivation, expire_password on a locked user) starts it
      // at zero, or a counter left at the limit would refuse every sign-in with no lock to undo.
      if (change.status !== undefined && SIGN_IN_STATUSES.has(change.status) && !SIGN_IN_STATUSES.has(current.status)) change.failedAttempts = 0;
      await tx.updateUser(current.id, change);
      if (change.passwordHash) await tx.addPasswordToHistory(current.id, change.passwordHash, now, MAX_HISTORY);
      if (options.clearSessions) await tx.deleteSessionsOfUser(current.id);
      return { ...current, ...change };
    });
    this.deps.apiTokens.forgetUser(user.id);
    return user;
  }

  private async ageAndHistoryFailures(user: UserAccount, password: string, rules: PasswordRules, now: number): Promise<string[]> {
    const causes: string[] = [];
    if (rules.age.minAgeMinutes > 0 && user.passwordChanged !== null && now - user.passwordChanged < rules.age.minAgeMinutes * 60_000) {
      causes.push(minAgeFailure(rules));
    }
    if (rules.age.historyCount > 0) {
      for (const hash of await this.deps.store.passwordHistory(user.id, rules.age.historyCount)) {
        if (await this.deps.passwords.verify(password, hash)) {
          causes.push(historyFailure(rules));
          break;
        }
      }
    }
    return causes;
  }

  private async newPassword(password: string, now: number): Promise<Pick<UserChange, 'passwordHash' | 'passwordChanged' | 'failedAttempts' | 'recoveryTokenHash' | 'recoveryTokenExpires'>> {
    return { passwordHash: await this.deps.passwords.hash(password), passwordChanged: now, failedAttempts: 0, recoveryTokenHash: null, recoveryTokenExpires: null };
  }

  /** A random password that meets the policy's complexity: random characters plus one of each required class. */
  private temporaryPassword(rules: PasswordRules, user: UserAccount): string {
    for (;;) {
      const body = this.deps.ids.secret(Math.max(12, rules.complexity.minLength)).replace(/[-_]/g, 'x');
      const candidate = `${body}aZ7#`;
      if (complexityFailures(candidate, { ...rules, complexity: { ...rules.complexity, excludeCommon: false } }, user.profile).length === 0) return candidate;
    }
  }

  private async find(store: StorePorts, idOrLogin: string): Promise<UserAccount> {
    const user = (await store.getUser(idOrLogin)) ?? (await store.findUserByLogin(idOrLogin));
    if (!user) throw new ResourceNotFoundError(idOrLogin, 'User');
    return user;
  }

  private async facts(user: UserAccount): Promise<UserFacts & { groupIds: string[] }> {
    return { id: user.id, groupIds: await this.deps.store.groupIdsOfUser(user.id), roles: await this.deps.store.roleTypesOfUser(user.id) };
  }

  private async demandOn(ctx: CallContext, permission: Permission, user: UserAccount): Promise<void> {
    demandOnUser(ctx.principal, permission, await this.facts(user));
  }

  private async record(ctx: CallContext, user: UserAccount, eventType: string, displayMessage: string): Promise<void> {
    await this.deps.log.record(ctx, userEvent(user, eventType, displayMessage));
  }
}

export function userEvent(user: Pick<UserAccount, 'id' | 'profile'>, eventType: string, displayMessage: string, extra: Partial<EventSpec> = {}): EventSpec {
  return {
    eventType,
    displayMessage,
    target: [{ id: user.id, type: 'User', alternateId: user.profile.login, displayName: displayName(user.profile) }],
    ...extra,
  };
}

export function displayName(profile: UserAccount['profile']): string {
  return [profile.firstName, profile.lastName].filter((p) => p).join(' ') || profile.login;
}

/**
 * The plain password of a `credentials` object, if one is given. Imported hashes, password hooks,
 * recovery questions and providers other than OKTA are refused (400) rather than ignored.
 */
function passwordValue(credentials: CredentialsInput | null | undefined): string | undefined {
  if (!credentials) return undefined;
  const causes: string[] = [];
  if (credentials.recovery_question !== undefined && credentials.recovery_question !== null) causes.push('credentials.recovery_question: Recovery questions are not supported');
  const provider = credentials.provider;
  if (provider && provider.type !== undefined && provider.type !== 'OKTA') causes.push('credentials.provider.type: Only the OKTA provider is supported');
  const password = credentials.password;
  if (password && (password.hash !== undefined || password.hook !== undefined)) causes.push('credentials.password: Importing hashed passwords and password hooks are not supported');
  const value = password?.value;
  if (value !== undefined && value !== null && (typeof value !== 'string' || value.length === 0 || value.length > 256)) {
    causes.push('credentials.password.value: must be a string of 1 to 256 characters');
  }
  if (causes.length > 0) throw new ApiValidationError(causes);
  return typeof value === 'string' ? value : undefined;
}
