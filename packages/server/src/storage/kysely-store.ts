import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { ApiTokenCursor } from '../domain/api-tokens/ports.ts';
import type { ApiTokenNetwork, ApiTokenRecord, ApiTokenWithOwner } from '../domain/api-tokens/types.ts';
import { isRoleType } from '../domain/authz/roles.ts';
import type { RoleType } from '../domain/authz/roles.ts';
import type { PolicyType } from '../domain/policies/kinds/kind.ts';
import type { GroupRecord, OrgRecord, UserRecord } from '../domain/org/types.ts';
import type { Store, StorePorts } from '../domain/store.ts';
import { PrecompiledQuery } from './precompiled.ts';
import { escapeLike } from './kysely-base.ts';
import type { Db, Dialect } from './kysely-base.ts';
import type { RoleGrantRow, RoleTargetType } from '../domain/roles/ports.ts';
import { RolePorts } from './role-ports.ts';
import type { Database } from './tables.ts';

/** The queries on every authenticated request's path, compiled once (see precompiled.ts). */
function hotQueries(db: Db) {
  const asNumber = (slot: string) => slot as unknown as number;
  return {
    getApiToken: new PrecompiledQuery<'id', Selectable<Database['api_tokens']>>((slot) =>
      db.selectFrom('api_tokens').selectAll().where('id', '=', slot('id')).where('revoked', 'is', null),
    ),
    findApiTokenByHash: new PrecompiledQuery<'hash', Selectable<Database['api_tokens']> & { owner_login: string; owner_status: string; owner_profile: string }>((slot) =>
      db
        .selectFrom('api_tokens')
        .innerJoin('users', 'users.id', 'api_tokens.user_id')
        .selectAll('api_tokens')
        .select(['users.login as owner_login', 'users.status as owner_status', 'users.profile as owner_profile'])
        .where('api_tokens.token_hash', '=', slot('hash'))
        .where('api_tokens.revoked', 'is', null),
    ),
    policyGeneration: new PrecompiledQuery<'type', { generation: number }>((slot) =>
      db.selectFrom('policy_generations').select('generation').where('type', '=', slot('type')),
    ),
    roleTypesOfUser: new PrecompiledQuery<'userId', { role_type: string }>((slot) =>
      db
        .selectFrom('role_assignments')
        .select('role_type')
        .where('status', '=', 'ACTIVE')
        .where((eb) =>
          eb.or([
            eb.and([eb('principal_type', '=', 'USER'), eb('principal_id', '=', slot('userId'))]),
            eb.and([
              eb('principal_type', '=', 'GROUP'),
              eb('principal_id', 'in', eb.selectFrom('group_members').select('group_id').where('user_id', '=', slot('userId'))),
            ]),
          ]),
        ),
    ),
    roleGrantsOfUser: new PrecompiledQuery<'userId', { role_type: string; assignment_id: string; target_type: string | null; target_id: string | null }>((slot) =>
      db
        .selectFrom('role_assignments')
        .leftJoin('role_targets', 'role_targets.assignment_id', 'role_assignments.id')
        .select(['role_assignments.role_type', 'role_assignments.id as assignment_id', 'role_targets.target_type', 'role_targets.target_id'])
        .where('role_assignments.status', '=', 'ACTIVE')
        .where((eb) =>
          eb.or([
            eb.and([eb('role_assignments.principal_type', '=', 'USER'), eb('role_assignments.principal_id', '=', slot('userId'))]),
            eb.and([
              eb('role_assignments.principal_type', '=', 'GROUP'),
              eb('role_assignments.principal_id', 'in', eb.selectFrom('group_members').select('group_id').where('user_id', '=', slot('userId'))),
            ]),
          ]),
        ),
    ),
    touchApiToken: new PrecompiledQuery<'id' | 'lastUsed' | 'expiresAt' | 'staleBefore', never>((slot) =>
      db
        .updateTable('api_tokens')
        .set({ last_used: asNumber(slot('lastUsed')), expires_at: asNumber(slot('expiresAt')) })
        .where('id', '=', slot('id'))
        .where('last_used', '<=', asNumber(slot('staleBefore'))),
    ),
  };
}

type HotQueries = ReturnType<typeof hotQueries>;

/**
 * Runs a compiled read synchronously on a connection that sees only committed data. On SQLite,
 * Kysely's asynchronous driver costs several times the query itself on a request's path; a
 * separate read-only connection can be used synchronously without ever observing another
 * request's open transaction.
 */
export type SyncReader = (sql: string, parameters: readonly unknown[]) => unknown[];

/**
 * The one store implementation, over either dialect. Every method goes through `guard`, which
 * turns driver errors into catalog errors: nothing dialect-specific leaves this file.
 */
class KyselyPorts extends RolePorts implements StorePorts {
  constructor(
    db: Db,
    dialect: Dialect,
    protected readonly hot: HotQueries,
    /** Set on the store itself, never on transaction ports: a transaction must read its own writes. */
    private readonly readSync?: SyncReader,
    transactional = false,
  ) {
    super(db, dialect, transactional);
  }

  /** A precompiled read: synchronous on the committed-data reader when there is one. */
  private async readHot<Names extends string, Row>(query: PrecompiledQuery<Names, Row>, values: Record<Names, unknown>): Promise<Row[]> {
    const compiled = query.bind(values);
    if (this.readSync) return this.readSync(compiled.sql, compiled.parameters) as Row[];
    return (await this.db.executeQuery(compiled)).rows;
  }

  // --- org ---------------------------------------------------------------------------------

  getOrg(): Promise<OrgRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('orgs').selectAll().limit(1).executeTakeFirst();
      return row && { id: row.id, name: row.name, created: row.created, lastUpdated: row.last_updated };
    });
  }

  insertOrg(org: OrgRecord): Promise<void> {
    return this.guard(async () => {
      await this.db
        .insertInto('orgs')
        .values({ id: org.id, name: org.name, created: org.created, last_updated: org.lastUpdated })
        .execute();
    });
  }

  appliedBootstrapSteps(): Promise<Set<string>> {
    return this.guard(async () => {
      const rows = await this.db.selectFrom('bootstrap_steps').select('name').execute();
      return new Set(rows.map((r) => r.name));
    });
  }

  markBootstrapStep(name: string, at: number): Promise<void> {
    return this.guard(async () => {
      await this.db.insertInto('bootstrap_steps').values({ name, applied: at }).execute();
    });
  }

  // --- directory ---------------------------------------------------------------------------

  // Users (insertUser, getUser, setUserStatus, findUserByLogin) live in user-ports.ts.

  insertGroup(group: GroupRecord): Promise<void> {
    return this.guard(async () => {
      await this.db
        .insertInto('groups')
        .values({
          id: group.id,
          type: group.type,
          name: group.name,
          description: group.description,
          created: group.created,
          last_updated: group.lastUpdated,
          last_membership_updated: group.lastMembershipUpdated,
        })
        .execute();
    });
  }

  findGroupByName(type: GroupRecord['type'], name: string): Promise<GroupRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('groups').selectAll().where('type', '=', type).where('name', '=', name).executeTakeFirst();
      return (
        row && {
          id: row.id,
          type: row.type as GroupRecord['type'],
          name: row.name,
          description: row.description,
          created: row.created,
          lastUpdated: row.last_updated,
          lastMembershipUpdated: row.last_membership_updated,
        }
      );
    });
  }

  addGroupMember(groupId: string, userId: string): Promise<void> {
    return this.guard(async () => {
      await this.db
        .insertInto('group_members')
        .values({ group_id: groupId, user_id: userId })
        .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
        .execute();
    });
  }

  missingGroupIds(ids: readonly string[]): Promise<string[]> {
    return this.missingIdsIn('groups', ids);
  }

  missingUserIds(ids: readonly string[]): Promise<string[]> {
    return this.missingIdsIn('users', ids);
  }

  policyGeneration(type: PolicyType): Promise<number> {
    return this.guard(async () => {
      const [row] = await this.readHot(this.hot.policyGeneration, { type });
      return row ? Number(row.generation) : 0;
    });
  }

  roleTypesOfUser(userId: string): Promise<Set<RoleType>> {
    return this.guard(async () => {
      const rows = await this.readHot(this.hot.roleTypesOfUser, { userId });
      return new Set(rows.map((r) => r.role_type).filter(isRoleType));
    });
  }

  /** See RoleStore: one precompiled read on the authentication path. */
  override roleGrantsOfUser(userId: string): Promise<RoleGrantRow[]> {
    return this.guard(async () => {
      const rows = await this.readHot(this.hot.roleGrantsOfUser, { userId });
      return rows.map((r) => ({
        roleType: r.role_type,
        assignmentId: r.assignment_id,
        targetType: (r.target_type as RoleTargetType | null) ?? null,
        targetId: r.target_id ?? null,
      }));
    });
  }

  // --- API tokens --------------------------------------------------------------------------

  insertApiToken(t: ApiTokenRecord): Promise<void> {
    return this.guard(async () => {
      await this.db
        .insertInto('api_tokens')
        .values({
          id: t.id,
          name: t.name,
          user_id: t.userId,
          client_name: t.clientName,
          token_hash: t.tokenHash,
          token_window: t.tokenWindow,
          network: JSON.stringify(t.network),
          created: t.created,
          last_updated: t.lastUpdated,
          last_used: t.lastUsed,
          expires_at: t.expiresAt,
          revoked: t.revoked,
        })
        .execute();
    });
  }

  findApiTokenByHash(tokenHash: string): Promise<ApiTokenWithOwner | undefined> {
    return this.guard(async () => {
      const [row] = await this.readHot(this.hot.findApiTokenByHash, { hash: tokenHash });
      if (!row) return undefined;
      const profile = JSON.parse(row.owner_profile) as UserRecord['profile'];
      return {
        token: toApiToken(row),
        owner: { id: row.user_id, login: row.owner_login, status: row.owner_status, firstName: profile.firstName, lastName: profile.lastName },
      };
    });
  }

  getApiToken(id: string): Promise<ApiTokenRecord | undefined> {
    return this.guard(async () => {
      const [row] = await this.readHot(this.hot.getApiToken, { id });
      return row && toApiToken(row);
    });
  }

  listApiTokens(query: { userId?: string; q?: string; after?: ApiTokenCursor; limit: number }): Promise<ApiTokenRecord[]> {
    return this.guard(async () => {
      let select = this.db.selectFrom('api_tokens').selectAll().where('revoked', 'is', null);
      if (query.userId) select = select.where('user_id', '=', query.userId);
      if (query.q) {
        const pattern = `%${escapeLike(query.q.toLowerCase())}%`;
        select = select.where((eb) =>
          eb.or([
            eb(sql<string>`lower(name)`, 'like', sql<string>`${pattern} escape '\\'`),
            eb(sql<string>`lower(client_name)`, 'like', sql<string>`${pattern} escape '\\'`),
          ]),
        );
      }
      const after = query.after;
      if (after) {
        select = select.where((eb) =>
          eb.or([eb('created', '>', after.created), eb.and([eb('created', '=', after.created), eb('id', '>', after.id)])]),
        );
      }
      const rows = await select.orderBy('created').orderBy('id').limit(query.limit).execute();
      return rows.map(toApiToken);
    });
  }

  updateApiToken(id: string, change: { name: string; network: ApiTokenNetwork; lastUpdated: number }): Promise<void> {
    return this.guard(async () => {
      await this.db
        .updateTable('api_tokens')
        .set({ name: change.name, network: JSON.stringify(change.network), last_updated: change.lastUpdated })
        .where('id', '=', id)
        .execute();
    });
  }

  revokeApiToken(id: string, at: number): Promise<boolean> {
    return this.guard(async () => {
      const result = await this.db
        .updateTable('api_tokens')
        .set({ revoked: at, last_updated: at })
        .where('id', '=', id)
        .where('revoked', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  touchApiToken(id: string, lastUsed: number, expiresAt: number, staleBefore: number): Promise<void> {
    return this.guard(async () => {
      await this.db.executeQuery(this.hot.touchApiToken.bind({ id, lastUsed, expiresAt, staleBefore }));
    });
  }

  hasAnyApiToken(): Promise<boolean> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('api_tokens').select('id').limit(1).executeTakeFirst();
      return row !== undefined;
    });
  }
}

/**
 * Transactions take one connection for their whole length. On SQLite they start with
 * `BEGIN IMMEDIATE`, so a second process (the CLI beside the server) waits on the busy timeout
 * instead of failing when a read transaction tries to become a write.
 */
export class KyselyStore extends KyselyPorts implements Store {
  constructor(
    db: Db,
    dialect: Dialect,
    private readonly reader?: { read: SyncReader; close: () => void },
  ) {
    super(db, dialect, hotQueries(db), reader?.read);
  }

  private readonly policyListeners: ((type: PolicyType) => void)[] = [];

  onPolicyChange(listener: (type: PolicyType) => void): void {
    this.policyListeners.push(listener);
  }

  protected override announcePolicyChanges(types: Iterable<PolicyType>): void {
    for (const type of types) for (const listener of this.policyListeners) listener(type);
  }

  private readonly directoryListeners: ((name: string) => void)[] = [];

  onDirectoryChange(listener: (name: string) => void): void {
    this.directoryListeners.push(listener);
  }

  protected override announceDirectoryChanges(names: Iterable<string>): void {
    for (const name of names) for (const listener of this.directoryListeners) listener(name);
  }

  transaction<T>(work: (tx: StorePorts) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (conn) => {
      await this.guard(() => sql.raw(this.dialect === 'sqlite' ? 'begin immediate' : 'begin').execute(conn));
      try {
        const ports = new KyselyPorts(conn, this.dialect, this.hot, undefined, true);
        const result = await work(ports);
        await this.guard(() => sql.raw('commit').execute(conn));
        this.announcePolicyChanges(ports.bumpedPolicyTypes);
        this.announceDirectoryChanges(ports.bumpedDirectoryNames);
        return result;
      } catch (error) {
        // After a failed commit PostgreSQL has already ended the transaction; SQLite may not have.
        await sql.raw('rollback').execute(conn).catch(() => undefined);
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    this.reader?.close();
    await this.db.destroy();
  }
}

function toApiToken(row: Selectable<Database['api_tokens']>): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    userId: row.user_id,
    clientName: row.client_name,
    tokenHash: row.token_hash,
    tokenWindow: row.token_window,
    network: JSON.parse(row.network) as ApiTokenNetwork,
    created: row.created,
    lastUpdated: row.last_updated,
    lastUsed: row.last_used,
    expiresAt: row.expires_at,
    revoked: row.revoked,
  };
}
