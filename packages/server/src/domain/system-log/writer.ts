import { isIP } from 'node:net';
import type { Clock } from '../shared/clock.ts';
import { isoDate } from '../shared/clock.ts';
import type { CallContext } from '../shared/context.ts';
import type { IdGenerator } from '../shared/ids.ts';
import type { SystemLogStore } from './ports.ts';
import type { LogActor, LogEvent, LogTarget } from './types.ts';

export interface EventSpec {
  eventType: string;
  displayMessage: string;
  legacyEventType?: string;
  severity?: LogEvent['severity'];
  outcome?: LogEvent['outcome'];
  target: LogTarget[];
  debugData?: Record<string, string>;
}

/** Actor of events caused by operator commands and the server itself. */
export const SYSTEM_ACTOR: LogActor = {
  id: 'system',
  type: 'SystemPrincipal',
  alternateId: 'system@tollgate',
  displayName: 'Tollgate System',
  detailEntry: null,
};

/**
 * Builds Okta `LogEvent`s from a call context and appends them. Recording an event never
 * fails the call it describes: a store failure is reported to `onError` (the server logs it
 * with the event's uuid) and swallowed.
 */
export class SystemLog {
  constructor(
    private readonly deps: {
      store: SystemLogStore;
      clock: Clock;
      ids: IdGenerator;
      onError: (error: unknown, event: LogEvent) => void;
    },
  ) {}

  build(ctx: CallContext, spec: EventSpec): LogEvent {
    const { principal } = ctx;
    const actor: LogActor =
      principal.userId === SYSTEM_ACTOR.id
        ? SYSTEM_ACTOR
        : { id: principal.userId, type: 'User', alternateId: principal.login, displayName: principal.displayName, detailEntry: null };
    const detail: Record<string, string> = {};
    if (principal.apiTokenId) detail.requestApiTokenId = principal.apiTokenId;
    const debugData: Record<string, string> = { requestId: ctx.requestId, ...spec.debugData };
    if (ctx.requestUri) {
      debugData.requestUri = ctx.requestUri.split('?')[0] ?? ctx.requestUri;
      debugData.url = ctx.requestUri;
    }
    return {
      uuid: this.deps.ids.uuid(),
      published: isoDate(this.deps.clock.now()),
      eventType: spec.eventType,
      version: '0',
      severity: spec.severity ?? 'INFO',
      legacyEventType: spec.legacyEventType ?? null,
      displayMessage: spec.displayMessage,
      actor,
      client: {
        userAgent: ctx.userAgent === null ? null : { rawUserAgent: ctx.userAgent, os: 'Unknown', browser: 'UNKNOWN' },
        zone: 'null',
        device: ctx.transactionType === 'WEB' ? 'Unknown' : null,
        id: null,
        ipAddress: ctx.ipAddress,
        geographicalContext: null,
      },
      outcome: spec.outcome ?? { result: 'SUCCESS', reason: null },
      target: spec.target,
      transaction: { type: ctx.transactionType, id: ctx.requestId, detail },
      debugContext: { debugData },
      authenticationContext: { authenticationStep: 0, externalSessionId: null },
      securityContext: { asNumber: null, asOrg: null, isp: null, domain: null, isProxy: null },
      request: {
        ipChain: ctx.ipChain.map((ip) => ({ ip, geographicalContext: null, version: isIP(ip) === 6 ? 'V6' : 'V4', source: null })),
      },
    };
  }

  /** Call after the change has committed, never inside a transaction (a failed insert would poison it). */
  async record(ctx: CallContext, spec: EventSpec): Promise<void> {
    const event = this.build(ctx, spec);
    try {
      await this.deps.store.appendLogEvent(event);
    } catch (error) {
      this.deps.onError(error, event);
    }
  }
}
