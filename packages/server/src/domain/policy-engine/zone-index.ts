import { mappedIpv4, parseIp, parseZoneAddress } from '../zones/ip-match.ts';
import type { ZoneRecord } from '../zones/types.ts';

/**
 * Every ACTIVE zone's gateways folded into one sorted list of disjoint address intervals per
 * family, each carrying the zones that contain it. Looking up a client IP is one parse and one
 * binary search, however many zones the policies name (matching each zone with its own
 * `compileZone(zone).contains(ip)` would parse the IP once per zone). Membership agrees with
 * `compileZone`: gateways only, inclusive ranges, an IPv4-mapped IPv6 address also matches the
 * IPv4 ranges, text that is not an IP matches nothing. Inactive zones contain nothing.
 */
export class ZoneIndex {
  /** Zone id → its slot; every zone of the source has one, active or not. */
  readonly slots: ReadonlyMap<string, number>;
  /** Per slot: whether the zone is ACTIVE. */
  readonly active: readonly boolean[];
  /**
   * Per slot: whether the zone is a POLICY zone. `ALL_ZONES` means every POLICY zone: BLOCKLIST
   * zones refuse traffic before any policy is evaluated (the Zones API), as API token network
   * conditions read it too. A blocklist zone named by id still matches by its gateways.
   */
  readonly policyUsage: readonly boolean[];
  private readonly v4: Intervals<number>;
  private readonly v6: Intervals<bigint>;

  constructor(zones: readonly ZoneRecord[]) {
    const slots = new Map<string, number>();
    const active: boolean[] = [];
    const policyUsage: boolean[] = [];
    const v4: Range<number>[] = [];
    const v6: Range<bigint>[] = [];
    for (const zone of zones) {
      if (slots.has(zone.id)) continue;
      const slot = active.length;
      slots.set(zone.id, slot);
      active.push(zone.status === 'ACTIVE');
      policyUsage.push(zone.usage === 'POLICY');
      if (zone.status !== 'ACTIVE') continue;
      for (const address of zone.gateways ?? []) {
        let range;
        try {
          range = parseZoneAddress(address);
        } catch {
          // Entries are validated when stored; one that no longer parses matches nothing.
          continue;
        }
        if (range.family === 4) v4.push({ first: range.first, last: range.last, slot });
        else v6.push({ first: range.first, last: range.last, slot });
      }
    }
    this.slots = slots;
    this.active = active;
    this.policyUsage = policyUsage;
    this.v4 = fold(v4, 1);
    this.v6 = fold(v6, 1n);
  }

  /**
   * Calls `mark(slot)` for every active zone whose gateways contain `ip`. Returns false when `ip`
   * is not an IP address (it is then in no zone).
   */
  lookup(ip: string, mark: (slot: number) => void): boolean {
    const parsed = parseIp(ip);
    if (!parsed) return false;
    if (parsed.family === 4) {
      markAll(find(this.v4, parsed.value), mark);
      return true;
    }
    const v4 = mappedIpv4(parsed.value);
    if (v4 !== undefined) markAll(find(this.v4, v4), mark);
    markAll(find(this.v6, parsed.value), mark);
    return true;
  }
}

interface Range<T> {
  first: T;
  last: T;
  slot: number;
}

/** Disjoint intervals sorted by start: interval i is [starts[i], ends[i]] and holds zones[i]. */
interface Intervals<T> {
  starts: T[];
  ends: T[];
  zones: (readonly number[])[];
}

const NO_ZONES: readonly number[] = Object.freeze([]);

function markAll(slots: readonly number[], mark: (slot: number) => void): void {
  for (let i = 0; i < slots.length; i++) mark(slots[i]!);
}

/** A sweep over every range's start and end: between two consecutive boundaries the set of covering zones is constant. */
function fold<T extends number | bigint>(ranges: Range<T>[], one: T): Intervals<T> {
  const events: { at: T; slot: number; delta: 1 | -1 }[] = [];
  for (const range of ranges) {
    events.push({ at: range.first, slot: range.slot, delta: 1 });
    events.push({ at: ((range.last as bigint) + (one as bigint)) as T, slot: range.slot, delta: -1 });
  }
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const out: Intervals<T> = { starts: [], ends: [], zones: [] };
  const counts = new Map<number, number>();
  let i = 0;
  while (i < events.length) {
    const at = events[i]!.at;
    while (i < events.length && events[i]!.at === at) {
      const { slot, delta } = events[i]!;
      const count = (counts.get(slot) ?? 0) + delta;
      if (count === 0) counts.delete(slot);
      else counts.set(slot, count);
      i++;
    }
    if (counts.size === 0 || i >= events.length) continue;
    const next = events[i]!.at;
    out.starts.push(at);
    out.ends.push(((next as bigint) - (one as bigint)) as T);
    out.zones.push([...counts.keys()].sort((a, b) => a - b));
  }
  return out;
}

function find<T extends number | bigint>(intervals: Intervals<T>, value: T): readonly number[] {
  const { starts, ends, zones } = intervals;
  let low = 0;
  let high = starts.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (value < starts[middle]!) high = middle - 1;
    else if (value > ends[middle]!) low = middle + 1;
    else return zones[middle]!;
  }
  return NO_ZONES;
}
