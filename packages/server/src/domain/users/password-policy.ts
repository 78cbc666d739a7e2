import { PasswordComplexityError } from '../../errors/catalog.ts';
import type { PolicyRecord } from '../policies/types.ts';
import type { PolicyEngine } from '../policy-engine/service.ts';
import { isCommonPassword } from './common-passwords.ts';
import type { FullProfile } from './types.ts';

/** What a PASSWORD policy's settings demand, with the schema's defaults filled in. */
export interface PasswordRules {
  /** The policy the rules come from (undefined when the org has no PASSWORD policy at all). */
  policyId: string | undefined;
  complexity: {
    minLength: number;
    minLowerCase: number;
    minUpperCase: number;
    minNumber: number;
    minSymbol: number;
    excludeUsername: boolean;
    excludeFirstName: boolean;
    excludeLastName: boolean;
    excludeCommon: boolean;
    maxConsecutiveCharacters: number | undefined;
  };
  age: { maxAgeDays: number; minAgeMinutes: number; historyCount: number };
  lockout: { maxAttempts: number; autoUnlockMinutes: number; showLockoutFailures: boolean };
  /** How long a reset-password token lasts (`recovery.factors.okta_email...tokenLifetimeMinutes`). */
  recoveryTokenMinutes: number;
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});
const num = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
const bool = (value: unknown, fallback: boolean): boolean => (typeof value === 'boolean' ? value : fallback);

/** The rules of a stored PASSWORD policy; absent settings take the spec's defaults (kinds/password.ts). */
export function rulesOf(policy: Pick<PolicyRecord, 'id' | 'settings'> | undefined): PasswordRules {
  const password = obj(obj(policy?.settings).password);
  const complexity = obj(password.complexity);
  const age = obj(password.age);
  const lockout = obj(password.lockout);
  const excluded = Array.isArray(complexity.excludeAttributes) ? complexity.excludeAttributes : [];
  return {
    policyId: policy?.id,
    complexity: {
      minLength: num(complexity.minLength, 8),
      minLowerCase: num(complexity.minLowerCase, 1),
      minUpperCase: num(complexity.minUpperCase, 1),
      minNumber: num(complexity.minNumber, 1),
      minSymbol: num(complexity.minSymbol, 1),
      excludeUsername: bool(complexity.excludeUsername, true),
      excludeFirstName: excluded.includes('firstName'),
      excludeLastName: excluded.includes('lastName'),
      excludeCommon: bool(obj(obj(complexity.dictionary).common).exclude, false),
      maxConsecutiveCharacters: typeof complexity.maxConsecutiveCharacters === 'number' ? complexity.maxConsecutiveCharacters : undefined,
    },
    age: { maxAgeDays: num(age.maxAgeDays, 0), minAgeMinutes: num(age.minAgeMinutes, 0), historyCount: num(age.historyCount, 0) },
    lockout: {
      maxAttempts: num(lockout.maxAttempts, 10),
      autoUnlockMinutes: num(lockout.autoUnlockMinutes, 0),
      showLockoutFailures: bool(lockout.showLockoutFailures, false),
    },
    recoveryTokenMinutes: num(obj(obj(obj(obj(obj(obj(policy?.settings).recovery).factors).okta_email).properties).recoveryToken).tokenLifetimeMinutes, 10_080),
  };
}

/**
 * Resolves a user's PASSWORD policy with the policy engine: the first ACTIVE PASSWORD policy, in
 * priority order, whose conditions (`people.groups`, `authProvider`) match the user and one of
 * whose ACTIVE rules matches (Okta: a policy with no rules is never applied), the org's default
 * policy last; its settings become `PasswordRules`. No policy (none active) → the spec's defaults.
 * Users of this resolver sign in or set passwords with Okta as their password's provider.
 */
export class PasswordPolicyResolver {
  /** Rules by the policy record they came from: records are immutable within a compiled set. */
  private readonly rulesByPolicy = new WeakMap<PolicyRecord, PasswordRules>();

  constructor(private readonly engine: PolicyEngine) {}

  /**
   * The rules for a user in these groups (Everyone included when it is a member). `userId` is
   * absent while the user is being created: rules naming users then do not match it.
   */
  async resolve(groupIds: readonly string[], userId?: string): Promise<PasswordRules> {
    const set = await this.engine.get();
    const user = userId === undefined ? { groupIds } : { id: userId, groupIds };
    const { decision } = set.evaluate('PASSWORD', { user, authProvider: { provider: 'OKTA' } });
    if (!decision) return rulesOf(undefined);
    let rules = this.rulesByPolicy.get(decision.policy);
    if (!rules) {
      rules = rulesOf(decision.policy);
      this.rulesByPolicy.set(decision.policy, rules);
    }
    return rules;
  }
}

const NOT_MET = 'Password requirements were not met.';

/** Okta's wording of each complexity requirement, as its "Password requirements: ..." list shows them. */
function requirementTexts(rules: PasswordRules): { key: string; text: string }[] {
  const c = rules.complexity;
  const list: { key: string; text: string }[] = [];
  if (c.minLength > 0) list.push({ key: 'minLength', text: `at least ${c.minLength} characters` });
  if (c.minLowerCase > 0) list.push({ key: 'minLowerCase', text: 'a lowercase letter' });
  if (c.minUpperCase > 0) list.push({ key: 'minUpperCase', text: 'an uppercase letter' });
  if (c.minNumber > 0) list.push({ key: 'minNumber', text: 'a number' });
  if (c.minSymbol > 0) list.push({ key: 'minSymbol', text: 'a symbol' });
  if (c.excludeUsername) list.push({ key: 'excludeUsername', text: 'no parts of your username' });
  if (c.excludeFirstName) list.push({ key: 'excludeFirstName', text: 'does not include your first name' });
  if (c.excludeLastName) list.push({ key: 'excludeLastName', text: 'does not include your last name' });
  if (c.maxConsecutiveCharacters !== undefined) {
    list.push({ key: 'maxConsecutiveCharacters', text: `no more than ${c.maxConsecutiveCharacters} consecutive identical characters` });
  }
  return list;
}

/**
 * Parts of a login a password may not contain (Okta: the sign-in ID split on `, . _ # @ -`,
 * parts of at least four characters, the parent domain such as `com` not considered).
 */
function usernameParts(login: string): string[] {
  const lower = login.toLowerCase();
  const at = lower.lastIndexOf('@');
  const domain = at >= 0 ? lower.slice(at + 1) : '';
  const tld = domain.includes('.') ? domain.slice(domain.lastIndexOf('.') + 1) : undefined;
  const parts = lower.split(/[,._#@-]/).filter((p) => p.length >= 4);
  return [...new Set(tld === undefined ? parts : parts.filter((p, i, all) => !(p === tld && i === all.length - 1)))];
}

function count(password: string, pattern: RegExp): number {
  return password.match(pattern)?.length ?? 0;
}

function longestRun(password: string): number {
  const chars = [...password];
  let best = 0;
  let run = 0;
  for (let i = 0; i < chars.length; i++) {
    run = i > 0 && chars[i] === chars[i - 1] ? run + 1 : 1;
    best = Math.max(best, run);
  }
  return best;
}

/**
 * The complexity causes a password fails, one per requirement, each "password: <reason>". An
 * empty list means the password meets the policy's complexity.
 */
export function complexityFailures(password: string, rules: PasswordRules, profile: Pick<FullProfile, 'login' | 'firstName' | 'lastName'>): string[] {
  const c = rules.complexity;
  const lower = password.toLowerCase();
  const failed = new Set<string>();
  if ([...password].length < c.minLength) failed.add('minLength');
  if (count(password, /\p{Ll}/gu) < c.minLowerCase) failed.add('minLowerCase');
  if (count(password, /\p{Lu}/gu) < c.minUpperCase) failed.add('minUpperCase');
  if (count(password, /\p{Nd}/gu) < c.minNumber) failed.add('minNumber');
  if (count(password, /[^\p{L}\p{N}\s]/gu) < c.minSymbol) failed.add('minSymbol');
  if (c.excludeUsername && (lower.includes(profile.login.toLowerCase()) || usernameParts(profile.login).some((p) => lower.includes(p)))) {
    failed.add('excludeUsername');
  }
  const first = profile.firstName?.trim().toLowerCase();
  if (c.excludeFirstName && first && lower.includes(first)) failed.add('excludeFirstName');
  const last = profile.lastName?.trim().toLowerCase();
  if (c.excludeLastName && last && lower.includes(last)) failed.add('excludeLastName');
  if (c.maxConsecutiveCharacters !== undefined && longestRun(password) > c.maxConsecutiveCharacters) failed.add('maxConsecutiveCharacters');
  const causes = requirementTexts(rules)
    .filter((r) => failed.has(r.key))
    .map((r) => `password: ${NOT_MET} Password requirements: ${r.text}.`);
  if (c.excludeCommon && isCommonPassword(password)) {
    causes.push('password: This password was found in a list of commonly used passwords. Please try another password.');
  }
  return causes;
}

export function historyFailure(rules: PasswordRules): string {
  return `password: ${NOT_MET} Your password cannot be any of your last ${rules.age.historyCount} passwords.`;
}

export function minAgeFailure(rules: PasswordRules): string {
  return `password: ${NOT_MET} At least ${rules.age.minAgeMinutes} minute(s) must have elapsed since you last changed your password.`;
}

/** Throws 403 E0000080 with the given causes, when there are any. */
export function refuseIfAny(causes: string[]): void {
  if (causes.length > 0) throw new PasswordComplexityError(causes);
}
