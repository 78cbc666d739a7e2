import type { PolicyType } from '../policies/kinds/kind.ts';
import type { PolicyRecord, RuleRecord } from '../policies/types.ts';
import type { Atom, NetworkInclude, PeopleInclude, Status } from './atoms.ts';
import { MATCH, NOT_MATCH, Registry, Request, STATUS_NAMES, UNDEFINED, and, compileConditions } from './atoms.ts';
import type {
  CompiledPolicySet,
  ConditionTrace,
  Decision,
  EvaluateOptions,
  Evaluation,
  EvaluationContext,
  PolicySetSource,
  PolicyTrace,
  RuleTrace,
} from './types.ts';

/**
 * `compilePolicySet`: the org's policies compiled into per-type scopes (docs/policy-engine.md,
 * "Compiled form").
 *
 * A scope is one ordered run of policies evaluated together: all ACTIVE policies of a type, or
 * (ACCESS_POLICY) the one policy an app is mapped to. Its active rules are numbered in global
 * order (policy priority, then rule priority), and evaluation works on candidate bitsets, 32
 * rules a word, computed word by word as the search reaches them: a rule is a candidate when its
 * people include names the user or one of its groups (or it has none) and its network include
 * names a zone the request is in (or it has none). The lowest candidate is tested; a policy whose
 * own conditions fail drops all its rules at once; a rule that fails on a shared condition drops
 * every later rule that has the same condition (it would fail on it too). The first rule left
 * whose every condition matches decides.
 *
 * With `trace`, the same compiled conditions are walked in full instead (every active policy in
 * order up to the deciding one, every active rule of each policy whose own conditions match),
 * recording every status. Both walks decide the same way: the candidate index only skips rules
 * the full walk would find not matching.
 */
export function compilePolicySet(source: PolicySetSource): CompiledPolicySet {
  return new CompiledSet(source);
}

interface PolicyEntry {
  record: PolicyRecord;
  /** The policy's own conditions; none for the type's default (system) policy, which applies to everyone. */
  gate: Atom[];
  rules: RuleEntry[];
  /** The scope ordinals of its rules: [start, end). */
  start: number;
  end: number;
}

interface RuleEntry {
  record: RuleRecord;
  /** What the rule's people include names, when it has one (the candidate index answers it on the fast path). */
  people: PeopleInclude | undefined;
  /** What the rule's network include names, when it has one (the candidate index answers it too). */
  zones: NetworkInclude | undefined;
  /** Every other condition, cheapest first (fast path). */
  checks: Atom[];
  /** Every condition in trace order (the people include first, then as stored). */
  traced: Atom[];
  /** What the rule decides, built once. */
  evaluation: Evaluation;
}

/** The rules having a condition, for dropping them all when it fails: a list, or a bitset when the list is long. */
interface Posting {
  ordinals: Int32Array;
  bits: Uint32Array | undefined;
}

class Scope {
  readonly ruleCount: number;
  readonly words: number;
  readonly rules: RuleEntry[] = [];
  readonly policyOf: Int32Array;
  /** Rules with no people include: candidates for everyone. */
  readonly anyone: Uint32Array;
  /**
   * The people index, per 32-rule word: entries `wordStart[w]` to `wordStart[w + 1]` name a
   * principal (a group slot, or `~slot` of a user) and the rules of that word it makes
   * candidates. A word's candidates are computed only when the search reaches it, so an early
   * match never looks at the rest, and a skipped policy's words are never computed.
   */
  readonly wordStart: Int32Array;
  readonly entryPrincipal: Int32Array;
  readonly entryBits: Uint32Array;
  /**
   * The zone index: rules with no network include, rules including ALL_ZONES, and per zone slot
   * the rules including it. A request is in few zones, so its network candidates cost a few
   * words each, and rules whose zone the request is not in are never tested.
   */
  readonly networkFree: Uint32Array;
  readonly allZones: Uint32Array;
  readonly byZone = new Map<number, Uint32Array>();
  /** Whether any rule has a network include (else the request's zones need not be computed). */
  readonly zoneIndexed: boolean;
  /** Atom id → the rules having it, for atoms shared by several rules. */
  readonly byAtom = new Map<number, Posting>();

  constructor(
    readonly policies: PolicyEntry[],
    registry: Registry,
  ) {
    const owners: number[] = [];
    policies.forEach((policy, index) => {
      policy.start = this.rules.length;
      for (const rule of policy.rules) {
        this.rules.push(rule);
        owners.push(index);
      }
      policy.end = this.rules.length;
    });
    this.ruleCount = this.rules.length;
    this.words = Math.max(1, Math.ceil(this.ruleCount / 32));
    this.policyOf = Int32Array.from(owners);
    this.anyone = new Uint32Array(this.words);
    this.networkFree = new Uint32Array(this.words);
    this.allZones = new Uint32Array(this.words);
    let zoneIndexed = false;
    const perWord: Map<number, number>[] = Array.from({ length: this.words }, () => new Map());
    const atoms = new Map<number, number[]>();
    this.rules.forEach((rule, ordinal) => {
      const word = ordinal >>> 5;
      const bit = 1 << (ordinal & 31);
      for (const atom of rule.checks) {
        const list = atoms.get(atom.id);
        if (list) list.push(ordinal);
        else atoms.set(atom.id, [ordinal]);
      }
      if (!rule.zones) this.networkFree[word]! |= bit;
      else {
        zoneIndexed = true;
        if (rule.zones.all) this.allZones[word]! |= bit;
        for (const slot of rule.zones.slots) {
          let bits = this.byZone.get(slot);
          if (!bits) this.byZone.set(slot, (bits = new Uint32Array(this.words)));
          bits[word]! |= bit;
        }
      }
      if (!rule.people) {
        this.anyone[word]! |= bit;
        return;
      }
      const entries = perWord[word]!;
      for (const id of rule.people.userIds) {
        const principal = ~registry.userSlot(id);
        entries.set(principal, (entries.get(principal) ?? 0) | bit);
      }
      for (const id of rule.people.groupIds) {
        const principal = registry.groupSlot(id);
        entries.set(principal, (entries.get(principal) ?? 0) | bit);
      }
    });
    const starts: number[] = [0];
    const principals: number[] = [];
    const bits: number[] = [];
    for (const entries of perWord) {
      for (const [principal, mask] of entries) {
        principals.push(principal);
        bits.push(mask);
      }
      starts.push(principals.length);
    }
    this.wordStart = Int32Array.from(starts);
    this.entryPrincipal = Int32Array.from(principals);
    this.entryBits = Uint32Array.from(bits, (b) => b >>> 0);
    for (const [id, list] of atoms) if (list.length > 1) this.byAtom.set(id, this.posting(list));
    this.zoneIndexed = zoneIndexed;
  }

  private posting(list: number[]): Posting {
    const ordinals = Int32Array.from(list);
    // A bitset is cheaper to apply than a list once the list is longer than the bitset.
    if (list.length <= Math.min(32, this.words)) return { ordinals, bits: undefined };
    const bits = new Uint32Array(this.words);
    for (const ordinal of list) bits[ordinal >>> 5]! |= 1 << (ordinal & 31);
    return { ordinals, bits };
  }
}

const NO_DECISION: Evaluation = Object.freeze({ decision: null });

/** Default (system) policy last, then priority; ids break ties so the order never depends on input order. */
function byPriority<T extends { priority: number; id: string }>(system: (item: T) => boolean) {
  return (a: T, b: T) => Number(system(a)) - Number(system(b)) || a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

class CompiledSet implements CompiledPolicySet {
  readonly version: string;
  private readonly registry: Registry;
  private readonly request: Request;
  private readonly scopes = new Map<PolicyType, Scope>();
  /** ACCESS_POLICY: a scope per ACTIVE policy, by policy id. */
  private readonly accessScopes = new Map<string, Scope>();
  private readonly defaultAccessScope: Scope | undefined;
  private readonly appPolicies: ReadonlyMap<string, string>;
  /** Rules dropped during a search (scratch, reused: evaluation is synchronous). */
  private readonly killed: Uint32Array;
  /** The zone index bitsets of the zones the request is in (scratch: `zoneSets[0 .. zoneSetCount)`). */
  private readonly zoneSets: Uint32Array[];
  private zoneSetCount = 0;
  /** Whether the request is in a POLICY zone (rules including ALL_ZONES are candidates). */
  private inAnyZone = false;

  constructor(source: PolicySetSource) {
    this.version = source.version;
    this.appPolicies = source.appPolicies;
    this.registry = new Registry(source.zones);
    const rulesByPolicy = new Map<string, RuleRecord[]>();
    for (const rule of source.rules) {
      if (rule.status !== 'ACTIVE') continue;
      const list = rulesByPolicy.get(rule.policyId);
      if (list) list.push(rule);
      else rulesByPolicy.set(rule.policyId, [rule]);
    }
    const byType = new Map<PolicyType, PolicyEntry[]>();
    const sorted = source.policies.filter((p) => p.status === 'ACTIVE').sort(byPriority((p) => p.system));
    for (const policy of sorted) {
      const entry = this.policyEntry(policy, rulesByPolicy.get(policy.id) ?? []);
      const list = byType.get(policy.type);
      if (list) list.push(entry);
      else byType.set(policy.type, [entry]);
    }
    let defaultAccess: Scope | undefined;
    for (const [type, entries] of byType) {
      if (type === 'ACCESS_POLICY') {
        for (const entry of entries) {
          const scope = new Scope([entry], this.registry);
          this.accessScopes.set(entry.record.id, scope);
          if (entry.record.system) defaultAccess = scope;
        }
      } else if (type === 'PROFILE_ENROLLMENT') {
        // A profile enrollment policy applies to the apps assigned to it, and Tollgate assigns
        // apps to ACCESS_POLICY policies only: every app is under the default one.
        this.scopes.set(type, new Scope(entries.filter((e) => e.record.system), this.registry));
      } else this.scopes.set(type, new Scope(entries, this.registry));
    }
    this.defaultAccessScope = defaultAccess;
    let words = 1;
    for (const scope of [...this.scopes.values(), ...this.accessScopes.values()]) words = Math.max(words, scope.words);
    this.killed = new Uint32Array(words);
    this.zoneSets = new Array<Uint32Array>(this.registry.zones.active.length);
    this.request = new Request(this.registry);
  }

  private policyEntry(record: PolicyRecord, rules: RuleRecord[]): PolicyEntry {
    const gate = record.system ? [] : compileConditions(this.registry, record.conditions).atoms;
    const entries = rules.sort(byPriority((r) => r.system)).map((rule) => this.ruleEntry(record, rule));
    return { record, gate, rules: entries, start: 0, end: 0 };
  }

  private ruleEntry(policy: PolicyRecord, rule: RuleRecord): RuleEntry {
    const compiled = compileConditions(this.registry, rule.conditions);
    const indexed = new Set([compiled.include?.atom, compiled.network?.atom]);
    const checks = compiled.atoms.filter((a) => !indexed.has(a)).sort((a, b) => a.cost - b.cost);
    const decision: Decision = Object.freeze({ type: policy.type, policy, rule, settings: policy.settings, actions: rule.actions });
    return {
      record: rule,
      people: compiled.include?.people,
      zones: compiled.network?.zones,
      checks,
      traced: compiled.atoms,
      evaluation: Object.freeze({ decision }),
    };
  }

  evaluate(type: PolicyType, context: EvaluationContext, options?: EvaluateOptions): Evaluation {
    const scope = this.scopeFor(type, context);
    if (!scope) return options?.trace ? { decision: null, trace: [] } : NO_DECISION;
    this.request.begin(context);
    return options?.trace ? this.walk(scope, options.ruleConditions !== false) : this.search(scope);
  }

  /** ACCESS_POLICY: the app's mapped policy, or the default one when the app has none. No app, no policy. */
  private scopeFor(type: PolicyType, context: EvaluationContext): Scope | undefined {
    if (type !== 'ACCESS_POLICY') return this.scopes.get(type);
    if (!context.app) return undefined;
    const mapped = this.appPolicies.get(context.app.id);
    return (mapped === undefined ? undefined : this.accessScopes.get(mapped)) ?? this.defaultAccessScope;
  }

  /** The fast path: the lowest candidate rule not yet dropped, word by word (see the file comment). */
  private search(scope: Scope): Evaluation {
    const request = this.request;
    const killed = this.killed;
    killed.fill(0, 0, scope.words);
    this.zoneSetCount = 0;
    this.inAnyZone = false;
    if (scope.zoneIndexed) {
      const zones = request.zonesIn();
      this.inAnyZone = request.inAnyPolicyZone();
      for (let i = 0; i < zones; i++) {
        const bits = scope.byZone.get(request.zoneAt(i));
        if (bits) this.zoneSets[this.zoneSetCount++] = bits;
      }
    }
    const count = scope.ruleCount;
    let ordinal = 0;
    let word = -1;
    /** The live candidates of `word`. */
    let live = 0;
    while (ordinal < count) {
      if (ordinal >>> 5 !== word) {
        word = ordinal >>> 5;
        const dead = killed[word]!;
        live = dead === 0xffffffff ? 0 : this.candidatesOf(scope, word, ~dead);
      }
      const ahead = live & (-1 << (ordinal & 31));
      if (ahead === 0) {
        ordinal = (word + 1) << 5;
        continue;
      }
      ordinal = (word << 5) | (31 - Math.clz32(ahead & -ahead));
      const policy = scope.policies[scope.policyOf[ordinal]!]!;
      if (!this.gateMatches(policy)) {
        ordinal = policy.end;
        continue;
      }
      const rule = scope.rules[ordinal]!;
      const checks = rule.checks;
      let failed: Atom | undefined;
      for (let i = 0; i < checks.length; i++) {
        if (request.status(checks[i]!) !== MATCH) {
          failed = checks[i]!;
          break;
        }
      }
      if (!failed) return rule.evaluation;
      // Every later rule with the same condition fails on it too.
      const posting = scope.byAtom.get(failed.id);
      if (posting) live &= ~drop(killed, posting, ordinal, word);
      ordinal++;
    }
    return NO_DECISION;
  }

  /** The rules of `word` the zone and people indexes make candidates for this request, among `alive`. */
  private candidatesOf(scope: Scope, word: number, alive: number): number {
    let network = scope.networkFree[word]!;
    if (this.inAnyZone) network |= scope.allZones[word]!;
    for (let i = 0; i < this.zoneSetCount; i++) network |= this.zoneSets[i]![word]!;
    alive &= network;
    if (alive === 0) return 0;
    const request = this.request;
    let bits = scope.anyone[word]!;
    const end = scope.wordStart[word + 1]!;
    for (let entry = scope.wordStart[word]!; entry < end; entry++) {
      const principal = scope.entryPrincipal[entry]!;
      if (principal >= 0 ? request.inGroup(principal) : ~principal === request.userSlot) bits |= scope.entryBits[entry]!;
    }
    return bits & alive;
  }

  private gateMatches(policy: PolicyEntry): boolean {
    const gate = policy.gate;
    for (let i = 0; i < gate.length; i++) if (this.request.status(gate[i]!) !== MATCH) return false;
    return true;
  }

  /**
   * The traced path: every policy and rule considered, every condition's status (for rules only
   * when `ruleConditions`, and always for the deciding rule).
   */
  private walk(scope: Scope, ruleConditions: boolean): Evaluation {
    const trace: PolicyTrace[] = [];
    for (const policy of scope.policies) {
      const gate = this.conditions(policy.gate);
      const entry: PolicyTrace = { id: policy.record.id, name: policy.record.name, status: STATUS_NAMES[gate.status], conditions: gate.traces, rules: [] };
      trace.push(entry);
      if (gate.status !== MATCH) continue;
      let status: Status = NOT_MATCH;
      for (const rule of policy.rules) {
        let checked = ruleConditions ? this.conditions(rule.traced) : { status: this.statusOf(rule.traced), traces: NO_TRACES };
        if (checked.status === MATCH && !ruleConditions) checked = this.conditions(rule.traced);
        const ruleTrace: RuleTrace = { id: rule.record.id, name: rule.record.name, status: STATUS_NAMES[checked.status], conditions: checked.traces };
        entry.rules.push(ruleTrace);
        if (checked.status === MATCH) {
          entry.status = 'MATCH';
          return { decision: rule.evaluation.decision, trace };
        }
        if (checked.status === UNDEFINED) status = UNDEFINED;
      }
      // Conditions matched but no rule did: the policy does not apply (a policy with no active rule never does).
      entry.status = STATUS_NAMES[status];
    }
    return { decision: null, trace };
  }

  /** The combined status of the atoms, recording nothing. */
  private statusOf(atoms: readonly Atom[]): Status {
    let status: Status = MATCH;
    for (const atom of atoms) status = and(status, this.request.status(atom));
    return status;
  }

  private conditions(atoms: readonly Atom[]): { status: Status; traces: ConditionTrace[] } {
    let status: Status = MATCH;
    const traces: ConditionTrace[] = [];
    for (const atom of atoms) {
      const result = this.request.status(atom);
      status = and(status, result);
      for (const type of atom.types) traces.push({ type, status: STATUS_NAMES[result] });
    }
    return { status, traces };
  }
}

/** The `conditions` of a rule traced without them: shared, never written. */
const NO_TRACES: ConditionTrace[] = [];

/** Marks the posting's rules after `ordinal` dropped; returns the dropped bits of `word` (the search's current word). */
function drop(killed: Uint32Array, posting: Posting, ordinal: number, word: number): number {
  const bits = posting.bits;
  if (bits) {
    for (let i = word + 1; i < bits.length; i++) killed[i]! |= bits[i]!;
    return bits[word]!;
  }
  let current = 0;
  const ordinals = posting.ordinals;
  for (let i = 0; i < ordinals.length; i++) {
    const other = ordinals[i]!;
    if (other <= ordinal) continue;
    if (other >>> 5 === word) current |= 1 << (other & 31);
    else killed[other >>> 5]! |= 1 << (other & 31);
  }
  return current;
}
