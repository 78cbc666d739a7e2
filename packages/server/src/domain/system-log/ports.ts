import type { LogEvent } from './types.ts';

export interface SystemLogStore {
  appendLogEvent(event: LogEvent): Promise<void>;
  /** Events in publication order; the System Log API issue builds the full query surface. */
  listLogEvents(query: { limit: number }): Promise<LogEvent[]>;
}
