/**
 * Okta counts requests in flight separately for its agents (AD, LDAP, RADIUS, ...), for
 * Office 365 traffic, and for everything else (wire-facts §b5).
 */
export type TrafficClass = 'agent' | 'office365' | 'other';

/** Decides the traffic class of a request from configurable rules (docs/rate-limits.md). */
export class TrafficClassifier {
  private readonly agentPatterns: readonly string[];
  /** The last User-Agent seen and whether it is an agent's: clients repeat theirs on every request. */
  private lastUserAgent = '';
  private lastIsAgent = false;

  constructor(private readonly rules: { agentUserAgents: readonly string[]; office365Paths: readonly string[] }) {
    this.agentPatterns = rules.agentUserAgents.map((s) => s.toLowerCase());
  }

  /** Agent when the User-Agent contains an agent marker; Office 365 when the path starts with one of its prefixes. */
  classify(userAgent: string | undefined, path: string): TrafficClass {
    if (userAgent !== undefined && this.isAgent(userAgent)) return 'agent';
    for (const prefix of this.rules.office365Paths) if (path.startsWith(prefix)) return 'office365';
    return 'other';
  }

  private isAgent(userAgent: string): boolean {
    if (userAgent === this.lastUserAgent) return this.lastIsAgent;
    const ua = userAgent.toLowerCase();
    const agent = this.agentPatterns.some((pattern) => ua.includes(pattern));
    this.lastUserAgent = userAgent;
    this.lastIsAgent = agent;
    return agent;
  }
}

/** Where daily agent peaks are kept between restarts and shared between instances. */
export interface ConcurrencyPeakStore {
  recordConcurrencyPeak(trafficClass: string, day: string, peak: number): Promise<void>;
  concurrencyPeaks(trafficClass: string, sinceDay: string): Promise<{ day: string; peak: number }[]>;
}

/** How many days of agent peaks the adaptive limit looks back over (Okta: four weeks). */
export const ADAPTIVE_WINDOW_DAYS = 28;
/** The adaptive limit sits this far above the highest peak: a quarter again, rounded up. */
export const ADAPTIVE_MARGIN = 1.25;

export interface ConcurrencyLimits {
  limit(trafficClass: TrafficClass): number;
  /** Called with the in-flight count of each admitted request's traffic class. */
  observe(trafficClass: TrafficClass, inFlight: number, now: number): void;
}

/**
 * The concurrent limit of each traffic class. Fixed limits come from config (or the tier);
 * the agent limit may instead be adaptive: `max(floor, ceil(highest daily agent peak of the last
 * 28 days × 1.25))`, where the floor is the tier's default. Today's peak is tracked in process,
 * written to the store once a minute (an upsert that keeps the maximum, so instances never
 * lower each other's peaks), and the limit is recomputed from the store at each flush.
 */
export class OrgConcurrencyLimits implements ConcurrencyLimits {
  private agentLimit: number;
  private todayPeak = 0;
  private today = '';
  private flushedPeak = 0;

  constructor(
    private readonly options: {
      other: number;
      office365: number;
      /** A number, or adaptive with its floor. */
      agent: number | { adaptive: true; floor: number };
    },
  ) {
    this.agentLimit = typeof options.agent === 'number' ? options.agent : options.agent.floor;
  }

  get adaptive(): boolean {
    return typeof this.options.agent !== 'number';
  }

  limit(trafficClass: TrafficClass): number {
    if (trafficClass === 'other') return this.options.other;
    if (trafficClass === 'office365') return this.options.office365;
    return this.agentLimit;
  }

  observe(trafficClass: TrafficClass, inFlight: number, now: number): void {
    if (trafficClass !== 'agent' || !this.adaptive) return;
    const day = dayOf(now);
    if (day !== this.today) {
      this.today = day;
      this.todayPeak = 0;
      this.flushedPeak = 0;
    }
    if (inFlight > this.todayPeak) this.todayPeak = inFlight;
  }

  /** Writes today's peak if it grew, then recomputes the adaptive limit from the last 28 days. */
  async sync(store: ConcurrencyPeakStore, now: number): Promise<void> {
    if (typeof this.options.agent === 'number') return;
    const day = dayOf(now);
    if (this.today === day && this.todayPeak > this.flushedPeak) {
      const peak = this.todayPeak;
      await store.recordConcurrencyPeak('agent', day, peak);
      this.flushedPeak = peak;
    }
    const peaks = await store.concurrencyPeaks('agent', dayOf(now - (ADAPTIVE_WINDOW_DAYS - 1) * 86_400_000));
    const highest = peaks.reduce((max, p) => Math.max(max, p.peak), this.todayPeak);
    this.agentLimit = adaptiveLimit(highest, this.options.agent.floor);
  }
}

export function adaptiveLimit(highestPeak: number, floor: number): number {
  return Math.max(floor, Math.ceil(highestPeak * ADAPTIVE_MARGIN));
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
