import { ERROR_CATALOG } from '@tollgate/api';
import type { ErrorCause, ErrorCode } from '@tollgate/api';

/**
 * The closed error catalog: one class per Okta code. Domain services and HTTP plugins throw
 * these; the error handler is the only place that renders them. Anything else thrown is an
 * internal error and is rendered as E0000009 without detail.
 */
export abstract class OktaError extends Error {
  abstract readonly code: ErrorCode;
  readonly causes: ErrorCause[];
  /** Fills `{0}` in the catalog summary. */
  readonly detail: string | undefined;

  constructor(detail?: string, causes: string[] = []) {
    super(detail ?? '');
    this.detail = detail;
    this.causes = causes.map((errorSummary) => ({ errorSummary }));
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }

  /** Status override for the rare code Okta serves under more than one status. */
  get httpStatus(): number {
    return this.status;
  }

  get summary(): string {
    return ERROR_CATALOG[this.code].summary.replace('{0}', this.detail ?? '');
  }

  override get message(): string {
    return `${this.code} ${this.summary}`;
  }
}

/**
 * E0000001. `causes` are `"field: message"` strings; the summary names the fields, as Okta's
 * `Api validation failed: login` does.
 */
export class ApiValidationError extends OktaError {
  readonly code = 'E0000001';
  constructor(causes: string[], fields?: string) {
    super(fields ?? causes.map((c) => c.split(':', 1)[0]).join(', '), causes);
  }
}

/** A request body over the configured size. Okta has no code of its own for it (see docs/http-contract.md). */
export class RequestBodyTooLargeError extends OktaError {
  readonly code = 'E0000001';
  constructor(limitBytes: number) {
    super('request body', [`request body: must not exceed ${limitBytes} bytes`]);
  }
  override get httpStatus(): number {
    return 413;
  }
}

export class MalformedBodyError extends OktaError {
  readonly code = 'E0000003';
}

export class InvalidSessionError extends OktaError {
  readonly code = 'E0000005';
}

export class PermissionDeniedError extends OktaError {
  readonly code = 'E0000006';
}

export class ResourceNotFoundError extends OktaError {
  readonly code = 'E0000007';
  /** Okta's live form: `Not found: Resource not found: <id> (<Type>)`. */
  constructor(id: string, type: string) {
    super(`Resource not found: ${id} (${type})`);
  }
}

export class PathNotFoundError extends OktaError {
  readonly code = 'E0000008';
}

export class InternalServerError extends OktaError {
  readonly code = 'E0000009';
}

export class InvalidTokenError extends OktaError {
  readonly code = 'E0000011';
}

export class MethodNotAllowedError extends OktaError {
  readonly code = 'E0000022';
}

export class InvalidPagingError extends OktaError {
  readonly code = 'E0000029';
}

/**
 * E0000111: a client tried to change a field Okta keeps read-only (a default rule's conditions,
 * for instance). `field` names it, as `conditions` in "Cannot modify the conditions object ...".
 */
export class ReadOnlyFieldError extends OktaError {
  readonly code = 'E0000111';
  constructor(field: string) {
    super(field, [`${field}: is read-only and cannot be changed`]);
  }
}

/**
 * E0000053, which Okta's System Log answers with its own text: `Invalid SCIM filter. …` for a
 * filter it cannot use, `Invalid parameter: …` for a parameter out of range. `causes` name the
 * parameter.
 */
export class InvalidFilterError extends OktaError {
  readonly code = 'E0000053';
  constructor(summary: string, causes: string[] = []) {
    super(summary, causes);
  }
}

/** E0000031: a filter Okta refuses as a search it will not run (`co` on request URLs). */
export class InvalidSearchCriteriaError extends OktaError {
  readonly code = 'E0000031';
  constructor(causes: string[] = []) {
    super(undefined, causes);
  }
}

export class RateLimitExceededError extends OktaError {
  readonly code = 'E0000047';
}

/**
 * The rate-limit backend (Redis) cannot be reached and the server is configured to fail closed.
 * Okta has no code of its own for it: E0000009 under 503, the status HTTP defines for a service
 * that cannot answer now (see docs/rate-limits.md).
 */
export class ServiceUnavailableError extends OktaError {
  readonly code = 'E0000009';
  override get httpStatus(): number {
    return 503;
  }
}

/**
 * E0000012. Okta's catalog lists it under 404; Tollgate answers 415, the status HTTP defines
 * for it (see docs/http-contract.md), keeping Okta's code for clients that branch on it.
 */
export class UnsupportedMediaTypeError extends OktaError {
  readonly code = 'E0000012';
  override get httpStatus(): number {
    return 415;
  }
}

/** E0000004: primary authentication failed (unknown user, wrong password, or a user who may not sign in). */
export class AuthenticationFailedError extends OktaError {
  readonly code = 'E0000004';
}

/** E0000014: a credentials change refused (the old password is wrong, for instance); causes name the field. */
export class CredentialsUpdateFailedError extends OktaError {
  readonly code = 'E0000014';
  constructor(causes: string[] = []) {
    super(undefined, causes);
  }
}

/** E0000016: activating a user who is already active. */
export class UserAlreadyActiveError extends OktaError {
  readonly code = 'E0000016';
}

/** E0000028: a required query parameter is missing; causes name it. */
export class MissingParameterError extends OktaError {
  readonly code = 'E0000028';
  constructor(causes: string[] = []) {
    super(undefined, causes);
  }
}

/** E0000032: unlocking a user who is not locked out. */
export class UnlockNotAllowedError extends OktaError {
  readonly code = 'E0000032';
}

/** E0000033: `q` (or `search`) combined with `filter`. */
export class SearchWithFilterError extends OktaError {
  readonly code = 'E0000033';
}

/** E0000038: a lifecycle operation the user's current status does not allow. */
export class UserStatusError extends OktaError {
  readonly code = 'E0000038';
}

/** E0000080: a password the user's password policy refuses; causes say which requirement failed. */
export class PasswordComplexityError extends OktaError {
  readonly code = 'E0000080';
  constructor(causes: string[]) {
    super(undefined, causes);
  }
}

/** E0000090: the role is already assigned to this user or group. */
export class RoleAlreadyAssignedError extends OktaError {
  readonly code = 'E0000090';
}

/** E0000091: a target kind the role type does not take (group targets on APP_ADMIN, app targets on USER_ADMIN ...). */
export class RoleTypeMismatchError extends OktaError {
  readonly code = 'E0000091';
}

/** E0000211: admin roles are never granted to built-in groups such as Everyone; `{0}` names the group. */
export class BuiltInGroupRoleError extends OktaError {
  readonly code = 'E0000211';
  constructor(groupName: string) {
    super(groupName, [`groupId: ${groupName} is a built-in group`]);
  }
}

/** E0000060: an operation Okta does not support on this resource (adding a member to a built-in group). */
export class UnsupportedOperationError extends OktaError {
  readonly code = 'E0000060';
}

/** E0000046: unassigning a user from an app while a group assignment still grants it; the cause says so. */
export class AppUserUnassignForbiddenError extends OktaError {
  readonly code = 'E0000046';
  constructor(causes: string[]) {
    super(undefined, causes);
  }
}

/** E0000056: deleting an app that is still active (deactivate it first). */
export class AppDeleteForbiddenError extends OktaError {
  readonly code = 'E0000056';
  constructor(causes: string[]) {
    super(undefined, causes);
  }
}

/** E0000093: more group ids on a new user than Okta accepts (20). */
export class TargetCountLimitError extends OktaError {
  readonly code = 'E0000093';
  constructor() {
    super(undefined, ['The number of group targets is too large']);
  }
}

/** E0000124: `nextLogin=changePassword` on a new user without a password. */
export class ExpiredPasswordNeedsPasswordError extends OktaError {
  readonly code = 'E0000124';
  constructor() {
    super(undefined, ['Could not create user. To create a user and expire their password immediately, a password must be specified.']);
  }
}

/** E0000125: `nextLogin=changePassword` on a new user created with `activate=false`. */
export class ExpiredPasswordNeedsActivationError extends OktaError {
  readonly code = 'E0000125';
  constructor() {
    super(undefined, ['Could not create user. To create a user and expire their password immediately, `activate` must be true.']);
  }
}
