import type { Selectable } from 'kysely';
import { RoleAlreadyAssignedError } from '../errors/catalog.ts';
import { ConflictError } from '../errors/storage.ts';
import type { RoleType } from '../domain/authz/roles.ts';
import type { RoleAssignmentRecord } from '../domain/org/types.ts';
import type { RoleGrantRow, RolePrincipalType, RoleStore, RoleTargetApp, RoleTargetCursor, RoleTargetRecord, RoleTargetType } from '../domain/roles/ports.ts';
import { AppPorts } from './app-ports.ts';
import type { Database } from './tables.ts';

/**
 * The roles tables: `role_assignments` (unique per principal and role type since migration
 * 0005) and `role_targets`. `roleGrantsOfUser`, on every authentication's path, is precompiled
 * in kysely-store.ts.
 */
export abstract class RolePorts extends AppPorts implements RoleStore {
  abstract roleGrantsOfUser(userId: string): Promise<RoleGrantRow[]>;

  insertRoleAssignment(a: RoleAssignmentRecord): Promise<void> {
    return this.guard(async () => {
      await this.db
        .insertInto('role_assignments')
        .values({
          id: a.id,
          principal_type: a.principalType,
          principal_id: a.principalId,
          role_type: a.roleType,
          status: a.status,
          created: a.created,
          last_updated: a.lastUpdated,
        })
        .execute();
    });
  }
  async insertRoleAssignmentOnce(a: RoleAssignmentRecord): Promise<void> {
    try {
      await this.insertRoleAssignment(a);
    } catch (error) {
      // The only unique keys are the random id and (principal, role type): a conflict is a duplicate.
      if (error instanceof ConflictError) throw new RoleAlreadyAssignedError();
      throw error;
    }
  }

  getRoleAssignment(principalType: RolePrincipalType, principalId: string, id: string): Promise<RoleAssignmentRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db
        .selectFrom('role_assignments')
        .selectAll()
        .where('id', '=', id)
        .where('principal_type', '=', principalType)
        .where('principal_id', '=', principalId)
        .executeTakeFirst();
      return row && toAssignment(row);
    });
  }

  listRoleAssignments(principalType: RolePrincipalType, principalId: string): Promise<RoleAssignmentRecord[]> {
    return this.guard(async () => {
      const rows = await this.db
        .selectFrom('role_assignments')
        .selectAll()
        .where('principal_type', '=', principalType)
        .where('principal_id', '=', principalId)
        .orderBy('created')
        .orderBy('id')
        .execute();
      return rows.map(toAssignment);
    });
  }

  deleteRoleAssignment(id: string): Promise<boolean> {
    return this.guard(async () => {
      // role_targets cascades on PostgreSQL; SQLite enforces foreign keys only when asked to, so delete them explicitly.
      await this.db.deleteFrom('role_targets').where('assignment_id', '=', id).execute();
      const result = await this.db.deleteFrom('role_assignments').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    });
  }

  touchRoleAssignment(id: string, at: number): Promise<void> {
    return this.guard(async () => {
      await this.db.updateTable('role_assignments').set({ last_updated: at }).where('id', '=', id).execute();
    });
  }

  lockRoleAssignment(id: string): Promise<void> {
    return this.guard(async () => {
      // SQLite transactions start with BEGIN IMMEDIATE and are already serialized.
      if (this.dialect === 'postgres') await this.db.selectFrom('role_assignments').select('id').where('id', '=', id).forUpdate().execute();
    });
  }

  roleTargetsOf(assignmentIds: readonly string[]): Promise<RoleTargetRecord[]> {
    return this.guard(async () => {
      if (assignmentIds.length === 0) return [];
      const rows = await this.db
        .selectFrom('role_targets')
        .selectAll()
        .where('assignment_id', 'in', [...assignmentIds])
        .orderBy('target_type')
        .orderBy('target_id')
        .execute();
      return rows.map(toTarget);
    });
  }

  listRoleTargetPage(assignmentId: string, types: readonly RoleTargetType[], after: RoleTargetCursor | undefined, limit: number): Promise<RoleTargetRecord[]> {
    return this.guard(async () => {
      let select = this.db
        .selectFrom('role_targets')
        .selectAll()
        .where('assignment_id', '=', assignmentId)
        .where('target_type', 'in', [...types]);
      if (after) {
        select = select.where((eb) =>
          eb.or([
            eb('target_type', '>', after.targetType),
            eb.and([eb('target_type', '=', after.targetType), eb('target_id', '>', after.targetId)]),
          ]),
        );
      }
      const rows = await select.orderBy('target_type').orderBy('target_id').limit(limit).execute();
      return rows.map(toTarget);
    });
  }

  addRoleTarget(t: RoleTargetRecord): Promise<boolean> {
    return this.guard(async () => {
      const result = await this.db
        .insertInto('role_targets')
        .values({ assignment_id: t.assignmentId, target_type: t.targetType, target_id: t.targetId, created: t.created })
        .onConflict((oc) => oc.columns(['assignment_id', 'target_type', 'target_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    });
  }

  removeRoleTargets(assignmentId: string, type: RoleTargetType, targetIds: readonly string[]): Promise<number> {
    return this.guard(async () => {
      if (targetIds.length === 0) return 0;
      const result = await this.db
        .deleteFrom('role_targets')
        .where('assignment_id', '=', assignmentId)
        .where('target_type', '=', type)
        .where('target_id', 'in', [...targetIds])
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  roleApps(ids: readonly string[]): Promise<RoleTargetApp[]> {
    return this.guard(async () => {
      if (ids.length === 0) return [];
      const rows = await this.db
        .selectFrom('apps')
        .select(['id', 'name', 'label', 'status', 'sign_on_mode', 'last_updated'])
        .where('id', 'in', [...new Set(ids)])
        .execute();
      return rows.map(toApp);
    });
  }

  roleAppsNamed(name: string): Promise<RoleTargetApp[]> {
    return this.guard(async () => {
      const rows = await this.db
        .selectFrom('apps')
        .select(['id', 'name', 'label', 'status', 'sign_on_mode', 'last_updated'])
        .where('name', '=', name)
        .orderBy('id')
        .execute();
      return rows.map(toApp);
    });
  }
}

function toAssignment(row: Selectable<Database['role_assignments']>): RoleAssignmentRecord {
  return {
    id: row.id,
    principalType: row.principal_type as RolePrincipalType,
    principalId: row.principal_id,
    roleType: row.role_type as RoleType,
    status: row.status as RoleAssignmentRecord['status'],
    created: Number(row.created),
    lastUpdated: Number(row.last_updated),
  };
}

function toTarget(row: Selectable<Database['role_targets']>): RoleTargetRecord {
  return { assignmentId: row.assignment_id, targetType: row.target_type as RoleTargetType, targetId: row.target_id, created: Number(row.created) };
}

function toApp(row: { id: string; name: string; label: string; status: string; sign_on_mode: string; last_updated: number }): RoleTargetApp {
  return { id: row.id, name: row.name, label: row.label, status: row.status, signOnMode: row.sign_on_mode, lastUpdated: Number(row.last_updated) };
}
