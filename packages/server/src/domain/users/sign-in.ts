import { AuthenticationFailedError } from '../../errors/catalog.ts';
import type { PolicyEngine } from '../policy-engine/service.ts';
import type { Decision, EvaluationContext } from '../policy-engine/types.ts';
import type { CallContext, Principal } from '../shared/context.ts';
import type { DirectoryServiceDeps } from '../shared/service-deps.ts';
import { SIGN_IN_STATUSES } from './lifecycle.ts';
import type { PasswordPolicyResolver, PasswordRules } from './password-policy.ts';
import { hashSecret } from '../shared/secret-hash.ts';
import { displayName, userEvent } from './service.ts';
import { enrollableFactors } from './mfa-factors.ts';
import type { EnrollableFactor } from './mfa-factors.ts';
import type { UserAccount } from './types.ts';

/** How long a session token from primary authentication may be exchanged (Okta: 5 minutes). */
export const SESSION_TOKEN_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** The password checks sign-in needs; the bench swaps in a free one to time everything else. */
export interface PasswordVerifier {
  verify(password: string, encoded: string): Promise<boolean>;
  /** One verification's cost, for users who do not exist or have no password. */
  verifyNothing(password: string): Promise<false>;
  /** Derivations run so far. */
  readonly evaluations: number;
}

export interface SignInDeps extends DirectoryServiceDeps {
  passwords: PasswordVerifier;
  passwordPolicies: PasswordPolicyResolver;
  /** The org's policies: the global session policy (OKTA_SIGN_ON) and MFA enrollment decide after the password. */
  engine: PolicyEngine;
}

/** What a request tells sign-in about itself: a call context without a principal (nobody is signed in yet). */
export type SignInRequest = Omit<CallContext, 'principal'>;

export type SignInResult =
  | { status: 'SUCCESS'; user: UserAccount; sessionToken: string; expiresAt: number }
  | { status: 'PASSWORD_EXPIRED'; user: UserAccount; stateToken: string; expiresAt: number }
  /** The global session policy requires a factor and the user has none enrolled: these are the ones it may enroll. */
  | { status: 'MFA_ENROLL'; user: UserAccount; stateToken: string; expiresAt: number; factors: EnrollableFactor[] }
  | { status: 'LOCKED_OUT' };

/**
 * Primary authentication: checks a username and password, counts failures and locks users out
 * as their PASSWORD policy says. Anything that is not a success answers the same 401 E0000004
 * (unknown user, wrong password, a status that may not sign in), after the same single KDF
 * evaluation, so neither the answer nor its timing tells whether a user exists; LOCKED_OUT is
 * shown only when the policy's `showLockoutFailures` is on.
 *
 * Lockout is exact under concurrency: before the KDF runs, one conditional UPDATE reserves a
 * failed-attempt slot (`failed_attempts < maxAttempts`, the user not locked). N parallel wrong
 * passwords therefore run at most `maxAttempts` KDF evaluations; the attempt whose reservation
 * reached the limit and failed locks the user with another conditional UPDATE that succeeds
 * once. A success sets the counter back to zero. Nothing here takes a lock beyond the user's
 * own row, so other users' sign-ins never wait on it.
 *
 * After the password, the global session policy (OKTA_SIGN_ON, evaluated by the policy engine for
 * the user, its groups and the client IP) decides: `signon.access: DENY` answers the same 401
 * E0000004 as a wrong password (Okta stopped answering 403 there); `requireFactor` answers
 * MFA_ENROLL with the factors the MFA_ENROLL policy lets the user enroll (Tollgate has no factor
 * enrollments yet, so MFA_REQUIRED, for users with enrolled factors, never arises). Both come
 * before PASSWORD_EXPIRED: nobody changes a password on the strength of the password alone when
 * the policy wants more.
 */
export class SignInService {
  constructor(private readonly deps: SignInDeps) {}

  /** KDF evaluations so far (tests prove the lockout bound with it). */
  get kdfEvaluations(): number {
    return this.deps.passwords.evaluations;
  }

  /** The same service with another password verifier (the bench times sign-in without the KDF). */
  withVerifier(passwords: PasswordVerifier): SignInService {
    return new SignInService({ ...this.deps, passwords });
  }

  async signIn(request: SignInRequest, credentials: { username: string; password: string }): Promise<SignInResult> {
    const { store, clock } = this.deps;
    const found = await store.findUserForSignIn(credentials.username);
    if (!found) {
      await this.deps.passwords.verifyNothing(credentials.password);
      await this.deps.log.record(anonymous(request, credentials.username), failure(undefined, 'VERIFICATION_ERROR'));
      throw new AuthenticationFailedError();
    }
    let user = found.user;
    const ctx = asUser(request, user);
    const rules = await this.deps.passwordPolicies.resolve(found.groupIds, user.id);
    user = await this.autoUnlock(ctx, user, rules);

    if (!SIGN_IN_STATUSES.has(user.status) || user.passwordHash === null) {
      await this.deps.passwords.verifyNothing(credentials.password);
      return this.refuse(ctx, user, rules, user.status === 'LOCKED_OUT' ? 'LOCKED_OUT' : 'INVALID_CREDENTIALS');
    }

    const { maxAttempts } = rules.lockout;
    let reserved: number | undefined;
    if (maxAttempts > 0) {
      reserved = await store.reserveSignInAttempt(user.id, maxAttempts);
      // No slot: the user is locked out, or as many checks as the policy allows are already running.
      if (reserved === undefined) {
        const current = await store.getUser(user.id);
        // More failures than the limit (it was lowered after they were counted): the user is over
        // it, so locked now. At the limit exactly, checks may still be running, and the last of
        // them locks if it fails, so this attempt is only refused.
        if (current && current.failedAttempts > maxAttempts && (await this.lockOut(ctx, user, maxAttempts + 1))) {
          return this.refuse(ctx, { ...user, status: 'LOCKED_OUT' }, rules, 'LOCKED_OUT');
        }
        return this.refuse(ctx, user, rules, current?.status === 'LOCKED_OUT' ? 'LOCKED_OUT' : 'INVALID_CREDENTIALS');
      }
    }

    if (!(await this.deps.passwords.verify(credentials.password, user.passwordHash))) {
      if (reserved !== undefined && reserved >= maxAttempts && (await this.lockOut(ctx, user, maxAttempts))) {
        return this.refuse(ctx, { ...user, status: 'LOCKED_OUT' }, rules, 'LOCKED_OUT');
      }
      return this.refuse(ctx, user, rules, 'INVALID_CREDENTIALS');
    }

    const signOn = await this.signOnDecision(request, user, found.groupIds);
    if (signOn.access === 'DENY') {
      // The password was right: the attempt it reserved is given back, but no session starts.
      await store.resetSignInAttempts(user.id);
      await this.deps.log.record(ctx, signOnEvent(user, signOn.decision!, 'DENY', 'Sign-on policy evaluation resulted in DENY'));
      await this.deps.log.record(ctx, failure(user, 'POLICY_DENY'));
      throw new AuthenticationFailedError();
    }
    if (signOn.requireFactor) {
      await store.resetSignInAttempts(user.id);
      await this.deps.log.record(ctx, signOnEvent(user, signOn.decision!, 'CHALLENGE', 'Sign-on policy evaluation resulted in a factor requirement'));
      const now = clock.now();
      return { status: 'MFA_ENROLL', user, stateToken: '00' + this.deps.ids.secret(40), expiresAt: now + SESSION_TOKEN_MS, factors: signOn.factors };
    }

    const now = clock.now();
    const expired = user.status === 'PASSWORD_EXPIRED' || (rules.age.maxAgeDays > 0 && user.passwordChanged !== null && now >= user.passwordChanged + rules.age.maxAgeDays * DAY_MS);
    // A status change committed during the password check (suspend, deactivate) wins: no session.
    if (expired) {
      if (!(await store.recordSignIn(user.id, now))) return this.refuse(ctx, user, rules, 'INVALID_CREDENTIALS');
      if (user.status !== 'PASSWORD_EXPIRED') {
        await store.setUserStatus(user.id, 'PASSWORD_EXPIRED', now);
        this.deps.apiTokens.forgetUser(user.id);
        await this.deps.log.record(ctx, userEvent(user, 'user.account.expire_password', 'Password expired by the password policy (age.maxAgeDays)'));
      }
      await this.deps.log.record(ctx, userEvent(user, 'user.session.start', 'User login to Okta', { outcome: { result: 'SUCCESS', reason: 'PASSWORD_EXPIRED' } }));
      return { status: 'PASSWORD_EXPIRED', user: { ...user, status: 'PASSWORD_EXPIRED', lastLogin: now }, stateToken: '00' + this.deps.ids.secret(40), expiresAt: now + SESSION_TOKEN_MS };
    }
    const sessionToken = this.deps.ids.secret(40);
    const expiresAt = now + SESSION_TOKEN_MS;
    const session = { id: this.deps.ids.objectId('session'), userId: user.id, kind: 'SESSION_TOKEN' as const, tokenHash: hashSecret(sessionToken), created: now, expiresAt };
    if (!(await store.recordSignIn(user.id, now, session))) return this.refuse(ctx, user, rules, 'INVALID_CREDENTIALS');
    await this.deps.log.record(ctx, userEvent(user, 'user.session.start', 'User login to Okta', { outcome: { result: 'SUCCESS' } }));
    return { status: 'SUCCESS', user: { ...user, lastLogin: now }, sessionToken, expiresAt };
  }

  /**
   * The global session policy's answer for this sign-in, and when it requires a factor, the
   * factors the MFA_ENROLL policy offers. No applicable policy (none active) allows.
   */
  private async signOnDecision(
    request: SignInRequest,
    user: UserAccount,
    groupIds: readonly string[],
  ): Promise<{ access: 'ALLOW' | 'DENY'; requireFactor: boolean; decision: Decision | null; factors: EnrollableFactor[] }> {
    const set = await this.deps.engine.get();
    const context: EvaluationContext = {
      user: { id: user.id, groupIds, login: user.profile.login, profile: user.profile },
      ...(request.ipAddress ? { ip: request.ipAddress } : {}),
      authType: 'ANY',
      identityProvider: { provider: 'OKTA' },
      authProvider: { provider: 'OKTA' },
    };
    const { decision } = set.evaluate('OKTA_SIGN_ON', context);
    const signon = objectAt(decision?.actions, 'signon');
    const access = signon?.access === 'DENY' ? 'DENY' : 'ALLOW';
    const requireFactor = access === 'ALLOW' && signon?.requireFactor === true;
    const factors = requireFactor ? enrollableFactors(set.evaluate('MFA_ENROLL', context).decision?.settings ?? null) : [];
    return { access, requireFactor, decision, factors };
  }

  /** `autoUnlockMinutes`: a lock older than that ends at the user's next attempt (once, whoever comes first). */
  private async autoUnlock(ctx: CallContext, user: UserAccount, rules: PasswordRules): Promise<UserAccount> {
    const minutes = rules.lockout.autoUnlockMinutes;
    if (user.status !== 'LOCKED_OUT' || minutes <= 0) return user;
    const now = this.deps.clock.now();
    if (user.statusChanged !== null && user.statusChanged > now - minutes * 60_000) return user;
    if (await this.deps.store.autoUnlock(user.id, now - minutes * 60_000, now)) {
      this.deps.apiTokens.forgetUser(user.id);
      await this.deps.log.record(ctx, userEvent(user, 'user.account.unlock', 'Unlock user account', { debugData: { reason: 'autoUnlockMinutes' } }));
    }
    return (await this.deps.store.getUser(user.id)) ?? user;
  }

  /** LOCKED_OUT once the counter is at least `atLeast` (one conditional UPDATE: whoever comes first), with its event. */
  private async lockOut(ctx: CallContext, user: UserAccount, atLeast: number): Promise<boolean> {
    if (!(await this.deps.store.lockOut(user.id, atLeast, this.deps.clock.now()))) return false;
    this.deps.apiTokens.forgetUser(user.id);
    await this.deps.log.record(ctx, userEvent(user, 'user.account.lock', 'Max sign in attempts exceeded', { outcome: { result: 'FAILURE', reason: 'LOCKED_OUT' } }));
    return true;
  }

  private async refuse(ctx: CallContext, user: UserAccount, rules: PasswordRules, reason: 'LOCKED_OUT' | 'INVALID_CREDENTIALS'): Promise<SignInResult> {
    await this.deps.log.record(ctx, failure(user, reason));
    if (reason === 'LOCKED_OUT' && rules.lockout.showLockoutFailures) return { status: 'LOCKED_OUT' };
    throw new AuthenticationFailedError();
  }
}

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const child = (value as Record<string, unknown>)[key];
  return typeof child === 'object' && child !== null && !Array.isArray(child) ? (child as Record<string, unknown>) : undefined;
}

/** `policy.evaluate_sign_on`, as Okta logs the global session policy's answer: the user, the policy and the rule. */
function signOnEvent(user: UserAccount, decision: Decision, result: 'DENY' | 'CHALLENGE', reason: string) {
  return userEvent(user, 'policy.evaluate_sign_on', 'Evaluation of sign-on policy', {
    outcome: { result, reason },
    target: [
      { id: user.id, type: 'User', alternateId: user.profile.login, displayName: displayName(user.profile) },
      { id: decision.policy.id, type: 'PolicyEntity', alternateId: 'unknown', displayName: decision.policy.name, detailEntry: { policyType: decision.policy.type } },
      { id: decision.rule.id, type: 'PolicyRule', alternateId: 'unknown', displayName: decision.rule.name, detailEntry: { policyRuleType: 'SIGN_ON' } },
    ],
  });
}

function failure(user: UserAccount | undefined, reason: string) {
  const outcome = { result: 'FAILURE' as const, reason };
  if (!user) return { eventType: 'user.session.start', displayMessage: 'User login to Okta', outcome, target: [] };
  return userEvent(user, 'user.session.start', 'User login to Okta', { outcome });
}

function asUser(request: SignInRequest, user: UserAccount): CallContext {
  const principal: Principal = { userId: user.id, login: user.profile.login, displayName: displayName(user.profile), roles: new Set() };
  return { ...request, principal };
}

/** The actor of a failed sign-in whose username names nobody, as Okta logs it. */
function anonymous(request: SignInRequest, username: string): CallContext {
  return { ...request, principal: { userId: 'unknown', login: username, displayName: 'unknown', roles: new Set() } };
}
