import { policyKind } from '../domain/policies/kinds/index.ts';
import type { PolicyMappingRecord, PolicyRecord, RuleRecord } from '../domain/policies/types.ts';
import { isoDate } from '../domain/shared/clock.ts';

type Link = { href: string; hints: { allow: string[] } };

function link(href: string, ...allow: string[]): Link {
  return { href, hints: { allow } };
}

/**
 * Types without policy-level conditions: Okta serves `conditions: null` for them (the spec types
 * it as a nullable string "not supported"); the others carry an object, omitted when unset.
 */
const NULL_CONDITIONS = new Set(['ACCESS_POLICY', 'IDP_DISCOVERY', 'PROFILE_ENROLLMENT', 'POST_AUTH_SESSION', 'ENTITY_RISK']);

/**
 * The wire form of a policy, in Okta's field order. `description` is omitted when unset (the
 * spec types it as a non-nullable string); `settings` only for types that have them. A default policy cannot be deleted
 * or deactivated, so its links offer neither.
 */
export function policyResource(policy: PolicyRecord, orgUrl: string, rules?: readonly RuleRecord[]) {
  const base = `${orgUrl}/api/v1/policies/${policy.id}`;
  const kind = policyKind(policy.type);
  const links: Record<string, Link> = {
    self: policy.system ? link(base, 'GET', 'PUT') : link(base, 'GET', 'PUT', 'DELETE'),
    rules: kind.rulesCreatable ? link(`${base}/rules`, 'GET', 'POST') : link(`${base}/rules`, 'GET'),
    mappings: link(`${base}/mappings`, 'GET', 'POST'),
  };
  if (!policy.system) {
    if (policy.status === 'ACTIVE') links.deactivate = link(`${base}/lifecycle/deactivate`, 'POST');
    else links.activate = link(`${base}/lifecycle/activate`, 'POST');
  }
  return {
    id: policy.id,
    status: policy.status,
    name: policy.name,
    ...(policy.description !== null ? { description: policy.description } : {}),
    priority: policy.priority,
    system: policy.system,
    ...(NULL_CONDITIONS.has(policy.type) ? { conditions: null } : policy.conditions !== null ? { conditions: policy.conditions } : {}),
    ...(policy.settings !== null ? { settings: policy.settings } : {}),
    created: isoDate(policy.created),
    lastUpdated: isoDate(policy.lastUpdated),
    ...(rules ? { _embedded: { rules: rules.map((r) => ruleResource(policy, r, orgUrl)) } } : {}),
    _links: links,
    type: policy.type,
  };
}

/** The wire form of a rule. A default rule cannot be deleted or deactivated. */
export function ruleResource(policy: PolicyRecord, rule: RuleRecord, orgUrl: string) {
  const base = `${orgUrl}/api/v1/policies/${policy.id}/rules/${rule.id}`;
  const links: Record<string, Link> = {
    self: rule.system ? link(base, 'GET', 'PUT') : link(base, 'GET', 'PUT', 'DELETE'),
  };
  if (!rule.system) {
    if (rule.status === 'ACTIVE') links.deactivate = link(`${base}/lifecycle/deactivate`, 'POST');
    else links.activate = link(`${base}/lifecycle/activate`, 'POST');
  }
  return {
    id: rule.id,
    status: rule.status,
    name: rule.name,
    priority: rule.priority,
    created: isoDate(rule.created),
    lastUpdated: isoDate(rule.lastUpdated),
    system: rule.system,
    // Omitted when unset: most types' rule schemas type them as objects, not nullable.
    ...(rule.conditions !== null ? { conditions: rule.conditions } : {}),
    ...(rule.actions !== null ? { actions: rule.actions } : {}),
    _links: links,
    type: policyKind(policy.type).ruleType,
  };
}

export function mappingResource(mapping: PolicyMappingRecord, orgUrl: string) {
  const base = `${orgUrl}/api/v1/policies/${mapping.policyId}`;
  return {
    id: mapping.id,
    _links: {
      self: link(`${base}/mappings/${mapping.id}`, 'GET', 'DELETE'),
      policy: link(base, 'GET', 'PUT', 'DELETE'),
      ...(mapping.resourceType === 'ACCESS_POLICY'
        ? {}
        : { application: link(`${orgUrl}/api/v1/apps/${mapping.resourceId}`, 'GET', 'PUT', 'DELETE') }),
    },
  };
}
