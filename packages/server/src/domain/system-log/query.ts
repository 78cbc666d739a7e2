/** A parsed, validated System Log `filter` (see filter.ts). Paths are LogEvent dotted paths. */
export type LogFilter =
  | { kind: 'and' | 'or'; items: LogFilter[] }
  | { kind: 'not'; item: LogFilter }
  | { kind: 'present'; path: string }
  | { kind: 'compare'; path: string; op: CompareOp; value: string | number | boolean | null };

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sw' | 'co' | 'ew';

/**
 * What the store is asked for. `order` is the persistence order (`seq`) in polling mode and
 * `published` (then `seq`) in bounded mode. Times are epoch milliseconds.
 */
export interface LogQuery {
  mode: 'polling' | 'bounded';
  sortOrder: 'ASCENDING' | 'DESCENDING';
  /** Inclusive lower bound on `published`; always set (retention, `since` or its default). */
  since: number;
  /** Exclusive upper bound on `published` (bounded mode). */
  until?: number;
  /** Keyset position: polling resumes after `seq`; bounded after (`published`, `seq`). */
  after?: { seq: number; published?: number };
  filter?: LogFilter;
  /** Lower-cased keywords that must all occur in some string value of the event. */
  keywords: string[];
  limit: number;
}

/** A stored event as the store returns it: its keys and its JSON text, ready to send. */
export interface StoredLogEvent {
  seq: number;
  published: number;
  json: string;
}
