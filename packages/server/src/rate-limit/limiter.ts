/**
 * The rate-limiter port: one decision per request over every counter and concurrency slot that
 * applies to it. Two adapters implement it: in-process (`memory.ts`, synchronous) and Redis
 * (`redis.ts`, one Lua script per decision). `test/rate-limiter-contract.test.ts` runs the same
 * contract on both.
 *
 * The contract:
 * - **Counters are fixed windows of `WINDOW_MS`**, each starting at the first request checked
 *   against its key (Okta: "not necessarily synchronized with wall clock minutes").
 * - **All or nothing.** A request is admitted when no *enforced* counter is at its limit and no
 *   *enforced* slot is full. An admitted request increments every counter and takes every slot,
 *   enforced or not; a refused one changes no count and takes no slot.
 * - **Unenforced checks** (PREVIEW mode) are decided and reported exactly like enforced ones but
 *   never refuse: their counts may pass their limits.
 * - **`firstOver`** is true for the first request in a counter's window that finds it over its
 *   limit, and for the first request in any `CONCURRENCY_EVENT_INTERVAL_MS` that finds a slot key
 *   full: the requests that log a violation or notification event. Exactly one request per
 *   window sees it, also across instances sharing Redis.
 * - **`warned`** is true for the one admitted request per window whose count reaches `warnAt`.
 * - Time comes from the query (`now`, the injected clock), never from the backend.
 */

/** Length of every counter window. */
export const WINDOW_MS = 60_000;
/** At most one concurrency violation event per slot key in this interval. */
export const CONCURRENCY_EVENT_INTERVAL_MS = 60_000;
/**
 * How long a concurrency slot lives without being released. Releases come when the response
 * ends; this only frees the slots of an instance that died holding them (Redis). A request
 * running longer stops being counted after this long.
 */
export const SLOT_LEASE_MS = 60_000;

export interface CounterCheck {
  /** The counter's key, unique per bucket and scope (org, principal, client). */
  readonly key: string;
  /** Requests admitted per window; 0 admits none. */
  readonly limit: number;
  /** False: counted and reported, never refuses. */
  readonly enforce: boolean;
  /** The count whose reaching triggers `warned`; 0 for no warning. */
  readonly warnAt: number;
}

export interface SlotCheck {
  /** The in-flight set's key (org traffic class, principal, client). */
  readonly key: string;
  /** Requests in flight at once; 0 admits none. */
  readonly limit: number;
  readonly enforce: boolean;
}

export interface LimitQuery {
  /** Milliseconds since the epoch, from the injected clock. */
  readonly now: number;
  readonly counters: readonly CounterCheck[];
  readonly slots: readonly SlotCheck[];
}

export interface CounterState {
  /** Requests counted in the window, including this one when admitted. */
  count: number;
  /** When the window ends (ms since the epoch). */
  resetAt: number;
  /** The counter was at its limit before this request. */
  over: boolean;
  /** This is the first request of the window to find the counter over its limit. */
  firstOver: boolean;
  /** This admitted request brought the count to `warnAt`. */
  warned: boolean;
}

export interface SlotState {
  /** Requests in flight on the key, including this one when admitted. */
  inFlight: number;
  /** The key was full before this request. */
  over: boolean;
  /** First request in `CONCURRENCY_EVENT_INTERVAL_MS` to find the key full. */
  firstOver: boolean;
}

/** The slots an admitted request holds, to hand back to `release` exactly once. */
export interface Lease {
  readonly keys: readonly string[];
  /** Identifies this request's slots in a shared backend; '' in memory. */
  readonly id: string;
}

export interface LimitDecision {
  admitted: boolean;
  /** One per query counter, same order. */
  counters: CounterState[];
  /** One per query slot, same order. */
  slots: SlotState[];
  /** Null when no slot was taken (refused, or no slots asked). */
  lease: Lease | null;
}

export interface RateLimiter {
  /** In memory this returns synchronously; Redis returns a promise. */
  decide(query: LimitQuery): LimitDecision | Promise<LimitDecision>;
  /** Gives back a lease's slots. Never throws; cheap; may complete asynchronously. */
  release(lease: Lease, now: number): void;
  close(): Promise<void>;
}

/** Thrown by a shared backend that cannot be reached; the HTTP layer applies the configured failure mode. */
export class LimiterUnavailableError extends Error {
  constructor(cause: unknown) {
    super('rate-limit backend unavailable', { cause });
    this.name = 'LimiterUnavailableError';
  }
}
