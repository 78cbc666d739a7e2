import { logs } from './logs.ts';

// The server is imported when a command needs it: `logs tail` is an HTTP client and starts
// without loading (or compiling) the server's code.

const USAGE = `Usage: tollgate <command> [options]

Commands:
  serve                                   Start the server (settings: TOLLGATE_* variables or the flags below)
  tokens create --name NAME [--user LOGIN]
                                          Mint an SSWS API token for LOGIN (default: the bootstrap admin)
                                          and print only its value on stdout
  logs tail [--filter EXPR] [--q KEYWORDS] [--since ISO] [--interval SECONDS] [--json] [--once]
            [--url ORG_URL] [--token TOKEN]
                                          Poll the System Log (GET /api/v1/logs) of Tollgate or an Okta org
                                          and print each new event as one line (--json: its raw JSON) until
                                          interrupted; --once prints what is there and exits. Polls every
                                          --interval seconds (default 2); --since applies to the first poll.
                                          ORG_URL: TOLLGATE_ORG_URL or http://127.0.0.1:8080;
                                          TOKEN (SSWS): TOLLGATE_API_TOKEN
  help                                    Show this text

Settings (each also a TOLLGATE_* environment variable; flags win):
  --port N  --host H  --data-dir DIR  --database-url postgres://...  --redis-url redis://...
  --org-url URL  --bootstrap-token T  --trusted-proxies CIDR[,CIDR]  --log-level L
  --auth-cache-seconds N  --log-retention-days N  --body-limit BYTES
`;

/** The `tollgate` command. Returns the exit code: 0 done, 1 failed, 2 usage or settings error. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    return await run(argv, env);
  } catch (error) {
    // Operational failures (port in use, database unreachable) are one line, not a stack trace.
    process.stderr.write(`tollgate: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { serve } = await import('@tollgate/server');
      await serve(rest, env);
      return typeof process.exitCode === 'number' ? process.exitCode : 0;
    }
    case 'tokens':
      return tokens(rest, env);
    case 'logs':
      return logs(rest, env);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`tollgate: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function tokens(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'create') {
    process.stderr.write(`tollgate: usage: tollgate tokens create --name NAME [--user LOGIN]\n`);
    return 2;
  }
  const { BOOTSTRAP_ADMIN_LOGIN, ConfigError, loadConfig, openOrg, randomIds, systemContext } = await import('@tollgate/server');
  let parsed: ReturnType<typeof loadConfig>;
  try {
    parsed = loadConfig({ env, argv: rest, extraFlags: ['name', 'user'] });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`tollgate: ${error.message}\n`);
    return 2;
  }
  const { config, extras, positionals } = parsed;
  if (positionals.length > 0 || !extras.name) {
    process.stderr.write(`tollgate: usage: tollgate tokens create --name NAME [--user LOGIN]\n`);
    return 2;
  }
  // Everything but the token value goes to stderr, so `$(tollgate tokens create ...)` captures only the value.
  const services = await openOrg(config, (line) => process.stderr.write(`${line}\n`));
  try {
    const { value, token } = await services.apiTokens.create(systemContext(randomIds.requestId()), {
      name: extras.name,
      userLogin: extras.user ?? BOOTSTRAP_ADMIN_LOGIN,
    });
    process.stderr.write(`Created API token ${token.id} "${token.name}" for user ${token.userId}.\n`);
    process.stdout.write(`${value}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`tollgate: ${describe(error)}\n`);
    return 1;
  } finally {
    await services.log.close(); // a last try for a buffered event; what cannot be written is reported
    await services.store.close();
  }
}

function describe(error: unknown): string {
  const e = error as { causes?: { errorSummary: string }[]; message?: string };
  return e.causes?.length ? e.causes.map((c) => c.errorSummary).join('; ') : (e.message ?? String(error));
}
