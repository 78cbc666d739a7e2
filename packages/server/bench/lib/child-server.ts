import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * The protocol of a bench child server: print `{"port":N}` once listening, then stop on
 * SIGTERM/SIGINT or when stdin closes, so a child never outlives the bench. It exits through
 * `process.exit` (not a signal death) so that `--cpu-prof` gets to write its profile.
 */
export function announceAndStopOnExit(app: FastifyInstance, name: string): number {
  const { port } = app.server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${name}: close failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop).on('error', stop).resume();
  return port;
}
