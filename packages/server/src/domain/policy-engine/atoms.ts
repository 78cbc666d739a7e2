import type { Json, JsonObject } from '../policies/kinds/kind.ts';
import { ALL_ZONES } from '../policies/kinds/conditions.ts';
import { compileExpression } from './expression/index.ts';
import type { IdentifierMatchType, IdentifierMatcher, Version } from './patterns.ts';
import { compileIdentifierPattern, compileSemverCondition, parseVersion } from './patterns.ts';
import type { CompiledExpression, ConditionStatus, EvaluationContext } from './types.ts';
import { ZoneIndex } from './zone-index.ts';
import type { ZoneRecord } from '../zones/types.ts';

/**
 * Conditions compiled into atoms: one atom per independently testable part of a condition
 * (`people.users.exclude`, `network.include`, `riskScore.level` ...), each a function of the
 * request only. Identical parts anywhere in the policy set share one atom, and a request tests an
 * atom at most once (`Request.status` memoizes by atom id), so a thousand rules naming the same
 * zone cost one zone lookup. The semantics of every atom are in docs/policy-engine.md.
 */

/** Condition statuses as small integers (memo slots hold them). */
export const MATCH = 1;
export const NOT_MATCH = 2;
export const UNDEFINED = 3;
export type Status = typeof MATCH | typeof NOT_MATCH | typeof UNDEFINED;

export const STATUS_NAMES: Readonly<Record<Status, ConditionStatus>> = { 1: 'MATCH', 2: 'NOT_MATCH', 3: 'UNDEFINED' };

/** Kleene AND: NOT_MATCH wins, then UNDEFINED. */
export function and(a: Status, b: Status): Status {
  return a === NOT_MATCH || b === NOT_MATCH ? NOT_MATCH : a === UNDEFINED || b === UNDEFINED ? UNDEFINED : MATCH;
}

export interface Atom {
  /** Memo slot, unique in a compiled set. */
  readonly id: number;
  /** The condition types this atom reports in a trace, each with the atom's status. */
  readonly types: readonly string[];
  /** Relative cost (0 = a few comparisons, 3 = an EL expression): cheaper atoms are tested first. */
  readonly cost: number;
  readonly test: (request: Request) => Status;
}

/** What a rule's people include names, for the candidate index. */
export interface PeopleInclude {
  userIds: readonly string[];
  groupIds: readonly string[];
}

/** What a rule's `network.include` names, for the zone index. */
export interface NetworkInclude {
  /** Zone slots (zones that do not exist are left out: they match nothing). */
  slots: readonly number[];
  /** `ALL_ZONES`: any active zone. */
  all: boolean;
}

/**
 * A compiled conditions object: every atom in trace order, and the two conditions the candidate
 * index answers without testing (their atoms are in `atoms` too, for the trace).
 */
export interface CompiledConditions {
  atoms: Atom[];
  /** The people include, when `people.users.include` or `people.groups.include` is non-empty. */
  include?: { atom: Atom; people: PeopleInclude };
  /** The network include, when the connection is ZONE and `include` is non-empty. */
  network?: { atom: Atom; zones: NetworkInclude };
}

/**
 * The per-request state atoms read: the context, the user's groups as slots, the zones the
 * request is in, and the memo. One instance per compiled set, reset by `begin` for each
 * evaluation (evaluation is synchronous, so it is never shared by two evaluations at once).
 */
export class Request {
  context: EvaluationContext = {};
  private epoch = 0;
  private readonly atomStamp: Uint32Array;
  private readonly atomValue: Uint8Array;
  private readonly groupStamp: Uint32Array;
  private readonly zoneStamp: Uint32Array;
  /** The zones the request is in: `zoneList[0 .. zoneCount)`. */
  private readonly zoneList: Int32Array;
  /** 0 = not computed for this request, 1 = known, 2 = unknown (no IP and no zone ids). */
  private zoneState = 0;
  private zoneCount = 0;
  /** How many of the request's zones are POLICY zones (`ALL_ZONES`). */
  private policyZoneCount = 0;
  private loginLower: string | undefined;
  private osVersion: Version | null | undefined;
  private readonly markZone = (slot: number): void => {
    if (this.zoneStamp[slot] !== this.epoch) {
      this.zoneStamp[slot] = this.epoch;
      this.zoneList[this.zoneCount++] = slot;
      if (this.registry.zones.policyUsage[slot]) this.policyZoneCount++;
    }
  };

  constructor(private readonly registry: Registry) {
    this.atomStamp = new Uint32Array(registry.atomCount);
    this.atomValue = new Uint8Array(registry.atomCount);
    this.groupStamp = new Uint32Array(registry.groups.size);
    this.zoneStamp = new Uint32Array(registry.zones.active.length);
    this.zoneList = new Int32Array(registry.zones.active.length);
  }

  /** The user's slot among the user ids the policies name; -1 when it is named nowhere (or absent). */
  userSlot = -1;

  begin(context: EvaluationContext): void {
    if (++this.epoch === 0xffffffff) {
      this.atomStamp.fill(0);
      this.groupStamp.fill(0);
      this.zoneStamp.fill(0);
      this.epoch = 1;
    }
    this.context = context;
    this.zoneState = 0;
    this.zoneCount = 0;
    this.policyZoneCount = 0;
    this.loginLower = undefined;
    this.osVersion = undefined;
    const userId = context.user?.id;
    this.userSlot = userId === undefined ? -1 : (this.registry.users.get(userId) ?? -1);
    const groupIds = context.user?.groupIds;
    if (groupIds) {
      const groups = this.registry.groups;
      for (let i = 0; i < groupIds.length; i++) {
        const slot = groups.get(groupIds[i]!);
        if (slot !== undefined) this.groupStamp[slot] = this.epoch;
      }
    }
  }

  status(atom: Atom): Status {
    const id = atom.id;
    if (this.atomStamp[id] === this.epoch) return this.atomValue[id] as Status;
    const status = atom.test(this);
    this.atomStamp[id] = this.epoch;
    this.atomValue[id] = status;
    return status;
  }

  get groupsKnown(): boolean {
    return this.context.user?.groupIds !== undefined;
  }

  inGroup(slot: number): boolean {
    return this.groupStamp[slot] === this.epoch;
  }

  /** Whether the request's zones are known: from `ip` when given, else from `zoneIds`. */
  zonesKnown(): boolean {
    if (this.zoneState === 0) this.computeZones();
    return this.zoneState === 1;
  }

  inZone(slot: number): boolean {
    if (this.zoneState === 0) this.computeZones();
    return this.zoneStamp[slot] === this.epoch;
  }

  /** Whether the request is in one of the org's active POLICY zones (`ALL_ZONES`). */
  inAnyPolicyZone(): boolean {
    if (this.zoneState === 0) this.computeZones();
    return this.policyZoneCount > 0;
  }

  /** How many zones the request is in (0 when unknown); `zoneAt(i)` lists them. */
  zonesIn(): number {
    if (this.zoneState === 0) this.computeZones();
    return this.zoneCount;
  }

  zoneAt(index: number): number {
    return this.zoneList[index]!;
  }

  /** The login lower-cased, once per request. */
  lowerLogin(login: string): string {
    if (this.loginLower === undefined) this.loginLower = login.toLowerCase();
    return this.loginLower;
  }

  /** The client OS version parsed once per request; null when absent or unparsable. */
  parsedOsVersion(): Version | null {
    if (this.osVersion === undefined) {
      const text = this.context.platform?.os?.version;
      this.osVersion = text === undefined ? null : (parseVersion(text) ?? null);
    }
    return this.osVersion;
  }

  private computeZones(): void {
    const { ip, zoneIds } = this.context;
    const zones = this.registry.zones;
    if (ip !== undefined) {
      zones.lookup(ip, this.markZone);
      this.zoneState = 1;
    } else if (zoneIds !== undefined) {
      for (let i = 0; i < zoneIds.length; i++) {
        const slot = zones.slots.get(zoneIds[i]!);
        if (slot !== undefined && zones.active[slot]) this.markZone(slot);
      }
      this.zoneState = 1;
    } else this.zoneState = 2;
  }
}

/**
 * The compile-time registries shared by every atom of a set: group slots, the zone index,
 * compiled EL expressions, and the atoms themselves (deduplicated by what they test).
 */
export class Registry {
  readonly groups = new Map<string, number>();
  /** User ids named by people includes (the candidate index keys on them). */
  readonly users = new Map<string, number>();
  readonly zones: ZoneIndex;
  private readonly atoms = new Map<string, Atom>();
  private readonly expressions = new Map<string, CompiledExpression | null>();

  constructor(zones: readonly ZoneRecord[]) {
    this.zones = new ZoneIndex(zones);
  }

  get atomCount(): number {
    return this.atoms.size;
  }

  /** The atom testing `key`, made by `make` the first time the key is seen. */
  atom(key: string, types: readonly string[], cost: number, make: () => (request: Request) => Status): Atom {
    const full = `${types.length === 1 ? types[0] : types.join(',')}|${key}`;
    let atom = this.atoms.get(full);
    if (!atom) {
      atom = Object.freeze({ id: this.atoms.size, types: Object.freeze([...types]), cost, test: make() });
      this.atoms.set(full, atom);
    }
    return atom;
  }

  userSlot(id: string): number {
    let slot = this.users.get(id);
    if (slot === undefined) {
      slot = this.users.size;
      this.users.set(id, slot);
    }
    return slot;
  }

  groupSlot(id: string): number {
    let slot = this.groups.get(id);
    if (slot === undefined) {
      slot = this.groups.size;
      this.groups.set(id, slot);
    }
    return slot;
  }

  /** An EL expression compiled once; null when it does not compile (it then evaluates to UNDEFINED). */
  expression(source: string): CompiledExpression | null {
    if (!this.expressions.has(source)) {
      let compiled: CompiledExpression | null;
      try {
        compiled = compileExpression(source);
      } catch {
        // Save-time checks refuse expressions outside the supported subset; one stored before
        // those checks existed cannot be evaluated, which is what UNDEFINED says.
        compiled = null;
      }
      this.expressions.set(source, compiled);
    }
    return this.expressions.get(source) ?? null;
  }
}

// --- reading stored JSON ----------------------------------------------------------------------

function objectOf(value: Json | undefined): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

function stringsOf(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function objectsOf(value: Json | undefined): JsonObject[] {
  return Array.isArray(value) ? value.map(objectOf).filter((v): v is JsonObject => v !== undefined) : [];
}

const key = (value: unknown): string => JSON.stringify(value);

/** The list without repeats, sorted (so that equal conditions written differently share an atom). */
function uniqueSorted(list: string[]): string[] {
  return list.length < 2 ? list : [...new Set(list)].sort();
}

// --- the conditions ---------------------------------------------------------------------------

type ConditionCompiler = (registry: Registry, value: JsonObject, out: CompiledConditions) => void;

function people(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  const users = objectOf(value.users);
  const groups = objectOf(value.groups);
  const userInclude = uniqueSorted(stringsOf(users?.include));
  const groupInclude = uniqueSorted(stringsOf(groups?.include));
  if (userInclude.length > 0 || groupInclude.length > 0) {
    const types = [...(userInclude.length > 0 ? ['people.users.include'] : []), ...(groupInclude.length > 0 ? ['people.groups.include'] : [])];
    const atom = registry.atom(key([userInclude, groupInclude]), types, 0, () => {
      const ids = new Set(userInclude);
      const slots = groupInclude.map((g) => registry.groupSlot(g));
      // Include means: the user is listed, or is in a listed group. UNDEFINED only when neither
      // is established and an input that could establish it is missing.
      return (request) => {
        let unknown = false;
        if (ids.size > 0) {
          const id = request.context.user?.id;
          if (id === undefined) unknown = true;
          else if (ids.has(id)) return MATCH;
        }
        if (slots.length > 0) {
          if (!request.groupsKnown) unknown = true;
          else for (let i = 0; i < slots.length; i++) if (request.inGroup(slots[i]!)) return MATCH;
        }
        return unknown ? UNDEFINED : NOT_MATCH;
      };
    });
    out.atoms.push(atom);
    out.include = { atom, people: { userIds: userInclude, groupIds: groupInclude } };
  }
  const userExclude = uniqueSorted(stringsOf(users?.exclude));
  if (userExclude.length > 0) {
    out.atoms.push(
      registry.atom(key(userExclude), ['people.users.exclude'], 0, () => {
        const ids = new Set(userExclude);
        return (request) => {
          const id = request.context.user?.id;
          return id === undefined ? UNDEFINED : ids.has(id) ? NOT_MATCH : MATCH;
        };
      }),
    );
  }
  const groupExclude = uniqueSorted(stringsOf(groups?.exclude));
  if (groupExclude.length > 0) {
    out.atoms.push(
      registry.atom(key(groupExclude), ['people.groups.exclude'], 0, () => {
        const slots = groupExclude.map((g) => registry.groupSlot(g));
        return (request) => {
          if (!request.groupsKnown) return UNDEFINED;
          for (let i = 0; i < slots.length; i++) if (request.inGroup(slots[i]!)) return NOT_MATCH;
          return MATCH;
        };
      }),
    );
  }
}

/** A zone id that names no zone (none should: deleting a zone detaches it) matches nothing. */
function zoneSlots(registry: Registry, ids: string[]): number[] {
  return ids.map((id) => registry.zones.slots.get(id)).filter((s): s is number => s !== undefined);
}

/** A test of "the request is in one of these zones" (or in any active POLICY zone for ALL_ZONES). */
function zoneTest(registry: Registry, ids: string[]): (request: Request) => Status {
  if (ids.includes(ALL_ZONES)) return (request) => (!request.zonesKnown() ? UNDEFINED : request.inAnyPolicyZone() ? MATCH : NOT_MATCH);
  const slots = zoneSlots(registry, ids);
  return (request) => {
    if (!request.zonesKnown()) return UNDEFINED;
    for (let i = 0; i < slots.length; i++) if (request.inZone(slots[i]!)) return MATCH;
    return NOT_MATCH;
  };
}

function network(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  if (value.connection !== 'ZONE') return;
  const include = uniqueSorted(stringsOf(value.include));
  const exclude = uniqueSorted(stringsOf(value.exclude));
  if (include.length > 0) {
    const atom = registry.atom(key(include), ['network.include'], 1, () => zoneTest(registry, include));
    out.atoms.push(atom);
    const all = include.includes(ALL_ZONES);
    out.network = { atom, zones: { all, slots: all ? [] : zoneSlots(registry, include) } };
  }
  if (exclude.length > 0) {
    out.atoms.push(
      registry.atom(key(exclude), ['network.exclude'], 1, () => {
        const inAny = zoneTest(registry, exclude);
        return (request) => invert(inAny(request));
      }),
    );
  }
}

/** "In one of the excluded" → NOT_MATCH; "in none" → MATCH; unknown stays UNDEFINED. */
function invert(status: Status): Status {
  return status === MATCH ? NOT_MATCH : status === NOT_MATCH ? MATCH : UNDEFINED;
}

function app(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  for (const part of ['include', 'exclude'] as const) {
    const items = objectsOf(value[part]);
    if (items.length === 0) continue;
    const ids = items.filter((i) => i.type === 'APP' && typeof i.id === 'string').map((i) => i.id as string);
    const names = items.filter((i) => i.type === 'APP_TYPE' && typeof i.name === 'string').map((i) => i.name as string);
    out.atoms.push(
      registry.atom(key([ids.sort(), names.sort()]), [`app.${part}`], 0, () => {
        const idSet = new Set(ids);
        const nameSet = new Set(names);
        return (request) => {
          const target = request.context.app;
          if (!target) return UNDEFINED;
          const listed = idSet.has(target.id) || nameSet.has(target.name);
          return (part === 'include') === listed ? MATCH : NOT_MATCH;
        };
      }),
    );
  }
}

function platform(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  for (const part of ['include', 'exclude'] as const) {
    const items = objectsOf(value[part]);
    if (items.length === 0) continue;
    out.atoms.push(
      registry.atom(key(items), [`platform.${part}`], 2, () => {
        const tests = items.map((item) => platformItem(registry, item));
        return (request) => {
          // include: some item matches; exclude: no item matches. UNDEFINED when no item decides.
          let unknown = false;
          for (let i = 0; i < tests.length; i++) {
            const status = tests[i]!(request);
            if (status === MATCH) return part === 'include' ? MATCH : NOT_MATCH;
            if (status === UNDEFINED) unknown = true;
          }
          return unknown ? UNDEFINED : part === 'include' ? NOT_MATCH : MATCH;
        };
      }),
    );
  }
}

/** One platform item: its type, OS type (OSX = MACOS), OS expression and version must all hold. */
function platformItem(registry: Registry, item: JsonObject): (request: Request) => Status {
  const type = typeof item.type === 'string' ? item.type : 'ANY';
  const os = objectOf(item.os);
  const osType = os && typeof os.type === 'string' ? (os.type === 'OSX' ? 'MACOS' : os.type) : 'ANY';
  const osExpression = os && typeof os.expression === 'string' ? os.expression : undefined;
  const expression = osExpression === undefined ? undefined : registry.expression(osExpression);
  const version = objectOf(os?.version);
  const versionValue = typeof version?.value === 'string' ? version.value : undefined;
  let versionTest: ((request: Request) => Status) | undefined;
  if (versionValue !== undefined && version?.matchType === 'SEMVER') {
    const semver = compileSemverCondition(versionValue);
    versionTest = (request) => {
      if (request.context.platform?.os?.version === undefined) return UNDEFINED;
      const parsed = request.parsedOsVersion();
      return parsed !== null && semver(parsed) ? MATCH : NOT_MATCH;
    };
  } else if (versionValue !== undefined && version?.matchType === 'EXPRESSION') {
    const compiled = registry.expression(versionValue);
    versionTest = (request) => (request.context.platform?.os?.version === undefined ? UNDEFINED : expressionStatus(compiled, request));
  }
  return (request) => {
    let unknown = false;
    const given = request.context.platform;
    if (type !== 'ANY') {
      if (!given) unknown = true;
      else if (given.type !== type) return NOT_MATCH;
    }
    if (osType !== 'ANY') {
      const givenOs = given?.os;
      if (!givenOs) unknown = true;
      else if (givenOs.type !== osType) return NOT_MATCH;
    }
    if (osExpression !== undefined) {
      const status = expressionStatus(expression ?? null, request);
      if (status === NOT_MATCH) return NOT_MATCH;
      if (status === UNDEFINED) unknown = true;
    }
    if (versionTest) {
      const status = versionTest(request);
      if (status === NOT_MATCH) return NOT_MATCH;
      if (status === UNDEFINED) unknown = true;
    }
    return unknown ? UNDEFINED : MATCH;
  };
}

function expressionStatus(expression: CompiledExpression | null, request: Request): Status {
  if (!expression) return UNDEFINED;
  const result = expression.evaluate(request.context);
  return result === true ? MATCH : result === false ? NOT_MATCH : UNDEFINED;
}

function device(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  // `true` demands the state; `false` or absent demands nothing (Okta's "Device state: Any").
  for (const flag of ['registered', 'managed'] as const) {
    if (value[flag] !== true) continue;
    out.atoms.push(
      registry.atom('true', [`device.${flag}`], 0, () => (request) => {
        const state = request.context.device?.[flag];
        return state === undefined ? UNDEFINED : state ? MATCH : NOT_MATCH;
      }),
    );
  }
  const assurance = uniqueSorted(stringsOf(objectOf(value.assurance)?.include));
  if (assurance.length > 0) {
    out.atoms.push(
      registry.atom(key(assurance), ['device.assurance.include'], 0, () => {
        const ids = new Set(assurance);
        return (request) => {
          const given = request.context.device?.assuranceIds;
          if (given === undefined) return UNDEFINED;
          for (let i = 0; i < given.length; i++) if (ids.has(given[i]!)) return MATCH;
          return NOT_MATCH;
        };
      }),
    );
  }
}

/** `riskScore` / `entityRisk`: ANY matches without input; a level matches that exact level. */
function level(field: 'risk' | 'entityRisk', type: string): ConditionCompiler {
  return (registry, value, out) => {
    const wanted = value.level;
    if (typeof wanted !== 'string' || wanted === 'ANY') return;
    out.atoms.push(
      registry.atom(wanted, [type], 0, () => (request) => {
        const given = request.context[field];
        return given === undefined ? UNDEFINED : given.level === wanted ? MATCH : NOT_MATCH;
      }),
    );
  };
}

/** A list condition over a list in the context: include = one of them is given; exclude = none is. */
function listed(
  registry: Registry,
  out: CompiledConditions,
  type: string,
  wanted: string[],
  mode: 'include' | 'exclude',
  given: (request: Request) => readonly string[] | string | undefined,
): void {
  const values = uniqueSorted(wanted);
  if (values.length === 0) return;
  out.atoms.push(
    registry.atom(key(values), [type], 0, () => {
      const set = new Set(values);
      return (request) => {
        const actual = given(request);
        if (actual === undefined) return UNDEFINED;
        let hit = false;
        if (typeof actual === 'string') hit = set.has(actual);
        else for (let i = 0; i < actual.length && !hit; i++) hit = set.has(actual[i]!);
        return hit === (mode === 'include') ? MATCH : NOT_MATCH;
      };
    }),
  );
}

function riskDetectionTypes(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  for (const mode of ['include', 'exclude'] as const) {
    listed(registry, out, `riskDetectionTypes.${mode}`, stringsOf(value[mode]), mode, (r) => r.context.riskDetections);
  }
}

function risk(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  listed(registry, out, 'risk.behaviors', stringsOf(value.behaviors), 'include', (r) => r.context.behaviors);
}

function userType(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  for (const mode of ['include', 'exclude'] as const) {
    listed(registry, out, `userType.${mode}`, stringsOf(value[mode]), mode, (r) => r.context.user?.typeId);
  }
}

function authContext(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  const wanted = value.authType;
  if (typeof wanted !== 'string' || wanted === 'ANY') return;
  out.atoms.push(
    registry.atom(wanted, ['authContext.authType'], 0, () => (request) => {
      const given = request.context.authType;
      return given === undefined ? UNDEFINED : given === wanted ? MATCH : NOT_MATCH;
    }),
  );
}

function identityProvider(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  const provider = value.provider;
  if (provider !== 'OKTA' && provider !== 'SPECIFIC_IDP') return;
  const ids = uniqueSorted(stringsOf(value.idpIds));
  out.atoms.push(
    registry.atom(key([provider, ids]), ['identityProvider.provider'], 0, () => {
      const set = new Set(ids);
      return (request) => {
        const given = request.context.identityProvider;
        if (given === undefined) return UNDEFINED;
        if (provider === 'OKTA') return given.provider === 'OKTA' ? MATCH : NOT_MATCH;
        return given.provider === 'SPECIFIC_IDP' && set.has(given.id) ? MATCH : NOT_MATCH;
      };
    }),
  );
}

function authProvider(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  // The schema fills OKTA when no provider is given.
  const provider = typeof value.provider === 'string' ? value.provider : 'OKTA';
  if (provider === 'ANY') return;
  const include = uniqueSorted(stringsOf(value.include));
  out.atoms.push(
    registry.atom(key([provider, include]), ['authProvider.provider'], 0, () => {
      const set = new Set(include);
      return (request) => {
        const given = request.context.authProvider;
        if (given === undefined) return UNDEFINED;
        if (given.provider !== provider) return NOT_MATCH;
        if (set.size === 0) return MATCH;
        if (given.id === undefined) return UNDEFINED;
        return set.has(given.id) ? MATCH : NOT_MATCH;
      };
    }),
  );
}

function userIdentifier(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  const patterns = objectsOf(value.patterns).filter((p) => typeof p.matchType === 'string' && typeof p.value === 'string');
  if (patterns.length === 0) return;
  const attribute = value.type === 'ATTRIBUTE' && typeof value.attribute === 'string' ? value.attribute : undefined;
  out.atoms.push(
    registry.atom(key([attribute ?? null, patterns]), ['userIdentifier.patterns'], 2, () => {
      const matchers: IdentifierMatcher[] = [];
      let broken = false;
      for (const pattern of patterns) {
        try {
          matchers.push(compileIdentifierPattern(pattern.matchType as IdentifierMatchType, pattern.value as string));
        } catch {
          // Refused at save time (kinds/conditions.ts); a pattern stored before that check cannot be tested.
          broken = true;
        }
      }
      const test = (subject: string, lowered: string): Status => {
        for (let i = 0; i < matchers.length; i++) if (matchers[i]!(subject, lowered)) return MATCH;
        return broken ? UNDEFINED : NOT_MATCH;
      };
      if (attribute === undefined) {
        return (request) => {
          const login = request.context.user?.login;
          return login === undefined ? UNDEFINED : test(login, request.lowerLogin(login));
        };
      }
      return (request) => {
        const profile = request.context.user?.profile;
        if (profile === undefined) return UNDEFINED;
        const raw = profile[attribute];
        // A missing attribute is a known absence: nothing matches it.
        if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return NOT_MATCH;
        const text = String(raw);
        return test(text, text.toLowerCase());
      };
    }),
  );
}

function elCondition(registry: Registry, value: JsonObject, out: CompiledConditions): void {
  const source = value.condition;
  if (typeof source !== 'string') return;
  out.atoms.push(
    registry.atom(source, ['elCondition.condition'], 3, () => {
      const compiled = registry.expression(source);
      return (request) => expressionStatus(compiled, request);
    }),
  );
}

const CONDITIONS: Readonly<Record<string, ConditionCompiler>> = {
  people,
  network,
  app,
  platform,
  device,
  riskScore: level('risk', 'riskScore.level'),
  entityRisk: level('entityRisk', 'entityRisk.level'),
  riskDetectionTypes,
  risk,
  userType,
  authContext,
  identityProvider,
  authProvider,
  userIdentifier,
  elCondition,
};

/**
 * Compiles a policy's or rule's stored `conditions`. Parts that demand nothing (ANYWHERE, ANY,
 * empty lists) make no atom, so they never appear in a trace. A condition the engine does not
 * know makes an atom that is always UNDEFINED: a rule must not match on a condition nobody tested.
 */
export function compileConditions(registry: Registry, conditions: JsonObject | null): CompiledConditions {
  const out: CompiledConditions = { atoms: [] };
  if (!conditions) return out;
  for (const [name, raw] of Object.entries(conditions)) {
    const value = objectOf(raw);
    if (!value) continue;
    const compiler = CONDITIONS[name];
    if (compiler) compiler(registry, value, out);
    else out.atoms.push(registry.atom('unknown', [name], 0, () => () => UNDEFINED));
  }
  // A trace lists the people include first, then the rest as stored.
  const include = out.include?.atom;
  if (include && out.atoms[0] !== include) out.atoms = [include, ...out.atoms.filter((a) => a !== include)];
  return out;
}
