import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SERVICE_CATALOG, SERVICE_NAMES, type ServiceName, portVariable, urlVariable } from './services.js';

/** Every bad variable at once, so an operator fixes them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export const envBoolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');

export const envPort = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

export const envInt = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

/**
 * Each process's PostgreSQL pool, unless its own configuration says otherwise. Nine processes of the
 * stack share one server (100 connections, 3 kept for superusers), so the sizes are chosen to keep
 * the whole stack under that whatever the load (see STACK_DATABASE_CONNECTION_BOUND).
 */
export const DEFAULT_DATABASE_POOL_SIZE = 8;
/** The gateway reads no table: its pool only answers the readiness check. */
export const GATEWAY_DATABASE_POOL_SIZE = 2;
/**
 * The most PostgreSQL connections the running stack opens with the default settings, however many
 * markets and however much load: every pool full, plus one session per process holding the locks
 * of its exclusive stream readers. Nothing opens a connection per market.
 */
export const STACK_DATABASE_CONNECTION_BOUND = (SERVICE_NAMES.length - 1) * (DEFAULT_DATABASE_POOL_SIZE + 1) + (GATEWAY_DATABASE_POOL_SIZE + 1);

/** Settings every backend process has. */
export const baseConfigShape = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/exchange'),
  DATABASE_POOL_SIZE: envInt(DEFAULT_DATABASE_POOL_SIZE, 1),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default(''),
  MIGRATE_ON_START: envBoolean(true),
  SHUTDOWN_TIMEOUT_MS: envInt(4000, 100),
  SERVICE_TIMEOUT_MS: envInt(5000, 1),
  SERVICES_HOST: z.string().min(1).default('127.0.0.1'),
  /** how long published outbox events are kept, to publish them again should Redis lose them */
  OUTBOX_RETENTION_MS: envInt(3_600_000, 0),
  /** serve /metrics on this port instead of the main one (the gateway, whose main port is public) */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** this process's own Ed25519 private key (PKCS#8 PEM), which signs its internal requests */
  SERVICE_PRIVATE_KEY: z.string().min(1).optional(),
  /** the public keys of every caller, JSON `{ "<caller>": ["<base64url key>", …] }` */
  SERVICE_TRUST_BUNDLE: z.string().min(1).optional(),
  /** lifetime of the caller tokens and user assertions this process signs */
  SERVICE_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(300).default(60),
  /** set by the launcher: the process shuts down when its supervisor is gone */
  EXCHANGE_SUPERVISOR_PID: z.coerce.number().int().positive().optional(),
};

/** `<SERVICE>_PORT` for every process, with the standard ports as defaults. */
export const portsShape = Object.fromEntries(SERVICE_CATALOG.map((s) => [portVariable(s.name), envPort(s.port)])) as Record<string, ReturnType<typeof envPort>>;

/** `<SERVICE>_URL` for every process; unset means `http://SERVICES_HOST:<SERVICE>_PORT`. */
export const urlsShape = Object.fromEntries(SERVICE_CATALOG.map((s) => [urlVariable(s.name), z.url().optional()])) as Record<string, z.ZodOptional<z.ZodURL>>;

export const baseConfigSchema = z.object({ ...baseConfigShape, ...portsShape, ...urlsShape });
export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** What a problem report may show of a variable's value: never a secret, never a URL's password. */
export function printableValue(variable: string, value: string): string {
  if (/PASSWORD|SECRET|TOKEN|PRIVATE|(^|_)KEY$/i.test(variable)) return '[redacted]';
  return value.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

/**
 * `NAME_FILE=/path` stands for `NAME` = that file's content (trimmed), the way container secrets
 * are mounted, for each of the `names` a process reads (other programs' `…_FILE` variables are left
 * alone); a variable set directly wins.
 */
export function withFileVariables(env: Env, names: Iterable<string>): Env {
  const resolved: Env = { ...env };
  for (const variable of names) {
    const name = `${variable}_FILE`;
    const path = env[name];
    if (!path || resolved[variable] !== undefined) continue;
    try {
      resolved[variable] = readFileSync(path, 'utf8').trim();
    } catch (error) {
      throw new ConfigError([`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`]);
    }
  }
  return resolved;
}

/**
 * Parses the environment once (secrets may come from files: `NAME_FILE`). Reports every problem
 * together, naming each variable.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, rawEnv: Env = process.env): z.infer<S> {
  const env = withFileVariables(rawEnv, Object.keys(schema.shape));
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    const received = issue.path.length > 0 ? env[String(issue.path[0])] : undefined;
    const shown = received === undefined ? '' : ` (got ${JSON.stringify(printableValue(variable, received))})`;
    return `${variable}: ${issue.message}${shown}`;
  });
  throw new ConfigError(problems);
}

export function servicePort(config: BaseConfig, name: ServiceName): number {
  return Number((config as Record<string, unknown>)[portVariable(name)]);
}

export function serviceUrl(config: BaseConfig, name: ServiceName): string {
  const explicit = (config as Record<string, unknown>)[urlVariable(name)];
  if (typeof explicit === 'string') return explicit.replace(/\/$/, '');
  return `http://${config.SERVICES_HOST}:${servicePort(config, name)}`;
}
