/**
 * Child process of the foundation bench: a bare Fastify server with one route that returns
 * a fixed JSON document, the baseline Tollgate is compared with.
 * Usage: node --import tsx bare-server.ts <path> <json>
 * Prints `{"port":N}` on stdout once listening; exits on SIGTERM/SIGINT or when stdin closes.
 */
import Fastify from 'fastify';
import { announceAndStopOnExit } from './lib/child-server.ts';

const [route, json] = process.argv.slice(2);
if (!route || !json) {
  process.stderr.write('usage: bare-server.ts <path> <json>\n');
  process.exit(2);
}
// Parsed and re-serialized per request, as Tollgate's route does (default serializer, no schema).
const document = JSON.parse(json) as unknown;

const app = Fastify();
app.get(route, async () => document);
await app.listen({ port: 0, host: '127.0.0.1' });
announceAndStopOnExit(app, 'bare-server');
