import { parseArgs } from 'node:util';
import { Value } from 'typebox/value';
import { CONFIG_NAMES, CONFIG_REFINEMENTS, ConfigSchema } from './schema.ts';
import type { Config, ConfigKey } from './schema.ts';

/** A configuration problem; its message is one line that names the setting. */
export class ConfigError extends Error {}

/** Environment variables with this prefix belong to the test suite, not to the server. */
const TEST_ENV_PREFIX = 'TOLLGATE_TEST_';
/** Variables of the CLI's client commands (`tollgate logs tail`), not server settings. */
const CLIENT_ENV = new Set(['TOLLGATE_API_TOKEN']);
const KEYS = Object.keys(CONFIG_NAMES) as ConfigKey[];
/** Settings the schema types as integers: their string values are converted before validation. */
const INTEGER_KEYS = new Set(KEYS.filter((key) => (ConfigSchema.properties[key] as { type?: unknown }).type === 'integer'));
/** Settings the schema types as arrays: their values are comma-separated lists (empty: none). */
const ARRAY_KEYS = new Set(KEYS.filter((key) => (ConfigSchema.properties[key] as { type?: unknown }).type === 'array'));
const ENV_TO_KEY = new Map(KEYS.map((key) => [CONFIG_NAMES[key].env, key]));

function label(key: ConfigKey): string {
  return `${CONFIG_NAMES[key].env} (--${CONFIG_NAMES[key].flag})`;
}

/**
 * Reads `TOLLGATE_*` variables from `env` and flags from `argv` (flags win), validates them once
 * against the schema and returns a frozen config. Unknown variables and flags are refused.
 * A command may declare string flags of its own (`extraFlags`); their values come back in `extras`.
 */
export function loadConfig(options: { env?: NodeJS.ProcessEnv; argv?: string[]; extraFlags?: string[] } = {}): {
  config: Config;
  positionals: string[];
  extras: Record<string, string | undefined>;
} {
  const env = options.env ?? {};
  const raw: Partial<Record<ConfigKey, string>> = {};

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('TOLLGATE_') || name.startsWith(TEST_ENV_PREFIX) || CLIENT_ENV.has(name) || value === undefined) continue;
    const key = ENV_TO_KEY.get(name);
    if (key === undefined) throw new ConfigError(`unknown setting ${name}`);
    raw[key] = value;
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: options.argv ?? [],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        [...KEYS.map((key) => CONFIG_NAMES[key].flag), ...(options.extraFlags ?? [])].map((flag) => [flag, { type: 'string' as const }]),
      ),
    });
  } catch (error) {
    const e = error as { code?: string; message: string };
    const flag = /'(-[^']*)'/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) throw new ConfigError(`unknown flag ${flag}`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) throw new ConfigError(`flag ${flag.split(' ')[0]} needs a value`);
    throw new ConfigError(e.message.split('.')[0] ?? 'invalid arguments');
  }
  for (const key of KEYS) {
    const value = parsed.values[CONFIG_NAMES[key].flag];
    if (typeof value === 'string') raw[key] = value;
  }

  const extras = Object.fromEntries(
    (options.extraFlags ?? []).map((flag) => {
      const value = parsed.values[flag];
      return [flag, typeof value === 'string' ? value : undefined];
    }),
  );
  return { config: validateConfig(raw), positionals: parsed.positionals, extras };
}

/** Validates raw string settings (as from env or flags) and applies defaults. */
export function validateConfig(raw: Partial<Record<ConfigKey, string>>): Config {
  const input: Record<string, unknown> = {};
  for (const key of KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    if (value === '' && !ARRAY_KEYS.has(key)) throw new ConfigError(`invalid setting ${label(key)}: must not be empty`);
    input[key] =
      ARRAY_KEYS.has(key)
        ? value.split(',').map((s) => s.trim()).filter(Boolean)
        : INTEGER_KEYS.has(key)
          ? /^\d+$/.test(value) ? Number(value) : value
          : value;
  }
  return validateConfigObject(input);
}

/** Validates a config object (unknown keys refused) and applies defaults. */
export function validateConfigObject(input: Record<string, unknown>): Config {
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(CONFIG_NAMES, key)) throw new ConfigError(`unknown setting ${key}`);
  }
  const withDefaults = Value.Default(ConfigSchema, structuredClone(input)) as Record<string, unknown>;
  const [first] = Value.Errors(ConfigSchema, withDefaults);
  if (first) {
    const key = first.instancePath.split('/')[1] as ConfigKey | undefined;
    const name = key && Object.hasOwn(CONFIG_NAMES, key) ? label(key) : 'configuration';
    throw new ConfigError(`invalid setting ${name}: ${first.message}`);
  }
  for (const key of KEYS) {
    const refine = CONFIG_REFINEMENTS[key] as ((value: unknown) => string | undefined) | undefined;
    const value = withDefaults[key];
    if (refine && value !== undefined) {
      const problem = refine(value);
      if (problem) throw new ConfigError(`invalid setting ${label(key)}: ${problem}`);
    }
  }
  return Object.freeze(withDefaults as Config);
}

/** The public base URL without a trailing slash: the configured one, or derived from host/port. */
export function resolveOrgUrl(config: Config, boundPort: number): string {
  if (config.orgUrl) return config.orgUrl.replace(/\/+$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${boundPort}`;
}
