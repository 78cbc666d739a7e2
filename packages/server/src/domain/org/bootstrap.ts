import { ConflictError } from '../../errors/storage.ts';
import type { ApiTokenService } from '../api-tokens/service.ts';
import { POLICY_TYPES } from '../policies/kinds/kind.ts';
import type { PolicyService } from '../policies/service.ts';
import type { Clock } from '../shared/clock.ts';
import type { CallContext } from '../shared/context.ts';
import type { IdGenerator } from '../shared/ids.ts';
import type { Store, StorePorts } from '../store.ts';
import type { EventSpec, SystemLog } from '../system-log/writer.ts';
import { seedSystemZones } from '../zones/service.ts';
import { SYSTEM_ACTOR } from '../system-log/writer.ts';

export const BOOTSTRAP_ADMIN_LOGIN = 'admin@tollgate.local';
export const EVERYONE_GROUP = 'Everyone';

export interface BootstrapOptions {
  /** When set and the org never had an API token, this value becomes the admin's token. */
  bootstrapToken?: string;
  orgName?: string;
}

export interface BootstrapOutcome {
  /** Steps applied by this run, in order. */
  applied: string[];
  /** The bootstrap admin's token value, only on the run that created it. */
  bootstrapToken?: string;
  /** True when a bootstrap token was configured but the org already had one. */
  bootstrapTokenIgnored: boolean;
}

interface StepDeps {
  clock: Clock;
  ids: IdGenerator;
  apiTokens: ApiTokenService;
  policies: PolicyService;
  options: BootstrapOptions;
  ctx: CallContext;
}

interface StepResult {
  events?: EventSpec[];
  bootstrapToken?: string;
}

/**
 * One system default the org needs. Steps run in list order, each in its own transaction
 * together with the record that it ran, so a crash or a second process never applies one twice.
 * Later capabilities (default policies, authorization servers, zones ...) append steps here;
 * existing step names must never change.
 */
interface BootstrapStep {
  name: string;
  apply(tx: StorePorts, deps: StepDeps): Promise<StepResult>;
}

export const BOOTSTRAP_STEPS: readonly BootstrapStep[] = [
  {
    name: 'org',
    async apply(tx, { clock, ids, options }) {
      const now = clock.now();
      await tx.insertOrg({ id: ids.objectId('org'), name: options.orgName ?? 'Tollgate', created: now, lastUpdated: now });
      return {};
    },
  },
  {
    name: 'everyone-group',
    async apply(tx, { clock, ids }) {
      const now = clock.now();
      await tx.insertGroup({
        id: ids.objectId('group'),
        type: 'BUILT_IN',
        name: EVERYONE_GROUP,
        description: 'All users in your organization',
        created: now,
        lastUpdated: now,
        lastMembershipUpdated: now,
      });
      return {};
    },
  },
  {
    name: 'bootstrap-admin',
    async apply(tx, { clock, ids }) {
      const now = clock.now();
      const userId = ids.objectId('user');
      await tx.insertUser({
        id: userId,
        status: 'ACTIVE',
        profile: { login: BOOTSTRAP_ADMIN_LOGIN, email: BOOTSTRAP_ADMIN_LOGIN, firstName: 'Tollgate', lastName: 'Admin' },
        created: now,
        lastUpdated: now,
        activated: now,
        statusChanged: now,
      });
      const everyone = await tx.findGroupByName('BUILT_IN', EVERYONE_GROUP);
      if (everyone) await tx.addGroupMember(everyone.id, userId);
      await tx.insertRoleAssignment({
        id: ids.objectId('roleAssignment'),
        principalType: 'USER',
        principalId: userId,
        roleType: 'SUPER_ADMIN',
        status: 'ACTIVE',
        created: now,
        lastUpdated: now,
      });
      return {};
    },
  },
  {
    name: 'bootstrap-admin-token',
    async apply(tx, { apiTokens, options, ctx }) {
      if (await tx.hasAnyApiToken()) return {};
      const { value, event } = await apiTokens.createIn(tx, ctx, {
        name: 'Bootstrap admin token',
        userLogin: BOOTSTRAP_ADMIN_LOGIN,
        ...(options.bootstrapToken ? { value: options.bootstrapToken } : {}),
      });
      return { events: [event], bootstrapToken: value };
    },
  },
  {
    // One system default policy per type, each with its default rule. The sign-on, password
    // and authenticator-enrollment defaults apply to the Everyone group, as in a new Okta org.
    name: 'default-policies',
    async apply(tx, { policies }) {
      const everyone = await tx.findGroupByName('BUILT_IN', EVERYONE_GROUP);
      const events: EventSpec[] = [];
      for (const type of POLICY_TYPES) events.push(...(await policies.seedDefault(tx, type, everyone?.id)));
      return { events };
    },
  },
  {
    // Okta's default network zones: LegacyIpZone (POLICY) and BlockedIpZone (BLOCKLIST), system,
    // active and empty until an admin adds addresses. Part of the org as created, like Everyone:
    // no System Log events.
    name: 'system-zones',
    async apply(tx, { clock, ids }) {
      await seedSystemZones(tx, { clock, ids });
      return {};
    },
  },
];

/** The call context of the server acting on its own behalf (bootstrap, operator commands). */
export function systemContext(requestId: string): CallContext {
  return {
    principal: { userId: SYSTEM_ACTOR.id, login: SYSTEM_ACTOR.alternateId, displayName: SYSTEM_ACTOR.displayName, roles: new Set(['SUPER_ADMIN']) },
    requestId,
    ipAddress: null,
    ipChain: [],
    userAgent: null,
    requestUri: null,
    transactionType: 'JOB',
  };
}

/** Applies every step not yet applied. Safe to run on every start and from several processes. */
export async function bootstrapOrg(
  deps: { store: Store; clock: Clock; ids: IdGenerator; apiTokens: ApiTokenService; policies: PolicyService; log: SystemLog },
  options: BootstrapOptions = {},
): Promise<BootstrapOutcome> {
  const ctx = systemContext(deps.ids.requestId());
  const outcome: BootstrapOutcome = { applied: [], bootstrapTokenIgnored: false };
  const done = await deps.store.appliedBootstrapSteps();
  for (const step of BOOTSTRAP_STEPS) {
    if (done.has(step.name)) continue;
    let result: StepResult;
    try {
      result = await deps.store.transaction(async (tx) => {
        const r = await step.apply(tx, { ...deps, options, ctx });
        await tx.markBootstrapStep(step.name, deps.clock.now());
        return r;
      });
    } catch (error) {
      // Another process applied this step between our read and our write: theirs stands.
      if (error instanceof ConflictError && (await deps.store.appliedBootstrapSteps()).has(step.name)) continue;
      throw error;
    }
    outcome.applied.push(step.name);
    if (result.bootstrapToken) outcome.bootstrapToken = result.bootstrapToken;
    for (const event of result.events ?? []) await deps.log.record(ctx, event);
  }
  if (options.bootstrapToken && outcome.bootstrapToken === undefined) outcome.bootstrapTokenIgnored = true;
  return outcome;
}
