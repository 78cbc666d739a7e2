import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { TestOrg } from './app.ts';
import { assertErrorMatchesSpec, assertMatchesSpec } from './openapi.ts';

type Res = LightMyRequestResponse;
type Options = Omit<InjectOptions, 'method' | 'url'> & { token?: string | null };
type Json = Record<string, unknown>;

/** The Policy API operation a request hits, by method and path shape (Okta's operationIds). */
function operationOf(method: string, path: string): string {
  const p = path.split('?')[0]!.replace(/^\/api\/v1/, '');
  const routes: [string, RegExp, string][] = [
    ['GET', /^\/policies$/, 'listPolicies'],
    ['POST', /^\/policies$/, 'createPolicy'],
    ['GET', /^\/policies\/[^/]+$/, 'getPolicy'],
    ['PUT', /^\/policies\/[^/]+$/, 'replacePolicy'],
    ['DELETE', /^\/policies\/[^/]+$/, 'deletePolicy'],
    ['POST', /^\/policies\/[^/]+\/lifecycle\/activate$/, 'activatePolicy'],
    ['POST', /^\/policies\/[^/]+\/lifecycle\/deactivate$/, 'deactivatePolicy'],
    ['POST', /^\/policies\/[^/]+\/clone$/, 'clonePolicy'],
    ['GET', /^\/policies\/[^/]+\/app$/, 'listPolicyApps'],
    ['GET', /^\/policies\/[^/]+\/mappings$/, 'listPolicyMappings'],
    ['POST', /^\/policies\/[^/]+\/mappings$/, 'mapResourceToPolicy'],
    ['GET', /^\/policies\/[^/]+\/mappings\/[^/]+$/, 'getPolicyMapping'],
    ['DELETE', /^\/policies\/[^/]+\/mappings\/[^/]+$/, 'deletePolicyResourceMapping'],
    ['GET', /^\/policies\/[^/]+\/rules$/, 'listPolicyRules'],
    ['POST', /^\/policies\/[^/]+\/rules$/, 'createPolicyRule'],
    ['GET', /^\/policies\/[^/]+\/rules\/[^/]+$/, 'getPolicyRule'],
    ['PUT', /^\/policies\/[^/]+\/rules\/[^/]+$/, 'replacePolicyRule'],
    ['DELETE', /^\/policies\/[^/]+\/rules\/[^/]+$/, 'deletePolicyRule'],
    ['POST', /^\/policies\/[^/]+\/rules\/[^/]+\/lifecycle\/activate$/, 'activatePolicyRule'],
    ['POST', /^\/policies\/[^/]+\/rules\/[^/]+\/lifecycle\/deactivate$/, 'deactivatePolicyRule'],
  ];
  const found = routes.find(([m, re]) => m === method && re.test(p));
  if (!found) throw new Error(`no Policy API operation for ${method} ${path}`);
  return found[2];
}

/** A response-shaped copy of `res` with another JSON body. */
function withBody(res: Res, body: unknown): Res {
  const text = JSON.stringify(body);
  return { statusCode: res.statusCode, headers: res.headers, body: text, payload: text, raw: res.raw } as unknown as Res;
}

/**
 * `expand=rules` embeds `_embedded.rules` as an array, as Okta's (Classic) reference shows, while
 * the spec's generic `Policy._embedded` allows only object values. The embedded rules are
 * validated as a `listPolicyRules` body and the policy without them as the operation's body.
 */
async function assertExpandedMatchesSpec(operationId: string, res: Res): Promise<void> {
  const body = JSON.parse(res.body) as unknown;
  const policies = (Array.isArray(body) ? body : [body]) as { _embedded?: { rules?: unknown[] } }[];
  const stripped = policies.map(({ _embedded, ...rest }) => {
    if (_embedded?.rules === undefined) throw new Error(`${operationId} with expand=rules: a policy without _embedded.rules`);
    return rest;
  });
  for (const policy of policies) await assertMatchesSpec('listPolicyRules', withBody(res, policy._embedded!.rules));
  await assertMatchesSpec(operationId, withBody(res, Array.isArray(body) ? stripped : stripped[0]));
}

/**
 * A Policy API client for tests in which every response is validated against Okta's OpenAPI
 * spec (the operation's schema for its status, or the Error schema for statuses the spec does
 * not list), so each test doubles as a conformance check.
 */
export function policyApi(org: TestOrg) {
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, options: Options = {}): Promise<Res> => {
    const res = await org.request({ ...options, method, url });
    const operationId = operationOf(method, url);
    if (res.statusCode < 400 && /[?&]expand=rules(&|$)/.test(url)) await assertExpandedMatchesSpec(operationId, res);
    else if (res.statusCode < 400) await assertMatchesSpec(operationId, res);
    else await assertErrorMatchesSpec(operationId, res);
    return res;
  };
  const as = (token: string | undefined) => (token === undefined ? {} : { token });
  return {
    call,
    list: (query: string, token?: string) => call('GET', `/api/v1/policies?${query}`, as(token)),
    create: (body: Json, query = '', token?: string) => call('POST', `/api/v1/policies${query ? `?${query}` : ''}`, { payload: body, ...as(token) }),
    get: (id: string, query = '', token?: string) => call('GET', `/api/v1/policies/${id}${query ? `?${query}` : ''}`, as(token)),
    replace: (id: string, body: Json, token?: string) => call('PUT', `/api/v1/policies/${id}`, { payload: body, ...as(token) }),
    remove: (id: string, token?: string) => call('DELETE', `/api/v1/policies/${id}`, as(token)),
    lifecycle: (id: string, action: 'activate' | 'deactivate', token?: string) => call('POST', `/api/v1/policies/${id}/lifecycle/${action}`, as(token)),
    clone: (id: string, token?: string) => call('POST', `/api/v1/policies/${id}/clone`, as(token)),
    rules: (id: string, query = '', token?: string) => call('GET', `/api/v1/policies/${id}/rules${query ? `?${query}` : ''}`, as(token)),
    createRule: (id: string, body: Json, query = '', token?: string) =>
      call('POST', `/api/v1/policies/${id}/rules${query ? `?${query}` : ''}`, { payload: body, ...as(token) }),
    getRule: (id: string, ruleId: string, token?: string) => call('GET', `/api/v1/policies/${id}/rules/${ruleId}`, as(token)),
    replaceRule: (id: string, ruleId: string, body: Json, token?: string) => call('PUT', `/api/v1/policies/${id}/rules/${ruleId}`, { payload: body, ...as(token) }),
    removeRule: (id: string, ruleId: string, token?: string) => call('DELETE', `/api/v1/policies/${id}/rules/${ruleId}`, as(token)),
    ruleLifecycle: (id: string, ruleId: string, action: 'activate' | 'deactivate', token?: string) =>
      call('POST', `/api/v1/policies/${id}/rules/${ruleId}/lifecycle/${action}`, as(token)),
    /** The org's default policy of a type (its `system: true` policy). */
    async defaultPolicy(type: string): Promise<Json & { id: string }> {
      const res = await call('GET', `/api/v1/policies?type=${type}`);
      const found = (res.json() as (Json & { id: string; system: boolean })[]).find((p) => p.system);
      if (!found) throw new Error(`no default ${type} policy`);
      return found;
    },
  };
}

export type PolicyApi = ReturnType<typeof policyApi>;
