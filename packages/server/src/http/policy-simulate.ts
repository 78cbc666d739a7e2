import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { SimulationOutcome } from '../domain/policy-engine/service.ts';
import type { ConditionTrace, PolicyTrace, RuleTrace } from '../domain/policy-engine/types.ts';
import { ApiValidationError } from '../errors/catalog.ts';
import type { Services } from '../services.ts';
import { callContext } from './auth.ts';

/** `expand` may be repeated (`?expand=EVALUATED&expand=RULE`, as Okta's guide sends it) or comma-separated. */
const SimulateQuery = Type.Object({ expand: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 8 })) });
const EXPANDS = ['EVALUATED', 'RULE'] as const;

/** `SimulateResultPoliciesItems` as served. */
interface PolicyItem {
  id: string;
  name: string;
  status: PolicyTrace['status'];
  conditions: ConditionTrace[];
  rules: { id: string; name: string; status: RuleTrace['status']; conditions: ConditionTrace[] }[];
}

/**
 * `POST /api/v1/policies/simulate` (createPolicySimulation, scope okta.policies.read). The body
 * is the spec's array of `SimulatePolicyBody` or the single object of Okta's reference and guide;
 * the answer is the spec's `SimulatePolicyResponse`, a bare array with one item per simulated
 * policy type (docs/policy-engine-runtime.md explains the choices):
 * - `result.policies`: the policy that applies with the rule that matched (empty when none does);
 * - `undefined.policies`: the policies that could not be decided for lack of input;
 * - `evaluated.policies` (`expand=EVALUATED`): every other policy considered, the applying one included;
 * - `expand=RULE`: the conditions of every rule listed, with their statuses (otherwise only the
 *   matched rule's conditions are shown; policies always show theirs).
 */
export function policySimulateRoutes(api: FastifyInstance, deps: { services: Services }): void {
  api.post('/policies/simulate', { schema: { querystring: SimulateQuery } }, async (request) => {
    const expand = parseExpand((request.query as { expand?: string[] }).expand);
    const outcomes = await deps.services.policySimulator.simulate(callContext(request), request.body, { ruleConditions: expand.rule });
    return outcomes.map((outcome) => renderOutcome(outcome, expand));
  });
}

function parseExpand(values: readonly string[] | undefined): { evaluated: boolean; rule: boolean } {
  const given = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
  const bad = given.filter((v) => !(EXPANDS as readonly string[]).includes(v.toUpperCase()));
  if (bad.length > 0) throw new ApiValidationError([`expand: must be ${EXPANDS.join(' or ')}; got ${bad.join(', ')}`]);
  const upper = new Set(given.map((v) => v.toUpperCase()));
  return { evaluated: upper.has('EVALUATED'), rule: upper.has('RULE') };
}

function renderOutcome({ policyType, evaluation }: SimulationOutcome, expand: { evaluated: boolean; rule: boolean }) {
  const trace = evaluation.trace ?? [];
  const { decision } = evaluation;
  const result: PolicyItem[] = [];
  if (decision) {
    const traced = trace.find((p) => p.id === decision.policy.id);
    const rule = traced?.rules.find((r) => r.id === decision.rule.id);
    result.push({
      id: decision.policy.id,
      name: decision.policy.name,
      status: 'MATCH',
      conditions: traced?.conditions ?? [],
      rules: [{ id: decision.rule.id, name: decision.rule.name, status: 'MATCH', conditions: rule?.conditions ?? [] }],
    });
  }
  const item = (p: PolicyTrace): PolicyItem => ({
    id: p.id,
    name: p.name,
    status: p.status,
    conditions: p.conditions,
    rules: p.rules.map((r) => ({ id: r.id, name: r.name, status: r.status, conditions: expand.rule ? r.conditions : [] })),
  });
  return {
    // The spec types `policyType` as an array of PolicyTypeSimulation (its examples show a string).
    policyType: [policyType],
    result: { policies: result },
    undefined: { policies: trace.filter((p) => p.status === 'UNDEFINED').map(item) },
    evaluated: { policies: expand.evaluated ? trace.filter((p) => p.status !== 'UNDEFINED').map(item) : [] },
  };
}
