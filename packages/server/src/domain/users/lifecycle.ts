import { ApiValidationError, UnlockNotAllowedError, UserAlreadyActiveError, UserStatusError } from '../../errors/catalog.ts';
import type { UserStatus } from '../org/types.ts';

export const USER_STATUSES = ['STAGED', 'PROVISIONED', 'ACTIVE', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'SUSPENDED', 'DEPROVISIONED'] as const;

export type LifecycleOperation =
  | 'activate'
  | 'reactivate'
  | 'deactivate'
  | 'suspend'
  | 'unsuspend'
  | 'unlock'
  | 'expirePassword'
  | 'resetPassword'
  | 'changePassword'
  | 'delete';

/**
 * Okta's user state machine: which status each lifecycle operation may start from. The statuses
 * it ends in are decided by the service (activation ends in ACTIVE with a password and in
 * PROVISIONED without one, for instance).
 */
const ALLOWED_FROM: Record<LifecycleOperation, ReadonlySet<UserStatus>> = {
  activate: new Set(['STAGED', 'DEPROVISIONED']),
  reactivate: new Set(['PROVISIONED', 'RECOVERY']),
  deactivate: new Set(['STAGED', 'PROVISIONED', 'ACTIVE', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'SUSPENDED']),
  suspend: new Set(['ACTIVE']),
  unsuspend: new Set(['SUSPENDED']),
  unlock: new Set(['LOCKED_OUT']),
  expirePassword: new Set(['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY', 'LOCKED_OUT']),
  resetPassword: new Set(['ACTIVE', 'PROVISIONED', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT']),
  changePassword: new Set(['STAGED', 'ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY']),
  delete: new Set(['DEPROVISIONED']),
};

export function allowed(operation: LifecycleOperation, status: UserStatus): boolean {
  return ALLOWED_FROM[operation].has(status);
}

/**
 * Throws the error Okta answers when `operation` is not allowed from `status`: 403 E0000016
 * for activating a user who is already active, 403 E0000032 for unlocking a user who is not
 * locked out, 400 E0000001 for suspending a user who is not active or unsuspending one who is
 * not suspended (the spec's 400 for those two), 403 E0000038 for the rest.
 */
export function demandTransition(operation: LifecycleOperation, status: UserStatus): void {
  if (allowed(operation, status)) return;
  switch (operation) {
    case 'activate':
      throw new UserAlreadyActiveError();
    case 'unlock':
      throw new UnlockNotAllowedError();
    case 'suspend':
      throw new ApiValidationError([`status: Cannot suspend a user whose status is ${status}; only ACTIVE users can be suspended`]);
    case 'unsuspend':
      throw new ApiValidationError([`status: Cannot unsuspend a user whose status is ${status}; only SUSPENDED users can be unsuspended`]);
    default:
      throw new UserStatusError();
  }
}

/** Statuses in which the password can be used to sign in (the rest answer Authentication failed). */
export const SIGN_IN_STATUSES: ReadonlySet<UserStatus> = new Set(['ACTIVE', 'PASSWORD_EXPIRED']);
