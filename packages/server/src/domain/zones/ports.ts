import type { ZoneRecord } from './types.ts';

/** Storage the zones service needs (implemented by src/storage/zone-ports.ts). */
export interface ZoneStore {
  /** A name already taken fails with a ConflictError naming `name`. */
  insertZone(zone: ZoneRecord): Promise<void>;
  /** Writes every field of the stored zone; a taken name fails as for insert. */
  updateZone(zone: ZoneRecord): Promise<void>;
  deleteZone(id: string): Promise<void>;
  getZone(id: string): Promise<ZoneRecord | undefined>;
  /** Every zone in (created, id) order: an org has at most a few hundred. */
  listZones(): Promise<ZoneRecord[]>;
  /** Those of `ids` that name no zone. */
  missingZoneIds(ids: readonly string[]): Promise<string[]>;
}
