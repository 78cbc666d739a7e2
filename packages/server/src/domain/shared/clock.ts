/** Time is injected everywhere: production uses the system clock, tests a fake one. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(private ms: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

/** Okta's wire date format: `YYYY-MM-DDTHH:mm:ss.SSSZ`. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}
