import type { ApiTokenStore } from './api-tokens/ports.ts';
import type { AppStore } from './apps/ports.ts';
import type { GroupStore } from './groups/ports.ts';
import type { RoleStore } from './roles/ports.ts';
import type { UserStore } from './users/ports.ts';
import type { ZoneStore } from './zones/ports.ts';
import type { DirectoryStore, OrgStore } from './org/ports.ts';
import type { PolicyType } from './policies/kinds/kind.ts';
import type { PolicyStore } from './policies/ports.ts';
import type { ConcurrencyPeakStore, RateLimitSettingsStore } from './rate-limits/ports.ts';
import type { SystemLogStore } from './system-log/ports.ts';

/** The ports a transaction can span. */
export interface StorePorts
  extends OrgStore,
    DirectoryStore,
    UserStore,
    GroupStore,
    ZoneStore,
    AppStore,
    RoleStore,
    ApiTokenStore,
    PolicyStore,
    SystemLogStore,
    RateLimitSettingsStore,
    ConcurrencyPeakStore {}

/** Every storage adapter provides the ports, transactions over them, and a close. */
export interface Store extends StorePorts {
  /**
   * Calls `listener` after each commit in this process that changed policies of a type (bumped
   * its generation). Other processes sharing the database notice through `policyGeneration`.
   */
  onPolicyChange(listener: (type: PolicyType) => void): void;
  /** The same for directory generations (`groups`, `zones`): called after each commit in this process that bumped one. */
  onDirectoryChange(listener: (name: string) => void): void;
  /** Runs `work` in one transaction; a throw rolls everything back. */
  transaction<T>(work: (tx: StorePorts) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
