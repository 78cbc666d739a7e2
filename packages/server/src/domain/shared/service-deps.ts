import type { ApiTokenService } from '../api-tokens/service.ts';
import type { PolicyService } from '../policies/service.ts';
import type { Store } from '../store.ts';
import type { SystemLog } from '../system-log/writer.ts';
import type { Clock } from './clock.ts';
import type { IdGenerator } from './ids.ts';

/** What the directory services (users, groups, zones, apps, roles) are built with. */
export interface DirectoryServiceDeps {
  store: Store;
  log: SystemLog;
  clock: Clock;
  ids: IdGenerator;
  /** Cached authentications are forgotten when a user's status or roles change. */
  apiTokens: ApiTokenService;
  policies: PolicyService;
}
