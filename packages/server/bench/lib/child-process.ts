import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface ChildServer {
  child: ChildProcess;
  port: number;
}

/**
 * Starts a bench child server (`node [nodeArgs] --import tsx <script> [args]`) and waits for
 * the `{"port":N}` line it prints (see child-server.ts). Anything else it prints goes to our
 * stderr, so the bench's stdout stays the report. Fails if the child exits first or prints no
 * port within 60 s.
 */
export async function startChildServer(script: string, args: string[], options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<ChildServer> {
  const name = path.basename(script);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: options.env ?? process.env,
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no port after 60 s`)), 60_000);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before listening (code ${code}, signal ${signal})`));
    };
    child.once('exit', onExit);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    let found = false;
    lines.on('line', (line) => {
      if (!found) {
        try {
          const parsed = JSON.parse(line) as { port?: unknown };
          if (typeof parsed.port === 'number') {
            found = true;
            clearTimeout(timer);
            child.off('exit', onExit);
            resolve(parsed.port);
            return;
          }
        } catch {
          // not the port line
        }
      }
      process.stderr.write(`[${name}] ${line}\n`);
    });
  });
  return { child, port };
}

/** SIGTERM, then SIGKILL if the child has not exited after 10 s. */
export async function stopChildServer(server: ChildServer): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
