import autocannon from 'autocannon';
import { percentile, postJson, runTag, type Print } from './bench-support.js';

const SAMPLES = 200;

async function timed(url: string, body: unknown, expectedStatus: number): Promise<number> {
  const response = await postJson(url, body);
  if (response.status !== expectedStatus) throw new Error(`${url} answered ${response.status}, expected ${expectedStatus}`);
  return response.elapsedMs;
}

export function latencyRow(name: string, samplesMs: number[]): string {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return `| ${name} | ${sorted.length} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 95).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} | ${mean.toFixed(1)} |`;
}

/** Registration and login latency through the gateway, one at a time, then login under load. */
export async function authBench(gateway: string, print: Print): Promise<void> {
  const run = runTag();
  const password = 'bench-password-1';
  // warm up connections, JIT and the JWKS cache
  for (let i = 0; i < 20; i++) await timed(`${gateway}/v1/auth/register`, { email: `warm-${run}-${i}@bench.test`, password }, 201);

  const registration: number[] = [];
  for (let i = 0; i < SAMPLES; i++) registration.push(await timed(`${gateway}/v1/auth/register`, { email: `user-${run}-${i}@bench.test`, password }, 201));
  const login: number[] = [];
  for (let i = 0; i < SAMPLES; i++) login.push(await timed(`${gateway}/v1/auth/login`, { email: `user-${run}-${i}@bench.test`, password }, 200));
  const load = await autocannon({
    url: `${gateway}/v1/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `user-${run}-0@bench.test`, password }),
    connections: 16,
    duration: 10,
  });

  print('| request (through the gateway, sequential) | n | p50 ms | p95 ms | p99 ms | mean ms |');
  print('|---|---|---|---|---|---|');
  print(latencyRow('POST /v1/auth/register', registration));
  print(latencyRow('POST /v1/auth/login', login));
  print('');
  print(
    `Login under load (16 connections, 10 s): ${Math.round(load.requests.average)} req/s, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms, ${load.non2xx} non-2xx, ${load.errors} errors`,
  );
}
