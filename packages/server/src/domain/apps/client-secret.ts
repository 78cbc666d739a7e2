import { createHash, timingSafeEqual } from 'node:crypto';

/** Okta generates 64-character client secrets (the spec's examples); clients may choose 14 to 100. */
export const GENERATED_SECRET_LENGTH = 64;

/**
 * What is stored of a client secret: its SHA-256, hex. A client secret is a high-entropy random
 * value (or one of at least 14 characters the client chose), checked on every token request, so
 * a fast hash is the right tool: a slow KDF would only slow down the token endpoint.
 */
export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored hash in time independent of where they differ. */
export function clientSecretMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashClientSecret(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
