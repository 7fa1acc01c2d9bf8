import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { eventually, freePort, type TestDatabase, type TestRedis } from '@exchange/platform/testing';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

export interface RiskManagerProcess {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit */
  stop(): Promise<void>;
}

function spawnRiskManager(port: number, options: { database: TestDatabase; redis: TestRedis; env?: Record<string, string> }, stdio: 'ignore' | 'pipe') {
  return spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      RISK_MANAGER_PORT: String(port),
      DATABASE_URL: options.database.url,
      REDIS_URL: options.redis.url,
      REDIS_KEY_PREFIX: options.redis.prefix,
      LOG_LEVEL: 'error',
      OTEL_SDK_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['ignore', stdio, stdio],
  });
}

/** The built risk-manager as a real process on the test's database and Redis prefix, once ready. */
export async function startRiskManager(options: { database: TestDatabase; redis: TestRedis; env?: Record<string, string> }): Promise<RiskManagerProcess> {
  const port = await freePort();
  const child = spawnRiskManager(port, options, 'ignore');
  const url = `http://127.0.0.1:${port}`;
  const exited = once(child, 'exit');
  await Promise.race([
    eventually(async () => (await fetch(`${url}/readyz`)).ok, 30_000, 'the risk-manager'),
    exited.then(([code]) => Promise.reject(new Error(`the risk-manager exited with code ${code}`))),
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

/** Starts a risk-manager that is expected to refuse to start; returns its exit code and what it wrote. */
export async function failedStart(options: { database: TestDatabase; redis: TestRedis; env?: Record<string, string> }): Promise<{ code: number | null; output: string }> {
  const child = spawnRiskManager(await freePort(), { ...options, env: { LOG_LEVEL: 'fatal', ...options.env } }, 'pipe');
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/** JSON over HTTP to one base URL. */
export function apiClient(baseUrl: string) {
  return async function call<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}
