// A deliberately naive policy evaluator, written from Okta's documented semantics, against which
// the compiled engine (src/domain/policy-engine/compile.ts) is checked. It indexes nothing and
// caches nothing: for each policy in priority order, for each rule in priority order, it reads
// every condition straight from the stored JSON. It is meant to be read and trusted, not to be
// fast. It shares no code with the engine; only Okta Expression Language conditions are handed
// to an EL compiler given by the caller (the EL module has its own tests).
//
// Okta's words this follows (Policy API reference, "Policy evaluation"; the Admin Console help):
// - Policies of a type are evaluated in priority order (1 first); a policy whose conditions are
//   not met is passed over; otherwise its rules are evaluated in priority order and the first
//   rule whose conditions are all met applies. A policy none of whose rules match is passed over
//   too, and evaluation goes on with the next policy. "Policies with no rules are never applied."
//   Inactive policies and rules are not evaluated.
// - The default policy is always last and "applies in all situations if no other policy
//   applies": its own conditions (the bootstrap's Everyone group) are not evaluated, and its
//   default rule catches everything else.
// - People: the rule applies to the users and groups included ("Assign the rule to groups or
//   specific users"), everyone when nothing is included, except the users and groups excluded
//   ("Exclude the following users and groups").
// - Network: ANYWHERE matches always; ZONE with `include` matches a request from one of the
//   zones, with `exclude` one from none of them; `ALL_ZONES` stands for every (POLICY) zone.
// - App: "If both include and exclude are empty, then the condition is met for all applications."
// - Risk score / entity risk: ANY matches every level; otherwise the level must be the one named.
//
// Three-valued logic: a condition whose input the context lacks is UNDEFINED (never guessed).
// A rule or policy is NOT_MATCH when any condition is NOT_MATCH, otherwise UNDEFINED when any is
// UNDEFINED, otherwise MATCH. For a decision, only MATCH applies.
import { BlockList, isIP } from 'node:net';
import type { Json, JsonObject, PolicyType } from '../../src/domain/policies/kinds/kind.ts';
import type { PolicyRecord, RuleRecord } from '../../src/domain/policies/types.ts';
import type {
  CompiledExpression,
  ConditionStatus,
  ConditionTrace,
  Decision,
  EvaluationContext,
  Evaluation,
  PolicySetSource,
  PolicyTrace,
  RuleTrace,
} from '../../src/domain/policy-engine/types.ts';
import type { ZoneRecord } from '../../src/domain/zones/types.ts';

/** Compiles an `elCondition.condition` (the EL module's `compileExpression`). */
export type ElCompiler = (expression: string) => CompiledExpression;

const MATCH: ConditionStatus = 'MATCH';
const NOT_MATCH: ConditionStatus = 'NOT_MATCH';
const UNDEFINED: ConditionStatus = 'UNDEFINED';

// --- three-valued logic -------------------------------------------------------------------------

/** Kleene AND: false wins, then unknown. */
function all(statuses: readonly ConditionStatus[]): ConditionStatus {
  if (statuses.includes(NOT_MATCH)) return NOT_MATCH;
  if (statuses.includes(UNDEFINED)) return UNDEFINED;
  return MATCH;
}

/** Kleene OR: true wins, then unknown. */
function any(statuses: readonly ConditionStatus[]): ConditionStatus {
  if (statuses.includes(MATCH)) return MATCH;
  if (statuses.includes(UNDEFINED)) return UNDEFINED;
  return NOT_MATCH;
}

function not(status: ConditionStatus): ConditionStatus {
  return status === MATCH ? NOT_MATCH : status === NOT_MATCH ? MATCH : UNDEFINED;
}

const when = (value: boolean): ConditionStatus => (value ? MATCH : NOT_MATCH);

// --- reading stored JSON ------------------------------------------------------------------------

function object(value: Json | undefined): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

function strings(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function objects(value: Json | undefined): JsonObject[] {
  return Array.isArray(value) ? value.map((v) => object(v)).filter((v): v is JsonObject => v !== undefined) : [];
}

// --- conditions ---------------------------------------------------------------------------------
//
// Each condition is reported in parts, named as simulate names them (`people.groups.include`,
// `network.exclude`, `riskScore.level` ...; the naming is shared with the engine's traces, see
// docs/policy-engine.md). A part that asks nothing (ANYWHERE, ANY, an empty list, `false` device
// flags) is no part at all: it always holds and is not reported.

/** Everything a condition may read besides its own JSON and the request context. */
interface World {
  zones: readonly ZoneRecord[];
  el: ElCompiler | undefined;
}

/** One reported part of a condition: the condition types it answers for, and its status. */
interface Part {
  types: string[];
  status: ConditionStatus;
}

type Condition = (condition: JsonObject, context: EvaluationContext, world: World) => Part[];

const part = (type: string, status: ConditionStatus): Part => ({ types: [type], status });

/** Whether `id` is in `list`, UNDEFINED when the id is unknown. */
function listed(list: readonly string[], id: string | undefined): ConditionStatus {
  if (id === undefined) return UNDEFINED;
  return when(list.includes(id));
}

/** Whether one of `ids` is in `list`, UNDEFINED when the ids are unknown. */
function anyListed(list: readonly string[], ids: readonly string[] | undefined): ConditionStatus {
  if (ids === undefined) return UNDEFINED;
  return when(ids.some((id) => list.includes(id)));
}

/**
 * `people` (rules and policies). Included: the user is one of `users.include` OR in one of
 * `groups.include` (one part, reported under each list given); nothing included = everyone.
 * Then: not one of `users.exclude`, and in none of `groups.exclude`.
 */
const people: Condition = (condition, context) => {
  const users = object(condition.users) ?? {};
  const groups = object(condition.groups) ?? {};
  const usersIn = strings(users.include);
  const groupsIn = strings(groups.include);
  const usersOut = strings(users.exclude);
  const groupsOut = strings(groups.exclude);
  const id = context.user?.id;
  const groupIds = context.user?.groupIds;
  const parts: Part[] = [];
  const includeTypes: string[] = [];
  const include: ConditionStatus[] = [];
  if (usersIn.length > 0) {
    includeTypes.push('people.users.include');
    include.push(listed(usersIn, id));
  }
  if (groupsIn.length > 0) {
    includeTypes.push('people.groups.include');
    include.push(anyListed(groupsIn, groupIds));
  }
  if (include.length > 0) parts.push({ types: includeTypes, status: any(include) });
  if (usersOut.length > 0) parts.push(part('people.users.exclude', not(listed(usersOut, id))));
  if (groupsOut.length > 0) parts.push(part('people.groups.exclude', not(anyListed(groupsOut, groupIds))));
  return parts;
};

/** Node's own address matcher, so that zone membership shares no code with Tollgate. */
function gatewaysOf(zone: ZoneRecord): BlockList {
  const list = new BlockList();
  for (const address of zone.gateways ?? []) {
    const family = address.value.includes(':') ? 'ipv6' : 'ipv4';
    if (address.type === 'CIDR') {
      const [network, prefix] = address.value.split('/');
      // Okta accepts host bits in a CIDR (1.2.3.4/24 is 1.2.3.0/24); BlockList masks them too.
      list.addSubnet(network!, Number(prefix), family);
    } else {
      const [first, last] = address.value.split('-');
      list.addRange(first!, last ?? first!, family);
    }
  }
  return list;
}

/** Whether the request comes from `zone`: by its IP when given, else by the zone ids given. Inactive zones contain nothing. */
function inZone(zone: ZoneRecord, context: EvaluationContext): boolean {
  if (zone.status !== 'ACTIVE') return false;
  if (context.ip !== undefined) {
    // Text that is not an IP address is in no zone.
    const family = isIP(context.ip);
    return family !== 0 && gatewaysOf(zone).check(context.ip, family === 6 ? 'ipv6' : 'ipv4');
  }
  return (context.zoneIds ?? []).includes(zone.id);
}

/**
 * Whether the request comes from one of the listed zones. `ALL_ZONES` is every POLICY zone: the
 * Zones API says POLICY zones "guide policy decisions" while BLOCKLIST zones "deny access ...
 * before policy evaluation" (also the reading of API token network conditions,
 * src/domain/api-tokens/network.ts). A zone id that names no zone matches nothing.
 */
function inListedZone(ids: readonly string[], context: EvaluationContext, zones: readonly ZoneRecord[]): ConditionStatus {
  if (context.ip === undefined && context.zoneIds === undefined) return UNDEFINED;
  const listedZones = ids.includes('ALL_ZONES') ? zones.filter((z) => z.usage === 'POLICY') : zones.filter((z) => ids.includes(z.id));
  return when(listedZones.some((zone) => inZone(zone, context)));
}

/** `network`: ANYWHERE (or no connection) asks nothing; ZONE: in one of `include`, in none of `exclude`. */
const network: Condition = (condition, context, world) => {
  if (condition.connection !== 'ZONE') return [];
  const include = strings(condition.include);
  const exclude = strings(condition.exclude);
  const parts: Part[] = [];
  if (include.length > 0) parts.push(part('network.include', inListedZone(include, context, world.zones)));
  if (exclude.length > 0) parts.push(part('network.exclude', not(inListedZone(exclude, context, world.zones))));
  return parts;
};

/** `authContext` (sign-on rules): ANY asks nothing; otherwise the request's authType must be the one named. */
const authContext: Condition = (condition, context) => {
  const wanted = condition.authType ?? 'ANY';
  if (wanted === 'ANY') return [];
  return [part('authContext.authType', context.authType === undefined ? UNDEFINED : when(context.authType === wanted))];
};

/** `identityProvider` (sign-on rules): ANY asks nothing; OKTA; or SPECIFIC_IDP with the IdP among `idpIds`. */
const identityProvider: Condition = (condition, context) => {
  const wanted = condition.provider ?? 'ANY';
  if (wanted === 'ANY') return [];
  const actual = context.identityProvider;
  let status: ConditionStatus;
  if (actual === undefined) status = UNDEFINED;
  else if (wanted === 'OKTA') status = when(actual.provider === 'OKTA');
  else status = when(actual.provider === 'SPECIFIC_IDP' && strings(condition.idpIds).includes(actual.id));
  return [part('identityProvider.provider', status)];
};

/** `risk` (sign-on rules): one of the named behaviors was detected. */
const risk: Condition = (condition, context) => {
  const behaviors = strings(condition.behaviors);
  return behaviors.length === 0 ? [] : [part('risk.behaviors', anyListed(behaviors, context.behaviors))];
};

/** A `level` condition: ANY asks nothing (every level, even an unknown one); otherwise exactly that level. */
function level(type: string, wanted: Json | undefined, actual: { level: string } | undefined): Part[] {
  if (wanted === undefined || wanted === 'ANY') return [];
  return [part(type, actual === undefined ? UNDEFINED : when(actual.level === wanted))];
}

const riskScore: Condition = (condition, context) => level('riskScore.level', condition.level, context.risk);
const entityRisk: Condition = (condition, context) => level('entityRisk.level', condition.level, context.entityRisk);

/** `riskDetectionTypes` (ENTITY_RISK): one of `include` was detected; none of `exclude` was. */
const riskDetectionTypes: Condition = (condition, context) => {
  const include = strings(condition.include);
  const exclude = strings(condition.exclude);
  const parts: Part[] = [];
  if (include.length > 0) parts.push(part('riskDetectionTypes.include', anyListed(include, context.riskDetections)));
  if (exclude.length > 0) parts.push(part('riskDetectionTypes.exclude', not(anyListed(exclude, context.riskDetections))));
  return parts;
};

/**
 * `authProvider` (PASSWORD policies): ANY asks nothing; OKTA: an Okta-mastered user;
 * ACTIVE_DIRECTORY / LDAP: a user of that kind of directory, of one of `include` when it names
 * instances ("Include all AD integrations" when it does not). No provider given means OKTA.
 */
const authProvider: Condition = (condition, context) => {
  const wanted = condition.provider ?? 'OKTA';
  if (wanted === 'ANY') return [];
  const actual = context.authProvider;
  const include = strings(condition.include);
  let status: ConditionStatus;
  if (actual === undefined) status = UNDEFINED;
  else if (actual.provider !== wanted) status = NOT_MATCH;
  else if (include.length === 0) status = MATCH;
  else status = listed(include, actual.id);
  return [part('authProvider.provider', status)];
};

/** `userType`: the user's type is one of `include`; none of `exclude`. */
const userType: Condition = (condition, context) => {
  const include = strings(condition.include);
  const exclude = strings(condition.exclude);
  const typeId = context.user?.typeId;
  const parts: Part[] = [];
  if (include.length > 0) parts.push(part('userType.include', listed(include, typeId)));
  if (exclude.length > 0) parts.push(part('userType.exclude', not(listed(exclude, typeId))));
  return parts;
};

/**
 * `device` (app sign-in rules): `registered: true` requires a registered device, `managed: true`
 * a managed one; `false` asks nothing (the Admin Console's "Any": Okta's Terraform provider sends
 * `false` for it and cannot express "not registered"); `assurance.include` requires the device
 * to meet one of the named device assurance policies.
 */
const device: Condition = (condition, context) => {
  const actual = context.device;
  const flag = (value: boolean | undefined) => (value === undefined ? UNDEFINED : when(value));
  const parts: Part[] = [];
  if (condition.registered === true) parts.push(part('device.registered', flag(actual?.registered)));
  if (condition.managed === true) parts.push(part('device.managed', flag(actual?.managed)));
  const assurance = strings(object(condition.assurance)?.include);
  if (assurance.length > 0) parts.push(part('device.assurance.include', anyListed(assurance, actual?.assuranceIds)));
  return parts;
};

/**
 * One `platform` item: its type (ANY or the one named) and its OS type (absent or ANY, or the
 * one named; IdP discovery spells macOS `OSX`). A part the item leaves at ANY needs no input.
 */
function platformItem(item: JsonObject, context: EvaluationContext): ConditionStatus {
  const platform = context.platform;
  const os = object(item.os);
  if (os !== undefined && (os.version !== undefined || os.expression !== undefined)) {
    // Not modelled: a suite must not rely on the reference for OS version constraints.
    throw new Error('reference evaluator: platform os.version / os.expression is not modelled');
  }
  const checks: ConditionStatus[] = [];
  if (item.type !== undefined && item.type !== 'ANY') checks.push(platform === undefined ? UNDEFINED : when(platform.type === item.type));
  const osType = os?.type === 'OSX' ? 'MACOS' : os?.type;
  if (osType !== undefined && osType !== 'ANY') checks.push(platform?.os === undefined ? UNDEFINED : when(platform.os.type === osType));
  return all(checks);
}

/** `platform`: one of `include`; none of `exclude`. */
const platform: Condition = (condition, context) => {
  const include = objects(condition.include);
  const exclude = objects(condition.exclude);
  const parts: Part[] = [];
  if (include.length > 0) parts.push(part('platform.include', any(include.map((item) => platformItem(item, context)))));
  if (exclude.length > 0) parts.push(part('platform.exclude', not(any(exclude.map((item) => platformItem(item, context))))));
  return parts;
};

/** Whether the app is one of the items: APP names an app instance by id, APP_TYPE an app type by name (`oidc_client`). */
function appListed(items: readonly JsonObject[], context: EvaluationContext): ConditionStatus {
  const app = context.app;
  if (app === undefined) return UNDEFINED;
  return when(items.some((item) => (item.type === 'APP' ? item.id === app.id : item.type === 'APP_TYPE' && item.name === app.name)));
}

/** `app` (MFA_ENROLL, IDP_DISCOVERY): one of `include`; none of `exclude`; both empty = every app. */
const app: Condition = (condition, context) => {
  const include = objects(condition.include);
  const exclude = objects(condition.exclude);
  const parts: Part[] = [];
  if (include.length > 0) parts.push(part('app.include', appListed(include, context)));
  if (exclude.length > 0) parts.push(part('app.exclude', not(appListed(exclude, context))));
  return parts;
};

/**
 * One `userIdentifier` pattern against a value. Simple patterns compare without regard to case
 * (Okta usernames and email domains are case-insensitive); an EXPRESSION is a regular expression
 * that must match the whole value (Okta's regexes are Java's `matches`), case-sensitive unless
 * it starts with Java's `(?i)` flag.
 */
function patternMatches(pattern: JsonObject, value: string): boolean {
  const wanted = typeof pattern.value === 'string' ? pattern.value : '';
  const a = value.toLowerCase();
  const b = wanted.toLowerCase();
  switch (pattern.matchType) {
    case 'EQUALS':
      return a === b;
    case 'STARTS_WITH':
      return a.startsWith(b);
    case 'SUFFIX':
      return a.endsWith(b);
    case 'CONTAINS':
      return a.includes(b);
    case 'EXPRESSION': {
      const insensitive = wanted.startsWith('(?i)');
      return new RegExp(`^(?:${insensitive ? wanted.slice(4) : wanted})$`, insensitive ? 'i' : '').test(value);
    }
    default:
      return false;
  }
}

/**
 * `userIdentifier` (IdP discovery): the login (IDENTIFIER) or a profile attribute (ATTRIBUTE)
 * matches one of the patterns. A profile that lacks the attribute matches nothing; a
 * number or boolean attribute is compared as text.
 */
const userIdentifier: Condition = (condition, context) => {
  const patterns = objects(condition.patterns);
  if (patterns.length === 0) return [];
  let subject: string | undefined;
  let status: ConditionStatus | undefined;
  if (condition.type === 'ATTRIBUTE' && typeof condition.attribute === 'string') {
    const profile = context.user?.profile;
    const raw = profile?.[condition.attribute];
    if (profile === undefined) status = UNDEFINED;
    else if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') subject = String(raw);
    else status = NOT_MATCH;
  } else {
    subject = context.user?.login;
    if (subject === undefined) status = UNDEFINED;
  }
  if (status === undefined) status = when(subject !== undefined && patterns.some((p) => patternMatches(p, subject)));
  return [part('userIdentifier.patterns', status)];
};

/** `elCondition`: the expression's value, through the EL compiler the caller gives. */
const elCondition: Condition = (condition, context, world) => {
  if (typeof condition.condition !== 'string') return [];
  if (!world.el) throw new Error('reference evaluator: an elCondition needs an EL compiler');
  const value = world.el(condition.condition).evaluate(context);
  return [part('elCondition.condition', value === 'UNDEFINED' ? UNDEFINED : when(value))];
};

/** Every condition Tollgate stores, by its key in `conditions`. */
const CONDITIONS: Record<string, Condition> = {
  people,
  network,
  authContext,
  identityProvider,
  risk,
  riskScore,
  entityRisk,
  riskDetectionTypes,
  authProvider,
  userType,
  device,
  platform,
  app,
  userIdentifier,
  elCondition,
};

/**
 * Every part of every condition a conditions object carries, evaluated (all of them: a trace
 * shows each). Reported in the order stored, except that the people include comes first.
 */
function evaluateConditions(conditions: JsonObject | null, context: EvaluationContext, world: World): ConditionTrace[] {
  const parts: Part[] = [];
  for (const [key, value] of Object.entries(conditions ?? {})) {
    const condition = object(value);
    const evaluate = CONDITIONS[key];
    if (!condition) continue;
    if (!evaluate) throw new Error(`reference evaluator: condition ${key} is not modelled`);
    parts.push(...evaluate(condition, context, world));
  }
  const isInclude = (p: Part) => p.types.some((t) => t === 'people.users.include' || t === 'people.groups.include');
  const ordered = [...parts.filter(isInclude), ...parts.filter((p) => !isInclude(p))];
  return ordered.flatMap((p) => p.types.map((type) => ({ type, status: p.status })));
}

// --- policies and rules -------------------------------------------------------------------------

/** Priority order; the default (system) one is always last. */
function byPriority<T extends { priority: number; system: boolean }>(a: T, b: T): number {
  if (a.system !== b.system) return a.system ? 1 : -1;
  return a.priority - b.priority;
}

/**
 * The policies `type` evaluates for `context`, in order: every ACTIVE policy of the type, the
 * default last. Two types choose one policy instead:
 * - ACCESS_POLICY: the app's policy (`appPolicies`); an app with none, or whose policy is not
 *   active, gets the org's default app sign-in policy. No app, no policy.
 * - PROFILE_ENROLLMENT: a profile enrollment policy applies to the apps mapped to it, and
 *   Tollgate maps apps to none, so the default one applies to every app.
 */
function candidatePolicies(source: PolicySetSource, type: PolicyType, context: EvaluationContext): PolicyRecord[] {
  const active = source.policies.filter((p) => p.type === type && p.status === 'ACTIVE');
  const fallback = active.filter((p) => p.system);
  if (type === 'PROFILE_ENROLLMENT') return fallback;
  if (type !== 'ACCESS_POLICY') return active.sort(byPriority);
  if (context.app === undefined) return [];
  const mapped = source.appPolicies.get(context.app.id);
  const chosen = active.find((p) => p.id === mapped);
  return chosen ? [chosen] : fallback;
}

export interface ReferenceOptions {
  /** The EL compiler for `elCondition` (src/domain/policy-engine/expression's `compileExpression`). */
  el?: ElCompiler;
}

/**
 * Evaluates one policy type the naive way. Always returns a trace: every policy considered, in
 * order, up to the one that applied; for each, its own conditions (none for the default policy,
 * which "applies in all situations if no other policy applies"), and when they matched, its
 * active rules in order up to the one that applied. A policy with no active rule is listed (it
 * was considered) but never applies.
 */
export function referenceEvaluate(source: PolicySetSource, type: PolicyType, context: EvaluationContext, options: ReferenceOptions = {}): Required<Evaluation> {
  const world: World = { zones: source.zones, el: options.el };
  const trace: PolicyTrace[] = [];
  for (const policy of candidatePolicies(source, type, context)) {
    const conditions = policy.system ? [] : evaluateConditions(policy.conditions, context, world);
    const policyStatus = all(conditions.map((c) => c.status));
    const ruleTraces: RuleTrace[] = [];
    let applied: RuleRecord | undefined;
    if (policyStatus === MATCH) {
      const rules = source.rules.filter((r) => r.policyId === policy.id && r.status === 'ACTIVE').sort(byPriority);
      for (const rule of rules) {
        const ruleConditions = evaluateConditions(rule.conditions, context, world);
        const status = all(ruleConditions.map((c) => c.status));
        ruleTraces.push({ id: rule.id, name: rule.name, status, conditions: ruleConditions });
        if (status === MATCH) {
          applied = rule;
          break;
        }
      }
    }
    // A policy applies only through a rule: with none matching it is NOT_MATCH, or UNDEFINED when one was.
    const status = policyStatus !== MATCH ? policyStatus : applied ? MATCH : any(ruleTraces.map((r) => r.status));
    trace.push({ id: policy.id, name: policy.name, status, conditions, rules: ruleTraces });
    if (applied) {
      const decision: Decision = { type, policy, rule: applied, settings: policy.settings, actions: applied.actions };
      return { decision, trace };
    }
  }
  return { decision: null, trace };
}

// --- fixtures (shared by the engine suites) -----------------------------------------------------

const STAMP = Date.UTC(2025, 0, 1);

/** A stored policy, as the store would hand it to the engine. */
export function policyRecord(fields: Pick<PolicyRecord, 'id' | 'type' | 'priority'> & Partial<PolicyRecord>): PolicyRecord {
  return {
    name: fields.id,
    description: null,
    status: 'ACTIVE',
    system: false,
    conditions: null,
    settings: null,
    created: STAMP,
    lastUpdated: STAMP,
    ...fields,
  };
}

/** A stored rule. */
export function ruleRecord(fields: Pick<RuleRecord, 'id' | 'policyId' | 'priority'> & Partial<RuleRecord>): RuleRecord {
  return { name: fields.id, status: 'ACTIVE', system: false, conditions: null, actions: null, created: STAMP, lastUpdated: STAMP, ...fields };
}

/** A stored IP zone whose gateways are the given CIDRs or ranges (`a-b`). */
export function zoneRecord(id: string, gateways: readonly string[], fields: Partial<ZoneRecord> = {}): ZoneRecord {
  return {
    id,
    type: 'IP',
    name: id,
    status: 'ACTIVE',
    usage: 'POLICY',
    system: false,
    gateways: gateways.map((value) => ({ type: value.includes('/') ? 'CIDR' : 'RANGE', value })),
    proxies: null,
    created: STAMP,
    lastUpdated: STAMP,
    ...fields,
  };
}
