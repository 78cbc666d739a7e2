import { isIP } from 'node:net';
import Type from 'typebox';
import type { Static } from 'typebox';

/**
 * The one configuration schema. Every setting is an environment variable `TOLLGATE_*` and a
 * flag of `tollgate serve`; defaults and descriptions live here and nowhere else.
 */
export const ConfigSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'TCP port to listen on; 0 picks a free port.' }),
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Interface to listen on.' }),
    dataDir: Type.String({ minLength: 1, default: './data', description: 'Directory of the embedded SQLite database.' }),
    databaseUrl: Type.Optional(Type.String({ minLength: 1, description: 'A postgres:// URL switches storage from SQLite to PostgreSQL.' })),
    redisUrl: Type.Optional(Type.String({ minLength: 1, description: 'redis:// URL for shared rate-limit state (reserved: used once rate limits land).' })),
    orgUrl: Type.Optional(Type.String({ minLength: 1, description: 'Public base URL used in _links, Link headers and issuers. Default: http://<host>:<port>.' })),
    bootstrapToken: Type.Optional(Type.String({ minLength: 20, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$', description: "When the org has no API token yet, this exact value becomes the bootstrap super admin's token." })),
    trustedProxies: Type.Array(Type.String(), { default: [], description: 'Comma-separated CIDRs or addresses whose X-Forwarded-For is honoured.' }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'Log level.' },
    ),
    authCacheSeconds: Type.Integer({
      minimum: 0,
      maximum: 300,
      default: 5,
      description: 'Seconds a successful SSWS authentication is reused without a database read. Exact on one instance; other instances sharing PostgreSQL see revocations within this time. 0 disables.',
    }),
    logRetentionDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 90,
      description: 'Days System Log events are kept; older ones are purged hourly and never returned.',
    }),
    bodyLimit: Type.Integer({ minimum: 1024, maximum: 104857600, default: 1048576, description: 'Largest accepted request body, in bytes.' }),
  },
  { additionalProperties: false },
);

export type Config = Readonly<Static<typeof ConfigSchema>>;
export type ConfigKey = keyof Static<typeof ConfigSchema>;

/** Environment variable and flag of each key. */
export const CONFIG_NAMES: Record<ConfigKey, { env: string; flag: string }> = {
  port: { env: 'TOLLGATE_PORT', flag: 'port' },
  host: { env: 'TOLLGATE_HOST', flag: 'host' },
  dataDir: { env: 'TOLLGATE_DATA_DIR', flag: 'data-dir' },
  databaseUrl: { env: 'TOLLGATE_DATABASE_URL', flag: 'database-url' },
  redisUrl: { env: 'TOLLGATE_REDIS_URL', flag: 'redis-url' },
  orgUrl: { env: 'TOLLGATE_ORG_URL', flag: 'org-url' },
  bootstrapToken: { env: 'TOLLGATE_BOOTSTRAP_TOKEN', flag: 'bootstrap-token' },
  trustedProxies: { env: 'TOLLGATE_TRUSTED_PROXIES', flag: 'trusted-proxies' },
  logLevel: { env: 'TOLLGATE_LOG_LEVEL', flag: 'log-level' },
  authCacheSeconds: { env: 'TOLLGATE_AUTH_CACHE_SECONDS', flag: 'auth-cache-seconds' },
  logRetentionDays: { env: 'TOLLGATE_LOG_RETENTION_DAYS', flag: 'log-retention-days' },
  bodyLimit: { env: 'TOLLGATE_BODY_LIMIT', flag: 'body-limit' },
};

/** Checks that JSON Schema cannot express; each returns a message or undefined. */
export const CONFIG_REFINEMENTS: Partial<Record<ConfigKey, (value: never) => string | undefined>> = {
  databaseUrl: (value: string) =>
    /^postgres(ql)?:\/\/[^\s]+$/.test(value) && canParseUrl(value) ? undefined : 'must be a postgres:// URL',
  redisUrl: (value: string) => (/^rediss?:\/\//.test(value) && canParseUrl(value) ? undefined : 'must be a redis:// or rediss:// URL'),
  orgUrl: (value: string) => {
    if (!canParseUrl(value)) return 'must be an absolute http(s) URL';
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an absolute http(s) URL';
    if (url.search || url.hash || url.username) return 'must not have a query, fragment or credentials';
    return undefined;
  },
  trustedProxies: (value: string[]) => {
    const bad = value.find((entry) => !isCidrOrAddress(entry));
    return bad === undefined ? undefined : `"${bad}" is not an IP address or CIDR`;
  },
};

function canParseUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

export function isCidrOrAddress(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
