import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * What is stored of a high-entropy secret (API tokens, session and recovery tokens, client
 * secrets): its SHA-256, hex. These are random values checked on every request, so a fast hash
 * is the right tool; passwords, which people choose, go through the KDF instead.
 */
export function hashSecret(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored hash in time independent of where they differ. */
export function secretMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
