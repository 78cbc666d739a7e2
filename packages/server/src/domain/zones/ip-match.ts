import { isIP } from 'node:net';

/** One entry of an IP zone's `gateways` or `proxies`, as on the wire. */
export interface ZoneAddress {
  type: 'CIDR' | 'RANGE';
  value: string;
}

/**
 * An inclusive address range of one family. IPv4 bounds are 32-bit integers kept as numbers;
 * IPv6 bounds are 128-bit BigInts.
 */
export type AddressRange = { family: 4; first: number; last: number } | { family: 6; first: bigint; last: bigint };

/** Why an address entry was refused, in words that complete `gateways.0.value: ...`. */
export class AddressSyntaxError extends Error {}

const IPV4_MAPPED_PREFIX = 0xffffn << 32n;
const IPV4_MAPPED_MASK = ~0xffffffffn & ((1n << 128n) - 1n);

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) carries, as a number; undefined for any other IPv6 address. */
export function mappedIpv4(value: bigint): number | undefined {
  return (value & IPV4_MAPPED_MASK) === IPV4_MAPPED_PREFIX ? Number(value & 0xffffffffn) : undefined;
}

/** An IP address as a number: IPv4 as a 32-bit integer, IPv6 as a 128-bit BigInt; undefined when it is neither. */
export function parseIp(text: string): { family: 4; value: number } | { family: 6; value: bigint } | undefined {
  const family = isIP(text);
  if (family === 4) return { family: 4, value: ipv4ToNumber(text) };
  if (family === 6) {
    // Zone ids (`fe80::1%eth0`) name an interface, not an address: Okta's zones have no use for them.
    if (text.includes('%')) return undefined;
    return { family: 6, value: ipv6ToBigInt(text) };
  }
  return undefined;
}

function ipv4ToNumber(text: string): number {
  const parts = text.split('.').map(Number);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** `text` has passed `isIP(text) === 6`. A trailing dotted quad (`::ffff:1.2.3.4`) is the last two groups. */
function ipv6ToBigInt(text: string): bigint {
  let body = text;
  const embedded: number[] = [];
  const lastColon = body.lastIndexOf(':');
  const lastPart = body.slice(lastColon + 1);
  if (lastPart.includes('.')) {
    const v4 = ipv4ToNumber(lastPart);
    embedded.push(v4 >>> 16, v4 & 0xffff);
    body = body.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const hex = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const gap = body.indexOf('::');
  let groups: number[];
  if (gap < 0) groups = [...hex(body), ...embedded];
  else {
    const head = hex(body.slice(0, gap));
    const tail = [...hex(body.slice(gap + 2)), ...embedded];
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}

/**
 * Parses one zone entry strictly. CIDR: `address/prefix` with a prefix of 0-32 (IPv4) or 0-128
 * (IPv6); host bits may be set, as in Okta's own examples (`1.2.3.4/24` is 1.2.3.0-1.2.3.255).
 * RANGE: `first-last` of one family with first <= last, or a single address.
 */
export function parseZoneAddress(address: ZoneAddress): AddressRange {
  const value = address.value.trim();
  if (value !== address.value || value === '') throw new AddressSyntaxError('must be an IP address, range or CIDR without spaces');
  if (address.type === 'CIDR') return parseCidr(value);
  return parseRange(value);
}

function parseCidr(value: string): AddressRange {
  const slash = value.indexOf('/');
  if (slash < 0) throw new AddressSyntaxError(`${value} is not in CIDR form (address/prefix, such as 10.0.0.0/8)`);
  const ip = parseIp(value.slice(0, slash));
  const prefixText = value.slice(slash + 1);
  if (!ip) throw new AddressSyntaxError(`${value} does not start with a valid IPv4 or IPv6 address`);
  const bits = ip.family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    throw new AddressSyntaxError(`${value} has an invalid prefix length; it must be 0 to ${bits}`);
  }
  const prefix = Number(prefixText);
  if (ip.family === 4) {
    const size = 2 ** (32 - prefix);
    const first = Math.floor(ip.value / size) * size;
    return { family: 4, first, last: first + size - 1 };
  }
  const hostBits = BigInt(128 - prefix);
  const first = (ip.value >> hostBits) << hostBits;
  return { family: 6, first, last: first + (1n << hostBits) - 1n };
}

function parseRange(value: string): AddressRange {
  const parts = value.split('-');
  if (parts.length > 2) throw new AddressSyntaxError(`${value} is not a range (first-last, such as 10.0.0.1-10.0.0.20)`);
  const first = parseIp(parts[0]!);
  const last = parts.length === 2 ? parseIp(parts[1]!) : first;
  if (!first || !last) throw new AddressSyntaxError(`${value} is not a range of valid IPv4 or IPv6 addresses (first-last, such as 10.0.0.1-10.0.0.20)`);
  if (first.family !== last.family) throw new AddressSyntaxError(`${value} mixes IPv4 and IPv6 addresses`);
  if (first.value > last.value) throw new AddressSyntaxError(`${value} ends before it starts`);
  return first.family === 4 ? { family: 4, first: first.value, last: last.value as number } : { family: 6, first: first.value, last: last.value as bigint };
}

/**
 * A set of addresses compiled once for lookups: each family's ranges sorted and merged, so a
 * lookup is a binary search. Parse failures throw; entries are expected to have been validated
 * when they were stored.
 */
export class AddressSet {
  private constructor(
    private readonly v4: readonly { first: number; last: number }[],
    private readonly v6: readonly { first: bigint; last: bigint }[],
  ) {}

  static of(addresses: readonly ZoneAddress[] | null | undefined): AddressSet {
    const v4: { first: number; last: number }[] = [];
    const v6: { first: bigint; last: bigint }[] = [];
    for (const address of addresses ?? []) {
      const range = parseZoneAddress(address);
      if (range.family === 4) v4.push({ first: range.first, last: range.last });
      else v6.push({ first: range.first, last: range.last });
    }
    return new AddressSet(merge(v4, 1), merge(v6, 1n));
  }

  get empty(): boolean {
    return this.v4.length === 0 && this.v6.length === 0;
  }

  /**
   * Whether `ip` (text) falls in the set. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) also
   * matches the IPv4 ranges, since it is how a dual-stack socket reports an IPv4 client. Text
   * that is not an IP address matches nothing.
   */
  contains(ip: string): boolean {
    const parsed = parseIp(ip);
    if (!parsed) return false;
    if (parsed.family === 4) return search(this.v4, parsed.value);
    const v4 = mappedIpv4(parsed.value);
    if (v4 !== undefined && search(this.v4, v4)) return true;
    return search(this.v6, parsed.value);
  }
}

function merge<T extends number | bigint>(ranges: { first: T; last: T }[], one: T): { first: T; last: T }[] {
  ranges.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: { first: T; last: T }[] = [];
  for (const range of ranges) {
    const previous = out[out.length - 1];
    // Adjacent ranges merge too: (last + 1) === first.
    if (previous && (previous.last as bigint) + (one as bigint) >= (range.first as bigint)) {
      if (range.last > previous.last) previous.last = range.last;
    } else out.push({ ...range });
  }
  return out;
}

function search<T extends number | bigint>(ranges: readonly { first: T; last: T }[], value: T): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const range = ranges[middle]!;
    if (value < range.first) high = middle - 1;
    else if (value > range.last) low = middle + 1;
    else return true;
  }
  return false;
}

/** An IP zone compiled for the policy engine: gateways decide membership, proxies are trusted hops. */
export interface CompiledZone {
  /** Whether the client address is one of the zone's gateways (what policy `network` conditions test). */
  contains(ip: string): boolean;
  /** Whether an address is one of the zone's trusted proxies. */
  containsProxy(ip: string): boolean;
}

/** Parses a zone's lists once; the returned functions do no parsing of the zone. */
export function compileZone(zone: { gateways: readonly ZoneAddress[] | null; proxies: readonly ZoneAddress[] | null }): CompiledZone {
  const gateways = AddressSet.of(zone.gateways);
  const proxies = AddressSet.of(zone.proxies);
  return { contains: (ip) => gateways.contains(ip), containsProxy: (ip) => proxies.contains(ip) };
}
