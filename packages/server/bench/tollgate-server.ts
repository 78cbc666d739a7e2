/**
 * Child process of the foundation bench: a real Tollgate server on SQLite.
 * Usage: node --import tsx tollgate-server.ts <dataDir> <bootstrapToken>
 * Prints `{"port":N}` on stdout once listening; exits on SIGTERM/SIGINT or when stdin closes
 * (so it never outlives the bench process).
 */
import type { AddressInfo } from 'node:net';
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
const { port } = app.server.address() as AddressInfo;
orgUrl = resolveOrgUrl(config, port);
process.stdout.write(`${JSON.stringify({ port })}\n`);

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  // process.exit (not a signal death) so that --cpu-prof gets to write its profile.
  app.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`tollgate-server: close failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop).on('error', stop).resume();
