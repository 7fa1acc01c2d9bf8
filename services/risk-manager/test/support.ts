import { once } from 'node:events';
import { freePort, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { spawnService, startServiceProcess, type ServiceProcess } from '@exchange/tools';

export type RiskManagerProcess = ServiceProcess;

/** The built risk-manager as a real process on the test's database and Redis prefix, once ready. */
export function startRiskManager(options: { database: TestDatabase; redis: TestRedis; env?: Record<string, string> }): Promise<RiskManagerProcess> {
  return startServiceProcess('risk-manager', options);
}

/** Starts a risk-manager that is expected to refuse to start; returns its exit code and what it wrote. */
export async function failedStart(options: {
  database: TestDatabase;
  redis: TestRedis;
  env?: Record<string, string>;
}): Promise<{ code: number | null; output: string }> {
  const child = spawnService('risk-manager', await freePort(), { ...options, env: { LOG_LEVEL: 'fatal', ...options.env } }, 'pipe');
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

export { apiClient, type ApiResponse } from '@exchange/tools';
