import { sql } from 'kysely';
import type { Expression, ExpressionBuilder, Selectable, SqlBool } from 'kysely';
import type { GroupListQuery, GroupStore } from '../domain/groups/ports.ts';
import type { GroupCondition, GroupField } from '../domain/groups/search.ts';
import type { GroupRecord } from '../domain/org/types.ts';
import type { UserAccount } from '../domain/users/types.ts';
import { escapeLike } from './kysely-base.ts';
import type { Database } from './tables.ts';
import { toUser, UserPorts } from './user-ports.ts';

type GroupsEb = ExpressionBuilder<Database, 'groups'>;

/**
 * The groups tables. Name uniqueness (case-insensitive, across every group type) has no index:
 * it is checked under `lockGroupNames`, a transaction-scoped advisory lock on PostgreSQL; on
 * SQLite the store's `BEGIN IMMEDIATE` transactions already exclude every other writer.
 */
export abstract class GroupPorts extends UserPorts implements GroupStore {
  lockGroupNames(): Promise<void> {
    if (this.dialect === 'sqlite') return Promise.resolve();
    return this.guard(async () => {
      await sql`select pg_advisory_xact_lock(hashtext('group-names'))`.execute(this.db);
    });
  }

  findGroupNamed(name: string, exceptId?: string): Promise<GroupRecord | undefined> {
    return this.guard(async () => {
      let select = this.db.selectFrom('groups').selectAll().where(sql<string>`lower(name)`, '=', name.toLowerCase());
      if (exceptId !== undefined) select = select.where('id', '!=', exceptId);
      const row = await select.limit(1).executeTakeFirst();
      return row && toGroup(row);
    });
  }

  getGroup(id: string): Promise<GroupRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toGroup(row);
    });
  }

  getGroups(ids: readonly string[]): Promise<GroupRecord[]> {
    return this.guard(async () => {
      if (ids.length === 0) return [];
      const rows = await this.db.selectFrom('groups').selectAll().where('id', 'in', [...new Set(ids)]).execute();
      return rows.map(toGroup);
    });
  }

  listGroups(query: GroupListQuery): Promise<GroupRecord[]> {
    return this.guard(async () => {
      if (query.onlyIds && query.onlyIds.size === 0) return [];
      let select = this.db.selectFrom('groups').selectAll();
      if (query.onlyIds) select = select.where('id', 'in', [...query.onlyIds]);
      if (query.namePrefix) {
        select = select.where(sql<string>`lower(name)`, 'like', sql<string>`${escapeLike(query.namePrefix.toLowerCase()) + '%'} escape '\\'`);
      }
      const condition = query.condition;
      if (condition) select = select.where((eb) => compile(eb, condition));
      const after = query.after;
      if (after) {
        select = select.where((eb) => eb.or([eb('created', '>', after.created), eb.and([eb('created', '=', after.created), eb('id', '>', after.id)])]));
      }
      const rows = await select.orderBy('created').orderBy('id').limit(query.limit).execute();
      return rows.map(toGroup);
    });
  }

  updateGroup(group: GroupRecord): Promise<void> {
    return this.guard(async () => {
      await this.db
        .updateTable('groups')
        .set({ name: group.name, description: group.description, last_updated: group.lastUpdated })
        .where('id', '=', group.id)
        .execute();
    });
  }

  deleteGroup(id: string): Promise<void> {
    return this.guard(async () => {
      // Explicit rather than relying on ON DELETE CASCADE, which SQLite honours only with foreign_keys on.
      await this.db.deleteFrom('group_members').where('group_id', '=', id).execute();
      await this.db.deleteFrom('app_group_assignments').where('group_id', '=', id).execute();
      // Role targets naming the group stay: an assignment whose only target was this group must
      // reach no one rather than become unbounded (target lists skip groups that no longer exist).
      const granted = this.db.selectFrom('role_assignments').select('id').where('principal_type', '=', 'GROUP').where('principal_id', '=', id);
      await this.db.deleteFrom('role_targets').where('assignment_id', 'in', granted).execute();
      await this.db.deleteFrom('role_assignments').where('principal_type', '=', 'GROUP').where('principal_id', '=', id).execute();
      await this.db.deleteFrom('groups').where('id', '=', id).execute();
    });
  }

  addMembership(groupId: string, userId: string, at: number): Promise<boolean> {
    return this.guard(async () => {
      const result = await this.db
        .insertInto('group_members')
        .values({ group_id: groupId, user_id: userId })
        .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
        .executeTakeFirst();
      const added = Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
      if (added) await this.db.updateTable('groups').set({ last_membership_updated: at }).where('id', '=', groupId).execute();
      return added;
    });
  }

  removeMembership(groupId: string, userId: string, at: number): Promise<boolean> {
    return this.guard(async () => {
      const result = await this.db.deleteFrom('group_members').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
      const removed = Number(result.numDeletedRows) === 1;
      if (removed) await this.db.updateTable('groups').set({ last_membership_updated: at }).where('id', '=', groupId).execute();
      return removed;
    });
  }

  listGroupMembers(groupId: string, query: { afterUserId?: string; limit: number }): Promise<UserAccount[]> {
    return this.guard(async () => {
      let select = this.db
        .selectFrom('group_members')
        .innerJoin('users', 'users.id', 'group_members.user_id')
        .selectAll('users')
        .where('group_members.group_id', '=', groupId);
      if (query.afterUserId !== undefined) select = select.where('users.id', '>', query.afterUserId);
      const rows = await select.orderBy('users.id').limit(query.limit).execute();
      return rows.map(toUser);
    });
  }

  groupMemberIds(groupId: string): Promise<string[]> {
    return this.guard(async () => {
      const rows = await this.db.selectFrom('group_members').select('user_id').where('group_id', '=', groupId).execute();
      return rows.map((r) => r.user_id);
    });
  }

  countGroupMembers(groupIds: readonly string[]): Promise<Map<string, number>> {
    return this.guard(async () => {
      const counts = new Map<string, number>();
      if (groupIds.length === 0) return counts;
      const rows = await this.db
        .selectFrom('group_members')
        .select(['group_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('group_id', 'in', [...groupIds])
        .groupBy('group_id')
        .execute();
      for (const row of rows) counts.set(row.group_id, Number(row.n));
      return counts;
    });
  }

  /** The directory generations a transaction's ports bumped: announced once it commits. */
  readonly bumpedDirectoryNames = new Set<string>();

  bumpDirectoryGeneration(name: string): Promise<void> {
    return this.guard(async () => {
      await this.db
        .insertInto('directory_generations')
        .values({ name, generation: 1 })
        .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ generation: eb('directory_generations.generation', '+', 1) })))
        .execute();
      if (this.transactional) this.bumpedDirectoryNames.add(name);
      else this.announceDirectoryChanges([name]);
    });
  }

  /** Tells this process's listeners that these directory generations moved (the store overrides it). */
  protected announceDirectoryChanges(_names: Iterable<string>): void {}

  directoryGeneration(name: string): Promise<number> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('directory_generations').select('generation').where('name', '=', name).executeTakeFirst();
      return row ? Number(row.generation) : 0;
    });
  }
}

/** The column (or lower-cased column, for case-insensitive text) a field compares against. */
function column(field: GroupField): Expression<string | number | null> {
  switch (field) {
    case 'id':
      return sql<string>`id`;
    case 'type':
      return sql<string>`type`;
    case 'profile.name':
      return sql<string>`lower(name)`;
    case 'profile.description':
      return sql<string | null>`lower(description)`;
    case 'created':
      return sql<number>`created`;
    case 'lastUpdated':
      return sql<number>`last_updated`;
    case 'lastMembershipUpdated':
      return sql<number>`last_membership_updated`;
  }
}

const CASE_INSENSITIVE = new Set<GroupField>(['profile.name', 'profile.description']);
const SQL_OPS = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

function compile(eb: GroupsEb, condition: GroupCondition): Expression<SqlBool> {
  switch (condition.kind) {
    case 'and':
      return eb.and(condition.items.map((item) => compile(eb, item)));
    case 'or':
      return eb.or(condition.items.map((item) => compile(eb, item)));
    case 'not':
      return eb.not(compile(eb, condition.item));
    case 'present':
      return eb(column(condition.field), 'is not', null);
    case 'compare': {
      const target = column(condition.field);
      const value = typeof condition.value === 'string' && CASE_INSENSITIVE.has(condition.field) ? condition.value.toLowerCase() : condition.value;
      if (condition.op === 'sw' || condition.op === 'co') {
        const pattern = `${condition.op === 'co' ? '%' : ''}${escapeLike(String(value))}%`;
        return eb(target, 'like', sql<string>`${pattern} escape '\\'`);
      }
      return eb(target, SQL_OPS[condition.op], value);
    }
  }
}

function toGroup(row: Selectable<Database['groups']>): GroupRecord {
  return {
    id: row.id,
    type: row.type as GroupRecord['type'],
    name: row.name,
    description: row.description,
    created: row.created,
    lastUpdated: row.last_updated,
    lastMembershipUpdated: row.last_membership_updated,
  };
}
