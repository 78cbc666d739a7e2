import { ApiValidationError } from '../../errors/catalog.ts';
import type { DirectoryStore } from '../org/ports.ts';
import type { Json, JsonObject } from './kinds/kind.ts';

interface Reference {
  field: string;
  id: string;
}

/**
 * The directory ids a policy or rule names: `people.users` and `people.groups` include/exclude
 * in its conditions, and the groups a profile-enrollment rule puts new users in. Zone and app
 * ids are stored as given: Tollgate has no zones or apps yet to check them against.
 */
function collect(prefix: string, conditions: JsonObject | null, actions: JsonObject | null): { users: Reference[]; groups: Reference[] } {
  const users: Reference[] = [];
  const groups: Reference[] = [];
  const people = asObject(conditions?.people);
  for (const [kind, into] of [
    ['users', users],
    ['groups', groups],
  ] as const) {
    const section = asObject(people?.[kind]);
    for (const list of ['include', 'exclude'] as const) {
      asStrings(section?.[list]).forEach((id, i) => into.push({ field: `conditions.people.${kind}.${list}.${i}`, id }));
    }
  }
  asStrings(asObject(actions?.profileEnrollment)?.targetGroupIds).forEach((id, i) =>
    groups.push({ field: `actions.profileEnrollment.targetGroupIds.${i}`, id }),
  );
  const prefixed = (r: Reference) => ({ ...r, field: prefix + r.field });
  return { users: users.map(prefixed), groups: groups.map(prefixed) };
}

/**
 * Checks that every user and group a policy or rule names exists, answering E0000001 with one
 * cause per unknown id. Later deletion of a group is not checked against policies: the id stays
 * in the stored conditions and simply matches nobody.
 */
export async function checkReferences(
  directory: DirectoryStore,
  content: { conditions: JsonObject | null; actions?: JsonObject | null },
): Promise<void> {
  const { users, groups } = collect('', content.conditions, content.actions ?? null);
  const causes: string[] = [];
  if (users.length > 0) {
    const missing = new Set(await directory.missingUserIds(users.map((r) => r.id)));
    for (const r of users) if (missing.has(r.id)) causes.push(`${r.field}: User ${r.id} does not exist`);
  }
  if (groups.length > 0) {
    const missing = new Set(await directory.missingGroupIds(groups.map((r) => r.id)));
    for (const r of groups) if (missing.has(r.id)) causes.push(`${r.field}: Group ${r.id} does not exist`);
  }
  if (causes.length > 0) throw new ApiValidationError(causes);
}

function asObject(value: Json | undefined): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

function asStrings(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
