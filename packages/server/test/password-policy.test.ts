// Password policy enforcement through the Users API: complexity causes (one per failed
// requirement), username and name exclusion, the common-password dictionary, history and minimum
// age, and which policy applies (priority order, group conditions, the default last).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError } from './helpers/assertions.ts';
import { setDefaultPasswordPolicy } from './users-password-policy.ts';

const NOT_MET = 'password: Password requirements were not met. Password requirements:';

for (const backend of backends()) {
  describe(`Password policy enforcement (${backend.name})`, () => {
    let org: TestOrg;
    const create = (login: string, password: string, extra: Record<string, unknown> = {}) =>
      org.request({
        method: 'POST',
        url: '/api/v1/users',
        payload: { profile: { login, email: login, firstName: 'Grace', lastName: 'Hopper' }, credentials: { password: { value: password } }, ...extra },
      });

    before(async () => {
      org = await startOrg(backend);
    });
    after(() => org.close());

    it('refuses with one cause per failed complexity requirement, and stores nothing', async () => {
      const body = assertOktaError(await create('weak@example.com', 'abc'), 403, 'E0000080', 'The password does not meet the complexity requirements of the current password policy.');
      assert.deepEqual(
        body.errorCauses.map((c) => c.errorSummary),
        [`${NOT_MET} at least 8 characters.`, `${NOT_MET} an uppercase letter.`, `${NOT_MET} a number.`, `${NOT_MET} a symbol.`],
      );
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/users/weak@example.com' }), 404, 'E0000007');
      const user = assertOktaError(await create('brock.isaac@example.com', 'Brock-1234!'), 403, 'E0000080');
      assert.deepEqual(user.errorCauses.map((c) => c.errorSummary), [`${NOT_MET} no parts of your username.`]);
      assert.equal((await create('fine@example.com', 'Ex4mple-ok!')).statusCode, 200);
    });

    it('applies excludeAttributes and the common-password dictionary', async () => {
      await setDefaultPasswordPolicy(org, {
        complexity: { minLength: 8, minLowerCase: 1, minUpperCase: 1, minNumber: 1, minSymbol: 0, excludeUsername: true, excludeAttributes: ['firstName', 'lastName'], dictionary: { common: { exclude: true } } },
      });
      const names = assertOktaError(await create('n1@example.com', 'GraceHopper9'), 403, 'E0000080');
      assert.deepEqual(names.errorCauses.map((c) => c.errorSummary), [`${NOT_MET} does not include your first name.`, `${NOT_MET} does not include your last name.`]);
      const common = assertOktaError(await create('n2@example.com', 'Password1'), 403, 'E0000080');
      assert.deepEqual(common.errorCauses.map((c) => c.errorSummary), ['password: This password was found in a list of commonly used passwords. Please try another password.']);
      assert.equal((await create('n3@example.com', 'Zebra7Quantum')).statusCode, 200);
    });

    it('enforces history and minimum age on change_password, and with strict on admin sets', async () => {
      await setDefaultPasswordPolicy(org, { age: { maxAgeDays: 0, expireWarnDays: 0, minAgeMinutes: 60, historyCount: 2 } });
      const id = (await create('hist@example.com', 'First-Pass1')).json().id;
      const change = (oldPassword: string, newPassword: string) =>
        org.request({ method: 'POST', url: `/api/v1/users/${id}/credentials/change_password`, payload: { oldPassword: { value: oldPassword }, newPassword: { value: newPassword } } });
      const tooSoon = assertOktaError(await change('First-Pass1', 'Second-Pass2'), 403, 'E0000080');
      assert.deepEqual(tooSoon.errorCauses.map((c) => c.errorSummary), ['password: Password requirements were not met. At least 60 minute(s) must have elapsed since you last changed your password.']);
      org.clock.advance(61 * 60_000);
      assert.equal((await change('First-Pass1', 'Second-Pass2')).statusCode, 200);
      org.clock.advance(61 * 60_000);
      const reused = assertOktaError(await change('Second-Pass2', 'First-Pass1'), 403, 'E0000080');
      assert.deepEqual(reused.errorCauses.map((c) => c.errorSummary), ['password: Password requirements were not met. Your password cannot be any of your last 2 passwords.']);
      assert.equal((await change('Second-Pass2', 'Third-Pass3')).statusCode, 200);
      org.clock.advance(61 * 60_000);
      // History keeps the last 2 (Third, Second): First may come back.
      assert.equal((await change('Third-Pass3', 'First-Pass1')).statusCode, 200);
      // An admin set skips age and history unless strict=true.
      org.clock.advance(61 * 60_000);
      const set = (value: string, strict: boolean) => org.request({ method: 'POST', url: `/api/v1/users/${id}?strict=${strict}`, payload: { credentials: { password: { value } } } });
      assertOktaError(await set('Third-Pass3', true), 403, 'E0000080');
      assert.equal((await set('Third-Pass3', false)).statusCode, 200);
      await setDefaultPasswordPolicy(org, { age: { maxAgeDays: 0, expireWarnDays: 0, minAgeMinutes: 0, historyCount: 0 } });
    });

    it('resolves the policy by priority and group conditions, the default last', async () => {
      const group = await org.request({ method: 'POST', url: '/api/v1/groups', payload: { profile: { name: 'Strict people' } } });
      assert.equal(group.statusCode, 200, group.body);
      const groupId = group.json().id;
      const policy = await org.request({
        method: 'POST',
        url: '/api/v1/policies',
        payload: {
          type: 'PASSWORD',
          name: 'Strict',
          priority: 1,
          conditions: { people: { groups: { include: [groupId] } } },
          settings: { password: { complexity: { minLength: 20 } } },
        },
      });
      assert.equal(policy.statusCode, 200, policy.body);
      // Okta never applies a policy without rules (its Admin Console creates one with the policy).
      const rule = await org.request({ method: 'POST', url: `/api/v1/policies/${policy.json().id}/rules`, payload: { type: 'PASSWORD', name: 'Everyone in it' } });
      assert.equal(rule.statusCode, 200, rule.body);
      const strict = assertOktaError(await create('strict@example.com', 'Short-Pass1', { groupIds: [groupId] }), 403, 'E0000080');
      assert.deepEqual(strict.errorCauses.map((c) => c.errorSummary), [`${NOT_MET} at least 20 characters.`]);
      assert.equal((await create('loose@example.com', 'Short-Pass1')).statusCode, 200);
      await org.request({ method: 'POST', url: `/api/v1/policies/${policy.json().id}/lifecycle/deactivate` });
      assert.equal((await create('strict@example.com', 'Short-Pass1', { groupIds: [groupId] })).statusCode, 200);
    });
  });
}
