/** What the CLI and the tests use of the server package. */
export { buildApp } from './app.ts';
export type { AppDeps } from './app.ts';
export { ConfigError, loadConfig, validateConfig, validateConfigObject, resolveOrgUrl } from './config/load.ts';
export type { Config } from './config/schema.ts';
export { serve, openOrg, storeTarget } from './main.ts';
export { createServices } from './services.ts';
export type { Services } from './services.ts';
export { openStore } from './storage/open-store.ts';
export { BOOTSTRAP_ADMIN_LOGIN, bootstrapOrg, systemContext } from './domain/org/bootstrap.ts';
export { randomIds } from './domain/shared/ids.ts';
export { FakeClock, systemClock } from './domain/shared/clock.ts';
