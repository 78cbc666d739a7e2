/**
 * Child process of the foundation bench: a real Tollgate server on SQLite.
 * Usage: node --import tsx tollgate-server.ts <dataDir> <bootstrapToken>
 * Prints `{"port":N}` on stdout once listening; exits on SIGTERM/SIGINT or when stdin closes
 * (so it never outlives the bench process).
 */
import { announceAndStopOnExit } from './lib/child-server.ts';
import { buildApp, openOrg, resolveOrgUrl, validateConfigObject } from '../src/index.ts';

const [dataDir, bootstrapToken] = process.argv.slice(2);
if (!dataDir || !bootstrapToken) {
  process.stderr.write('usage: tollgate-server.ts <dataDir> <bootstrapToken>\n');
  process.exit(2);
}

const config = validateConfigObject({ dataDir, port: 0, logLevel: 'warn', bootstrapToken });
// The bootstrap notices are expected (first start / token already there); stdout carries only the port.
const services = await openOrg(config, () => undefined);
let orgUrl = '';
const app = buildApp(config, { services, orgUrl: () => orgUrl });
await app.listen({ port: 0, host: '127.0.0.1' });
orgUrl = resolveOrgUrl(config, (app.server.address() as { port: number }).port);
announceAndStopOnExit(app, 'tollgate-server');
