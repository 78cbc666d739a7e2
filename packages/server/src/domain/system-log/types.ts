/** A System Log event as Okta's `LogEvent` schema defines it. */
export interface LogEvent {
  uuid: string;
  published: string;
  eventType: string;
  version: '0';
  severity: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  legacyEventType: string | null;
  displayMessage: string;
  actor: LogActor;
  client: {
    userAgent: { rawUserAgent: string | null; os: string; browser: string } | null;
    zone: string | null;
    device: string | null;
    id: string | null;
    ipAddress: string | null;
    geographicalContext: null;
  };
  outcome: { result: 'SUCCESS' | 'FAILURE' | 'SKIPPED' | 'ALLOW' | 'DENY' | 'CHALLENGE' | 'UNKNOWN'; reason: string | null };
  target: LogTarget[];
  transaction: { type: 'WEB' | 'JOB'; id: string; detail: Record<string, string> };
  debugContext: { debugData: Record<string, string> };
  authenticationContext: { authenticationStep: number; externalSessionId: string | null };
  securityContext: { asNumber: null; asOrg: null; isp: null; domain: null; isProxy: null };
  request: { ipChain: { ip: string; geographicalContext: null; version: 'V4' | 'V6'; source: null }[] };
}

export interface LogActor {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
  detailEntry: null;
}

export interface LogTarget {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
  detailEntry: Record<string, string> | null;
}
