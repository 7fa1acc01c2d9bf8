import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { internalApiOf, OPEN_ROUTE, type RouteAccess } from '@exchange/contracts';
import { type Actor, type GeneratedIdentities, identityEnv, internalHeaders, portVariable, type ServiceName } from '@exchange/platform';
import { createTestIdentities, eventually, freePort } from '@exchange/platform/testing';

const ROOT = join(__dirname, '..', '..', '..');

export interface ServiceProcess {
  name: ServiceName;
  url: string;
  /** the keys it was started with: a test speaks to it as one of its legitimate callers */
  identities: GeneratedIdentities;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit */
  stop(): Promise<void>;
}

export interface ServiceProcessOptions {
  database: { url: string };
  redis: { url: string; prefix: string };
  env?: Record<string, string>;
  port?: number;
  /** the keys of every process; by default one set shared by the test file's processes */
  identities?: GeneratedIdentities;
}

let sharedIdentities: GeneratedIdentities | undefined;

/** One set of keys for every process a test file starts alone, so they trust each other. */
export function testIdentities(): GeneratedIdentities {
  sharedIdentities ??= createTestIdentities();
  return sharedIdentities;
}

/** Spawns one built service on the given database and Redis prefix (quiet, tracing off unless `env` says). */
export function spawnService(name: ServiceName, port: number, options: ServiceProcessOptions, stdio: 'ignore' | 'pipe' | 'inherit' = 'ignore'): ChildProcess {
  return spawn(process.execPath, ['--enable-source-maps', join(ROOT, 'services', name, 'dist', 'main.js')], {
    env: {
      ...process.env,
      [portVariable(name)]: String(port),
      DATABASE_URL: options.database.url,
      REDIS_URL: options.redis.url,
      REDIS_KEY_PREFIX: options.redis.prefix,
      ...identityEnv(options.identities ?? testIdentities(), name),
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      OTEL_SDK_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['ignore', stdio, stdio],
  });
}

/**
 * One built service as a real process, for a test that needs it alone (the launcher starts the
 * whole system); resolves once its /readyz answers, rejects if it exits first.
 */
export async function startServiceProcess(name: ServiceName, options: ServiceProcessOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const child = spawnService(name, port, options, 'inherit');
  const url = `http://127.0.0.1:${port}`;
  const exited = once(child, 'exit');
  await Promise.race([
    eventually(async () => (await fetch(`${url}/readyz`)).ok, 30_000, `the ${name}`),
    exited.then(([code]) => Promise.reject(new Error(`the ${name} exited with code ${code}`))),
  ]);
  return {
    name,
    url,
    identities: options.identities ?? testIdentities(),
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

const TEST_ADMIN: Actor = { id: '00000000-0000-4000-8000-00000000ad31', role: 'admin' };
const TEST_USER: Actor = { id: '00000000-0000-4000-8000-0000000051e2', role: 'user' };

/** `/balance/:userId` → a pattern capturing each parameter */
function routeMatcher(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/:[A-Za-z]+/g, '([^/]+)')}$`);
}

function fieldValue(field: string, params: Record<string, string>, body: unknown): unknown {
  const [part, name] = field.split('.', 2) as [string, string];
  if (part === 'params') return params[name];
  if (part === 'body') return (body as Record<string, unknown> | undefined)?.[name];
  return undefined;
}

/**
 * The headers a legitimate caller of this route would send: the first caller the access table
 * allows, acting for the user the request is about (its `userId`), an admin where the route needs
 * one, or `user`. Tests of one service use it to call as the real system does; the attack tests
 * forge everything else.
 */
async function legitimateHeaders(
  service: ServiceProcess,
  method: string,
  path: string,
  body: unknown,
  user: Actor | undefined,
): Promise<Record<string, string>> {
  const route = path.split('?')[0]!;
  for (const contract of Object.values(internalApiOf(service.name) ?? {})) {
    const pattern = contract.path;
    const rule = contract.access;
    const values = contract.method === method ? routeMatcher(pattern).exec(route) : null;
    if (!values || !rule || rule === OPEN_ROUTE) continue;
    const names = [...pattern.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
    const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(values[i + 1] ?? '')]));
    return internalHeaders(service.identities, rule.callers[0]!, service.name, actorFor(rule, params, body, user));
  }
  return {};
}

function actorFor(rule: RouteAccess, params: Record<string, string>, body: unknown, user: Actor | undefined): Actor | undefined {
  if (rule.actor === 'none') return undefined;
  const wantsAdmin = rule.actor === 'admin' || rule.adminWhen?.values.includes(String(fieldValue(rule.adminWhen.field, params, body)));
  if (wantsAdmin) return user?.role === 'admin' ? user : TEST_ADMIN;
  const subject = (rule.self ?? []).map((field) => fieldValue(field, params, body)).find((value) => typeof value === 'string');
  if (typeof subject === 'string') return { id: subject, role: 'user' };
  return user ?? TEST_USER;
}

/**
 * JSON over HTTP, for tests: to a URL (the gateway, anything public), or to a service started alone,
 * signed as that route's legitimate caller would sign it (for `user` where the route acts for one).
 */
export function apiClient(target: string | ServiceProcess, options: { user?: Actor } = {}) {
  const baseUrl = typeof target === 'string' ? target : target.url;
  return async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const signed = typeof target === 'string' ? {} : await legitimateHeaders(target, method, path, body, options.user);
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...signed, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}
