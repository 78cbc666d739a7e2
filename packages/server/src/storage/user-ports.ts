import { sql } from 'kysely';
import type { RawBuilder, Selectable, SqlBool, Updateable } from 'kysely';
import type { GroupRecord, UserRecord, UserStatus } from '../domain/org/types.ts';
import type { UserAttribute, UserFilter } from '../domain/users/filter.ts';
import { SIGN_IN_STATUSES as SIGN_IN_STATUS_SET } from '../domain/users/lifecycle.ts';
import type { SessionRecord, UserListQuery, UserStore } from '../domain/users/ports.ts';
import type { FullProfile, UserAccount, UserChange } from '../domain/users/types.ts';
import { escapeLike } from './kysely-base.ts';
import { RateLimitPorts } from './rate-limit-ports.ts';
import type { Database } from './tables.ts';

/** Statuses whose password may be checked; lockout counts only for them. */
const SIGN_IN_STATUSES = [...SIGN_IN_STATUS_SET];

/** The column each filterable attribute is kept in; text attributes are lower-cased copies. */
const COLUMN: Record<UserAttribute, string> = {
  id: 'users.id',
  status: 'users.status',
  created: 'users.created',
  lastUpdated: 'users.last_updated',
  activated: 'users.activated',
  statusChanged: 'users.status_changed',
  'profile.login': 'users.login_lower',
  'profile.email': 'users.email_lower',
  'profile.firstName': 'users.first_name_lower',
  'profile.lastName': 'users.last_name_lower',
};

const ORDER = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/** A parsed user filter as a parameterised SQL condition: values are always bound, never spliced. */
function filterSql(filter: UserFilter): RawBuilder<SqlBool> {
  switch (filter.kind) {
    case 'and':
      return sql<SqlBool>`(${filterSql(filter.left)} and ${filterSql(filter.right)})`;
    case 'or':
      return sql<SqlBool>`(${filterSql(filter.left)} or ${filterSql(filter.right)})`;
    case 'present':
      return sql<SqlBool>`(${sql.ref(COLUMN[filter.attribute])} is not null)`;
    case 'compare': {
      const column = sql.ref(COLUMN[filter.attribute]);
      if (filter.op === 'sw' || filter.op === 'co') {
        const pattern = `${filter.op === 'co' ? '%' : ''}${escapeLike(String(filter.value))}%`;
        return sql<SqlBool>`(${column} like ${pattern} escape '\\')`;
      }
      return sql<SqlBool>`(${column} ${sql.raw(ORDER[filter.op])} ${filter.value})`;
    }
  }
}

function lowerOrNull(value: string | null | undefined): string | null {
  return typeof value === 'string' ? value.toLowerCase() : null;
}

/** The users tables (migrations 0001 and 0005): accounts, password history, sessions, lockout counter. */
export abstract class UserPorts extends RateLimitPorts implements UserStore {
  insertUser(user: UserRecord, credentials?: { passwordHash: string; passwordChanged: number }): Promise<void> {
    return this.guard(async () => {
      await this.db
        .insertInto('users')
        .values({
          id: user.id,
          login: user.profile.login,
          login_lower: user.profile.login.toLowerCase(),
          email_lower: lowerOrNull(user.profile.email),
          first_name_lower: lowerOrNull(user.profile.firstName),
          last_name_lower: lowerOrNull(user.profile.lastName),
          status: user.status,
          profile: JSON.stringify(user.profile),
          created: user.created,
          last_updated: user.lastUpdated,
          activated: user.activated,
          status_changed: user.statusChanged,
          password_hash: credentials?.passwordHash ?? null,
          password_changed: credentials?.passwordChanged ?? null,
        })
        .execute();
      if (credentials) {
        await this.db.insertInto('user_passwords').values({ user_id: user.id, password_hash: credentials.passwordHash, created: credentials.passwordChanged }).execute();
      }
    });
  }

  getUser(id: string): Promise<UserAccount | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toUser(row);
    });
  }

  findUserByLogin(login: string): Promise<UserAccount | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('users').selectAll().where('login_lower', '=', login.toLowerCase()).executeTakeFirst();
      return row && toUser(row);
    });
  }

  findUserForSignIn(login: string): Promise<{ user: UserAccount; groupIds: string[] } | undefined> {
    return this.guard(async () => {
      // Group ids are [A-Za-z0-9] (ids.ts), so a comma-joined aggregate is unambiguous.
      const joined = this.dialect === 'postgres' ? sql.raw(`string_agg(group_id, ',')`) : sql.raw(`group_concat(group_id, ',')`);
      const row = await this.db
        .selectFrom('users')
        .selectAll('users')
        .select(sql<string | null>`(select ${joined} from group_members where group_members.user_id = users.id)`.as('group_ids'))
        .where('login_lower', '=', login.toLowerCase())
        .executeTakeFirst();
      if (!row) return undefined;
      const { group_ids: groupIds, ...user } = row;
      return { user: toUser(user), groupIds: groupIds ? groupIds.split(',') : [] };
    });
  }

  setUserStatus(id: string, status: UserStatus, at: number): Promise<void> {
    return this.guard(async () => {
      await this.db.updateTable('users').set({ status, status_changed: at, last_updated: at }).where('id', '=', id).execute();
    });
  }

  updateUser(id: string, change: UserChange): Promise<void> {
    return this.guard(async () => {
      const set: Updateable<Database['users']> = { last_updated: change.lastUpdated };
      if (change.status !== undefined) set.status = change.status;
      if (change.statusChanged !== undefined) set.status_changed = change.statusChanged;
      if (change.activated !== undefined) set.activated = change.activated;
      if (change.passwordHash !== undefined) set.password_hash = change.passwordHash;
      if (change.passwordChanged !== undefined) set.password_changed = change.passwordChanged;
      if (change.failedAttempts !== undefined) set.failed_attempts = change.failedAttempts;
      if (change.recoveryTokenHash !== undefined) set.recovery_token_hash = change.recoveryTokenHash;
      if (change.recoveryTokenExpires !== undefined) set.recovery_token_expires = change.recoveryTokenExpires;
      if (change.profile !== undefined) {
        set.profile = JSON.stringify(change.profile);
        set.login = change.profile.login;
        set.login_lower = change.profile.login.toLowerCase();
        set.email_lower = lowerOrNull(change.profile.email);
        set.first_name_lower = lowerOrNull(change.profile.firstName);
        set.last_name_lower = lowerOrNull(change.profile.lastName);
      }
      await this.db.updateTable('users').set(set).where('id', '=', id).execute();
    });
  }

  deleteUser(id: string): Promise<void> {
    return this.guard(async () => {
      await this.db.deleteFrom('api_tokens').where('user_id', '=', id).execute();
      await this.db.deleteFrom('role_assignments').where('principal_type', '=', 'USER').where('principal_id', '=', id).execute();
      await this.db.deleteFrom('users').where('id', '=', id).execute();
    });
  }

  listUsers(query: UserListQuery): Promise<UserAccount[]> {
    return this.guard(async () => {
      let select = this.db.selectFrom('users').selectAll();
      if (!query.includeDeprovisioned) select = select.where('status', '!=', 'DEPROVISIONED');
      if (query.q !== undefined) {
        const pattern = `${escapeLike(query.q.toLowerCase())}%`;
        const like = (column: string) => sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '\\'`;
        select = select.where((eb) => eb.or([like('login_lower'), like('email_lower'), like('first_name_lower'), like('last_name_lower')]));
      }
      if (query.filter) select = select.where(filterSql(query.filter));
      if (query.inGroups) {
        const groups = [...query.inGroups];
        if (groups.length === 0) return [];
        select = select.where('id', 'in', this.db.selectFrom('group_members').select('user_id').where('group_id', 'in', groups));
      }
      const after = query.after;
      if (after) {
        select = select.where((eb) => eb.or([eb('created', '>', after.created), eb.and([eb('created', '=', after.created), eb('id', '>', after.id)])]));
      }
      const rows = await select.orderBy('created').orderBy('id').limit(query.limit).execute();
      return rows.map(toUser);
    });
  }

  groupIdsOfUser(userId: string): Promise<string[]> {
    return this.guard(async () => {
      const rows = await this.db.selectFrom('group_members').select('group_id').where('user_id', '=', userId).execute();
      return rows.map((r) => r.group_id);
    });
  }

  listGroupsOfUser(userId: string): Promise<GroupRecord[]> {
    return this.guard(async () => {
      const rows = await this.db
        .selectFrom('groups')
        .innerJoin('group_members', 'group_members.group_id', 'groups.id')
        .selectAll('groups')
        .where('group_members.user_id', '=', userId)
        .orderBy('groups.name')
        .orderBy('groups.id')
        .execute();
      return rows.map((row) => ({
        id: row.id,
        type: row.type as GroupRecord['type'],
        name: row.name,
        description: row.description,
        created: row.created,
        lastUpdated: row.last_updated,
        lastMembershipUpdated: row.last_membership_updated,
      }));
    });
  }

  addPasswordToHistory(userId: string, passwordHash: string, at: number, keep: number): Promise<void> {
    return this.guard(async () => {
      await this.db.insertInto('user_passwords').values({ user_id: userId, password_hash: passwordHash, created: at }).execute();
      const kept = await this.db
        .selectFrom('user_passwords')
        .select('created')
        .where('user_id', '=', userId)
        .orderBy('created', 'desc')
        .offset(keep - 1)
        .limit(1)
        .executeTakeFirst();
      if (kept) await this.db.deleteFrom('user_passwords').where('user_id', '=', userId).where('created', '<', kept.created).execute();
    });
  }

  passwordHistory(userId: string, limit: number): Promise<string[]> {
    return this.guard(async () => {
      const rows = await this.db
        .selectFrom('user_passwords')
        .select('password_hash')
        .where('user_id', '=', userId)
        .orderBy('created', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => r.password_hash);
    });
  }

  insertSession(s: SessionRecord): Promise<void> {
    return this.guard(async () => {
      await this.db
        .insertInto('user_sessions')
        .values({ id: s.id, user_id: s.userId, kind: s.kind, token_hash: s.tokenHash, created: s.created, expires_at: s.expiresAt })
        .execute();
    });
  }

  deleteSessionsOfUser(userId: string): Promise<number> {
    return this.guard(async () => {
      const result = await this.db.deleteFrom('user_sessions').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  reserveSignInAttempt(userId: string, maxAttempts: number): Promise<number | undefined> {
    return this.guard(async () => {
      const row = await this.db
        .updateTable('users')
        .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
        .where('id', '=', userId)
        .where('failed_attempts', '<', maxAttempts)
        .where('status', 'in', SIGN_IN_STATUSES)
        .returning('failed_attempts')
        .executeTakeFirst();
      return row ? Number(row.failed_attempts) : undefined;
    });
  }

  lockOut(userId: string, atLeast: number, at: number): Promise<boolean> {
    return this.guard(async () => {
      const result = await this.db
        .updateTable('users')
        .set({ status: 'LOCKED_OUT', status_changed: at, last_updated: at })
        .where('id', '=', userId)
        .where('failed_attempts', '>=', atLeast)
        .where('status', 'in', SIGN_IN_STATUSES)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  resetSignInAttempts(userId: string): Promise<void> {
    return this.guard(async () => {
      await this.db.updateTable('users').set({ failed_attempts: 0 }).where('id', '=', userId).execute();
    });
  }

  autoUnlock(userId: string, lockedBefore: number, at: number): Promise<boolean> {
    return this.guard(async () => {
      const result = await this.db
        .updateTable('users')
        .set({ status: 'ACTIVE', status_changed: at, last_updated: at, failed_attempts: 0 })
        .where('id', '=', userId)
        .where('status', '=', 'LOCKED_OUT')
        .where('status_changed', '<=', lockedBefore)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  recordSignIn(userId: string, at: number, session?: SessionRecord): Promise<boolean> {
    return this.guard(async () => {
      // Only while the user may still sign in: a suspend or deactivate that committed during the
      // password check wins, and no session is stored.
      const reset = this.db
        .updateTable('users')
        .set({ failed_attempts: 0, last_login: at })
        .where('id', '=', userId)
        .where('status', 'in', SIGN_IN_STATUSES);
      if (session && this.dialect === 'postgres') {
        // One statement: a sign-in on PostgreSQL pays one round trip for the reset and the session,
        // and the session row exists only if the reset found the user still signable.
        const result = await sql`with reset as (${reset.returning('id')})
          insert into user_sessions (id, user_id, kind, token_hash, created, expires_at)
          select ${session.id}, reset.id, ${session.kind}, ${session.tokenHash}, ${session.created}::bigint, ${session.expiresAt}::bigint from reset`.execute(this.db);
        return Number(result.numAffectedRows ?? 0n) === 1;
      }
      const updated = Number((await reset.executeTakeFirst()).numUpdatedRows) === 1;
      if (updated && session) {
        await this.db
          .insertInto('user_sessions')
          .values({ id: session.id, user_id: session.userId, kind: session.kind, token_hash: session.tokenHash, created: session.created, expires_at: session.expiresAt })
          .execute();
      }
      return updated;
    });
  }
}

export function toUser(row: Selectable<Database['users']>): UserAccount {
  return {
    id: row.id,
    status: row.status as UserStatus,
    profile: JSON.parse(row.profile) as FullProfile,
    created: row.created,
    lastUpdated: row.last_updated,
    activated: row.activated,
    statusChanged: row.status_changed,
    passwordHash: row.password_hash,
    passwordChanged: row.password_changed,
    lastLogin: row.last_login,
    failedAttempts: Number(row.failed_attempts),
    recoveryTokenHash: row.recovery_token_hash,
    recoveryTokenExpires: row.recovery_token_expires,
  };
}
