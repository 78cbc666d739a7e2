import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { ApiValidationError, InvalidPagingError } from '../errors/catalog.ts';

/** Query parameters every paged list accepts. */
export const PageQuery = {
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  limit: Type.Optional(Type.String({ maxLength: 12 })),
};

export interface PageSpec {
  /** Used when `limit` is absent. */
  defaultLimit: number;
  /** A larger `limit` is clamped to this, as Okta does. */
  maxLimit: number;
}

/**
 * Opaque cursors: the sort key of the last item returned, as base64url JSON. Clients must not
 * build them; a cursor that does not decode to the expected shape is 400 E0000029.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<T>(value: string, shape: (key: unknown[]) => T | undefined): T {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidPagingError();
  }
  const parsed = Array.isArray(key) ? shape(key) : undefined;
  if (parsed === undefined) throw new InvalidPagingError();
  return parsed;
}

export function parseLimit(raw: string | undefined, spec: PageSpec): number {
  if (raw === undefined) return spec.defaultLimit;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    throw new ApiValidationError([`limit: must be an integer from 1 to ${spec.maxLimit}`]);
  }
  return Math.min(Number(raw), spec.maxLimit);
}

/**
 * Runs a keyset page: asks `fetch` for one row more than `limit` to learn whether a next page
 * exists, then sets one `Link` header per relation with absolute URLs: `self` always, `next`
 * only when more results exist.
 */
export async function page<T>(options: {
  request: FastifyRequest;
  reply: FastifyReply;
  orgUrl: string;
  spec: PageSpec;
  fetch: (limit: number, after: string | undefined) => Promise<T[]>;
  cursorOf: (item: T) => readonly (string | number)[];
}): Promise<T[]> {
  const { request, reply, orgUrl, spec } = options;
  const query = request.query as { limit?: string; after?: string };
  const limit = parseLimit(query.limit, spec);
  const rows = await options.fetch(limit + 1, query.after);
  const items = rows.slice(0, limit);
  const self = new URL(request.url, orgUrl + '/');
  const selfHref = orgUrl + self.pathname + self.search;
  const links = [`<${selfHref}>; rel="self"`];
  const last = items[items.length - 1];
  if (rows.length > limit && last !== undefined) {
    const next = new URL(self.pathname + self.search, orgUrl + '/');
    next.searchParams.set('after', encodeCursor(options.cursorOf(last)));
    next.searchParams.set('limit', String(limit));
    links.push(`<${orgUrl}${next.pathname}${next.search}>; rel="next"`);
  }
  reply.header('link', links);
  return items;
}
