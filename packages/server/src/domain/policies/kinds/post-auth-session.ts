import Type from 'typebox';
import { People, checkConditions, conditionsSchema } from './conditions.ts';
import type { JsonObject, PolicyKind } from './kind.ts';
import type { PartCheck, Problems } from './validate.ts';
import {
  Enum,
  IGNORED_PART,
  Obj,
  Opt,
  REQUIRED,
  arrayAt,
  frozen,
  isObject,
  catchAllRuleParser,
  objectAt,
  objectPart,
  parsePolicyParts,
  parseRuleParts,
  unsupportedPart,
} from './validate.ts';

/**
 * POST_AUTH_SESSION: the session protection policy (Identity Threat Protection). The org has
 * exactly one, created at bootstrap with its catch-all rule; neither policies nor rules can be
 * added. A rule says what to do when a session fails re-evaluation.
 */

/**
 * An action that may run a workflow (`PostAuthSessionPolicyRuleRunWorkflow`,
 * `EntityRiskPolicyRuleActionRunWorkflow`): the spec types the workflow id as an integer.
 */
export function WorkflowAction(actions: readonly string[]) {
  return Obj({ action: Enum(actions), workflow: Opt(Obj({ id: Type.Integer({ minimum: 1 }) })) });
}

/**
 * A list of such actions: each action at most once ("can be empty or contain two action value
 * pairs"), RUN_WORKFLOW with its workflow, the others without one.
 */
export function checkWorkflowActions(list: unknown[], path: string, problems: Problems): void {
  const seen = new Set<unknown>();
  list.forEach((item, i) => {
    if (!isObject(item)) return;
    if (seen.has(item.action)) problems.add(`${path}.${i}.action`, `lists ${String(item.action)} more than once`);
    seen.add(item.action);
    if (item.action === 'RUN_WORKFLOW' && objectAt(item, 'workflow')?.id === undefined) problems.add(`${path}.${i}.workflow.id`, `${REQUIRED} when action is RUN_WORKFLOW`);
    if (item.action !== 'RUN_WORKFLOW') delete item.workflow;
  });
}

const RuleActions = Obj({
  postAuthSession: Opt(
    Obj({ failureActions: Opt(Type.Array(WorkflowAction(['RUN_WORKFLOW', 'TERMINATE_SESSION']), { maxItems: 2, default: [] })) }, { default: {} }),
  ),
});

const checkActions: PartCheck = (actions: JsonObject, path, problems) => {
  const list = arrayAt(objectAt(actions, 'postAuthSession'), 'failureActions');
  if (list) checkWorkflowActions(list, `${path}.postAuthSession.failureActions`, problems);
};

const RULE_PARTS = {
  conditions: objectPart(conditionsSchema({ people: People }), { check: checkConditions }),
  actions: objectPart(RuleActions, { check: checkActions, whenAbsent: 'defaults' }),
};

const POLICY_PARTS = {
  conditions: unsupportedPart("Policy conditions aren't supported for POST_AUTH_SESSION policies"),
  settings: IGNORED_PART,
};

export const postAuthSession: PolicyKind = {
  type: 'POST_AUTH_SESSION',
  ruleType: 'POST_AUTH_SESSION',
  creatable: false,
  rulesCreatable: false,
  maxPolicies: 1,
  maxRules: 100,
  // Okta's example lists a rule at 0 and the catch-all at 99, as for app sign-in policies.
  firstRulePriority: 0,
  defaultRulePriority: 99,
  // Okta's Admin Console calls this policy "session protection".
  defaultPolicy: frozen({ name: 'Session Protection Policy', description: null, conditions: null, settings: null }),
  // As Okta's example: everyone, no failure action until one is configured.
  defaultRule: frozen({ name: 'Catch-all Rule', system: true, ...parseRuleParts(RULE_PARTS, { conditions: null, actions: null }) }),
  parsePolicy(input) {
    return parsePolicyParts(POLICY_PARTS, input);
  },
  parseRule: catchAllRuleParser(RULE_PARTS),
};
