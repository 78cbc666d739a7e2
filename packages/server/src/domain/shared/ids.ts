import { randomBytes, randomUUID } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random bytes drawn from a buffer refilled 4 KiB at a time: ids are made on every request. */
function randomByteSource(): () => number {
  let pool = Buffer.alloc(0);
  let position = 0;
  return () => {
    if (position === pool.length) {
      pool = randomBytes(4096);
      position = 0;
    }
    return pool[position++]!;
  };
}

/** Uniform random characters from [A-Za-z0-9] (rejection sampling, no modulo bias). */
function alphanumeric(nextByte: () => number, length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = nextByte();
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

export function randomAlphanumeric(length: number): string {
  return alphanumeric(randomByteSource(), length);
}

/** Okta object-id prefixes, one per resource kind. */
export const ID_PREFIX = {
  org: '00o',
  user: '00u',
  group: '00g',
  apiToken: '00T',
  roleAssignment: 'ra1',
  policy: '00p',
  policyRule: '0pr',
  /** App sign-in (ACCESS_POLICY) policies and their rules use their own prefixes, as in Okta. */
  accessPolicy: 'rst',
  accessPolicyRule: 'rul',
  policyMapping: 'rpm',
  principalRateLimit: 'prl',
  /** Network zones (`nzo…`), apps (`0oa…`, also an OIDC app's `client_id`), user sessions (`102…`). */
  zone: 'nzo',
  app: '0oa',
  session: '102',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

/** Randomness is injected: ids, request ids, error ids and secret values all come from here. */
export interface IdGenerator {
  /** A 20-character Okta-style object id, e.g. `00u1a2b3c4d5e6f7g8h9`. */
  objectId(kind: IdKind): string;
  /** `req` + 22 characters, as Okta's `X-Okta-Request-Id`. */
  requestId(): string;
  /** `oae` + 22 characters, as Okta's `errorId`. */
  errorId(): string;
  uuid(): string;
  /** A new SSWS token value: `00` + 40 characters (42 in all, like Okta's). */
  apiTokenValue(): string;
  /**
   * A secret value of `length` characters from [A-Za-z0-9_-] (client secrets, session and
   * recovery tokens). Each draws its own bytes, never from the pool.
   */
  secret(length: number): string;
}

/**
 * Ids from a pooled random source. Secret values (API tokens) never come from the pool: each
 * draws its own bytes.
 */
export function createRandomIds(): IdGenerator {
  const nextByte = randomByteSource();
  return {
    objectId: (kind) => ID_PREFIX[kind] + alphanumeric(nextByte, 20 - ID_PREFIX[kind].length),
    requestId: () => 'req' + alphanumeric(nextByte, 22),
    errorId: () => 'oae' + alphanumeric(nextByte, 22),
    uuid: () => randomUUID(),
    apiTokenValue: () => '00' + randomBytes(30).toString('base64url'),
    secret: (length) => randomBytes(Math.ceil((length * 3) / 4)).toString('base64url').slice(0, length),
  };
}

export const randomIds: IdGenerator = createRandomIds();
