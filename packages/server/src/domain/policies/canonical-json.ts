import type { Json } from './kinds/kind.ts';

/**
 * JSON with object keys sorted at every level: two values that mean the same serialise the same,
 * whatever order a client sent the keys in. Used to tell a real change from a repeated PUT.
 */
export function canonicalJson(value: Json | undefined): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}
