import { scrypt, timingSafeEqual } from 'node:crypto';
import type { IdGenerator } from '../shared/ids.ts';

/** Default scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, ~50-90 ms on one core here). */
export const DEFAULT_KDF_LOG2_N = 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 22;

/** Memory scrypt needs is 128 * N * r bytes; allow twice that. */
function maxmem(log2N: number, r: number): number {
  return 256 * 2 ** log2N * r + 1024 * 1024;
}

function derive(password: string, salt: string, log2N: number, r: number, p: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, { N: 2 ** log2N, r, p, maxmem: maxmem(log2N, r) }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9+/_-]+)$/;

/**
 * Password hashing with scrypt (memory-hard), stored as a PHC-style string
 * `$scrypt$ln=15,r=8,p=1$<salt>$<base64 key>` so that the cost can change: new passwords get the
 * configured cost, old ones verify with the cost they were hashed with. Verification compares
 * with `timingSafeEqual`. The key derivation runs on libuv's thread pool, never on the event
 * loop. `evaluations` counts every derivation (tests prove lockout bounds with it).
 */
export class PasswordHasher {
  evaluations = 0;
  /** A hash of a random password at the configured cost: unknown users cost one KDF too. */
  private decoy: Promise<string> | undefined;

  constructor(private readonly deps: { ids: IdGenerator; log2N: number }) {}

  async hash(password: string): Promise<string> {
    this.evaluations++;
    return this.derivePhc(password);
  }

  private async derivePhc(password: string): Promise<string> {
    const salt = this.deps.ids.secret(SALT_LENGTH);
    const key = await derive(password, salt, this.deps.log2N, R, P, KEY_LENGTH);
    return `$scrypt$ln=${this.deps.log2N},r=${R},p=${P}$${salt}$${key.toString('base64').replace(/=+$/, '')}`;
  }

  /** True when `password` produced `encoded`. A string that is not ours never matches. */
  async verify(password: string, encoded: string): Promise<boolean> {
    const m = PHC.exec(encoded);
    if (!m) return false;
    const expected = Buffer.from(m[5]!, 'base64');
    this.evaluations++;
    const actual = await derive(password, m[4]!, Number(m[1]), Number(m[2]), Number(m[3]), expected.length);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** Spends one verification's work and answers false: for users who do not exist or have no password. */
  async verifyNothing(password: string): Promise<false> {
    // Made once per process and not counted: it is set-up, not an evaluation a request asked for.
    this.decoy ??= this.derivePhc(this.deps.ids.secret(32));
    await this.verify(password, await this.decoy);
    return false;
  }
}
