import { ApiValidationError, ResourceNotFoundError } from '../../errors/catalog.ts';
import { ConflictError } from '../../errors/storage.ts';
import { demand } from '../authz/permissions.ts';
import type { Clock } from '../shared/clock.ts';
import type { CallContext } from '../shared/context.ts';
import type { IdGenerator } from '../shared/ids.ts';
import type { Store, StorePorts } from '../store.ts';
import type { LogTarget } from '../system-log/types.ts';
import type { EventSpec, SystemLog } from '../system-log/writer.ts';
import type { PrincipalRateLimitCursor } from './ports.ts';
import { CLIENT_MODES, CLIENT_USE_CASES, PRINCIPAL_TYPES } from './types.ts';
import type {
  ClientMode,
  ClientUseCase,
  PerClientSettings,
  PrincipalRateLimit,
  PrincipalRateLimitRecord,
  PrincipalShare,
  PrincipalType,
  RateLimitSettingsSnapshot,
  StoredRateLimitSettings,
} from './types.ts';
import { DEFAULT_PRINCIPAL_SHARE } from './types.ts';

/** Okta's default: client-based limits enforced for every use case. */
export const DEFAULT_PER_CLIENT: PerClientSettings = Object.freeze({ defaultMode: 'ENFORCE', useCaseModeOverrides: Object.freeze({}) });
/** Okta sends warning emails by default. */
export const DEFAULT_NOTIFICATIONS_ENABLED = true;
/** The spec's bounds for `warningThreshold`. */
export const WARNING_THRESHOLD = { min: 30, max: 90 } as const;
/**
 * Bounds for a principal's percentages. The spec gives none; Okta's Admin Console refuses less
 * than 5% (support.okta.com "How to Set API Token Rate Limits"), and a share of a bucket cannot
 * exceed all of it.
 */
export const PRINCIPAL_PERCENTAGE = { min: 5, max: 100 } as const;
/** How often `start()` checks the generation for changes made by other instances. */
export const REFRESH_INTERVAL_MS = 1_000;

/** The type a 404 names when the principal does not exist: an API token (`00T…`) or an OAuth 2.0 app (`0oa…`). */
const PRINCIPAL_NOT_FOUND_TYPE: Record<PrincipalType, string> = { SSWS_TOKEN: 'ApiToken', OAUTH_CLIENT: 'AppInstance' };

/** The three settings, by the path segment that serves each. */
const SETTING_PATHS = {
  perClient: 'per-client',
  warningThreshold: 'warning-threshold',
  notificationsEnabled: 'admin-notifications',
} as const satisfies Record<keyof StoredRateLimitSettings, string>;

const SETTING_NAMES: Record<keyof StoredRateLimitSettings, string> = {
  perClient: 'Per-client rate limit settings',
  warningThreshold: 'Rate limit warning threshold',
  notificationsEnabled: 'Rate limit admin notifications',
};

/** `PerClientRateLimitSettings` as a client sends it: checked here, not trusted. */
export interface PerClientInput {
  defaultMode: unknown;
  useCaseModeOverrides?: unknown;
}

/** `PrincipalRateLimitEntity` as a client sends it. Read-only fields are not part of it: they are ignored. */
export interface PrincipalRateLimitInput {
  principalId: unknown;
  principalType: unknown;
  defaultPercentage?: unknown;
  defaultConcurrencyPercentage?: unknown;
}

export interface PrincipalRateLimitFilter {
  principalType: PrincipalType;
  principalId?: string;
}

/**
 * Okta's rate-limit settings (`/api/v1/rate-limit-settings/*`) and principal rate limits
 * (`/api/v1/principal-rate-limits`), and the snapshot of them the request path reads.
 *
 * Reads through the API go to the store, so a client sees its write on every instance at once.
 * The request path instead calls `snapshot()`, which never queries: it returns an immutable
 * value that this instance replaces after each of its own writes and, once `start()` ran,
 * whenever the store's generation (bumped in every writing transaction, on any instance) moved.
 * Every write checks permissions, runs in one transaction, and logs its System Log event after
 * committing; a write that changes nothing stores and logs nothing.
 */
export class RateLimitSettingsService {
  private current: RateLimitSettingsSnapshot;
  /** The generation `current` was loaded at; -1 before the first load. */
  private generation = -1;
  /** Refreshes run one after another; this is the tail of the queue (it never rejects). */
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private orgId: string | undefined;

  constructor(
    private readonly deps: {
      store: Store;
      log: SystemLog;
      clock: Clock;
      ids: IdGenerator;
      /** Okta: 90 for Workforce orgs, 60 for Customer Identity orgs. Used until a client sets one. */
      defaultWarningThreshold: number;
      refreshIntervalMs?: number;
    },
  ) {
    this.current = buildSnapshot({}, [], deps.defaultWarningThreshold);
  }

  // --- the snapshot ------------------------------------------------------------------------

  /** The settings the request path applies. Synchronous and free: it never touches the store. */
  snapshot(): RateLimitSettingsSnapshot {
    return this.current;
  }

  /** Reloads the snapshot if the store's generation moved since it was loaded. */
  refresh(): Promise<void> {
    const run = this.queue.then(() => this.reloadIfChanged());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Loads the snapshot (a failure is thrown: the server should not serve without it), then
   * refreshes it every second. A failing background refresh keeps the last snapshot and is
   * reported once per run of failures.
   */
  async start(options: { onRefreshError?: (error: unknown) => void } = {}): Promise<void> {
    if (this.timer) return;
    await this.refresh();
    let failing = false;
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = true;
      this.refresh()
        .then(
          () => (failing = false),
          (error: unknown) => {
            if (!failing) options.onRefreshError?.(error);
            failing = true;
          },
        )
        .finally(() => (this.ticking = false));
    }, this.deps.refreshIntervalMs ?? REFRESH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the background refresh and waits for one in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.queue;
  }

  private async reloadIfChanged(): Promise<void> {
    const { store } = this.deps;
    // The generation first: a write committed after this read bumps it again, so the next
    // refresh reloads; reading it last could pair old data with a new generation.
    const generation = await store.rateLimitGeneration();
    if (generation === this.generation) return;
    const [settings, principals] = await Promise.all([store.readRateLimitSettings(), store.allPrincipalRateLimits()]);
    this.current = buildSnapshot(settings, principals, this.deps.defaultWarningThreshold);
    this.generation = generation;
  }

  /** After a commit: the writer's own instance sees its change before the response is sent. */
  private async afterWrite(): Promise<void> {
    // The change is committed whatever happens here; a failed reload is retried by the timer.
    await this.refresh().catch(() => undefined);
  }

  // --- org-wide settings -------------------------------------------------------------------

  async getPerClient(ctx: CallContext): Promise<PerClientSettings> {
    demand(ctx.principal, 'okta.rateLimits.read');
    return (await this.deps.store.readRateLimitSettings()).perClient ?? DEFAULT_PER_CLIENT;
  }

  async replacePerClient(ctx: CallContext, input: PerClientInput): Promise<PerClientSettings> {
    demand(ctx.principal, 'okta.rateLimits.manage');
    const value = parsePerClient(input);
    await this.writeSetting(ctx, 'perClient', value, DEFAULT_PER_CLIENT);
    return value;
  }

  async getWarningThreshold(ctx: CallContext): Promise<number> {
    demand(ctx.principal, 'okta.rateLimits.read');
    return (await this.deps.store.readRateLimitSettings()).warningThreshold ?? this.deps.defaultWarningThreshold;
  }

  async replaceWarningThreshold(ctx: CallContext, input: { warningThreshold: unknown }): Promise<number> {
    demand(ctx.principal, 'okta.rateLimits.manage');
    const value = input.warningThreshold;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < WARNING_THRESHOLD.min || value > WARNING_THRESHOLD.max) {
      throw new ApiValidationError([`warningThreshold: must be an integer from ${WARNING_THRESHOLD.min} to ${WARNING_THRESHOLD.max}`]);
    }
    await this.writeSetting(ctx, 'warningThreshold', value, this.deps.defaultWarningThreshold);
    return value;
  }

  async getNotificationsEnabled(ctx: CallContext): Promise<boolean> {
    demand(ctx.principal, 'okta.rateLimits.read');
    return (await this.deps.store.readRateLimitSettings()).notificationsEnabled ?? DEFAULT_NOTIFICATIONS_ENABLED;
  }

  async replaceNotificationsEnabled(ctx: CallContext, input: { notificationsEnabled: unknown }): Promise<boolean> {
    demand(ctx.principal, 'okta.rateLimits.manage');
    const value = input.notificationsEnabled;
    if (typeof value !== 'boolean') throw new ApiValidationError(['notificationsEnabled: must be true or false']);
    await this.writeSetting(ctx, 'notificationsEnabled', value, DEFAULT_NOTIFICATIONS_ENABLED);
    return value;
  }

  private async writeSetting<K extends keyof StoredRateLimitSettings>(
    ctx: CallContext,
    name: K,
    value: NonNullable<StoredRateLimitSettings[K]>,
    fallback: NonNullable<StoredRateLimitSettings[K]>,
  ): Promise<void> {
    const { previous, changed } = await this.deps.store.transaction(async (tx) => {
      const previous = (await tx.readRateLimitSettings())[name] ?? fallback;
      if (JSON.stringify(previous) === JSON.stringify(value)) return { previous, changed: false };
      await tx.writeRateLimitSetting(name, value, this.deps.clock.now());
      await tx.bumpRateLimitGeneration();
      return { previous, changed: true };
    });
    if (!changed) return;
    await this.afterWrite();
    const path = SETTING_PATHS[name];
    await this.deps.log.record(ctx, {
      eventType: 'system.rate_limit.configuration.update',
      displayMessage: 'Update rate limit configuration',
      target: [{ id: path, type: 'RateLimitSettings', alternateId: `/api/v1/rate-limit-settings/${path}`, displayName: SETTING_NAMES[name] }],
      debugData: { rateLimitSetting: path, oldValue: JSON.stringify(previous), newValue: JSON.stringify(value) },
    });
  }

  // --- principal rate limits ---------------------------------------------------------------

  async listPrincipalRateLimits(
    ctx: CallContext,
    query: { filter: string | undefined; after?: PrincipalRateLimitCursor; limit: number },
  ): Promise<PrincipalRateLimit[]> {
    demand(ctx.principal, 'okta.principalRateLimits.read');
    const filter = parsePrincipalFilter(query.filter);
    const rows = await this.deps.store.listPrincipalRateLimits({ ...filter, limit: query.limit, ...(query.after ? { after: query.after } : {}) });
    return this.withOrg(rows);
  }

  async getPrincipalRateLimit(ctx: CallContext, id: string): Promise<PrincipalRateLimit> {
    demand(ctx.principal, 'okta.principalRateLimits.read');
    const row = await this.deps.store.getPrincipalRateLimit(id);
    if (!row) throw new ResourceNotFoundError(id, 'PrincipalRateLimitEntity');
    return (await this.withOrg([row]))[0]!;
  }

  /**
   * One entity per principal, which must exist: an active API token for SSWS_TOKEN, an OIDC app's
   * client_id for OAUTH_CLIENT. A second entity for the
   * same principal is Okta's `Api validation failed: principalRateLimitMediated`.
   */
  async createPrincipalRateLimit(ctx: CallContext, input: PrincipalRateLimitInput): Promise<PrincipalRateLimit> {
    demand(ctx.principal, 'okta.principalRateLimits.manage');
    const parsed = parsePrincipalInput(input);
    const { record, principal } = await this.deps.store
      .transaction(async (tx) => {
        const principal = await findPrincipal(tx, parsed.principalType, parsed.principalId);
        const existing = await tx.findPrincipalRateLimitByPrincipal(parsed.principalId);
        if (existing) throw duplicatePrincipal(existing);
        const now = this.deps.clock.now();
        const record: PrincipalRateLimitRecord = {
          id: this.deps.ids.objectId('principalRateLimit'),
          principalId: parsed.principalId,
          principalType: parsed.principalType,
          defaultPercentage: parsed.defaultPercentage ?? DEFAULT_PRINCIPAL_SHARE.percentage,
          defaultConcurrencyPercentage: parsed.defaultConcurrencyPercentage ?? DEFAULT_PRINCIPAL_SHARE.concurrencyPercentage,
          createdDate: now,
          createdBy: ctx.principal.userId,
          lastUpdate: now,
          lastUpdatedBy: ctx.principal.userId,
        };
        await tx.insertPrincipalRateLimit(record);
        await tx.bumpRateLimitGeneration();
        return { record, principal };
      })
      .catch((error: unknown) => {
        // Two creates racing past the check above: the unique index refuses the second.
        if (error instanceof ConflictError && error.field === DUPLICATE_FIELD) throw duplicatePrincipal(undefined);
        throw error;
      });
    await this.afterWrite();
    await this.deps.log.record(ctx, principalEvent(record, principal, undefined));
    return (await this.withOrg([record]))[0]!;
  }

  /**
   * A full replace of the percentages; one left out (or null) keeps its stored value. The
   * principal cannot change: a different `principalId` or `principalType` is 400 naming it.
   */
  async replacePrincipalRateLimit(ctx: CallContext, id: string, input: PrincipalRateLimitInput): Promise<PrincipalRateLimit> {
    demand(ctx.principal, 'okta.principalRateLimits.manage');
    const parsed = parsePrincipalInput(input);
    const { record, previous, principal } = await this.deps.store.transaction(async (tx) => {
      const stored = await tx.getPrincipalRateLimit(id);
      if (!stored) throw new ResourceNotFoundError(id, 'PrincipalRateLimitEntity');
      const causes: string[] = [];
      if (parsed.principalId !== stored.principalId) causes.push(`principalId: The principal of a principal rate limit cannot be changed from ${stored.principalId}`);
      if (parsed.principalType !== stored.principalType) causes.push(`principalType: The principal type of a principal rate limit cannot be changed from ${stored.principalType}`);
      if (causes.length > 0) throw new ApiValidationError(causes);
      const next: PrincipalRateLimitRecord = {
        ...stored,
        defaultPercentage: parsed.defaultPercentage ?? stored.defaultPercentage,
        defaultConcurrencyPercentage: parsed.defaultConcurrencyPercentage ?? stored.defaultConcurrencyPercentage,
      };
      if (next.defaultPercentage === stored.defaultPercentage && next.defaultConcurrencyPercentage === stored.defaultConcurrencyPercentage) {
        return { record: stored, previous: undefined, principal: undefined };
      }
      next.lastUpdate = this.deps.clock.now();
      next.lastUpdatedBy = ctx.principal.userId;
      await tx.updatePrincipalRateLimit(next);
      await tx.bumpRateLimitGeneration();
      return { record: next, previous: stored, principal: await principalTarget(tx, stored) };
    });
    if (previous && principal) {
      await this.afterWrite();
      await this.deps.log.record(ctx, principalEvent(record, principal, previous));
    }
    return (await this.withOrg([record]))[0]!;
  }

  private async withOrg(rows: PrincipalRateLimitRecord[]): Promise<PrincipalRateLimit[]> {
    this.orgId ??= (await this.deps.store.getOrg())?.id;
    const orgId = this.orgId ?? '';
    return rows.map((row) => ({ ...row, orgId }));
  }
}

// --- validation ------------------------------------------------------------------------------

const MODE_LIST = CLIENT_MODES.join(', ');
const USE_CASE_LIST = CLIENT_USE_CASES.join(', ');

function isClientMode(value: unknown): value is ClientMode {
  return typeof value === 'string' && (CLIENT_MODES as readonly string[]).includes(value);
}

function isUseCase(value: string): value is ClientUseCase {
  return (CLIENT_USE_CASES as readonly string[]).includes(value);
}

function isPrincipalType(value: unknown): value is PrincipalType {
  return typeof value === 'string' && (PRINCIPAL_TYPES as readonly string[]).includes(value);
}

/** Every problem at once; overrides come back in Okta's use-case order, null ones dropped. */
export function parsePerClient(input: PerClientInput): PerClientSettings {
  const causes: string[] = [];
  if (!isClientMode(input.defaultMode)) causes.push(`defaultMode: must be one of ${MODE_LIST}`);
  const overrides: Partial<Record<ClientUseCase, ClientMode>> = {};
  const raw = input.useCaseModeOverrides;
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      causes.push(`useCaseModeOverrides: must be an object whose keys are use cases (${USE_CASE_LIST})`);
    } else {
      const given = raw as Record<string, unknown>;
      for (const [key, mode] of Object.entries(given)) {
        if (!isUseCase(key)) causes.push(`useCaseModeOverrides.${key}: is not a use case; the use cases are ${USE_CASE_LIST}`);
        else if (mode !== null && !isClientMode(mode)) causes.push(`useCaseModeOverrides.${key}: must be one of ${MODE_LIST}`);
      }
      for (const useCase of CLIENT_USE_CASES) {
        const mode = given[useCase];
        if (isClientMode(mode)) overrides[useCase] = mode;
      }
    }
  }
  if (causes.length > 0) throw new ApiValidationError(causes);
  return { defaultMode: input.defaultMode as ClientMode, useCaseModeOverrides: overrides };
}

interface ParsedPrincipalInput {
  principalId: string;
  principalType: PrincipalType;
  defaultPercentage?: number;
  defaultConcurrencyPercentage?: number;
}

function parsePrincipalInput(input: PrincipalRateLimitInput): ParsedPrincipalInput {
  const causes: string[] = [];
  if (typeof input.principalId !== 'string' || input.principalId.trim() === '') causes.push('principalId: The field is required');
  if (!isPrincipalType(input.principalType)) causes.push(`principalType: must be one of ${PRINCIPAL_TYPES.join(', ')}`);
  const percentage = (field: 'defaultPercentage' | 'defaultConcurrencyPercentage'): number | undefined => {
    const value = input[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= PRINCIPAL_PERCENTAGE.min && value <= PRINCIPAL_PERCENTAGE.max) return value;
    causes.push(`${field}: must be an integer from ${PRINCIPAL_PERCENTAGE.min} to ${PRINCIPAL_PERCENTAGE.max}`);
    return undefined;
  };
  const defaultPercentage = percentage('defaultPercentage');
  const defaultConcurrencyPercentage = percentage('defaultConcurrencyPercentage');
  if (causes.length > 0) throw new ApiValidationError(causes);
  return {
    principalId: input.principalId as string,
    principalType: input.principalType as PrincipalType,
    ...(defaultPercentage !== undefined ? { defaultPercentage } : {}),
    ...(defaultConcurrencyPercentage !== undefined ? { defaultConcurrencyPercentage } : {}),
  };
}

const FILTER_EXAMPLE = 'principalType eq "SSWS_TOKEN"';
const FILTER_CLAUSE = /^\s*([A-Za-z]+)\s+eq\s+"([^"\\]*)"\s*/i;
const FILTER_AND = /^and\s+/i;

/**
 * The list filter Okta requires: `principalType eq "SSWS_TOKEN"` (or `"OAUTH_CLIENT"`),
 * optionally `and principalId eq "<id>"` (Okta's own SDK tests filter that way). Operators and
 * `and` are case-insensitive, attribute names are not; anything else is 400 naming `filter`.
 */
export function parsePrincipalFilter(filter: string | undefined): PrincipalRateLimitFilter {
  if (filter === undefined || filter.trim() === '') {
    throw new ApiValidationError([`filter: The field is required; for example ${FILTER_EXAMPLE}`]);
  }
  const clauses = new Map<string, string>();
  let rest = filter;
  for (;;) {
    const match = FILTER_CLAUSE.exec(rest);
    if (!match) throw invalidFilter(`must be ${FILTER_EXAMPLE} or principalType eq "OAUTH_CLIENT", optionally followed by and principalId eq "<id>"`);
    const [whole, attribute, value] = match as unknown as [string, string, string];
    if (attribute !== 'principalType' && attribute !== 'principalId') throw invalidFilter(`${attribute} cannot be filtered on; use principalType and principalId`);
    if (clauses.has(attribute)) throw invalidFilter(`${attribute} can appear only once`);
    clauses.set(attribute, value);
    rest = rest.slice(whole.length);
    if (rest === '') break;
    const and = FILTER_AND.exec(rest);
    if (!and) throw invalidFilter('clauses can only be joined with and');
    rest = rest.slice(and[0].length);
  }
  const principalType = clauses.get('principalType');
  if (principalType === undefined) throw invalidFilter(`must include principalType, for example ${FILTER_EXAMPLE}`);
  if (!isPrincipalType(principalType)) throw invalidFilter(`principalType must be one of ${PRINCIPAL_TYPES.join(', ')}`);
  const principalId = clauses.get('principalId');
  return { principalType, ...(principalId !== undefined ? { principalId } : {}) };
}

function invalidFilter(message: string): ApiValidationError {
  return new ApiValidationError([`filter: ${message}`]);
}

/** The field Okta names when a principal already has an entity. */
const DUPLICATE_FIELD = 'principalRateLimitMediated';

function duplicatePrincipal(existing: PrincipalRateLimitRecord | undefined): ApiValidationError {
  const causes = [`${DUPLICATE_FIELD}: An object with this field already exists in the current organization`];
  if (existing) causes.push(`principalId: ${existing.principalId} already has principal rate limit ${existing.id}; replace it with PUT /api/v1/principal-rate-limits/${existing.id}`);
  return new ApiValidationError(causes, DUPLICATE_FIELD);
}

// --- principals and events -------------------------------------------------------------------

/** The principal's System Log target, or 404 when it does not exist. */
async function findPrincipal(tx: StorePorts, type: PrincipalType, id: string): Promise<LogTarget> {
  if (type === 'SSWS_TOKEN') {
    const token = await tx.getApiToken(id);
    if (token) return { id: token.id, type: 'Token', alternateId: token.name, displayName: token.name };
  }
  if (type === 'OAUTH_CLIENT') {
    // The principal of an OAuth 2.0 client is its client_id (an OIDC app's, by default the app id).
    const app = await tx.findAppByClientId(id);
    if (app) return { id: app.id, type: 'AppInstance', alternateId: app.clientId ?? app.id, displayName: app.label };
  }
  throw new ResourceNotFoundError(id, PRINCIPAL_NOT_FOUND_TYPE[type]);
}

/** The target of an update; the principal may be gone (a revoked token keeps its entity). */
async function principalTarget(tx: StorePorts, record: PrincipalRateLimitRecord): Promise<LogTarget> {
  try {
    return await findPrincipal(tx, record.principalType, record.principalId);
  } catch (error) {
    if (!(error instanceof ResourceNotFoundError)) throw error;
    const type = record.principalType === 'SSWS_TOKEN' ? 'Token' : 'AppInstance';
    return { id: record.principalId, type, alternateId: 'unknown', displayName: 'unknown' };
  }
}

/** Okta logs a token's share as a token update and an OAuth client's as an app configuration change. */
function principalEvent(record: PrincipalRateLimitRecord, principal: LogTarget, previous: PrincipalRateLimitRecord | undefined): EventSpec {
  const [eventType, displayMessage] =
    record.principalType === 'SSWS_TOKEN'
      ? ['system.api_token.update', 'Update API token']
      : ['application.configuration.update_rate_limits', 'Update application rate limits'];
  return {
    eventType,
    displayMessage,
    target: [principal, { id: record.id, type: 'PrincipalRateLimitEntity', alternateId: record.principalId, displayName: 'Principal rate limit' }],
    debugData: {
      principalRateLimitId: record.id,
      defaultPercentage: String(record.defaultPercentage),
      defaultConcurrencyPercentage: String(record.defaultConcurrencyPercentage),
      ...(previous
        ? {
            previousDefaultPercentage: String(previous.defaultPercentage),
            previousDefaultConcurrencyPercentage: String(previous.defaultConcurrencyPercentage),
          }
        : {}),
    },
  };
}

function buildSnapshot(settings: StoredRateLimitSettings, principals: readonly PrincipalRateLimitRecord[], defaultWarningThreshold: number): RateLimitSettingsSnapshot {
  const shares = new Map<string, PrincipalShare>();
  for (const p of principals) {
    shares.set(p.principalId, Object.freeze({ percentage: p.defaultPercentage, concurrencyPercentage: p.defaultConcurrencyPercentage }));
  }
  const perClient = settings.perClient ?? DEFAULT_PER_CLIENT;
  return Object.freeze({
    perClient: Object.freeze({ defaultMode: perClient.defaultMode, useCaseModeOverrides: Object.freeze({ ...perClient.useCaseModeOverrides }) }),
    warningThreshold: settings.warningThreshold ?? defaultWarningThreshold,
    notificationsEnabled: settings.notificationsEnabled ?? DEFAULT_NOTIFICATIONS_ENABLED,
    principals: shares,
  });
}
