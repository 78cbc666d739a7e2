import type { Migration, MigrationProvider } from 'kysely';
import * as foundation from './0001-foundation.ts';
import * as policies from './0002-policies.ts';

/**
 * Versioned migrations, applied in name order at start. Never edit or reorder a released one;
 * add a new file instead.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-policies': policies,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
