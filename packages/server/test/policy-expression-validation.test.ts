import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError } from './helpers/assertions.ts';
import { policyApi } from './helpers/policies.ts';

/**
 * Save-time checks of Okta Expression Language conditions, through HTTP: an ACCESS_POLICY rule's
 * `elCondition.condition` (and an IDP_DISCOVERY rule's `providerExpression`) that does not parse,
 * uses something outside the subset Tollgate evaluates, or does not evaluate to the right type is
 * refused with 400 E0000001 naming the field, the reason and the position, and nothing is stored.
 */

type Body = Record<string, unknown>;
/** A response body, read field by field the way a client does. */
type Resource = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const EL = 'conditions.elCondition.condition';
const allow = { appSignOn: { access: 'ALLOW', verificationMethod: { type: 'ASSURANCE' } } };

for (const backend of backends()) {
  describe(`Policy expression validation (${backend.name})`, () => {
    let org: TestOrg;
    let policy: Resource;
    let created = 0;
    const unique = (prefix: string) => `${prefix} ${++created}`;

    const send = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: Body) => policyApi(org).call(method, url, payload ? { payload } : {});
    async function ok(res: Promise<LightMyRequestResponse>): Promise<Resource> {
      const response = await res;
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as Resource;
    }
    /** The causes of a 400 E0000001, which must include one naming `field`. */
    async function refused(res: Promise<LightMyRequestResponse>, field: string): Promise<string[]> {
      const body = assertOktaError(await res, 400, 'E0000001');
      const causes = body.errorCauses.map((c) => c.errorSummary);
      assert.ok(causes.some((c) => c.startsWith(`${field}: `)), `a cause names ${field}: ${JSON.stringify(causes)}`);
      return causes;
    }
    const rulesOf = async (policyId: string) => (await ok(send('GET', `/api/v1/policies/${policyId}/rules`))) as unknown as Resource[];
    const accessRule = (condition: string, extra: Body = {}) =>
      send('POST', `/api/v1/policies/${policy.id}/rules`, { type: 'ACCESS_POLICY', name: unique('EL'), conditions: { elCondition: { condition }, ...extra }, actions: allow });

    before(async () => {
      org = await startOrg(backend);
      policy = await ok(send('POST', '/api/v1/policies', { type: 'ACCESS_POLICY', name: 'Expressions' }));
    });
    after(() => org.close());

    it('stores an expression of the subset as given, and returns it on read', async () => {
      const condition = "security.risk.level == 'HIGH' && user.isMemberOf({'group.id': {'00g1', '00g2'}}) || user.profile.email.substringAfter('@') == 'example.com'";
      const rule = await ok(accessRule(condition));
      assert.deepEqual(rule.conditions.elCondition, { condition });
      const read = await ok(send('GET', `/api/v1/policies/${policy.id}/rules/${rule.id}`));
      assert.deepEqual(read.conditions.elCondition, { condition });
      for (const accepted of ["String.stringContains(user.profile.department, 'Eng')", 'device.profile.registered == true', "security.behaviors.contains('New IP')"]) {
        await ok(accessRule(accepted));
      }
    });

    const cases: [string, string, string][] = [
      ['a syntax error', "security.risk.level == 'HIGH", 'unterminated string starting with \' at position 24'],
      ['an incomplete expression', 'security.risk.level ==', 'expected an operand but found the end of the expression at position 23'],
      ['assignment', "security.risk.level = 'HIGH'", 'assignment (=) is not supported; use == to compare at position 21'],
      ['a user property the context lacks', "user.status == 'ACTIVE'", 'user.status is not available to policy conditions (user.id, user.login and user.profile.* are) at position 6'],
      [
        'group names',
        "isMemberOfGroupName('Admins')",
        "group names and types are not available to policy conditions; match groups by id, e.g. user.isMemberOf({'group.id': '00g...'}) at position 1",
      ],
      ['an unknown function', "String.foo(user.login) == 'x'", "unknown function 'String.foo' at position 8"],
      ['time functions', 'DateTime.now().withinDays(1)', 'time functions are not supported in policy conditions at position 10'],
      ['a non-boolean result', "user.profile.email.substringAfter('@')", 'the expression must evaluate to a boolean, not a string at position 1'],
      ['a wrong argument type', "user.profile.email.substringAfter(1) == 'x'", 'substringAfter cannot take as argument 1 a number; it needs a string at position 35'],
    ];
    for (const [what, condition, message] of cases) {
      it(`refuses ${what} on create, naming the field, the reason and the position, and stores nothing`, async () => {
        const before = (await rulesOf(policy.id)).length;
        const causes = await refused(accessRule(condition), EL);
        assert.ok(causes.includes(`${EL}: ${message}`), JSON.stringify(causes));
        assert.equal((await rulesOf(policy.id)).length, before);
      });
    }

    it('refuses an invalid expression on replace and keeps the stored rule', async () => {
      const rule = await ok(accessRule("security.risk.level == 'LOW'"));
      const body = { type: 'ACCESS_POLICY', name: rule.name, conditions: { elCondition: { condition: 'security.risk.level == ' } }, actions: rule.actions };
      const causes = await refused(send('PUT', `/api/v1/policies/${policy.id}/rules/${rule.id}`, body), EL);
      assert.deepEqual(causes, [`${EL}: expected an operand but found the end of the expression at position 24`]);
      const read = await ok(send('GET', `/api/v1/policies/${policy.id}/rules/${rule.id}`));
      assert.deepEqual(read.conditions.elCondition, { condition: "security.risk.level == 'LOW'" });
      const fixed = await ok(send('PUT', `/api/v1/policies/${policy.id}/rules/${rule.id}`, { ...body, conditions: { elCondition: { condition: "security.risk.level != 'LOW'" } } }));
      assert.deepEqual(fixed.conditions.elCondition, { condition: "security.risk.level != 'LOW'" });
    });

    it('reports an expression problem together with the other problems of the rule', async () => {
      const causes = await refused(accessRule('user.department == 1', { riskScore: { level: 'EXTREME' } }), EL);
      assert.ok(causes.some((c) => c.startsWith('conditions.riskScore.level: ')), JSON.stringify(causes));
      assert.ok(causes.includes(`${EL}: unknown user property 'user.department'; profile attributes are read as user.profile.department at position 6`), JSON.stringify(causes));
    });

    it('checks platform os.expression and EXPRESSION versions as expressions too, naming the item', async () => {
      const platform = (os: Body) => accessRule("security.risk.level == 'LOW'", { platform: { include: [{ type: 'DESKTOP', os: { type: 'OTHER', ...os } }] } });
      await refused(platform({ expression: "user.profile.x ==" }), 'conditions.platform.include.0.os.expression');
      await refused(platform({ version: { matchType: 'EXPRESSION', value: 'nope(' } }), 'conditions.platform.include.0.os.version.value');
      const rule = await ok(platform({ expression: "user.profile.team == 'desk'", version: { matchType: 'SEMVER', value: '>=10.1' } }));
      assert.equal(rule.conditions.platform.include[0].os.expression, "user.profile.team == 'desk'");
    });

    it('checks IDP_DISCOVERY providerExpression (a string expression) the same way', async () => {
      const discovery = ((await ok(send('GET', '/api/v1/policies?type=IDP_DISCOVERY'))) as unknown as Resource[])[0]!;
      const dynamic = (providerExpression: string) =>
        send('POST', `/api/v1/policies/${discovery.id}/rules`, {
          type: 'IDP_DISCOVERY',
          name: unique('Dynamic'),
          conditions: { network: { connection: 'ANYWHERE' } },
          actions: { idp: { providers: [], idpSelectionType: 'DYNAMIC', matchCriteria: [{ providerExpression, propertyName: 'name' }] } },
        });
      const rule = await ok(dynamic("login.identifier.substringAfter('@')"));
      assert.equal(rule.actions.idp.matchCriteria[0].providerExpression, "login.identifier.substringAfter('@')");
      const field = 'actions.idp.matchCriteria.0.providerExpression';
      const before = (await rulesOf(discovery.id)).length;
      assert.deepEqual(await refused(dynamic("login.identifier.substringAfter('@'"), field), [`${field}: expected ',' or ')' in the arguments but found the end of the expression at position 36`]);
      assert.deepEqual(await refused(dynamic("login.identifier == 'x'"), field), [`${field}: the expression must evaluate to a string, not a boolean at position 1`]);
      assert.equal((await rulesOf(discovery.id)).length, before);
    });
  });
}
