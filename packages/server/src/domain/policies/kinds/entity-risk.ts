import Type from 'typebox';
import { EntityRisk, People, RiskDetectionTypes, checkConditions, conditionsSchema } from './conditions.ts';
import type { PolicyKind } from './kind.ts';
import { WorkflowAction, checkWorkflowActions } from './post-auth-session.ts';
import type { PartCheck } from './validate.ts';
import { IGNORED_PART, Obj, Opt, arrayAt, catchAllRuleParser, frozen, objectAt, objectPart, parsePolicyParts, parseRuleParts, unsupportedPart } from './validate.ts';

/**
 * ENTITY_RISK: the entity risk policy (Identity Threat Protection). The org has exactly one,
 * created at bootstrap with its catch-all rule at priority 99; rules (0..98) say what to do when
 * a user's risk changes.
 */

const RuleActions = Obj({
  entityRisk: Opt(Obj({ actions: Opt(Type.Array(WorkflowAction(['RUN_WORKFLOW', 'TERMINATE_ALL_SESSIONS']), { maxItems: 2, default: [] })) }, { default: {} })),
});

const checkActions: PartCheck = (actions, path, problems) => {
  const list = arrayAt(objectAt(actions, 'entityRisk'), 'actions');
  if (list) checkWorkflowActions(list, `${path}.entityRisk.actions`, problems);
};

const RULE_PARTS = {
  conditions: objectPart(conditionsSchema({ people: People, entityRisk: EntityRisk, riskDetectionTypes: RiskDetectionTypes }), { check: checkConditions }),
  actions: objectPart(RuleActions, { check: checkActions, whenAbsent: 'defaults' }),
};

const POLICY_PARTS = {
  conditions: unsupportedPart("Policy conditions aren't supported for ENTITY_RISK policies"),
  settings: IGNORED_PART,
};

export const entityRisk: PolicyKind = {
  type: 'ENTITY_RISK',
  ruleType: 'ENTITY_RISK',
  creatable: false,
  rulesCreatable: true,
  maxPolicies: 1,
  maxRules: 100,
  firstRulePriority: 0,
  defaultRulePriority: 99,
  defaultPolicy: frozen({ name: 'Entity Risk Policy', description: null, conditions: null, settings: null }),
  // As Okta's example: everyone, no action until one is configured.
  defaultRule: frozen({ name: 'Catch-all Rule', system: true, ...parseRuleParts(RULE_PARTS, { conditions: null, actions: null }) }),
  parsePolicy(input) {
    return parsePolicyParts(POLICY_PARTS, input);
  },
  parseRule: catchAllRuleParser(RULE_PARTS),
};
