import { ApiValidationError, ResourceNotFoundError } from '../../errors/catalog.ts';
import { demand } from '../authz/permissions.ts';
import type { PolicyType } from '../policies/kinds/kind.ts';
import type { Clock } from '../shared/clock.ts';
import type { CallContext } from '../shared/context.ts';
import type { Store } from '../store.ts';
import { parseIp } from '../zones/ip-match.ts';
import { ZONES_GENERATION } from '../zones/service.ts';
import { compilePolicySet } from './compile.ts';
import type { CompiledPolicySet, Evaluation, EvaluationContext, OsType, PlatformType, PolicySetSource, RiskLevel } from './types.ts';

/**
 * How often the generation counters are read for changes another instance (or, for zones, this
 * one) committed. Changes to policies, rules and app mappings made through this process apply at
 * once: the store announces them after commit.
 */
export const POLICY_ENGINE_RECHECK_MS = 1000;

/** How many times a load is retried when a write committed while it read (the set would mix two states). */
const LOAD_ATTEMPTS = 3;

export interface PolicyEngineDeps {
  store: Store;
  /** Decides when the counters are read again (tests drive it with a fake clock). */
  clock: Clock;
  /** The compiler; tests and the bench may pass another (default: `compilePolicySet`). */
  compile?: (source: PolicySetSource) => CompiledPolicySet;
  recheckMs?: number;
  /** Where load and compilation failures are reported until `start()` names a handler. */
  onError?: (error: unknown) => void;
}

/**
 * Holds the org's compiled policy set and swaps in a new one when what it was compiled from
 * changes.
 *
 * What it is compiled from (policies and rules of every type, app sign-in policy mappings,
 * network zones) is versioned by counters in the database: `policy_generations` (one per type,
 * bumped in every transaction that writes a policy, a rule, or, for ACCESS_POLICY, an app
 * mapping) and `directory_generations.zones`. A set is compiled from a load that read the same
 * counters before and after it, so it never mixes two states; it is reloaded when the counters
 * move:
 * - at once after this process commits a policy or zone change (`store.onPolicyChange`,
 *   `store.onDirectoryChange`): the next `get()` waits for the reload, so a client sees its own
 *   write on the next request;
 * - otherwise when `get()` finds the last check older than `recheckMs` (by the injected clock),
 *   and from a timer (`start()`) that keeps `current()` fresh without traffic. Other instances'
 *   changes therefore apply within about a second. Polling was chosen over
 *   LISTEN/NOTIFY because it works the same on SQLite and PostgreSQL and costs two indexed reads
 *   a second.
 *
 * A failed compilation never takes the server down: the last good set stays in use, the error
 * is reported once per set of counters, and the next change is tried again.
 */
export class PolicyEngine {
  private set: CompiledPolicySet | undefined;
  /** Counters of the last load, compiled or not; undefined before the first. */
  private loadedVersion: string | undefined;
  /** When the counters were last read (injected clock); undefined: read them before the next use. */
  private checkedAt: number | undefined;
  /** How many changes this process has announced: a load that began before the last one does not count as a check. */
  private changes = 0;
  /** Refreshes run one after another; this is the tail of the queue (it never rejects). */
  private queue: Promise<void> = Promise.resolve();
  /** The queued refresh that has not started yet, if any. */
  private waiting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private reportError: (error: unknown) => void;

  constructor(private readonly deps: PolicyEngineDeps) {
    this.reportError = deps.onError ?? (() => undefined);
    const changed = () => {
      this.changes++;
      this.checkedAt = undefined;
      this.refresh().catch(() => undefined); // reported inside; `get()` retries
    };
    deps.store.onPolicyChange(changed);
    deps.store.onDirectoryChange((name) => {
      if (name === ZONES_GENERATION) changed();
    });
  }

  /**
   * The compiled set, synchronously, for hot paths after `start()` (or any `get()`): never
   * touches the store. Throws before the first load.
   */
  current(): CompiledPolicySet {
    if (!this.set) throw new Error('The policy engine has no compiled policy set yet: call start() or get() first');
    return this.set;
  }

  /**
   * The compiled set, reloaded first when this process committed a policy change since, when the
   * last check is older than `recheckMs`, or with `fresh` (every counter read now: simulate uses
   * it so an admin sees every committed change, zones included). A load that fails keeps the
   * last set when there is one.
   */
  async get(options: { fresh?: boolean } = {}): Promise<CompiledPolicySet> {
    if (this.set && !options.fresh && !this.due(this.recheckMs)) return this.set;
    try {
      await this.refresh();
    } catch (error) {
      if (!this.set) throw error;
    }
    return this.current();
  }

  /**
   * Reads the counters and recompiles if they moved since the last load. Calls made while a
   * refresh waits to start join it (it starts after them, so it sees what they committed): a
   * burst of writes costs one load in flight and one waiting, not one per write.
   */
  refresh(): Promise<void> {
    if (this.waiting) return this.waiting;
    const run = this.queue.then(() => {
      this.waiting = undefined;
      return this.reloadIfChanged();
    });
    this.waiting = run;
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Loads and compiles the set (a failing load is thrown: the server should not serve without
   * it), then checks the counters every `recheckMs`. Errors of later loads and compilations go to
   * `onError`, once per run of failures.
   */
  async start(options: { onError?: (error: unknown) => void; intervalMs?: number } = {}): Promise<void> {
    if (this.timer) return;
    let failing = false;
    const report = options.onError ?? (() => undefined);
    this.reportError = (error) => {
      if (!failing) report(error);
      failing = true;
    };
    await this.refresh();
    this.timer = setInterval(() => {
      // Half the interval: timer jitter must not skip a tick; a fake clock that stands still skips them all.
      if (this.ticking || !this.due(this.recheckMs / 2)) return;
      this.ticking = true;
      this.refresh()
        .then(() => (failing = false), () => undefined)
        .finally(() => (this.ticking = false));
    }, options.intervalMs ?? this.recheckMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a load in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.queue;
  }

  /** Which counters the current set was compiled from (tests, logs). */
  get version(): string | undefined {
    return this.set?.version;
  }

  private get recheckMs(): number {
    return this.deps.recheckMs ?? POLICY_ENGINE_RECHECK_MS;
  }

  private due(afterMs: number): boolean {
    if (this.checkedAt === undefined) return true;
    const now = this.deps.clock.now();
    return now < this.checkedAt || now - this.checkedAt >= afterMs;
  }

  private async reloadIfChanged(): Promise<void> {
    try {
      const checkedAt = this.deps.clock.now();
      const changes = this.changes;
      // A change announced while this load ran may be missing from it: leave the set due, so the
      // next `get()` waits for the refresh the announcement queued instead of serving this one.
      const checked = () => {
        if (this.changes === changes) this.checkedAt = checkedAt;
      };
      let version = await this.counters();
      if (version === this.loadedVersion) {
        checked();
        return;
      }
      for (let attempt = 1; ; attempt++) {
        const source = await this.load(version);
        const after = await this.counters();
        if (after === version || attempt >= LOAD_ATTEMPTS) {
          this.install(source);
          checked();
          return;
        }
        version = after;
      }
    } catch (error) {
      this.reportError(error);
      throw error;
    }
  }

  /** Compiles and swaps in; a compilation failure keeps the last good set (an empty one if none). */
  private install(source: PolicySetSource): void {
    const compile = this.deps.compile ?? compilePolicySet;
    this.loadedVersion = source.version;
    try {
      this.set = compile(source);
    } catch (error) {
      this.reportError(new PolicyCompilationError(source.version, error));
      // The first load has no last good set: serve one in which no policy applies rather than none.
      this.set ??= compile({ policies: [], rules: [], zones: [], appPolicies: new Map(), version: `empty (${source.version} failed)` });
    }
  }

  /** The counters as one string: `ACCESS_POLICY=3,PASSWORD=7;zones=2` (types never changed are absent). */
  private async counters(): Promise<string> {
    const { store } = this.deps;
    const [policies, zones] = await Promise.all([store.policyGenerations(), store.directoryGeneration(ZONES_GENERATION)]);
    const types = [...policies.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([type, generation]) => `${type}=${generation}`);
    return `${types.join(',')};zones=${zones}`;
  }

  private async load(version: string): Promise<PolicySetSource> {
    const { store } = this.deps;
    const [policies, rules, zones, appPolicies] = await Promise.all([store.allPolicies(), store.allRules(), store.listZones(), store.allAppPolicyMappings()]);
    return { policies, rules, zones, appPolicies, version };
  }
}

/** A policy set the compiler refused (a bug or data it cannot handle): reported, never thrown to a request. */
export class PolicyCompilationError extends Error {
  constructor(
    readonly version: string,
    cause: unknown,
  ) {
    super(`could not compile the policy set at ${version}; keeping the last good one`, { cause });
    this.name = 'PolicyCompilationError';
  }
}

// --- simulate ----------------------------------------------------------------------------------

/** `PolicyTypeSimulation`: the types simulate evaluates, in the spec's order (the default: all). */
export const SIMULATION_POLICY_TYPES = ['ACCESS_POLICY', 'MFA_ENROLL', 'OKTA_SIGN_ON', 'PROFILE_ENROLLMENT'] as const satisfies readonly PolicyType[];
export type SimulationPolicyType = (typeof SIMULATION_POLICY_TYPES)[number];

/** Most simulations one request may carry (the spec sets none; each costs a few reads). */
export const MAX_SIMULATIONS = 20;
/** Most group or zone ids one simulation may name. */
const MAX_IDS = 100;

/** What `simulate` answers for one policy type of one simulation: the engine's evaluation with its trace. */
export interface SimulationOutcome {
  policyType: SimulationPolicyType;
  evaluation: Evaluation;
}

/**
 * `POST /api/v1/policies/simulate`: evaluates the org's policies for a described request with
 * the same compiled set sign-in uses, and returns each evaluation with its trace. Inputs are
 * checked here (the HTTP layer passes the body through), naming the field of every problem.
 */
export class PolicySimulator {
  constructor(private readonly deps: { store: Store; engine: PolicyEngine }) {}

  /** `ruleConditions`: record every rule's condition statuses (simulate's `expand=RULE`). */
  async simulate(ctx: CallContext, body: unknown, options: { ruleConditions: boolean } = { ruleConditions: true }): Promise<SimulationOutcome[]> {
    demand(ctx.principal, 'okta.policies.read');
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0) throw new ApiValidationError(['simulatePolicy: must contain at least one simulation']);
    if (items.length > MAX_SIMULATIONS) throw new ApiValidationError([`simulatePolicy: must contain at most ${MAX_SIMULATIONS} simulations`]);
    const prefix = (i: number) => (items.length > 1 ? `[${i}].` : '');
    const parsed = items.map((item, i) => parseSimulation(item, prefix(i)));
    const problems = parsed.flatMap((p) => p.problems);
    if (problems.length > 0) throw new ApiValidationError(problems);

    const contexts: { types: readonly SimulationPolicyType[]; context: EvaluationContext }[] = [];
    for (const [i, { simulation }] of parsed.entries()) contexts.push(await this.resolve(simulation!, prefix(i)));
    const set = await this.deps.engine.get({ fresh: true });
    return contexts.flatMap(({ types, context }) => types.map((policyType) => ({ policyType, evaluation: set.evaluate(policyType, context, { trace: true, ruleConditions: options.ruleConditions }) })));
  }

  /** Looks up what the simulation names: unknown app or user → 404; unknown group or zone ids → 400 naming the field. */
  private async resolve(s: ParsedSimulation, prefix: string): Promise<{ types: readonly SimulationPolicyType[]; context: EvaluationContext }> {
    const { store } = this.deps;
    const app = await store.getApp(s.appInstance);
    if (!app) throw new ResourceNotFoundError(s.appInstance, 'AppInstance');
    const context: EvaluationContext = {
      app: { id: app.id, name: app.name },
      // A simulated sign-in is a plain one to Okta: no RADIUS or LDAP interface, Okta as the IdP.
      authType: 'ANY',
      identityProvider: { provider: 'OKTA' },
      authProvider: { provider: 'OKTA' },
    };
    const problems: string[] = [];
    if (s.userId !== undefined) {
      const user = await store.getUser(s.userId);
      if (!user) throw new ResourceNotFoundError(s.userId, 'User');
      context.user = { id: user.id, groupIds: await store.groupIdsOfUser(user.id), login: user.profile.login, profile: user.profile };
    } else if (s.groupIds !== undefined) {
      const missing = await store.missingGroupIds(s.groupIds);
      if (missing.length > 0) problems.push(`${prefix}policyContext.groups.ids: ${missing.join(', ')} ${missing.length === 1 ? 'is not a group' : 'are not groups'}`);
      context.user = { groupIds: s.groupIds };
    }
    if (s.zoneIds !== undefined) {
      const missing = await store.missingZoneIds(s.zoneIds);
      if (missing.length > 0) problems.push(`${prefix}policyContext.zones.ids: ${missing.join(', ')} ${missing.length === 1 ? 'is not a network zone' : 'are not network zones'}`);
      context.zoneIds = s.zoneIds;
    }
    if (problems.length > 0) throw new ApiValidationError(problems);
    if (s.ip !== undefined) context.ip = s.ip;
    if (s.risk !== undefined) context.risk = { level: s.risk };
    if (s.platform !== undefined) context.platform = s.platform;
    if (s.device !== undefined) context.device = s.device;
    return { types: s.types, context };
  }
}

interface ParsedSimulation {
  appInstance: string;
  types: readonly SimulationPolicyType[];
  userId?: string;
  groupIds?: string[];
  ip?: string;
  zoneIds?: string[];
  risk?: RiskLevel;
  platform?: NonNullable<EvaluationContext['platform']>;
  device?: NonNullable<EvaluationContext['device']>;
}

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const present = (value: unknown) => value !== undefined && value !== null;

const RISK_LEVELS: readonly RiskLevel[] = ['LOW', 'MEDIUM', 'HIGH'];

/**
 * `device.platform` ("the platform of the device, for example, IOS"): an OS, which implies the
 * platform type, or a platform type alone. OSX is Okta's other spelling of MACOS.
 */
const DEVICE_PLATFORMS: Record<string, { type: PlatformType; os?: OsType }> = {
  IOS: { type: 'MOBILE', os: 'IOS' },
  ANDROID: { type: 'MOBILE', os: 'ANDROID' },
  WINDOWS: { type: 'DESKTOP', os: 'WINDOWS' },
  MACOS: { type: 'DESKTOP', os: 'MACOS' },
  OSX: { type: 'DESKTOP', os: 'MACOS' },
  CHROMEOS: { type: 'DESKTOP', os: 'CHROMEOS' },
  LINUX: { type: 'DESKTOP', os: 'LINUX' },
  DESKTOP: { type: 'DESKTOP' },
  MOBILE: { type: 'MOBILE' },
  OTHER: { type: 'OTHER', os: 'OTHER' },
};

function idList(value: unknown, field: string, problems: string[]): string[] | undefined {
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string' || id.length === 0 || id.length > 64)) {
    problems.push(`${field}: must be an array of ids`);
    return undefined;
  }
  if (value.length > MAX_IDS) {
    problems.push(`${field}: must name at most ${MAX_IDS} ids`);
    return undefined;
  }
  return [...new Set(value as string[])];
}

/** Checks one `SimulatePolicyBody`; every problem is reported, each naming its field. */
function parseSimulation(input: unknown, prefix: string): { simulation?: ParsedSimulation; problems: string[] } {
  const problems: string[] = [];
  const field = (name: string) => `${prefix}${name}`;
  if (!isObject(input)) return { problems: [`${prefix ? prefix.slice(0, -1) : 'simulatePolicy'}: must be an object with appInstance and policyContext`] };

  const appInstance = input.appInstance;
  if (!present(appInstance)) problems.push(`${field('appInstance')}: The field cannot be left blank`);
  else if (typeof appInstance !== 'string' || appInstance.length === 0 || appInstance.length > 64) problems.push(`${field('appInstance')}: must be an app id`);

  // `policyTypes` per the spec; its example spells it `policyType`: both are accepted.
  let types: readonly SimulationPolicyType[] = SIMULATION_POLICY_TYPES;
  const typesField = present(input.policyTypes) ? 'policyTypes' : 'policyType';
  const given = input[typesField];
  if (present(input.policyTypes) && present(input.policyType)) problems.push(`${field('policyType')}: give policyTypes or policyType, not both`);
  else if (present(given)) {
    if (!Array.isArray(given)) problems.push(`${field(typesField)}: must be an array of ${SIMULATION_POLICY_TYPES.join(', ')}`);
    else {
      const bad = given.filter((t) => !(SIMULATION_POLICY_TYPES as readonly unknown[]).includes(t));
      if (bad.length > 0) problems.push(`${field(typesField)}: must each be one of ${SIMULATION_POLICY_TYPES.join(', ')}; got ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
      // An empty list is the default: every type (the spec's `null`, which Okta's own guide sends as `[]`).
      else if (given.length > 0) types = SIMULATION_POLICY_TYPES.filter((t) => given.includes(t));
    }
  }

  const simulation: ParsedSimulation = { appInstance: typeof appInstance === 'string' ? appInstance : '', types };
  const context = input.policyContext;
  if (!present(context)) problems.push(`${field('policyContext')}: user or groups is required`);
  else if (!isObject(context)) problems.push(`${field('policyContext')}: must be an object`);
  else parseContext(context, (name) => field(`policyContext.${name}`), simulation, problems);
  return problems.length > 0 ? { problems } : { simulation, problems };
}

function parseContext(context: Obj, field: (name: string) => string, out: ParsedSimulation, problems: string[]): void {
  const { user, groups, ip, zones, risk, device } = context;
  if (present(user) && present(groups)) problems.push(`${field('user')}: Only user IDs or Group IDs are allowed, not both`);
  else if (!present(user) && !present(groups)) problems.push(`${field('user')}: user or groups is required`);
  else if (present(user)) {
    if (!isObject(user) || typeof user.id !== 'string' || user.id.length === 0 || user.id.length > 64) problems.push(`${field('user.id')}: must be a user id`);
    else out.userId = user.id;
  } else if (!isObject(groups)) problems.push(`${field('groups')}: must be an object with ids`);
  else {
    const ids = idList(groups.ids, field('groups.ids'), problems);
    if (ids && ids.length === 0) problems.push(`${field('groups.ids')}: must name at least one group`);
    else if (ids) out.groupIds = ids;
  }

  if (present(ip) && present(zones)) problems.push(`${field('ip')}: Only an IP address or zone IDs are allowed, not both`);
  else if (present(ip)) {
    if (typeof ip !== 'string' || parseIp(ip) === undefined) problems.push(`${field('ip')}: must be an IPv4 or IPv6 address`);
    else out.ip = ip;
  } else if (present(zones)) {
    if (!isObject(zones)) problems.push(`${field('zones')}: must be an object with ids`);
    else {
      const ids = idList(zones.ids, field('zones.ids'), problems);
      if (ids) out.zoneIds = ids;
    }
  }

  if (present(risk)) {
    const level = isObject(risk) ? risk.level : undefined;
    if (!isObject(risk)) problems.push(`${field('risk')}: must be an object`);
    else if (present(level)) {
      if (!(RISK_LEVELS as readonly unknown[]).includes(level)) problems.push(`${field('risk.level')}: must be one of ${RISK_LEVELS.join(', ')}`);
      else out.risk = level as RiskLevel;
    }
  }

  if (present(device)) {
    if (!isObject(device)) {
      problems.push(`${field('device')}: must be an object`);
      return;
    }
    const parsed: NonNullable<EvaluationContext['device']> = {};
    for (const flag of ['registered', 'managed'] as const) {
      const value = device[flag];
      if (!present(value)) continue;
      if (typeof value !== 'boolean') problems.push(`${field(`device.${flag}`)}: must be a boolean`);
      else parsed[flag] = value;
    }
    if (present(device.assuranceId)) {
      if (typeof device.assuranceId !== 'string' || device.assuranceId.length === 0 || device.assuranceId.length > 64) problems.push(`${field('device.assuranceId')}: must be a device assurance policy id`);
      else parsed.assuranceIds = [device.assuranceId];
    }
    if (present(device.platform)) {
      const platform = typeof device.platform === 'string' ? DEVICE_PLATFORMS[device.platform.toUpperCase()] : undefined;
      if (!platform) problems.push(`${field('device.platform')}: must be one of ${Object.keys(DEVICE_PLATFORMS).join(', ')}`);
      else out.platform = platform.os ? { type: platform.type, os: { type: platform.os } } : { type: platform.type };
    }
    out.device = parsed;
  }
}
