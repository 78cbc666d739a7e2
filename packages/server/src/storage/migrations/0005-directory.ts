import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../kysely-base.ts';

/**
 * The directory made real (issue 6): user credentials and lockout state, password history,
 * sessions, admin-role targets, network zones, apps and their assignments.
 *
 * - `users` gains the password (a KDF string, never the password), when it last changed, the
 *   failed-attempt counter that lockout counts with one conditional UPDATE, the recovery token
 *   (SHA-256 of it) and lower-cased copies of the profile fields `q` and `filter` search.
 * - `user_passwords`: earlier password hashes, for `age.historyCount`.
 * - `user_sessions`: one-time session tokens from primary authentication and the sessions they
 *   become; only SHA-256 of a token value is stored.
 * - `role_assignments` becomes unique per (principal, role type): a concurrent duplicate
 *   assignment fails at the database and answers 409 E0000090.
 * - `role_targets`: the groups, apps and app names a role assignment is limited to.
 * - `network_zones`: IP zones' gateways and proxies as JSON lists of CIDRs and ranges.
 * - `apps`: `client_id` unique; the client secret is stored as SHA-256 only.
 * - `app_user_assignments`, `app_group_assignments`: who an app is assigned to.
 */
export function directoryMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const [name, type] of [
        ['password_hash', 'text'],
        ['password_changed', 'bigint'],
        ['last_login', 'bigint'],
        ['recovery_token_hash', 'text'],
        ['recovery_token_expires', 'bigint'],
        ['email_lower', 'text'],
        ['first_name_lower', 'text'],
        ['last_name_lower', 'text'],
      ] as const) {
        await db.schema.alterTable('users').addColumn(name, type).execute();
      }
      await db.schema
        .alterTable('users')
        .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Carry the lower-cased search columns over for users created before this migration.
      const existing = await sql<{ id: string; profile: string }>`select id, profile from users`.execute(db);
      for (const row of existing.rows) {
        const profile = JSON.parse(row.profile) as { email?: string | null; firstName?: string | null; lastName?: string | null };
        await sql`update users set email_lower = ${profile.email?.toLowerCase() ?? null}, first_name_lower = ${profile.firstName?.toLowerCase() ?? null}, last_name_lower = ${profile.lastName?.toLowerCase() ?? null} where id = ${row.id}`.execute(db);
      }
      await db.schema.createIndex('users_status_idx').on('users').columns(['status', 'id']).execute();
      await db.schema.createIndex('users_last_updated_idx').on('users').columns(['last_updated', 'id']).execute();
      await db.schema.createIndex('users_recovery_token_key').unique().on('users').column('recovery_token_hash').execute();

      await db.schema
        .createTable('user_passwords')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('user_passwords_user_idx').on('user_passwords').columns(['user_id', 'created']).execute();

      await db.schema
        .createTable('user_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('SESSION_TOKEN', 'SESSION')`))
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('user_sessions_token_hash_key').unique().on('user_sessions').column('token_hash').execute();
      await db.schema.createIndex('user_sessions_user_idx').on('user_sessions').column('user_id').execute();

      await db.schema
        .createIndex('role_assignments_principal_role_key')
        .unique()
        .on('role_assignments')
        .columns(['principal_type', 'principal_id', 'role_type'])
        .execute();

      await db.schema
        .createTable('role_targets')
        .addColumn('assignment_id', 'text', (c) => c.notNull().references('role_assignments.id').onDelete('cascade'))
        .addColumn('target_type', 'text', (c) => c.notNull().check(sql`target_type in ('GROUP', 'APP', 'APP_NAME')`))
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('role_targets_pk', ['assignment_id', 'target_type', 'target_id'])
        .execute();
      await db.schema.createIndex('role_targets_target_idx').on('role_targets').columns(['target_type', 'target_id']).execute();

      await db.schema
        .createTable('network_zones')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ACTIVE', 'INACTIVE')`))
        .addColumn('usage', 'text', (c) => c.notNull().check(sql`usage in ('POLICY', 'BLOCKLIST')`))
        .addColumn('system', dialect === 'postgres' ? 'boolean' : 'integer', (c) => c.notNull())
        .addColumn('gateways', 'text')
        .addColumn('proxies', 'text')
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('last_updated', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('network_zones_name_key').unique().on('network_zones').column('name').execute();

      await db.schema
        .createTable('apps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('sign_on_mode', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ACTIVE', 'INACTIVE')`))
        .addColumn('client_id', 'text')
        .addColumn('client_secret_hash', 'text')
        .addColumn('credentials', 'text')
        .addColumn('settings', 'text')
        .addColumn('visibility', 'text')
        .addColumn('profile', 'text')
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('last_updated', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('apps_client_id_key').unique().on('apps').column('client_id').execute();
      await db.schema.createIndex('apps_created_idx').on('apps').columns(['created', 'id']).execute();

      await db.schema
        .createTable('app_user_assignments')
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('USER', 'GROUP')`))
        .addColumn('profile', 'text')
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('last_updated', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_user_assignments_pk', ['app_id', 'user_id'])
        .execute();
      await db.schema.createIndex('app_user_assignments_user_idx').on('app_user_assignments').column('user_id').execute();

      await db.schema
        .createTable('app_group_assignments')
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('profile', 'text')
        .addColumn('last_updated', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_group_assignments_pk', ['app_id', 'group_id'])
        .execute();
      await db.schema.createIndex('app_group_assignments_group_idx').on('app_group_assignments').column('group_id').execute();

      // Lets every instance notice directory changes that cached evaluations depend on
      // (group membership, zones), as policy_generations does for policies.
      await db.schema
        .createTable('directory_generations')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('generation', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
