import Type from 'typebox';
import { expressionProblem } from '../../policy-engine/expression/index.ts';
import { App, IDP_DISCOVERY_OS_TYPES, Network, Platform, UserIdentifier, checkConditions, conditionsSchema } from './conditions.ts';
import type { PolicyKind } from './kind.ts';
import type { PartCheck } from './validate.ts';
import {
  Enum,
  IGNORED_PART,
  Id,
  Obj,
  Opt,
  REQUIRED,
  Text,
  arrayAt,
  frozen,
  isObject,
  keepReadOnly,
  objectAt,
  objectPart,
  parsePolicyParts,
  parseRuleParts,
  stringAt,
  unsupportedPart,
} from './validate.ts';

/**
 * IDP_DISCOVERY: IdP routing rules. The org has exactly one such policy (not creatable), whose
 * conditions are always null; its rules route users to identity providers.
 */

/** Provider types that route without an IdP object, so need no `id`. */
const ID_LESS = ['OKTA', 'AgentlessDSSO', 'IWA'];
/** Provider types that must be a rule's only provider. */
const SOLE = ['AgentlessDSSO', 'IWA', 'X509'];

/** `IdentityProviderType`, plus the routing-only types Okta accepts in a routing rule. */
const PROVIDER_TYPES = [
  ...ID_LESS,
  'AMAZON',
  'APPLE',
  'DISCORD',
  'FACEBOOK',
  'GITHUB',
  'GITLAB',
  'GOOGLE',
  'IDV_CLEAR',
  'IDV_INCODE',
  'IDV_PERSONA',
  'IDV_STANDARD',
  'LINKEDIN',
  'LOGINGOV',
  'LOGINGOV_SANDBOX',
  'MICROSOFT',
  'OIDC',
  'OKTA_INTEGRATION',
  'PAYPAL',
  'PAYPAL_SANDBOX',
  'SALESFORCE',
  'SAML2',
  'SPOTIFY',
  'X509',
  'XERO',
  'YAHOO',
  'YAHOOJP',
];

/** "You can add up to 10 providers to a single idp policy action." */
const MAX_PROVIDERS = 10;

/** `IdpPolicyRuleAction`. */
const RuleActions = Obj({
  idp: Opt(
    Obj(
      {
        providers: Opt(Type.Array(Obj({ type: Enum(PROVIDER_TYPES), id: Opt(Id), name: Opt(Text) }), { maxItems: MAX_PROVIDERS })),
        idpSelectionType: Opt(Enum(['SPECIFIC', 'DYNAMIC'], { default: 'SPECIFIC' })),
        matchCriteria: Opt(Type.Array(Obj({ propertyName: Text, providerExpression: Text }), { maxItems: MAX_PROVIDERS })),
        shouldFallBackToOkta: Opt(Type.Boolean({ default: false })),
      },
      { default: {} },
    ),
  ),
});

/**
 * The spec's limits: SPECIFIC routes to the listed providers (at least one) and takes no
 * `matchCriteria`; DYNAMIC picks the IdP by `matchCriteria` and takes no providers; AgentlessDSSO,
 * IWA and X509 must be the only provider; types other than OKTA, AgentlessDSSO and IWA need an id.
 */
const checkActions: PartCheck = (actions, path, problems) => {
  const idp = objectAt(actions, 'idp');
  if (!idp) return;
  const at = `${path}.idp`;
  const providers = arrayAt(idp, 'providers') ?? [];
  const criteria = arrayAt(idp, 'matchCriteria') ?? [];
  if (idp.idpSelectionType === 'SPECIFIC') {
    if (providers.length === 0) problems.add(`${at}.providers`, 'must not be empty when idpSelectionType is SPECIFIC');
    if (criteria.length > 0) problems.add(`${at}.matchCriteria`, 'must be empty when idpSelectionType is SPECIFIC');
    delete idp.matchCriteria;
  }
  if (idp.idpSelectionType === 'DYNAMIC') {
    if (criteria.length === 0) problems.add(`${at}.matchCriteria`, `${REQUIRED} when idpSelectionType is DYNAMIC`);
    if (providers.length > 0) problems.add(`${at}.providers`, 'must be empty when idpSelectionType is DYNAMIC');
    idp.providers = [];
  }
  // A DYNAMIC rule names its IdP with an Expression Language string (`login.identifier.substringAfter('@')`).
  criteria.forEach((criterion, i) => {
    const source = isObject(criterion) ? stringAt(criterion, 'providerExpression') : undefined;
    const problem = source === undefined ? undefined : expressionProblem(source, 'string');
    if (problem) problems.add(`${at}.matchCriteria.${i}.providerExpression`, problem);
  });
  providers.forEach((provider, i) => {
    if (!isObject(provider) || typeof provider.type !== 'string') return;
    if (SOLE.includes(provider.type) && providers.length > 1) problems.add(`${at}.providers.${i}.type`, `a provider of type ${provider.type} must be the only provider`);
    if (!ID_LESS.includes(provider.type) && provider.id === undefined) problems.add(`${at}.providers.${i}.id`, `${REQUIRED} for type ${provider.type}`);
  });
};

const RULE_PARTS = {
  conditions: objectPart(
    conditionsSchema({ network: Network({ defaultAnywhere: true }), platform: Platform(IDP_DISCOVERY_OS_TYPES), userIdentifier: UserIdentifier, app: App }),
    { check: checkConditions, whenAbsent: 'defaults' },
  ),
  actions: objectPart(RuleActions, { check: checkActions, whenAbsent: 'defaults' }),
};

const POLICY_PARTS = {
  conditions: unsupportedPart("Policy conditions aren't supported for IDP_DISCOVERY policies"),
  settings: IGNORED_PART,
};

export const idpDiscovery: PolicyKind = {
  type: 'IDP_DISCOVERY',
  ruleType: 'IDP_DISCOVERY',
  creatable: false,
  rulesCreatable: true,
  maxPolicies: 1,
  maxRules: 100,
  firstRulePriority: 1,
  defaultRulePriority: 'last',
  // Unlike the other types, Okta names this one "Idp Discovery Policy".
  defaultPolicy: frozen({ name: 'Idp Discovery Policy', description: 'The default IdP Discovery Policy', conditions: null, settings: null }),
  // As Okta serves it: route everyone to Okta.
  defaultRule: frozen({
    name: 'Default Rule',
    system: true,
    ...parseRuleParts(RULE_PARTS, {
      conditions: {
        network: { connection: 'ANYWHERE' },
        platform: { include: [], exclude: [] },
        userIdentifier: { patterns: [] },
        app: { include: [], exclude: [] },
      },
      actions: { idp: { providers: [{ type: 'OKTA' }], idpSelectionType: 'SPECIFIC' } },
    }),
  }),
  parsePolicy(input) {
    return parsePolicyParts(POLICY_PARTS, input);
  },
  parseRule(input, context) {
    const content = parseRuleParts(RULE_PARTS, input);
    if (!context.system || !context.previous) return content;
    // The default routing rule is read-only as a whole.
    return {
      conditions: keepReadOnly('conditions', input.conditions, content.conditions, context.previous.conditions),
      actions: keepReadOnly('actions', input.actions, content.actions, context.previous.actions),
    };
  },
};
