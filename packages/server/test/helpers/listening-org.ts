import { startOrg } from './app.ts';
import type { TestOrg } from './app.ts';
import type { Backend } from './backends.ts';

/** A bootstrapped org served on a real TCP port, for clients that speak HTTP themselves (the official Okta SDK). */
export type ListeningOrg = TestOrg;

export function startListeningOrg(backend: Backend, options: { config?: Record<string, unknown> } = {}): Promise<ListeningOrg> {
  return startOrg(backend, { ...options, listen: true });
}
