import { createHash } from 'node:crypto';

/** Okta's org tiers; each publishes its own per-minute limits (wire-facts §b4). */
export type OrgTier = 'INTEGRATOR_FREE' | 'ONE_APP' | 'ENTERPRISE' | 'WORKFORCE';
export const ORG_TIERS: readonly OrgTier[] = ['INTEGRATOR_FREE', 'ONE_APP', 'ENTERPRISE', 'WORKFORCE'];

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

interface BucketRow {
  /** Stable name, used in config overrides and as the counter key. */
  id: string;
  /** Okta's URL pattern; `{x}` is one path segment. */
  pattern: string;
  /** `exact`: the whole path; `prefix`: the path or anything below it. */
  match: 'exact' | 'prefix';
  /** Only these methods; all when absent. */
  methods?: readonly Method[];
  /** Requests per minute by tier: Integrator Free, One App, Enterprise, Workforce. */
  limits: readonly [number, number, number, number];
}

/**
 * The org-wide per-minute buckets, as Okta last published them (wire-facts §b4). Matching is
 * exact first, then the longest prefix, among the rows whose methods include the request's.
 * The org authorization server (`/oauth2/v1/...`) and the custom ones (`/oauth2/{id}/v1/...`)
 * are separate buckets, and all custom servers share theirs. Paths that match no row (the
 * `keys` and `.well-known` documents among them) are not limited.
 */
const BUCKET_ROWS: readonly BucketRow[] = [
  { id: 'apps', pattern: '/api/v1/apps', match: 'prefix', limits: [20, 100, 100, 100] },
  { id: 'apps-id', pattern: '/api/v1/apps/{id}', match: 'exact', limits: [100, 600, 600, 500] },
  { id: 'groups', pattern: '/api/v1/groups', match: 'exact', limits: [100, 600, 600, 500] },
  { id: 'groups-id', pattern: '/api/v1/groups/{id}', match: 'exact', limits: [100, 600, 600, 1000] },
  { id: 'users', pattern: '/api/v1/users', match: 'exact', methods: ['GET', 'POST'], limits: [100, 600, 600, 600] },
  { id: 'users-id-write', pattern: '/api/v1/users/{id}', match: 'exact', methods: ['POST', 'PUT', 'DELETE'], limits: [100, 600, 600, 600] },
  { id: 'users-id-read', pattern: '/api/v1/users/{idOrLogin}', match: 'exact', methods: ['GET'], limits: [100, 1000, 1000, 2000] },
  { id: 'logs', pattern: '/api/v1/logs', match: 'exact', limits: [20, 50, 50, 120] },
  { id: 'events', pattern: '/api/v1/events', match: 'exact', limits: [20, 50, 50, 100] },
  { id: 'oauth2-clients', pattern: '/oauth2/v1/clients', match: 'prefix', limits: [25, 100, 100, 100] },
  { id: 'api-v1', pattern: '/api/v1', match: 'prefix', limits: [100, 600, 600, 1200] },
  { id: 'authn', pattern: '/api/v1/authn', match: 'prefix', limits: [100, 600, 600, 500] },
  { id: 'sessions', pattern: '/api/v1/sessions', match: 'prefix', limits: [100, 600, 600, 750] },
  { id: 'oauth2-custom-authorize', pattern: '/oauth2/{authServerId}/v1/authorize', match: 'exact', limits: [300, 1200, 1200, 2000] },
  { id: 'oauth2-custom-token', pattern: '/oauth2/{authServerId}/v1/token', match: 'exact', limits: [300, 1200, 1200, 2000] },
  { id: 'oauth2-custom', pattern: '/oauth2/{authServerId}/v1', match: 'prefix', limits: [300, 1200, 1200, 2000] },
  { id: 'oauth2-org-authorize', pattern: '/oauth2/v1/authorize', match: 'exact', limits: [300, 1200, 1200, 2000] },
  { id: 'oauth2-org-token', pattern: '/oauth2/v1/token', match: 'exact', limits: [300, 1200, 1200, 2000] },
  { id: 'oauth2-org', pattern: '/oauth2/v1', match: 'prefix', limits: [300, 1200, 1200, 2000] },
  { id: 'oauth2', pattern: '/oauth2', match: 'prefix', limits: [100, 600, 600, 600] },
  { id: 'login-page', pattern: '/login/login.htm', match: 'exact', limits: [200, 1200, 1200, 1200] },
  { id: 'idx', pattern: '/idp/idx', match: 'prefix', limits: [100, 1000, 1000, 1000] },
  { id: 'idx-introspect', pattern: '/idp/idx/introspect', match: 'exact', limits: [200, 2000, 2000, 2000] },
  { id: 'app-intent', pattern: '/app/{appName}/{appInstanceId}', match: 'prefix', limits: [200, 2000, 2000, 2000] },
];

/** Paths Okta never limits, checked before the table (they would otherwise fall into `/oauth2*`). */
const UNLIMITED: readonly { pattern: string; match: 'exact' | 'prefix' }[] = [
  { pattern: '/oauth2/v1/keys', match: 'exact' },
  { pattern: '/oauth2/{authServerId}/v1/keys', match: 'exact' },
  { pattern: '/.well-known', match: 'prefix' },
  { pattern: '/oauth2/{authServerId}/.well-known', match: 'prefix' },
];

export const BUCKET_IDS: readonly string[] = BUCKET_ROWS.map((row) => row.id);

export interface Bucket {
  readonly id: string;
  readonly pattern: string;
  /** Requests per minute for the configured tier, after overrides. */
  readonly limit: number;
  /** Okta's `rateLimitBucketUuid`: stable per bucket id. */
  readonly uuid: string;
  /** The counter key of the org-wide bucket. */
  readonly key: string;
}

interface CompiledRow {
  segments: readonly (string | null)[];
  match: 'exact' | 'prefix';
  methods: readonly string[] | null;
  /** Literal segments count more than placeholders when two rows of one length both match. */
  literals: number;
  bucket: Bucket | null;
}

/**
 * Finds the bucket of a request. Built once from the tier and the overrides; `match` is called
 * with route templates (`/api/v1/users/:id`, cached per route by the caller) or concrete paths.
 */
export class BucketTable {
  private readonly rows: readonly CompiledRow[];
  readonly buckets: ReadonlyMap<string, Bucket>;

  constructor(options: { tier: OrgTier; overrides?: Readonly<Record<string, number>> }) {
    const column = ORG_TIERS.indexOf(options.tier);
    const buckets = new Map<string, Bucket>();
    const rows: CompiledRow[] = [];
    for (const row of BUCKET_ROWS) {
      const bucket: Bucket = {
        id: row.id,
        pattern: row.pattern,
        limit: options.overrides?.[row.id] ?? row.limits[column]!,
        uuid: bucketUuid(row.id),
        key: `o:${row.id}`,
      };
      buckets.set(row.id, bucket);
      rows.push(compile(row.pattern, row.match, row.methods ?? null, bucket));
    }
    for (const row of UNLIMITED) rows.push(compile(row.pattern, row.match, null, null));
    this.rows = rows;
    this.buckets = buckets;
  }

  /** The bucket of `method path`, or null when the path is not limited. Ignores any query string. */
  match(method: string, path: string): Bucket | null {
    const q = path.indexOf('?');
    const segments = (q === -1 ? path : path.slice(0, q)).split('/').filter((s) => s !== '');
    let best: CompiledRow | undefined;
    let bestScore = -1;
    for (const row of this.rows) {
      if (row.methods !== null && !row.methods.includes(method)) continue;
      if (row.match === 'exact' ? segments.length !== row.segments.length : segments.length < row.segments.length) continue;
      let matches = true;
      for (let i = 0; i < row.segments.length; i++) {
        const want = row.segments[i];
        if (want !== null && want !== segments[i]) {
          matches = false;
          break;
        }
      }
      if (!matches) continue;
      // Exact rows beat prefixes; then longer; then more literal; unlimited rows beat limited ties.
      const score = (row.match === 'exact' ? 1_000_000 : 0) + row.segments.length * 1000 + row.literals * 10 + (row.bucket === null ? 1 : 0);
      if (score > bestScore) {
        best = row;
        bestScore = score;
      }
    }
    return best?.bucket ?? null;
  }
}

function compile(pattern: string, match: 'exact' | 'prefix', methods: readonly string[] | null, bucket: Bucket | null): CompiledRow {
  const segments = pattern
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (s.startsWith('{') ? null : s));
  return { segments, match, methods, literals: segments.filter((s) => s !== null).length, bucket };
}

/** A name-based UUID (version 5 layout over SHA-1) so a bucket keeps its uuid across restarts and instances. */
function bucketUuid(id: string): string {
  const hash = createHash('sha1').update(`tollgate-rate-limit-bucket:${id}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Okta's default concurrent limit per traffic class by tier (wire-facts §b5, the older table for One App). */
export const DEFAULT_CONCURRENCY: Readonly<Record<OrgTier, number>> = {
  INTEGRATOR_FREE: 35,
  ONE_APP: 35,
  ENTERPRISE: 75,
  WORKFORCE: 75,
};

/** Okta: the warning threshold defaults to 90 for Workforce orgs and 60 for customer-identity orgs. */
export function defaultWarningThreshold(tier: string): number {
  return tier === 'WORKFORCE' ? 90 : 60;
}
