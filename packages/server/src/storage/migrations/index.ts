import type { Migration, MigrationProvider } from 'kysely';
import * as foundation from './0001-foundation.ts';
import * as policies from './0002-policies.ts';
import { systemLogMigration } from './0003-system-log.ts';
import { rateLimitsMigration } from './0004-rate-limits.ts';
import { directoryMigration } from './0005-directory.ts';
import type { Dialect } from '../kysely-base.ts';

/**
 * Versioned migrations, applied in name order at start. Never edit or reorder a released one;
 * add a new file instead.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-foundation': foundation,
    '0002-policies': policies,
    '0003-system-log': systemLogMigration(dialect),
    '0004-rate-limits': rateLimitsMigration(dialect),
    '0005-directory': directoryMigration(dialect),
  };
}

/** Some migrations use a dialect's own types (PostgreSQL identity and jsonb columns). */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
