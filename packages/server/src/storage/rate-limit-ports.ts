import type { Selectable } from 'kysely';
import type { ConcurrencyPeakStore, PrincipalRateLimitQuery, RateLimitSettingsStore } from '../domain/rate-limits/ports.ts';
import type { ConcurrencyPeak, PrincipalRateLimitRecord, PrincipalType, StoredRateLimitSettings } from '../domain/rate-limits/types.ts';
import { SystemLogPorts } from './system-log-ports.ts';
import type { Database } from './tables.ts';

/** The one row of `rate_limit_generations`. */
const GENERATION = 'settings';

const SETTING_NAMES: ReadonlySet<string> = new Set<keyof StoredRateLimitSettings>(['perClient', 'warningThreshold', 'notificationsEnabled']);

/**
 * Rate-limit settings, principal rate limits and concurrency peaks (migration 0004). Writers
 * bump the generation inside their transaction; the settings snapshot reloads when it moves.
 */
export abstract class RateLimitPorts extends SystemLogPorts implements RateLimitSettingsStore, ConcurrencyPeakStore {
  bumpRateLimitGeneration(): Promise<void> {
    return this.guard(async () => {
      await this.db
        .insertInto('rate_limit_generations')
        .values({ name: GENERATION, generation: 1 })
        .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ generation: eb('rate_limit_generations.generation', '+', 1) })))
        .execute();
    });
  }

  rateLimitGeneration(): Promise<number> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('rate_limit_generations').select('generation').where('name', '=', GENERATION).executeTakeFirst();
      return row ? Number(row.generation) : 0;
    });
  }

  readRateLimitSettings(): Promise<StoredRateLimitSettings> {
    return this.guard(async () => {
      const rows = await this.db.selectFrom('rate_limit_settings').select(['name', 'value']).execute();
      const settings: Record<string, unknown> = {};
      for (const row of rows) if (SETTING_NAMES.has(row.name)) settings[row.name] = JSON.parse(row.value);
      return settings as StoredRateLimitSettings;
    });
  }

  writeRateLimitSetting<K extends keyof StoredRateLimitSettings>(name: K, value: NonNullable<StoredRateLimitSettings[K]>, updated: number): Promise<void> {
    return this.guard(async () => {
      const json = JSON.stringify(value);
      await this.db
        .insertInto('rate_limit_settings')
        .values({ name, value: json, updated })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value: json, updated }))
        .execute();
    });
  }

  insertPrincipalRateLimit(record: PrincipalRateLimitRecord): Promise<void> {
    return this.guard(async () => {
      await this.db.insertInto('principal_rate_limits').values(principalRow(record)).execute();
    });
  }

  updatePrincipalRateLimit(record: PrincipalRateLimitRecord): Promise<void> {
    return this.guard(async () => {
      await this.db
        .updateTable('principal_rate_limits')
        .set({
          default_percentage: record.defaultPercentage,
          default_concurrency_percentage: record.defaultConcurrencyPercentage,
          last_update: record.lastUpdate,
          last_updated_by: record.lastUpdatedBy,
        })
        .where('id', '=', record.id)
        .execute();
    });
  }

  getPrincipalRateLimit(id: string): Promise<PrincipalRateLimitRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('principal_rate_limits').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toPrincipalRateLimit(row);
    });
  }

  findPrincipalRateLimitByPrincipal(principalId: string): Promise<PrincipalRateLimitRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('principal_rate_limits').selectAll().where('principal_id', '=', principalId).executeTakeFirst();
      return row && toPrincipalRateLimit(row);
    });
  }

  listPrincipalRateLimits(query: PrincipalRateLimitQuery): Promise<PrincipalRateLimitRecord[]> {
    return this.guard(async () => {
      let select = this.db.selectFrom('principal_rate_limits').selectAll().where('principal_type', '=', query.principalType);
      if (query.principalId !== undefined) select = select.where('principal_id', '=', query.principalId);
      const after = query.after;
      if (after) {
        select = select.where((eb) => eb.or([eb('created', '>', after.created), eb.and([eb('created', '=', after.created), eb('id', '>', after.id)])]));
      }
      const rows = await select.orderBy('created').orderBy('id').limit(query.limit).execute();
      return rows.map(toPrincipalRateLimit);
    });
  }

  allPrincipalRateLimits(): Promise<PrincipalRateLimitRecord[]> {
    return this.guard(async () => {
      const rows = await this.db.selectFrom('principal_rate_limits').selectAll().orderBy('created').orderBy('id').execute();
      return rows.map(toPrincipalRateLimit);
    });
  }

  recordConcurrencyPeak(trafficClass: string, day: string, peak: number): Promise<void> {
    return this.guard(async () => {
      // One statement: concurrent writers (any instance) can only raise the stored peak.
      await this.db
        .insertInto('concurrency_peaks')
        .values({ traffic_class: trafficClass, day, peak })
        .onConflict((oc) =>
          oc
            .columns(['traffic_class', 'day'])
            .doUpdateSet((eb) => ({ peak: eb.ref('excluded.peak') }))
            .where((eb) => eb('excluded.peak', '>', eb.ref('concurrency_peaks.peak'))),
        )
        .execute();
    });
  }

  concurrencyPeaks(trafficClass: string, sinceDay: string): Promise<ConcurrencyPeak[]> {
    return this.guard(async () => {
      const rows = await this.db
        .selectFrom('concurrency_peaks')
        .select(['day', 'peak'])
        .where('traffic_class', '=', trafficClass)
        .where('day', '>=', sinceDay)
        .orderBy('day')
        .execute();
      return rows.map((r) => ({ day: r.day, peak: Number(r.peak) }));
    });
  }
}

function principalRow(r: PrincipalRateLimitRecord) {
  return {
    id: r.id,
    principal_id: r.principalId,
    principal_type: r.principalType,
    default_percentage: r.defaultPercentage,
    default_concurrency_percentage: r.defaultConcurrencyPercentage,
    created: r.createdDate,
    created_by: r.createdBy,
    last_update: r.lastUpdate,
    last_updated_by: r.lastUpdatedBy,
  };
}

function toPrincipalRateLimit(row: Selectable<Database['principal_rate_limits']>): PrincipalRateLimitRecord {
  return {
    id: row.id,
    principalId: row.principal_id,
    principalType: row.principal_type as PrincipalType,
    defaultPercentage: Number(row.default_percentage),
    defaultConcurrencyPercentage: Number(row.default_concurrency_percentage),
    createdDate: row.created,
    createdBy: row.created_by,
    lastUpdate: row.last_update,
    lastUpdatedBy: row.last_updated_by,
  };
}
