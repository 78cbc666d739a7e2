import { isIP } from 'node:net';
import Type from 'typebox';
import type { Static } from 'typebox';
import { BUCKET_IDS } from '../rate-limit/buckets.ts';

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
    redisUrl: Type.Optional(Type.String({ minLength: 1, description: 'redis:// URL: rate-limit state shared by every instance using it. Without it, limits are kept in process (exact for one instance).' })),
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
    rateLimits: Type.Union([Type.Literal('on'), Type.Literal('off')], {
      default: 'on',
      description: "Okta's rate limits (org buckets, concurrency, principal shares, client-based). `off` answers without limiting or rate-limit headers.",
    }),
    orgTier: Type.Union(
      ['INTEGRATOR_FREE', 'ONE_APP', 'ENTERPRISE', 'WORKFORCE'].map((t) => Type.Literal(t)),
      { default: 'WORKFORCE', description: "Which of Okta's published limit tables applies (per-minute buckets, concurrency, warning threshold default)." },
    ),
    rateLimitOverrides: Type.Array(Type.String(), {
      default: [],
      description: 'Comma-separated `bucket=limit` pairs replacing per-minute limits of the tier, e.g. `logs=60,api-v1=5000` (bucket ids: docs/rate-limits.md).',
    }),
    concurrencyLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: 'Concurrent requests in flight for ordinary traffic. Default: the tier\'s (75 for Workforce).' })),
    concurrencyLimitOffice365: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: 'Concurrent Office 365 requests in flight. Default: the tier\'s.' })),
    concurrencyLimitAgent: Type.Optional(
      Type.String({ pattern: '^(adaptive|[1-9][0-9]{0,5})$', description: "Concurrent agent requests in flight: a number, or `adaptive` (above the agents' highest daily peak of the last 28 days). Default: the tier's." }),
    ),
    agentUserAgents: Type.Array(Type.String({ minLength: 1 }), {
      default: ['Okta AD Agent', 'Okta LDAP Agent', 'Okta RADIUS Agent', 'Okta IWA Web Agent', 'Okta Provisioning Agent', 'Okta On-Prem MFA Agent'],
      description: 'Comma-separated User-Agent substrings (case-insensitive) that make a request agent traffic for concurrency limits.',
    }),
    office365Paths: Type.Array(Type.String({ pattern: '^/' }), {
      default: ['/app/office365/'],
      description: 'Comma-separated path prefixes that make a request Office 365 traffic for concurrency limits.',
    }),
    redisKeyPrefix: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[A-Za-z0-9:_.-]+$',
      default: 'tollgate:rl:',
      description: 'Prefix of every Redis key Tollgate writes: instances of one org share it; different orgs on one Redis must not.',
    }),
    redisFailure: Type.Union([Type.Literal('open'), Type.Literal('closed')], {
      default: 'open',
      description: 'When Redis cannot be reached: `open` admits requests unlimited and logs it; `closed` answers 503.',
    }),
    bodyLimit: Type.Integer({ minimum: 1024, maximum: 104857600, default: 1048576, description: 'Largest accepted request body, in bytes.' }),
    passwordHashCost: Type.Integer({
      minimum: 10,
      maximum: 20,
      default: 15,
      description: 'scrypt cost of new password hashes as log2(N), with r=8, p=1: 15 uses 32 MiB and ~50-90 ms per hash. Existing hashes keep the cost they were made with.',
    }),
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
  passwordHashCost: { env: 'TOLLGATE_PASSWORD_HASH_COST', flag: 'password-hash-cost' },
  rateLimits: { env: 'TOLLGATE_RATE_LIMITS', flag: 'rate-limits' },
  orgTier: { env: 'TOLLGATE_ORG_TIER', flag: 'org-tier' },
  rateLimitOverrides: { env: 'TOLLGATE_RATE_LIMIT_OVERRIDES', flag: 'rate-limit-overrides' },
  concurrencyLimit: { env: 'TOLLGATE_CONCURRENCY_LIMIT', flag: 'concurrency-limit' },
  concurrencyLimitOffice365: { env: 'TOLLGATE_CONCURRENCY_LIMIT_OFFICE365', flag: 'concurrency-limit-office365' },
  concurrencyLimitAgent: { env: 'TOLLGATE_CONCURRENCY_LIMIT_AGENT', flag: 'concurrency-limit-agent' },
  agentUserAgents: { env: 'TOLLGATE_AGENT_USER_AGENTS', flag: 'agent-user-agents' },
  office365Paths: { env: 'TOLLGATE_OFFICE365_PATHS', flag: 'office365-paths' },
  redisKeyPrefix: { env: 'TOLLGATE_REDIS_KEY_PREFIX', flag: 'redis-key-prefix' },
  redisFailure: { env: 'TOLLGATE_REDIS_FAILURE', flag: 'redis-failure' },
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
  rateLimitOverrides: (value: string[]) => {
    for (const entry of value) {
      const match = /^([a-z0-9-]+)=(\d{1,7})$/.exec(entry);
      if (!match) return `"${entry}" is not bucket=limit`;
      if (!BUCKET_IDS.includes(match[1]!)) return `"${match[1]}" is not a bucket id (one of ${BUCKET_IDS.join(', ')})`;
    }
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
