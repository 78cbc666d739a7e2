import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, resolveOrgUrl } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { BOOTSTRAP_ADMIN_LOGIN, bootstrapOrg } from './domain/org/bootstrap.ts';
import { systemClock } from './domain/shared/clock.ts';
import { randomIds } from './domain/shared/ids.ts';
import type { SystemLogSink } from './domain/system-log/writer.ts';
import { createServices } from './services.ts';
import type { Services } from './services.ts';
import { openStore } from './storage/open-store.ts';
import { defaultWarningThreshold } from './rate-limit/buckets.ts';
import type { StoreTarget } from './storage/open-store.ts';

/** Where the config says the data lives. */
export function storeTarget(config: Config): StoreTarget {
  return config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'sqlite', dataDir: config.dataDir };
}

/**
 * Opens the store, applies migrations and the org bootstrap, and returns the wired services.
 * Shared by `serve` and the operator commands, so whichever runs first sets the org up.
 * `report` receives the bootstrap's notices; `onLogError` every System Log write that failed
 * (default: a line on stderr).
 */
export async function openOrg(
  config: Config,
  report: (line: string) => void,
  logSink: SystemLogSink = stderrLogSink,
): Promise<Services> {
  const store = await openStore(storeTarget(config));
  const services = createServices({
    store,
    clock: systemClock,
    ids: randomIds,
    authCacheMs: config.authCacheSeconds * 1000,
    logRetentionDays: config.logRetentionDays,
    defaultWarningThreshold: defaultWarningThreshold(config.orgTier),
    passwordHashCost: config.passwordHashCost,
    logSink,
  });
  try {
    const outcome = await bootstrapOrg(services, config.bootstrapToken ? { bootstrapToken: config.bootstrapToken } : {});
    if (outcome.bootstrapToken) {
      report(config.bootstrapToken
        ? `Bootstrap super admin ${BOOTSTRAP_ADMIN_LOGIN} uses the API token from TOLLGATE_BOOTSTRAP_TOKEN.`
        : [
            `Bootstrap super admin ${BOOTSTRAP_ADMIN_LOGIN} API token (shown only this once; only its hash is stored):`,
            '',
            `    ${outcome.bootstrapToken}`,
            '',
            `Use it as:  Authorization: SSWS ${outcome.bootstrapToken}`,
          ].join('\n'));
    }
    if (outcome.bootstrapTokenIgnored) report('TOLLGATE_BOOTSTRAP_TOKEN is ignored: this org already has an API token.');
  } catch (error) {
    await store.close();
    throw error;
  }
  return services;
}

const stderrLogSink: SystemLogSink = {
  writeFailed: (error, event) =>
    process.stderr.write(`tollgate: could not write System Log event ${event.uuid} (${event.eventType}), will retry: ${(error as Error).message}\n`),
  dropped: (count) => process.stderr.write(`tollgate: dropped ${count} System Log events (buffer full while the store was unavailable)\n`),
};

/** How long in-flight requests get to finish after SIGTERM/SIGINT before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * `tollgate serve`: reads settings from `env` and flags from `argv`, starts listening, prints the
 * org URL (and the bootstrap token on the first start), and shuts down gracefully on signals.
 */
export async function serve(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  let config: Config;
  try {
    ({ config } = loadConfig({ env, argv }));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tollgate: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }

  const notices: string[] = [];
  // Until the app (and its logger) exists, System Log write failures go to stderr.
  let logSink = stderrLogSink;
  const services = await openOrg(config, (line) => notices.push(line), {
    writeFailed: (error, event) => logSink.writeFailed(error, event),
    dropped: (count) => logSink.dropped(count),
  });
  let orgUrl = config.orgUrl ? resolveOrgUrl(config, config.port) : '';
  const app = buildApp(config, { services, orgUrl: () => orgUrl });
  logSink = {
    writeFailed: (error, event) =>
      app.log.error({ err: error, eventUuid: event.uuid, eventType: event.eventType }, 'could not write System Log event; will retry'),
    dropped: (count) => app.log.error({ dropped: count }, 'dropped System Log events: buffer full while the store was unavailable'),
  };
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close(); // closes the store too
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  orgUrl = resolveOrgUrl(config, port);

  const storage = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
  process.stdout.write(`Tollgate is listening on port ${port} (${storage}).\nOrg URL: ${orgUrl}\n`);
  for (const notice of notices) process.stdout.write(`\n${notice}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    setTimeout(() => {
      app.log.error('in-flight requests did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    app.close().then(
      () => app.log.info('stopped'),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  serve(process.argv.slice(2), process.env).catch((error: unknown) => {
    process.stderr.write(`tollgate: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
