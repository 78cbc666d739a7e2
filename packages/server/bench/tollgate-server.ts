/**
 * Child process of the benches: a real Tollgate server on SQLite.
 * Usage: node --import tsx tollgate-server.ts <dataDir> <bootstrapToken> [<config JSON>]
 * The optional third argument is a JSON object of further settings (the config schema's keys,
 * e.g. `{"rateLimits":"off"}` or `{"rateLimitOverrides":["api-v1=9999999"]}`), merged over the
 * bench's own before validation, so an unknown key or a bad value fails at start.
 * Prints `{"port":N}` on stdout once listening; exits on SIGTERM/SIGINT or when stdin closes
 * (so it never outlives the bench process).
 */
import { announceAndStopOnExit } from './lib/child-server.ts';
import { buildApp, openOrg, resolveOrgUrl, validateConfigObject } from '../src/index.ts';

const [dataDir, bootstrapToken, extraJson] = process.argv.slice(2);
if (!dataDir || !bootstrapToken) {
  process.stderr.write('usage: tollgate-server.ts <dataDir> <bootstrapToken> [<config JSON>]\n');
  process.exit(2);
}
const extra: unknown = extraJson ? JSON.parse(extraJson) : {};
if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
  process.stderr.write(`tollgate-server.ts: the config argument must be a JSON object, got ${extraJson}\n`);
  process.exit(2);
}

const config = validateConfigObject({ dataDir, port: 0, logLevel: 'warn', bootstrapToken, ...extra });
// The bootstrap notices are expected (first start / token already there); stdout carries only the port.
const services = await openOrg(config, () => undefined);
let orgUrl = '';
const app = buildApp(config, { services, orgUrl: () => orgUrl });
await app.listen({ port: 0, host: '127.0.0.1' });
orgUrl = resolveOrgUrl(config, (app.server.address() as { port: number }).port);
announceAndStopOnExit(app, 'tollgate-server');
