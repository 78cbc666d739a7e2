import type { LogQuery, StoredLogEvent } from './query.ts';
import type { LogEvent } from './types.ts';

export interface SystemLogStore {
  /**
   * Stores one event. Appends are serialised so that `seq` order is commit order: a reader that
   * sees an event with `seq` N sees every stored event below N.
   */
  appendLogEvent(event: LogEvent): Promise<void>;
  /** One page of events for the query; `limit` rows at most. */
  queryLogEvents(query: LogQuery): Promise<StoredLogEvent[]>;
  /** The highest `seq` stored (0 when none); read before a polling page to move its cursor. */
  lastLogSeq(): Promise<number>;
  /** The first `limit` events in persistence order (tests and diagnostics). */
  listLogEvents(query: { limit: number }): Promise<LogEvent[]>;
  /** Deletes up to `batch` events published before `before`; returns how many went. */
  purgeLogEvents(before: number, batch: number): Promise<number>;
}
