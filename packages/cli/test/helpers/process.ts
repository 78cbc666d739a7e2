import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/tollgate.js', import.meta.url));

/** The environment without any TOLLGATE_* setting of the developer's shell, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TOLLGATE_')));
  return { ...env, ...extra };
}

export interface Running {
  proc: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /**
   * Resolves with the first match of `pattern` in stdout, as soon as it appears; rejects if the
   * process exits first or nothing matches within `timeoutMs` (so a missing line fails, not hangs).
   */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

/** Starts `tollgate <args>` and collects its output. */
export function startTollgate(args: string[], env: NodeJS.ProcessEnv): Running {
  const proc = spawn(process.execPath, [BIN, ...args], { env, stdio: 'pipe' });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.pattern.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  proc.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    check();
  });
  proc.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`tollgate printed nothing matching ${pattern} in ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
        waiters.push({ pattern, resolve: (m) => (clearTimeout(timer), resolve(m)) });
        check();
        void exited.then((code) => (clearTimeout(timer), reject(new Error(`tollgate exited (${code}) before printing ${pattern}\nstdout:\n${out}\nstderr:\n${err}`))));
      });
    },
    exited,
  };
}

/** Runs `tollgate <args>` to completion. */
export async function runTollgate(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startTollgate(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
