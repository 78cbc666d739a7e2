import { ApiTokenService } from './domain/api-tokens/service.ts';
import { AppService } from './domain/apps/service.ts';
import { GroupService } from './domain/groups/service.ts';
import { RoleService } from './domain/roles/service.ts';
import type { UserService } from './domain/users/service.ts';
import type { SignInService } from './domain/users/sign-in.ts';
import { DEFAULT_KDF_LOG2_N } from './domain/users/password-hash.ts';
import { userServices } from './domain/users/wiring.ts';
import { ZoneService } from './domain/zones/service.ts';
import { PolicyService } from './domain/policies/service.ts';
import { PolicyEngine, PolicySimulator } from './domain/policy-engine/service.ts';
import { RateLimitSettingsService } from './domain/rate-limits/service.ts';
import type { Clock } from './domain/shared/clock.ts';
import type { IdGenerator } from './domain/shared/ids.ts';
import type { Store } from './domain/store.ts';
import { SystemLogService } from './domain/system-log/service.ts';
import { SystemLog } from './domain/system-log/writer.ts';
import type { SystemLogSink } from './domain/system-log/writer.ts';

/** The domain services, wired once per process and shared by the HTTP layer and the CLI. */
export interface Services {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  log: SystemLog;
  /** Reading and purging the System Log. */
  logs: SystemLogService;
  apiTokens: ApiTokenService;
  policies: PolicyService;
  /** The org's compiled policy set (every flow evaluates policies through it); `start()` from the app. */
  policyEngine: PolicyEngine;
  /** `POST /api/v1/policies/simulate`. */
  policySimulator: PolicySimulator;
  /** Rate-limit settings and principal rate limits, and the snapshot of them the request path reads. */
  rateLimitSettings: RateLimitSettingsService;
  users: UserService;
  /** Primary authentication: the password check that counts attempts and locks users out. */
  signIn: SignInService;
  groups: GroupService;
  zones: ZoneService;
  apps: AppService;
  roles: RoleService;
}

export function createServices(deps: {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  /** Where System Log write failures and drops are reported (the server's logger). */
  logSink: SystemLogSink;
  /** See `ApiTokenService`: how long a successful authentication is reused. */
  authCacheMs: number;
  /** Days System Log events are kept. */
  logRetentionDays: number;
  /** The warning threshold until a client sets one (Okta: 90 for Workforce orgs, 60 for Customer Identity). Default 90. */
  defaultWarningThreshold?: number;
  /** scrypt cost of new password hashes, log2(N) (config `passwordHashCost`). Default 15. */
  passwordHashCost?: number;
}): Services {
  const { store, clock, ids, authCacheMs } = deps;
  const log = new SystemLog({ store, clock, ids, sink: deps.logSink });
  const apiTokens = new ApiTokenService({ store, log, clock, ids, authCacheMs });
  const policies = new PolicyService({ store, log, clock, ids });
  const directory = { store, log, clock, ids, apiTokens, policies };
  const policyEngine = new PolicyEngine({ store, clock });
  return {
    store,
    clock,
    ids,
    log,
    logs: new SystemLogService({ store, clock, retentionDays: deps.logRetentionDays }),
    apiTokens,
    policies,
    policyEngine,
    policySimulator: new PolicySimulator({ store, engine: policyEngine }),
    ...userServices(directory, deps.passwordHashCost ?? DEFAULT_KDF_LOG2_N, policyEngine),
    groups: new GroupService(directory),
    zones: new ZoneService(directory),
    apps: new AppService(directory),
    roles: new RoleService(directory),
    rateLimitSettings: new RateLimitSettingsService({ store, log, clock, ids, defaultWarningThreshold: deps.defaultWarningThreshold ?? 90 }),
  };
}
