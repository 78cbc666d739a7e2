// Shared by the users, authn and password-policy suites (not a test file itself).
import assert from 'node:assert/strict';
import type { TestOrg } from './helpers/app.ts';

/** Replaces parts of `settings.password` of the org's default PASSWORD policy through the Policy API. */
export async function setDefaultPasswordPolicy(org: TestOrg, password: Record<string, unknown>): Promise<void> {
  const list = await org.request({ method: 'GET', url: '/api/v1/policies?type=PASSWORD' });
  assert.equal(list.statusCode, 200, list.body);
  const policy = list.json().find((p: { system: boolean }) => p.system);
  const res = await org.request({
    method: 'PUT',
    url: `/api/v1/policies/${policy.id}`,
    payload: { type: 'PASSWORD', name: policy.name, conditions: policy.conditions, settings: { ...policy.settings, password: { ...policy.settings.password, ...password } } },
  });
  assert.equal(res.statusCode, 200, res.body);
}
