/**
 * Okta's error catalog as data: the wire contract shared by the server (which renders it)
 * and the SDK (which reads it). Status codes and summaries follow Okta's published
 * error-code catalog (see shared/okta/wire-facts.md §c). `{0}` is filled by the server.
 */
export const ERROR_CATALOG = {
  E0000001: { status: 400, summary: 'Api validation failed: {0}' },
  E0000003: { status: 400, summary: 'The request body was not well-formed.' },
  E0000004: { status: 401, summary: 'Authentication failed' },
  E0000005: { status: 403, summary: 'Invalid session' },
  E0000006: { status: 403, summary: 'You do not have permission to perform the requested action' },
  E0000007: { status: 404, summary: 'Not found: {0}' },
  E0000008: { status: 404, summary: 'The requested path was not found' },
  E0000009: { status: 500, summary: 'Internal Server Error' },
  E0000011: { status: 401, summary: 'Invalid token provided' },
  E0000012: { status: 404, summary: 'Unsupported media type' },
  E0000014: { status: 403, summary: 'Update of credentials failed' },
  E0000016: { status: 403, summary: 'Activation failed because the user is already active' },
  E0000022: { status: 405, summary: 'The endpoint does not support the provided HTTP method' },
  E0000028: { status: 400, summary: 'The request is missing a required parameter.' },
  E0000029: { status: 400, summary: 'Invalid paging request.' },
  E0000031: { status: 400, summary: 'Invalid search criteria.' },
  E0000032: { status: 403, summary: 'Unlock is not allowed for this user.' },
  E0000033: { status: 400, summary: "Bad request. Can't specify a search query and filter in the same request." },
  E0000038: { status: 403, summary: "This operation is not allowed in the user's current status." },
  E0000046: { status: 403, summary: 'Deactivate application for user forbidden.' },
  E0000047: { status: 429, summary: 'API call exceeded rate limit due to too many requests.' },
  E0000053: { status: 400, summary: '{0}' },
  E0000056: { status: 403, summary: 'Delete application forbidden.' },
  E0000060: { status: 400, summary: 'Unsupported operation.' },
  E0000080: { status: 403, summary: 'The password does not meet the complexity requirements of the current password policy.' },
  E0000090: { status: 409, summary: 'The role specified is already assigned to the user.' },
  E0000093: { status: 400, summary: 'Target count limit exceeded' },
  E0000091: { status: 400, summary: 'The provided role type was not the same as required role type.' },
  E0000111: { status: 403, summary: 'Cannot modify the {0} object because it is read-only.' },
  E0000124: { status: 400, summary: 'Could not create user. To create a user and expire their password immediately, a password must be specified.' },
  E0000125: { status: 400, summary: 'Could not create user. To create a user and expire their password immediately, `activate` must be true.' },
  E0000211: { status: 400, summary: 'Roles cannot be granted to built-in groups: {0}' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** One entry of `errorCauses`: Okta sends only a summary, conventionally `"field: message"`. */
export interface ErrorCause {
  errorSummary: string;
}

/** The JSON body of every Okta management-API error. */
export interface OktaErrorBody {
  errorCode: ErrorCode;
  errorSummary: string;
  errorLink: ErrorCode;
  errorId: string;
  errorCauses: ErrorCause[];
}
