import { ApiValidationError } from '../../errors/catalog.ts';
import { ALL_ZONES } from '../policies/kinds/conditions.ts';
import type { Clock } from '../shared/clock.ts';
import type { Store, StorePorts } from '../store.ts';
import { compileZone } from '../zones/ip-match.ts';
import { ZONES_GENERATION } from '../zones/service.ts';
import type { CompiledZone } from '../zones/ip-match.ts';
import type { ApiTokenNetwork } from './types.ts';

/** Most zones one token condition may list (Okta documents no limit). */
const MAX_ZONES = 100;

/**
 * How long compiled zones are used before the zones generation is read again: another instance's
 * zone change applies here within this time (this process's own apply at once). Only tokens restricted to zones pay for the check at all.
 */
export const TOKEN_ZONES_RECHECK_MS = 1000;

/**
 * Checks and normalizes an API token's network condition, as the Admin Console offers it:
 * `ANYWHERE`; or `ZONE` with either `include` (the request must come from one of these zones;
 * `ALL_ZONES` = any of the org's POLICY zones) or `exclude` (it must not; `ALL_ZONES` = none of
 * them). Zones must exist and be POLICY zones (a blocklist zone refuses traffic for the whole org
 * already). Problems name the field, as `network.include.1`.
 */
export async function checkTokenNetwork(store: StorePorts, network: ApiTokenNetwork): Promise<ApiTokenNetwork> {
  const include = network.include ?? [];
  const exclude = network.exclude ?? [];
  if (network.connection === 'ANYWHERE') {
    if (include.length > 0) throw new ApiValidationError(['network.include: zones can only be given with connection ZONE']);
    if (exclude.length > 0) throw new ApiValidationError(['network.exclude: zones can only be given with connection ZONE']);
    return { connection: 'ANYWHERE' };
  }
  if (include.length === 0 && exclude.length === 0) throw new ApiValidationError(['network.include: include or exclude is required when connection is ZONE']);
  if (include.length > 0 && exclude.length > 0) throw new ApiValidationError(['network.exclude: cannot be given together with include']);
  const [key, ids] = include.length > 0 ? (['include', include] as const) : (['exclude', exclude] as const);
  if (ids.length > MAX_ZONES) throw new ApiValidationError([`network.${key}: at most ${MAX_ZONES} zones`]);
  if (ids.length > 1 && ids.includes(ALL_ZONES)) throw new ApiValidationError([`network.${key}: ${ALL_ZONES} must be the only zone`]);
  const causes: string[] = [];
  const named = ids.filter((id) => id !== ALL_ZONES);
  const missing = new Set(await store.missingZoneIds(named));
  // One read for the usages (an org has at most a few hundred zones), not one per listed id.
  const usage = missing.size < named.length ? new Map((await store.listZones()).map((z) => [z.id, z.usage])) : new Map<string, string>();
  for (const [i, id] of ids.entries()) {
    if (id === ALL_ZONES) continue;
    if (missing.has(id)) {
      causes.push(`network.${key}.${i}: Network zone ${id} does not exist`);
      continue;
    }
    if (usage.get(id) !== 'POLICY') causes.push(`network.${key}.${i}: Network zone ${id} is a blocklist zone; only policy zones can restrict a token`);
  }
  if (causes.length > 0) throw new ApiValidationError(causes);
  return { connection: 'ZONE', [key]: [...new Set(ids)] };
}

interface ZoneMatchers {
  generation: number;
  checkedAt: number;
  /** Active POLICY zones by id; an inactive or deleted zone is absent and matches nothing. */
  zones: Map<string, CompiledZone>;
}

/**
 * Decides whether a request's IP may use a token restricted to zones. Compiled zones are kept
 * per zones generation, re-read at most once per `TOKEN_ZONES_RECHECK_MS`.
 */
export class TokenNetworkGuard {
  private matchers: ZoneMatchers | undefined;
  private loading: Promise<ZoneMatchers> | undefined;
  /** Zone changes this process announced; a load that saw one start under it is not kept. */
  private changes = 0;

  constructor(private readonly deps: { store: Store; clock: Clock }) {
    // Zone changes committed through this process apply to the next request at once.
    deps.store.onDirectoryChange((name) => {
      if (name !== ZONES_GENERATION) return;
      this.changes++;
      this.matchers = undefined;
      this.loading = undefined;
    });
  }

  async allows(network: ApiTokenNetwork, ip: string): Promise<boolean> {
    if (network.connection !== 'ZONE') return true;
    const { zones } = await this.current();
    const inZone = (ids: readonly string[]) =>
      ids.includes(ALL_ZONES) ? [...zones.values()].some((z) => z.contains(ip)) : ids.some((id) => zones.get(id)?.contains(ip) ?? false);
    if ((network.include?.length ?? 0) > 0) return inZone(network.include!);
    return !inZone(network.exclude ?? []);
  }

  private async current(): Promise<ZoneMatchers> {
    const now = this.deps.clock.now();
    const cached = this.matchers;
    if (cached && now >= cached.checkedAt && now - cached.checkedAt < TOKEN_ZONES_RECHECK_MS) return cached;
    this.loading ??= this.load(cached, now).finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(cached: ZoneMatchers | undefined, now: number): Promise<ZoneMatchers> {
    const changes = this.changes;
    const generation = await this.deps.store.directoryGeneration(ZONES_GENERATION);
    if (cached && cached.generation === generation) {
      cached.checkedAt = now;
      return cached;
    }
    const zones = new Map<string, CompiledZone>();
    for (const zone of await this.deps.store.listZones()) {
      if (zone.status === 'ACTIVE' && zone.usage === 'POLICY') zones.set(zone.id, compileZone(zone));
    }
    const loaded = { generation, checkedAt: now, zones };
    if (changes === this.changes) this.matchers = loaded;
    return loaded;
  }
}
