import type { OktaErrorBody } from '@tollgate/api';
import type { OktaError } from './catalog.ts';

/** Okta's management-API error envelope. `errorLink` equals `errorCode`, as Okta documents. */
export function renderOktaError(error: OktaError, errorId: string): OktaErrorBody {
  return {
    errorCode: error.code,
    errorSummary: error.summary,
    errorLink: error.code,
    errorId,
    errorCauses: error.causes,
  };
}
