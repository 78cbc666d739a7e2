import { randomBytes, randomUUID } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform random characters from [A-Za-z0-9] (rejection sampling, no modulo bias). */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Okta object-id prefixes, one per resource kind. */
export const ID_PREFIX = {
  org: '00o',
  user: '00u',
  group: '00g',
  apiToken: '00T',
  roleAssignment: 'ra1',
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
}

export const randomIds: IdGenerator = {
  objectId: (kind) => ID_PREFIX[kind] + randomAlphanumeric(20 - ID_PREFIX[kind].length),
  requestId: () => 'req' + randomAlphanumeric(22),
  errorId: () => 'oae' + randomAlphanumeric(22),
  uuid: () => randomUUID(),
  apiTokenValue: () => '00' + randomBytes(30).toString('base64url'),
};
