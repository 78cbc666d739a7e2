/**
 * A System Log event as Okta's `LogEvent` schema defines it. Properties without a value are
 * omitted rather than null, as Okta documents for its API and as the schema (which declares
 * nothing nullable) requires.
 */
export interface LogEvent {
  uuid: string;
  published: string;
  eventType: string;
  version: '0';
  severity: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  legacyEventType?: string;
  displayMessage: string;
  actor: LogActor;
  client: {
    userAgent?: { rawUserAgent: string; os: string; browser: string };
    zone?: string;
    device?: string;
    id?: string;
    ipAddress?: string;
  };
  outcome: { result: 'SUCCESS' | 'FAILURE' | 'SKIPPED' | 'ALLOW' | 'DENY' | 'CHALLENGE' | 'UNKNOWN' | 'RATE_LIMIT'; reason?: string };
  target: LogTarget[];
  transaction: { type: 'WEB' | 'JOB'; id: string; detail: Record<string, string> };
  debugContext: { debugData: Record<string, string> };
  authenticationContext: { authenticationStep: number; externalSessionId?: string };
  securityContext: { asNumber?: number; asOrg?: string; isp?: string; domain?: string; isProxy?: boolean };
  request: { ipChain: { ip: string; version: 'V4' | 'V6'; source?: string }[] };
}

export interface LogActor {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
  detailEntry?: Record<string, string>;
}

export interface LogTarget {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
  detailEntry?: Record<string, string>;
}
