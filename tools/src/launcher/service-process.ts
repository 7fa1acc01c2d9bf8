import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { eventually, freePort } from '@exchange/platform/testing';
import { portVariable, type ServiceName } from '@exchange/platform';

const ROOT = join(__dirname, '..', '..', '..');

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit */
  stop(): Promise<void>;
}

export interface ServiceProcessOptions {
  database: { url: string };
  redis: { url: string; prefix: string };
  env?: Record<string, string>;
  port?: number;
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
    url,
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

/** JSON over HTTP to one base URL, for tests. */
export function apiClient(baseUrl: string) {
  return async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}
