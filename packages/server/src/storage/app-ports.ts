import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { AppGroupListQuery, AppListQuery, AppStore, AppUserListQuery } from '../domain/apps/ports.ts';
import type { AppCredentials, AppGroupAssignmentRecord, AppName, AppRecord, AppStatus, AppUserAssignmentRecord, AppUserView, SignOnMode } from '../domain/apps/types.ts';
import type { JsonObject } from '../domain/policies/kinds/kind.ts';
import { ConflictError } from '../errors/storage.ts';
import { escapeLike } from './kysely-base.ts';
import type { Database } from './tables.ts';
import { ZonePorts } from './zone-ports.ts';

/** The field a clash on `apps_client_id_key` (the only unique key of `apps` besides its id) names. */
const CLIENT_ID_FIELD = 'credentials.oauthClient.client_id';

/**
 * The apps tables (migration 0005). `credentials`, `settings` and `profile` hold the JSON of
 * those objects; the `visibility` column holds `{visibility, accessibility}`, the two objects
 * that say how end users see and reach the app. Only direct user assignments are rows of
 * `app_user_assignments` (scope USER): users assigned through a group are computed from
 * `app_group_assignments` and `group_members` on read, so group removals and membership
 * changes take effect without bookkeeping.
 */
export abstract class AppPorts extends ZonePorts implements AppStore {
  async insertApp(app: AppRecord): Promise<void> {
    await this.clientIdGuard(() => this.db.insertInto('apps').values(appRow(app)).execute());
  }

  async updateApp(app: AppRecord): Promise<void> {
    const { id, ...row } = appRow(app);
    await this.clientIdGuard(() => this.db.updateTable('apps').set(row).where('id', '=', id).execute());
  }

  deleteApp(id: string): Promise<void> {
    return this.guard(async () => {
      // Explicit rather than relying on ON DELETE CASCADE, which SQLite honours only with foreign_keys on.
      await this.db.deleteFrom('app_user_assignments').where('app_id', '=', id).execute();
      await this.db.deleteFrom('app_group_assignments').where('app_id', '=', id).execute();
      await this.db.deleteFrom('apps').where('id', '=', id).execute();
    });
  }

  getApp(id: string): Promise<AppRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toApp(row);
    });
  }

  getApps(ids: readonly string[]): Promise<AppRecord[]> {
    return this.guard(async () => {
      if (ids.length === 0) return [];
      const rows = await this.db.selectFrom('apps').selectAll().where('id', 'in', [...new Set(ids)]).execute();
      return rows.map(toApp);
    });
  }

  findAppByClientId(clientId: string): Promise<AppRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return row && toApp(row);
    });
  }

  listApps(query: AppListQuery): Promise<AppRecord[]> {
    return this.guard(async () => {
      let select = this.db.selectFrom('apps').selectAll();
      if (query.q) {
        const prefix = sql<string>`${escapeLike(query.q.toLowerCase()) + '%'} escape '\\'`;
        select = select.where((eb) => eb.or([eb(sql<string>`lower(label)`, 'like', prefix), eb(sql<string>`lower(name)`, 'like', prefix)]));
      }
      if (query.status) select = select.where('status', '=', query.status);
      if (query.name !== undefined) select = select.where('name', '=', query.name);
      if (query.id !== undefined) select = select.where('id', '=', query.id);
      const userId = query.userId;
      if (userId !== undefined) {
        select = select.where((eb) =>
          eb.or([
            eb('id', 'in', eb.selectFrom('app_user_assignments').select('app_id').where('user_id', '=', userId)),
            eb(
              'id',
              'in',
              eb
                .selectFrom('app_group_assignments as g')
                .innerJoin('group_members as m', 'm.group_id', 'g.group_id')
                .select('g.app_id')
                .where('m.user_id', '=', userId),
            ),
          ]),
        );
      }
      const groupId = query.groupId;
      if (groupId !== undefined) {
        select = select.where('id', 'in', (eb) => eb.selectFrom('app_group_assignments').select('app_id').where('group_id', '=', groupId));
      }
      const within = query.within;
      if (within) {
        if (within.appIds.length === 0 && within.appNames.length === 0) return [];
        select = select.where((eb) =>
          eb.or([
            ...(within.appIds.length > 0 ? [eb('id', 'in', [...within.appIds])] : []),
            ...(within.appNames.length > 0 ? [eb('name', 'in', [...within.appNames])] : []),
          ]),
        );
      }
      const after = query.after;
      if (after) select = select.where((eb) => eb.or([eb('created', '>', after.created), eb.and([eb('created', '=', after.created), eb('id', '>', after.id)])]));
      const rows = await select.orderBy('created').orderBy('id').limit(query.limit).execute();
      return rows.map(toApp);
    });
  }

  missingAppIds(ids: readonly string[]): Promise<string[]> {
    return this.missingIdsIn('apps', ids);
  }

  lockApp(id: string): Promise<void> {
    // SQLite's BEGIN IMMEDIATE transactions already exclude every other writer.
    if (this.dialect === 'sqlite') return Promise.resolve();
    return this.guard(async () => {
      await sql`select pg_advisory_xact_lock(hashtext(${`app:${id}`}))`.execute(this.db);
    });
  }

  // --- user assignments ----------------------------------------------------------------------

  getAppUserAssignment(appId: string, userId: string): Promise<AppUserAssignmentRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('app_user_assignments').selectAll().where('app_id', '=', appId).where('user_id', '=', userId).executeTakeFirst();
      return row && toUserAssignment(row);
    });
  }

  putAppUserAssignment(a: AppUserAssignmentRecord): Promise<void> {
    return this.guard(async () => {
      const row = { app_id: a.appId, user_id: a.userId, scope: 'USER', profile: JSON.stringify(a.profile), created: a.created, last_updated: a.lastUpdated };
      await this.db
        .insertInto('app_user_assignments')
        .values(row)
        .onConflict((oc) => oc.columns(['app_id', 'user_id']).doUpdateSet({ profile: row.profile, last_updated: row.last_updated }))
        .execute();
    });
  }

  deleteAppUserAssignment(appId: string, userId: string): Promise<void> {
    return this.guard(async () => {
      await this.db.deleteFrom('app_user_assignments').where('app_id', '=', appId).where('user_id', '=', userId).execute();
    });
  }

  async getAppUser(appId: string, userId: string): Promise<AppUserView | undefined> {
    const [user] = await this.appUsers(appId, { limit: 1, only: userId });
    return user;
  }

  listAppUsers(appId: string, query: AppUserListQuery): Promise<AppUserView[]> {
    return this.appUsers(appId, query);
  }

  /**
   * One page of the app's users: the ids (direct or through an assigned group, in id order),
   * then their direct assignments and group assignments, two queries for the whole page.
   */
  private appUsers(appId: string, query: AppUserListQuery & { only?: string }): Promise<AppUserView[]> {
    return this.guard(async () => {
      let select = this.db
        .selectFrom('users')
        .select(['id', 'login', 'profile'])
        .where((eb) =>
          eb.or([
            eb('id', 'in', eb.selectFrom('app_user_assignments').select('user_id').where('app_id', '=', appId)),
            eb(
              'id',
              'in',
              eb
                .selectFrom('group_members as m')
                .innerJoin('app_group_assignments as g', 'g.group_id', 'm.group_id')
                .select('m.user_id')
                .where('g.app_id', '=', appId),
            ),
          ]),
        );
      if (query.only !== undefined) select = select.where('id', '=', query.only);
      if (query.after !== undefined) select = select.where('id', '>', query.after);
      if (query.q) {
        const prefix = sql<string>`${escapeLike(query.q.toLowerCase()) + '%'} escape '\\'`;
        select = select.where((eb) =>
          eb.or([eb('login_lower', 'like', prefix), eb('email_lower', 'like', prefix), eb('first_name_lower', 'like', prefix), eb('last_name_lower', 'like', prefix)]),
        );
      }
      const users = await select.orderBy('id').limit(query.limit).execute();
      if (users.length === 0) return [];
      const ids = users.map((u) => u.id);
      const direct = new Map(
        (await this.db.selectFrom('app_user_assignments').selectAll().where('app_id', '=', appId).where('user_id', 'in', ids).execute()).map((r) => [r.user_id, r]),
      );
      const viaGroup = new Map<string, { group_id: string; profile: string | null; last_updated: number }>();
      const groupRows = await this.db
        .selectFrom('group_members as m')
        .innerJoin('app_group_assignments as g', 'g.group_id', 'm.group_id')
        .select(['m.user_id', 'g.group_id', 'g.profile', 'g.last_updated'])
        .where('g.app_id', '=', appId)
        .where('m.user_id', 'in', ids)
        .orderBy('g.priority')
        .orderBy('g.group_id')
        .execute();
      for (const row of groupRows) if (!viaGroup.has(row.user_id)) viaGroup.set(row.user_id, row);
      return users.map((u) => {
        const email = (JSON.parse(u.profile) as { email?: string | null }).email ?? null;
        const d = direct.get(u.id);
        if (d) {
          return { appId, userId: u.id, login: u.login, email, scope: 'USER', groupId: null, profile: parseObject(d.profile), created: d.created, lastUpdated: d.last_updated };
        }
        const g = viaGroup.get(u.id)!;
        return { appId, userId: u.id, login: u.login, email, scope: 'GROUP', groupId: g.group_id, profile: parseObject(g.profile), created: g.last_updated, lastUpdated: g.last_updated };
      });
    });
  }

  // --- group assignments ---------------------------------------------------------------------

  getAppGroupAssignment(appId: string, groupId: string): Promise<AppGroupAssignmentRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('app_group_assignments').selectAll().where('app_id', '=', appId).where('group_id', '=', groupId).executeTakeFirst();
      return row && toGroupAssignment(row);
    });
  }

  putAppGroupAssignment(a: AppGroupAssignmentRecord): Promise<void> {
    return this.guard(async () => {
      const row = { app_id: a.appId, group_id: a.groupId, priority: a.priority, profile: JSON.stringify(a.profile), last_updated: a.lastUpdated };
      await this.db
        .insertInto('app_group_assignments')
        .values(row)
        .onConflict((oc) => oc.columns(['app_id', 'group_id']).doUpdateSet({ priority: row.priority, profile: row.profile, last_updated: row.last_updated }))
        .execute();
    });
  }

  deleteAppGroupAssignment(appId: string, groupId: string): Promise<void> {
    return this.guard(async () => {
      await this.db.deleteFrom('app_group_assignments').where('app_id', '=', appId).where('group_id', '=', groupId).execute();
    });
  }

  listAppGroupAssignments(appId: string, query: AppGroupListQuery): Promise<AppGroupAssignmentRecord[]> {
    return this.guard(async () => {
      let select = this.db.selectFrom('app_group_assignments as a').selectAll('a').where('a.app_id', '=', appId);
      const q = query.q;
      if (q) {
        const prefix = sql<string>`${escapeLike(q.toLowerCase()) + '%'} escape '\\'`;
        select = select.where('a.group_id', 'in', (eb) => eb.selectFrom('groups').select('id').where(sql<string>`lower(name)`, 'like', prefix));
      }
      const after = query.after;
      if (after) {
        select = select.where((eb) => eb.or([eb('a.priority', '>', after.priority), eb.and([eb('a.priority', '=', after.priority), eb('a.group_id', '>', after.groupId)])]));
      }
      const rows = await select.orderBy('a.priority').orderBy('a.group_id').limit(query.limit).execute();
      return rows.map(toGroupAssignment);
    });
  }

  maxAppGroupPriority(appId: string): Promise<number | undefined> {
    return this.guard(async () => {
      const row = await this.db
        .selectFrom('app_group_assignments')
        .select((eb) => eb.fn.max('priority').as('max'))
        .where('app_id', '=', appId)
        .executeTakeFirst();
      return row?.max === null || row?.max === undefined ? undefined : Number(row.max);
    });
  }

  appAssignableGroupName(groupId: string): Promise<string | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('groups').select('name').where('id', '=', groupId).executeTakeFirst();
      return row?.name;
    });
  }

  /** Runs a write of `apps`, naming the client id when the unique key on it refuses the row. */
  private async clientIdGuard(work: () => Promise<unknown>): Promise<void> {
    try {
      await this.guard(work);
    } catch (error) {
      if (error instanceof ConflictError) throw new ConflictError(CLIENT_ID_FIELD);
      throw error;
    }
  }
}

function appRow(app: AppRecord) {
  return {
    id: app.id,
    name: app.name,
    label: app.label,
    sign_on_mode: app.signOnMode,
    status: app.status,
    client_id: app.clientId,
    client_secret_hash: app.clientSecretHash,
    credentials: JSON.stringify(app.credentials),
    settings: JSON.stringify(app.settings),
    visibility: JSON.stringify({ visibility: app.visibility, accessibility: app.accessibility }),
    profile: app.profile === null ? null : JSON.stringify(app.profile),
    created: app.created,
    last_updated: app.lastUpdated,
  };
}

function toApp(row: Selectable<Database['apps']>): AppRecord {
  const presentation = row.visibility === null ? {} : (JSON.parse(row.visibility) as { visibility?: JsonObject; accessibility?: JsonObject });
  return {
    id: row.id,
    name: row.name as AppName,
    label: row.label,
    signOnMode: row.sign_on_mode as SignOnMode,
    status: row.status as AppStatus,
    clientId: row.client_id,
    clientSecretHash: row.client_secret_hash,
    credentials: (row.credentials === null ? { userNameTemplate: { template: '${source.login}', type: 'BUILT_IN' }, signing: {} } : JSON.parse(row.credentials)) as AppCredentials,
    settings: parseObject(row.settings),
    visibility: presentation.visibility ?? {},
    accessibility: presentation.accessibility ?? {},
    profile: row.profile === null ? null : parseObject(row.profile),
    created: row.created,
    lastUpdated: row.last_updated,
  };
}

function toUserAssignment(row: Selectable<Database['app_user_assignments']>): AppUserAssignmentRecord {
  return { appId: row.app_id, userId: row.user_id, profile: parseObject(row.profile), created: row.created, lastUpdated: row.last_updated };
}

function toGroupAssignment(row: Selectable<Database['app_group_assignments']>): AppGroupAssignmentRecord {
  return { appId: row.app_id, groupId: row.group_id, priority: row.priority, profile: parseObject(row.profile), lastUpdated: row.last_updated };
}

function parseObject(text: string | null): JsonObject {
  return text === null ? {} : (JSON.parse(text) as JsonObject);
}
