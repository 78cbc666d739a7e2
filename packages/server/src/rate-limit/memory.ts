import { CONCURRENCY_EVENT_INTERVAL_MS, WINDOW_MS } from './limiter.ts';
import type { CounterState, Lease, LimitDecision, LimitQuery, RateLimiter, SlotState } from './limiter.ts';

interface Window {
  count: number;
  resetAt: number;
  overSeen: boolean;
  warned: boolean;
}

interface Slots {
  inFlight: number;
  /** When the last `firstOver` was reported; -Infinity before the first. */
  lastOverAt: number;
}

const NO_LEASE_ID = '';

/**
 * The in-process limiter: exact for one instance, synchronous, no I/O. State lives in two maps;
 * windows that have ended are swept once per window so client keys (IP + device) cannot grow
 * the maps without bound.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly slots = new Map<string, Slots>();
  private nextSweep = 0;

  decide(query: LimitQuery): LimitDecision {
    const { now } = query;
    if (now >= this.nextSweep) this.sweep(now);
    let admitted = true;

    const counters: CounterState[] = new Array(query.counters.length);
    const windows: Window[] = new Array(query.counters.length);
    for (let i = 0; i < query.counters.length; i++) {
      const check = query.counters[i]!;
      let window = this.windows.get(check.key);
      if (window === undefined || now >= window.resetAt) {
        window = { count: 0, resetAt: now + WINDOW_MS, overSeen: false, warned: false };
        this.windows.set(check.key, window);
      }
      windows[i] = window;
      const over = window.count >= check.limit;
      const firstOver = over && !window.overSeen;
      if (firstOver) window.overSeen = true;
      if (over && check.enforce) admitted = false;
      counters[i] = { count: window.count, resetAt: window.resetAt, over, firstOver, warned: false };
    }

    const slotStates: SlotState[] = new Array(query.slots.length);
    const slotEntries: Slots[] = new Array(query.slots.length);
    for (let i = 0; i < query.slots.length; i++) {
      const check = query.slots[i]!;
      let entry = this.slots.get(check.key);
      if (entry === undefined) {
        entry = { inFlight: 0, lastOverAt: -Infinity };
        this.slots.set(check.key, entry);
      }
      slotEntries[i] = entry;
      const over = entry.inFlight >= check.limit;
      const firstOver = over && now - entry.lastOverAt >= CONCURRENCY_EVENT_INTERVAL_MS;
      if (firstOver) entry.lastOverAt = now;
      if (over && check.enforce) admitted = false;
      slotStates[i] = { inFlight: entry.inFlight, over, firstOver };
    }

    if (!admitted) return { admitted, counters, slots: slotStates, lease: null };

    for (let i = 0; i < counters.length; i++) {
      const window = windows[i]!;
      const state = counters[i]!;
      state.count = ++window.count;
      const warnAt = query.counters[i]!.warnAt;
      if (warnAt > 0 && !window.warned && window.count >= warnAt) {
        window.warned = true;
        state.warned = true;
      }
    }
    if (query.slots.length === 0) return { admitted, counters, slots: slotStates, lease: null };
    const keys: string[] = new Array(query.slots.length);
    for (let i = 0; i < slotEntries.length; i++) {
      slotStates[i]!.inFlight = ++slotEntries[i]!.inFlight;
      keys[i] = query.slots[i]!.key;
    }
    return { admitted, counters, slots: slotStates, lease: { keys, id: NO_LEASE_ID } };
  }

  /** Slots in memory do not expire, so the time of release does not matter. */
  release(lease: Lease, _now?: number): void {
    for (const key of lease.keys) {
      const entry = this.slots.get(key);
      if (entry !== undefined && entry.inFlight > 0) entry.inFlight--;
    }
  }

  async close(): Promise<void> {
    this.windows.clear();
    this.slots.clear();
  }

  /** Drops ended windows and idle slot keys whose event throttle has lapsed. */
  private sweep(now: number): void {
    this.nextSweep = now + WINDOW_MS;
    for (const [key, window] of this.windows) if (now >= window.resetAt) this.windows.delete(key);
    for (const [key, entry] of this.slots) {
      if (entry.inFlight === 0 && now - entry.lastOverAt >= CONCURRENCY_EVENT_INTERVAL_MS) this.slots.delete(key);
    }
  }
}
