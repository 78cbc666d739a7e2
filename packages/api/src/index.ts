export { ERROR_CATALOG } from './errors.ts';
export type { ErrorCode, ErrorCause, OktaErrorBody } from './errors.ts';
export type {
  ApiTokenResource,
  HrefObject,
  PerClientRateLimitMode,
  PerClientRateLimitSettingsResource,
  PrincipalRateLimitResource,
  RateLimitAdminNotificationsResource,
  RateLimitWarningThresholdResource,
} from './resources.ts';
