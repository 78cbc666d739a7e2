// The official Okta Node SDK (@okta/okta-sdk-nodejs) managing policies and rules on a real
// listening Tollgate: list, create, get, update (the fetch-change-send-back pattern, which echoes
// read-only fields and drops milliseconds), activate, deactivate and delete, for policies and rules.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, OktaApiError, OktaSignOnPolicy, OktaSignOnPolicyRule, Policy, PolicyRule } from '@okta/okta-sdk-nodejs';
import { backends } from './helpers/backends.ts';
import { startListeningOrg } from './helpers/listening-org.ts';
import { sdkClient, collect } from './helpers/okta-sdk.ts';
import type { ListeningOrg } from './helpers/listening-org.ts';

for (const backend of backends()) {
  describe(`Okta Node SDK against Tollgate: policies (${backend.name})`, () => {
    let org: ListeningOrg;
    let client: Client;

    before(async () => {
      org = await startListeningOrg(backend);
      client = sdkClient(org.orgUrl);
    });
    after(() => org.close());

    it('lists the default policies of each type as their model classes', async () => {
      const signOn = await collect<Policy>(client.policyApi.listPolicies({ type: 'OKTA_SIGN_ON' }));
      assert.equal(signOn.length, 1);
      assert.equal(signOn[0]!.type, 'OKTA_SIGN_ON');
      assert.equal(signOn[0]!.system, true);
      assert.ok(signOn[0]!.created instanceof Date);
      const password = await collect<Policy>(client.policyApi.listPolicies({ type: 'PASSWORD' }));
      assert.equal(password[0]!.type, 'PASSWORD');
      const access = await collect<Policy>(client.policyApi.listPolicies({ type: 'ACCESS_POLICY' }));
      assert.equal(access[0]!.type, 'ACCESS_POLICY');
    });

    it('creates, gets, updates, deactivates, activates and deletes a policy', async () => {
      const created = (await client.policyApi.createPolicy({
        policy: { type: 'OKTA_SIGN_ON', name: 'SDK policy', description: 'made by the SDK' } as OktaSignOnPolicy,
        activate: false,
      })) as Policy;
      assert.ok(created.id);
      assert.equal(created.status, 'INACTIVE');
      assert.equal(created.priority, 1);

      const fetched = await client.policyApi.getPolicy({ policyId: created.id! });
      assert.equal(fetched.name, 'SDK policy');
      fetched.name = 'SDK policy, renamed';
      const replaced = await client.policyApi.replacePolicy({ policyId: created.id!, policy: fetched });
      assert.equal(replaced.name, 'SDK policy, renamed');
      assert.equal(replaced.description, 'made by the SDK');

      await client.policyApi.activatePolicy({ policyId: created.id! });
      assert.equal((await client.policyApi.getPolicy({ policyId: created.id! })).status, 'ACTIVE');
      await client.policyApi.deactivatePolicy({ policyId: created.id! });
      assert.equal((await client.policyApi.getPolicy({ policyId: created.id! })).status, 'INACTIVE');
      assert.equal((await org.services.store.getPolicy(created.id!))?.name, 'SDK policy, renamed');

      await client.policyApi.deletePolicy({ policyId: created.id! });
      assert.equal(await org.services.store.getPolicy(created.id!), undefined);
      await assert.rejects(client.policyApi.getPolicy({ policyId: created.id! }), (error: OktaApiError) => {
        assert.equal(error.status, 404);
        assert.equal(error.errorCode, 'E0000007');
        return true;
      });
    });

    it('creates, lists, gets, updates, deactivates, activates and deletes a rule', async () => {
      const policy = (await client.policyApi.createPolicy({ policy: { type: 'OKTA_SIGN_ON', name: 'SDK rules' } as OktaSignOnPolicy })) as Policy;
      const rule = (await client.policyApi.createPolicyRule({
        policyId: policy.id!,
        policyRule: {
          type: 'SIGN_ON',
          name: 'SDK rule',
          actions: { signon: { access: 'ALLOW', requireFactor: true, factorPromptMode: 'ALWAYS', factorLifetime: 15 } },
        } as OktaSignOnPolicyRule,
      })) as OktaSignOnPolicyRule;
      assert.ok(rule.id);
      assert.equal(rule.type, 'SIGN_ON');
      assert.equal(rule.status, 'ACTIVE');
      assert.equal(rule.actions?.signon?.factorPromptMode, 'ALWAYS');

      const rules = await collect<PolicyRule>(client.policyApi.listPolicyRules({ policyId: policy.id! }));
      assert.deepEqual(rules.map((r) => r.id), [rule.id]);

      const fetched = (await client.policyApi.getPolicyRule({ policyId: policy.id!, ruleId: rule.id! })) as OktaSignOnPolicyRule;
      fetched.name = 'SDK rule, renamed';
      const replaced = await client.policyApi.replacePolicyRule({ policyId: policy.id!, ruleId: rule.id!, policyRule: fetched });
      assert.equal(replaced.name, 'SDK rule, renamed');

      await client.policyApi.deactivatePolicyRule({ policyId: policy.id!, ruleId: rule.id! });
      assert.equal((await client.policyApi.getPolicyRule({ policyId: policy.id!, ruleId: rule.id! })).status, 'INACTIVE');
      await client.policyApi.activatePolicyRule({ policyId: policy.id!, ruleId: rule.id! });
      assert.equal((await client.policyApi.getPolicyRule({ policyId: policy.id!, ruleId: rule.id! })).status, 'ACTIVE');

      await client.policyApi.deletePolicyRule({ policyId: policy.id!, ruleId: rule.id! });
      assert.equal((await org.services.store.listRules(policy.id!)).length, 0);
      await client.policyApi.deletePolicy({ policyId: policy.id! });
    });
  });
}
