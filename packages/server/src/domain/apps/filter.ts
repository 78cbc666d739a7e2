import { ApiValidationError } from '../../errors/catalog.ts';
import type { AppListQuery } from './ports.ts';

export type AppFilter = Pick<AppListQuery, 'status' | 'name' | 'id' | 'userId' | 'groupId'>;

const CLAUSE = /^\s*([A-Za-z.]+)\s+eq\s+"([^"\\]*)"\s*/i;
const AND = /^and\s+/i;

const ATTRIBUTES: Record<string, keyof AppFilter> = { status: 'status', name: 'name', id: 'id', 'user.id': 'userId', 'group.id': 'groupId' };

/**
 * The app list `filter`: `eq` clauses on `status`, `name`, `id`, `user.id` and `group.id`, joined
 * with `and` (operators case-insensitive, attribute names not). Okta's other filterable
 * attributes (`credentials.signing.kid`, `settings.slo.enabled`) concern SAML and signing keys,
 * which Tollgate's apps do not have; they and anything else answer 400 naming `filter`.
 */
export function parseAppFilter(filter: string): AppFilter {
  const out: AppFilter = {};
  let rest = filter.trim();
  if (rest === '') throw invalid('must not be empty');
  for (;;) {
    const match = CLAUSE.exec(rest);
    if (!match) throw invalid(`must be clauses such as status eq "ACTIVE", joined with and`);
    const [whole, attribute, value] = match as unknown as [string, string, string];
    const key = ATTRIBUTES[attribute];
    if (key === undefined) throw invalid(`${attribute} cannot be filtered on; use ${Object.keys(ATTRIBUTES).join(', ')}`);
    if (out[key] !== undefined) throw invalid(`${attribute} can appear only once`);
    if (key === 'status') {
      if (value !== 'ACTIVE' && value !== 'INACTIVE') throw invalid('status must be ACTIVE or INACTIVE');
      out.status = value;
    } else {
      out[key] = value;
    }
    rest = rest.slice(whole.length);
    if (rest === '') return out;
    const and = AND.exec(rest);
    if (!and) throw invalid('clauses can only be joined with and');
    rest = rest.slice(and[0].length);
  }
}

function invalid(message: string): ApiValidationError {
  return new ApiValidationError([`filter: ${message}`]);
}
