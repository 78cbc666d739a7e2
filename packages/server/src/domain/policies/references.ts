import { ApiValidationError } from '../../errors/catalog.ts';
import type { StorePorts } from '../store.ts';
import { ALL_ZONES } from './kinds/conditions.ts';
import type { Json, JsonObject } from './kinds/kind.ts';

interface Reference {
  field: string;
  id: string;
}

type Kind = 'users' | 'groups' | 'zones' | 'apps';

/**
 * The directory ids a policy or rule names: `people.users` and `people.groups` include/exclude,
 * the zones of `network.include/exclude` (the `ALL_ZONES` literal aside), the apps of
 * `app.include/exclude` items of type APP, and the groups a profile-enrollment rule puts new
 * users in.
 */
function collect(conditions: JsonObject | null, actions: JsonObject | null): Record<Kind, Reference[]> {
  const found: Record<Kind, Reference[]> = { users: [], groups: [], zones: [], apps: [] };
  const people = asObject(conditions?.people);
  for (const kind of ['users', 'groups'] as const) {
    const section = asObject(people?.[kind]);
    for (const list of ['include', 'exclude'] as const) {
      asStrings(section?.[list]).forEach((id, i) => found[kind].push({ field: `conditions.people.${kind}.${list}.${i}`, id }));
    }
  }
  const network = asObject(conditions?.network);
  for (const list of ['include', 'exclude'] as const) {
    asStrings(network?.[list]).forEach((id, i) => {
      if (id !== ALL_ZONES) found.zones.push({ field: `conditions.network.${list}.${i}`, id });
    });
  }
  const app = asObject(conditions?.app);
  for (const list of ['include', 'exclude'] as const) {
    const items = app?.[list];
    if (!Array.isArray(items)) continue;
    items.forEach((item, i) => {
      const entry = asObject(item);
      if (entry?.type === 'APP' && typeof entry.id === 'string') found.apps.push({ field: `conditions.app.${list}.${i}.id`, id: entry.id });
    });
  }
  asStrings(asObject(actions?.profileEnrollment)?.targetGroupIds).forEach((id, i) =>
    found.groups.push({ field: `actions.profileEnrollment.targetGroupIds.${i}`, id }),
  );
  return found;
}

/** What the reference check reads: which of a list of ids name nothing. */
export type ReferenceLookup = Pick<StorePorts, 'missingUserIds' | 'missingGroupIds' | 'missingZoneIds' | 'missingAppIds'>;

const LOOKUPS: Record<Kind, { type: string; missing: (store: ReferenceLookup, ids: string[]) => Promise<string[]> }> = {
  users: { type: 'User', missing: (store, ids) => store.missingUserIds(ids) },
  groups: { type: 'Group', missing: (store, ids) => store.missingGroupIds(ids) },
  zones: { type: 'Network zone', missing: (store, ids) => store.missingZoneIds(ids) },
  apps: { type: 'App', missing: (store, ids) => store.missingAppIds(ids) },
};

/**
 * Checks that every user, group, network zone and app a policy or rule names exists, answering
 * E0000001 with one cause per unknown id. Deleting a group or zone later takes its id out of the
 * policies that name it (src/domain/groups/policy-references.ts); a deleted user or app stays in
 * stored conditions and matches nobody.
 */
export async function checkReferences(
  store: ReferenceLookup,
  content: { conditions: JsonObject | null; actions?: JsonObject | null },
): Promise<void> {
  const found = collect(content.conditions, content.actions ?? null);
  const causes: string[] = [];
  for (const kind of ['users', 'groups', 'zones', 'apps'] as const) {
    const refs = found[kind];
    if (refs.length === 0) continue;
    const { type, missing } = LOOKUPS[kind];
    const unknown = new Set(await missing(store, refs.map((r) => r.id)));
    for (const r of refs) if (unknown.has(r.id)) causes.push(`${r.field}: ${type} ${r.id} does not exist`);
  }
  if (causes.length > 0) throw new ApiValidationError(causes);
}

function asObject(value: Json | undefined): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

function asStrings(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
