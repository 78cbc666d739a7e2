import type { Selectable } from 'kysely';
import type { ZoneAddress } from '../domain/zones/ip-match.ts';
import type { ZoneStore } from '../domain/zones/ports.ts';
import type { ZoneRecord, ZoneStatus, ZoneUsage } from '../domain/zones/types.ts';
import { ConflictError } from '../errors/storage.ts';
import { GroupPorts } from './group-ports.ts';
import type { Database } from './tables.ts';

/** The network_zones table (migration 0005). Its one unique index besides the key is the name. */
export abstract class ZonePorts extends GroupPorts implements ZoneStore {
  insertZone(zone: ZoneRecord): Promise<void> {
    return this.nameGuard(async () => {
      await this.db.insertInto('network_zones').values(this.zoneRow(zone)).execute();
    });
  }

  updateZone(zone: ZoneRecord): Promise<void> {
    return this.nameGuard(async () => {
      const { id, ...row } = this.zoneRow(zone);
      await this.db.updateTable('network_zones').set(row).where('id', '=', id).execute();
    });
  }

  deleteZone(id: string): Promise<void> {
    return this.guard(async () => {
      await this.db.deleteFrom('network_zones').where('id', '=', id).execute();
    });
  }

  getZone(id: string): Promise<ZoneRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('network_zones').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toZone(row);
    });
  }

  listZones(): Promise<ZoneRecord[]> {
    return this.guard(async () => {
      const rows = await this.db.selectFrom('network_zones').selectAll().orderBy('created').orderBy('id').execute();
      return rows.map(toZone);
    });
  }

  missingZoneIds(ids: readonly string[]): Promise<string[]> {
    return this.missingIdsIn('network_zones', ids);
  }

  /** The only unique constraint a zone write can break (ids are random) is the name's. */
  private async nameGuard(work: () => Promise<void>): Promise<void> {
    try {
      await this.guard(work);
    } catch (error) {
      if (error instanceof ConflictError) throw new ConflictError('name');
      throw error;
    }
  }

  private zoneRow(zone: ZoneRecord) {
    return {
      id: zone.id,
      type: zone.type,
      name: zone.name,
      status: zone.status,
      usage: zone.usage,
      system: this.dialect === 'postgres' ? zone.system : zone.system ? 1 : 0,
      gateways: zone.gateways === null ? null : JSON.stringify(zone.gateways),
      proxies: zone.proxies === null ? null : JSON.stringify(zone.proxies),
      created: zone.created,
      last_updated: zone.lastUpdated,
    };
  }
}

function toZone(row: Selectable<Database['network_zones']>): ZoneRecord {
  return {
    id: row.id,
    type: 'IP',
    name: row.name,
    status: row.status as ZoneStatus,
    usage: row.usage as ZoneUsage,
    system: row.system === true || row.system === 1,
    gateways: row.gateways === null ? null : (JSON.parse(row.gateways) as ZoneAddress[]),
    proxies: row.proxies === null ? null : (JSON.parse(row.proxies) as ZoneAddress[]),
    created: row.created,
    lastUpdated: row.last_updated,
  };
}
