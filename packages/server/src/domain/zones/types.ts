import type { ZoneAddress } from './ip-match.ts';

export type ZoneStatus = 'ACTIVE' | 'INACTIVE';
export type ZoneUsage = 'POLICY' | 'BLOCKLIST';

/** An IP network zone. Tollgate stores IP zones only (see docs/groups-and-zones.md). */
export interface ZoneRecord {
  id: string;
  type: 'IP';
  name: string;
  status: ZoneStatus;
  usage: ZoneUsage;
  /** One of the org's default zones (LegacyIpZone, BlockedIpZone): never deleted, usage fixed. */
  system: boolean;
  /** null when the zone has none. */
  gateways: ZoneAddress[] | null;
  proxies: ZoneAddress[] | null;
  created: number;
  lastUpdated: number;
}
