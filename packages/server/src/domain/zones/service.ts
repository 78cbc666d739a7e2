import { ApiValidationError, ReadOnlyFieldError, ResourceNotFoundError } from '../../errors/catalog.ts';
import { demand } from '../authz/permissions.ts';
import { detachFromPolicies } from '../groups/policy-references.ts';
import type { Clock } from '../shared/clock.ts';
import type { CallContext } from '../shared/context.ts';
import type { IdGenerator } from '../shared/ids.ts';
import type { DirectoryServiceDeps } from '../shared/service-deps.ts';
import type { StorePorts } from '../store.ts';
import type { EventSpec } from '../system-log/writer.ts';
import type { ZonePredicate } from './filter.ts';
import { AddressSyntaxError, parseZoneAddress } from './ip-match.ts';
import type { ZoneAddress } from './ip-match.ts';
import type { ZoneRecord, ZoneStatus, ZoneUsage } from './types.ts';

/** A zone as a client sends it (create or full replace); read-only fields echoed back are ignored or checked. */
export interface ZoneInput {
  type: string;
  name: string;
  status?: ZoneStatus | null;
  usage?: ZoneUsage | null;
  system?: boolean | null;
  gateways?: { type: 'CIDR' | 'RANGE'; value: string }[] | null;
  proxies?: { type: 'CIDR' | 'RANGE'; value: string }[] | null;
}

/** The `directory_generations` row every zone write bumps. */
export const ZONES_GENERATION = 'zones';

/** The org's default zones, seeded at bootstrap, as in a new Okta org. */
export const LEGACY_IP_ZONE = 'LegacyIpZone';
export const BLOCKED_IP_ZONE = 'BlockedIpZone';

/**
 * Okta's entry limits: 150 gateways or proxies in an admin-created zone, 1000 gateways in a
 * blocklist zone, 5000 in a system zone.
 */
const LIMITS = { custom: 150, blocklistGateways: 1000, system: 5000 };

/**
 * Network zones. Tollgate stores IP zones; DYNAMIC and DYNAMIC_V2 zones (locations, ASNs, proxy
 * types) are refused with 400, since it has no geolocation or ASN data to evaluate them with.
 * System zones can be renamed and their addresses changed, activated and deactivated, but not
 * deleted, and their usage is fixed. A zone is deleted only when INACTIVE.
 */
export class ZoneService {
  constructor(private readonly deps: DirectoryServiceDeps) {}

  async list(ctx: CallContext, filter?: ZonePredicate): Promise<ZoneRecord[]> {
    demand(ctx.principal, 'okta.networkZones.read');
    const zones = await this.deps.store.listZones();
    return filter ? zones.filter(filter) : zones;
  }

  async get(ctx: CallContext, id: string): Promise<ZoneRecord> {
    demand(ctx.principal, 'okta.networkZones.read');
    return findZone(this.deps.store, id);
  }

  async create(ctx: CallContext, input: ZoneInput): Promise<ZoneRecord> {
    demand(ctx.principal, 'okta.networkZones.manage');
    checkType(input.type);
    if (input.system === true) throw new ReadOnlyFieldError('system');
    const content = parseContent(input, { system: false });
    const now = this.deps.clock.now();
    const zone: ZoneRecord = {
      id: this.deps.ids.objectId('zone'),
      type: 'IP',
      ...content,
      status: input.status ?? 'ACTIVE',
      system: false,
      created: now,
      lastUpdated: now,
    };
    await this.deps.store.transaction(async (tx) => {
      await tx.insertZone(zone);
      await tx.bumpDirectoryGeneration(ZONES_GENERATION);
    });
    await this.deps.log.record(ctx, zoneEvent('zone.create', 'Create network zone', zone));
    return zone;
  }

  /**
   * Replaces name, usage, gateways and proxies. `status` is changed through the lifecycle
   * operations only, so an echoed status is ignored; the type cannot change.
   */
  async replace(ctx: CallContext, id: string, input: ZoneInput): Promise<ZoneRecord> {
    demand(ctx.principal, 'okta.networkZones.manage');
    const { zone, changed } = await this.deps.store.transaction(async (tx) => {
      const stored = await findZone(tx, id);
      if (input.type !== stored.type) throw new ApiValidationError([`type: The type of a network zone cannot be changed from ${stored.type}`]);
      if (input.system !== undefined && input.system !== null && input.system !== stored.system) throw new ReadOnlyFieldError('system');
      const content = parseContent(input, { system: stored.system, usage: stored.usage });
      const next: ZoneRecord = { ...stored, ...content };
      if (sameZone(stored, next)) return { zone: stored, changed: false };
      next.lastUpdated = this.deps.clock.now();
      await tx.updateZone(next);
      await tx.bumpDirectoryGeneration(ZONES_GENERATION);
      return { zone: next, changed: true };
    });
    if (changed) await this.deps.log.record(ctx, zoneEvent('zone.update', 'Update network zone', zone));
    return zone;
  }

  activate(ctx: CallContext, id: string): Promise<ZoneRecord> {
    return this.setStatus(ctx, id, 'ACTIVE');
  }

  deactivate(ctx: CallContext, id: string): Promise<ZoneRecord> {
    return this.setStatus(ctx, id, 'INACTIVE');
  }

  /**
   * Deletes an inactive, non-system zone and takes it out of the policies and rules that name
   * it (refused when it is the only zone of one of them; see groups/policy-references.ts).
   */
  async delete(ctx: CallContext, id: string): Promise<void> {
    demand(ctx.principal, 'okta.networkZones.manage');
    const { zone, detached } = await this.deps.store.transaction(async (tx) => {
      const zone = await findZone(tx, id);
      if (zone.system) {
        throw new ApiValidationError([`id: The zone: ${zone.id} is a system zone. System zones cannot be deleted.`], `The zone: ${zone.name} is a system zone. System zones cannot be deleted.`);
      }
      if (zone.status === 'ACTIVE') {
        throw new ApiValidationError([`id: The zone: ${zone.id} is an active zone. Active zones cannot be deleted.`], `The zone: ${zone.name} is an active zone. Active zones cannot be deleted.`);
      }
      // Delete first, then detach (see GroupService.delete): the policies a concurrent writer
      // checked this zone for are committed before they are scanned.
      await tx.deleteZone(id);
      const detached = await detachFromPolicies(tx, { kind: 'zone', id, name: zone.name }, this.deps.clock.now());
      await tx.bumpDirectoryGeneration(ZONES_GENERATION);
      return { zone, detached };
    });
    const debugData: Record<string, string> = {};
    if (detached.policies.length > 0) debugData.policiesChanged = detached.policies.map((p) => p.id).join(',');
    if (detached.rules.length > 0) debugData.policyRulesChanged = detached.rules.map((r) => r.rule.id).join(',');
    await this.deps.log.record(ctx, { ...zoneEvent('zone.delete', 'Delete network zone', zone), debugData });
  }

  private async setStatus(ctx: CallContext, id: string, status: ZoneStatus): Promise<ZoneRecord> {
    demand(ctx.principal, 'okta.networkZones.manage');
    const { zone, changed } = await this.deps.store.transaction(async (tx) => {
      const stored = await findZone(tx, id);
      if (stored.status === status) return { zone: stored, changed: false };
      const zone: ZoneRecord = { ...stored, status, lastUpdated: this.deps.clock.now() };
      await tx.updateZone(zone);
      await tx.bumpDirectoryGeneration(ZONES_GENERATION);
      return { zone, changed: true };
    });
    if (changed) {
      const [eventType, message] = status === 'ACTIVE' ? ['zone.activate', 'Activate network zone'] : ['zone.deactivate', 'Deactivate network zone'];
      await this.deps.log.record(ctx, zoneEvent(eventType, message, zone));
    }
    return zone;
  }
}

/** Seeds LegacyIpZone (POLICY) and BlockedIpZone (BLOCKLIST), system, active and empty (a bootstrap step). */
export async function seedSystemZones(tx: StorePorts, deps: { clock: Clock; ids: IdGenerator }): Promise<ZoneRecord[]> {
  const zones: ZoneRecord[] = [];
  for (const [name, usage] of [
    [LEGACY_IP_ZONE, 'POLICY'],
    [BLOCKED_IP_ZONE, 'BLOCKLIST'],
  ] as const) {
    const now = deps.clock.now();
    const zone: ZoneRecord = {
      id: deps.ids.objectId('zone'),
      type: 'IP',
      name,
      status: 'ACTIVE',
      usage,
      system: true,
      gateways: null,
      proxies: null,
      created: now,
      lastUpdated: now,
    };
    await tx.insertZone(zone);
    zones.push(zone);
  }
  await tx.bumpDirectoryGeneration(ZONES_GENERATION);
  return zones;
}

async function findZone(store: StorePorts, id: string): Promise<ZoneRecord> {
  const zone = await store.getZone(id);
  if (!zone) throw new ResourceNotFoundError(id, 'NetworkZone');
  return zone;
}

function checkType(type: string): void {
  if (type === 'IP') return;
  if (type === 'DYNAMIC' || type === 'DYNAMIC_V2') {
    throw new ApiValidationError([`type: ${type} network zones are not supported by Tollgate; create an IP zone (type IP) with gateways and proxies`]);
  }
  throw new ApiValidationError(['type: must be one of IP, DYNAMIC, DYNAMIC_V2']);
}

/**
 * Validates what a client may set, reporting every problem at once. `usage` defaults to POLICY on
 * create and to the stored usage on replace; a system zone's usage cannot change. A custom zone
 * needs at least one gateway or proxy.
 */
function parseContent(input: ZoneInput, current: { system: boolean; usage?: ZoneUsage }): Pick<ZoneRecord, 'name' | 'usage' | 'gateways' | 'proxies'> {
  const causes: string[] = [];
  if (input.name.trim() === '') causes.push('name: The field cannot be left blank');
  const usage = input.usage ?? current.usage ?? 'POLICY';
  if (current.system && current.usage !== undefined && usage !== current.usage) causes.push(`usage: The usage of a system zone cannot be changed from ${current.usage}`);
  const gateways = addresses('gateways', input.gateways, current.system ? LIMITS.system : usage === 'BLOCKLIST' ? LIMITS.blocklistGateways : LIMITS.custom, causes);
  const proxies = addresses('proxies', input.proxies, current.system ? LIMITS.system : LIMITS.custom, causes);
  if (!current.system && gateways === null && proxies === null) causes.push('gateways: An IP zone must have at least one gateway or proxy');
  if (causes.length > 0) throw new ApiValidationError(causes);
  return { name: input.name, usage, gateways, proxies };
}

function addresses(field: string, list: ZoneInput['gateways'], limit: number, causes: string[]): ZoneAddress[] | null {
  if (list === undefined || list === null || list.length === 0) return null;
  if (list.length > limit) causes.push(`${field}: A zone can have at most ${limit} ${field} entries`);
  list.forEach((entry, i) => {
    try {
      parseZoneAddress(entry);
    } catch (error) {
      if (!(error instanceof AddressSyntaxError)) throw error;
      causes.push(`${field}.${i}.value: ${error.message}`);
    }
  });
  return list.map((entry) => ({ type: entry.type, value: entry.value }));
}

function sameZone(a: ZoneRecord, b: ZoneRecord): boolean {
  return a.name === b.name && a.usage === b.usage && JSON.stringify(a.gateways) === JSON.stringify(b.gateways) && JSON.stringify(a.proxies) === JSON.stringify(b.proxies);
}

function zoneEvent(eventType: string, displayMessage: string, zone: ZoneRecord): EventSpec {
  return { eventType, displayMessage, target: [{ id: zone.id, type: 'NetworkZone', alternateId: 'unknown', displayName: zone.name }] };
}
