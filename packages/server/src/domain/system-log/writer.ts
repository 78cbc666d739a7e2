import { isIP } from 'node:net';
import { ConflictError } from '../../errors/storage.ts';
import type { Clock } from '../shared/clock.ts';
import { isoDate } from '../shared/clock.ts';
import type { CallContext } from '../shared/context.ts';
import type { IdGenerator } from '../shared/ids.ts';
import type { SystemLogStore } from './ports.ts';
import type { LogActor, LogEvent, LogTarget } from './types.ts';
import { parseUserAgent } from './user-agent.ts';

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
};

/** What the writer reports to the server's own log; it never throws into the caller. */
export interface SystemLogSink {
  /** An event could not be stored (it is kept and retried, or dropped if the buffer is full). */
  writeFailed(error: unknown, event: LogEvent): void;
  /** Events dropped because the buffer was full while the store was unavailable. */
  dropped(count: number): void;
}

/** Events kept in memory while the store is unavailable. */
const DEFAULT_BUFFER_SIZE = 10_000;
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/**
 * Builds Okta `LogEvent`s from a call context and appends them. Recording an event never fails
 * the call it describes and never loses it silently: when the store refuses a write, the event
 * waits in a bounded in-memory buffer (in order) and is retried with backoff; if the buffer
 * overflows, the oldest events are dropped and their count is reported to the server log.
 * Record events after the change has committed, never inside a transaction (a failed insert
 * would poison it).
 */
export class SystemLog {
  private readonly pending: LogEvent[] = [];
  private readonly recording = new Set<Promise<void>>();
  private dropped = 0;
  private flushing: Promise<boolean> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = FIRST_RETRY_MS;

  constructor(
    private readonly deps: {
      store: SystemLogStore;
      clock: Clock;
      ids: IdGenerator;
      sink: SystemLogSink;
      bufferSize?: number;
    },
  ) {}

  build(ctx: CallContext, spec: EventSpec): LogEvent {
    const { principal } = ctx;
    const actor: LogActor =
      principal.userId === SYSTEM_ACTOR.id
        ? SYSTEM_ACTOR
        : { id: principal.userId, type: 'User', alternateId: principal.login, displayName: principal.displayName };
    const detail: Record<string, string> = {};
    if (principal.apiTokenId) detail.requestApiTokenId = principal.apiTokenId;
    const debugData: Record<string, string> = { requestId: ctx.requestId, ...spec.debugData };
    if (ctx.requestUri) {
      debugData.requestUri = ctx.requestUri.split('?')[0] ?? ctx.requestUri;
      debugData.url = ctx.requestUri;
    }
    // Okta omits null-valued properties (and its LogEvent schema declares none nullable).
    return withoutNulls({
      uuid: this.deps.ids.uuid(),
      published: isoDate(this.deps.clock.now()),
      eventType: spec.eventType,
      version: '0',
      severity: spec.severity ?? 'INFO',
      legacyEventType: spec.legacyEventType,
      displayMessage: spec.displayMessage,
      actor,
      client: {
        userAgent: ctx.userAgent === null ? undefined : parseUserAgent(ctx.userAgent),
        zone: 'null',
        device: ctx.transactionType === 'WEB' ? 'Unknown' : undefined,
        ipAddress: ctx.ipAddress,
      },
      outcome: spec.outcome ?? { result: 'SUCCESS' },
      target: spec.target,
      transaction: { type: ctx.transactionType, id: ctx.requestId, detail },
      debugContext: { debugData },
      authenticationContext: { authenticationStep: 0 },
      securityContext: {},
      request: { ipChain: ctx.ipChain.map((ip) => ({ ip, version: isIP(ip) === 6 ? 'V6' : 'V4' })) },
    }) as LogEvent;
  }

  async record(ctx: CallContext, spec: EventSpec): Promise<void> {
    const recording = this.storeOrBuffer(this.build(ctx, spec));
    this.recording.add(recording);
    try {
      await recording;
    } finally {
      this.recording.delete(recording);
    }
  }

  /** Resolves once every event recorded so far is stored or buffered (for callers that do not await `record`). */
  async settled(): Promise<void> {
    await Promise.all([...this.recording]);
  }

  private async storeOrBuffer(event: LogEvent): Promise<void> {
    // While older events wait, newer ones queue behind them to keep the order.
    if (this.pending.length === 0 && (await this.append(event))) return;
    this.enqueue(event);
  }

  /**
   * Writes buffered events, oldest first, until the buffer is empty (true) or the store refuses
   * one (false). Called by the retry timer; tests and shutdown call it directly.
   */
  flush(): Promise<boolean> {
    this.flushing ??= this.drain().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Stops retrying after one last flush. */
  async close(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.pending.length > 0) await this.flush();
    if (this.pending.length > 0) this.deps.sink.dropped(this.pending.splice(0).length);
  }

  /** Number of events waiting for the store. */
  get backlog(): number {
    return this.pending.length;
  }

  private async drain(): Promise<boolean> {
    while (this.pending.length > 0) {
      if (!(await this.append(this.pending[0]!, false))) return false;
      this.pending.shift();
    }
    if (this.dropped > 0) {
      this.deps.sink.dropped(this.dropped);
      this.dropped = 0;
    }
    this.retryDelay = FIRST_RETRY_MS;
    return true;
  }

  /** True when stored (a uuid conflict means an earlier attempt did store it). */
  private async append(event: LogEvent, report = true): Promise<boolean> {
    try {
      await this.deps.store.appendLogEvent(event);
      return true;
    } catch (error) {
      if (error instanceof ConflictError) return true;
      if (report) this.deps.sink.writeFailed(error, event);
      return false;
    }
  }

  private enqueue(event: LogEvent): void {
    if (this.pending.length >= (this.deps.bufferSize ?? DEFAULT_BUFFER_SIZE)) {
      this.pending.shift();
      this.dropped++;
    }
    this.pending.push(event);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush().then((empty) => {
        if (empty) return;
        this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_MS);
        this.scheduleRetry();
      });
    }, this.retryDelay);
    this.retryTimer.unref();
  }
}

/** A copy without null or undefined properties, at any depth (arrays keep their length). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && v !== undefined) out[key] = withoutNulls(v);
  }
  return out;
}
