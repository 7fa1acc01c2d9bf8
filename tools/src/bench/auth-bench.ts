import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { createTestDatabase, createTestRedis } from '@exchange/platform/testing';
import { generateSigningKey } from '../launcher/dev-key.js';
import { resolvePorts, startSystem } from '../launcher/system.js';

const SAMPLES = 200;

function percentile(sortedMs: number[], p: number): number {
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

async function timed(url: string, body: unknown, expectedStatus: number): Promise<number> {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.status !== expectedStatus) throw new Error(`${url} answered ${response.status}, expected ${expectedStatus}`);
  return elapsedMs;
}

function summarize(name: string, samplesMs: number[]): string {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return `| ${name} | ${sorted.length} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 95).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} | ${mean.toFixed(1)} |`;
}

/**
 * `npm run bench`: starts the whole system through the launcher on its own database and ports,
 * then measures start-to-healthy, and registration and login latency through the gateway
 * (one request at a time, 200 each), then login throughput with 16 concurrent clients.
 */
export async function authBench(rootDir: string): Promise<void> {
  const database = await createTestDatabase();
  const redis = createTestRedis();
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const launchedAt = Date.now();
  const system = await startSystem({
    rootDir,
    databaseUrl: database.url,
    redisUrl: redis.url,
    redisKeyPrefix: redis.prefix,
    ports: resolvePorts({ EXCHANGE_PORT_BASE: '31000' }),
    jwtPrivateKey: generateSigningKey(),
    seedAdmin: false,
    restart: false,
    env: { LOG_LEVEL: 'warn', RATE_LIMIT_AUTH_MAX: '1000000', RATE_LIMIT_MAX: '1000000', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
  });
  const totalStartMs = Date.now() - launchedAt;
  try {
    const gateway = system.urls['client-gateway'];
    const run = randomBytes(3).toString('hex');
    const password = 'bench-password-1';
    // warm up connections, JIT and the JWKS cache
    for (let i = 0; i < 20; i++) await timed(`${gateway}/v1/auth/register`, { email: `warm-${run}-${i}@bench.test`, password }, 201);

    const registration: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      registration.push(await timed(`${gateway}/v1/auth/register`, { email: `user-${run}-${i}@bench.test`, password }, 201));
    }
    const login: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      login.push(await timed(`${gateway}/v1/auth/login`, { email: `user-${run}-${i % SAMPLES}@bench.test`, password }, 200));
    }
    const load = await autocannon({
      url: `${gateway}/v1/auth/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `user-${run}-0@bench.test`, password }),
      connections: 16,
      duration: 10,
    });

    print('');
    print(`Start to healthy: ${(system.readyAfterMs / 1000).toFixed(2)} s from spawning the processes to every /readyz answering 200`);
    print(`                  ${(totalStartMs / 1000).toFixed(2)} s including the PostgreSQL/Redis checks and database creation`);
    print('');
    print('| request (through the gateway, sequential) | n | p50 ms | p95 ms | p99 ms | mean ms |');
    print('|---|---|---|---|---|---|');
    print(summarize('POST /v1/auth/register', registration));
    print(summarize('POST /v1/auth/login', login));
    print('');
    print(`Login under load (16 connections, 10 s): ${Math.round(load.requests.average)} req/s, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms, ${load.non2xx} non-2xx, ${load.errors} errors`);
  } finally {
    await system.stop();
    await redis.clean();
    await database.drop();
  }
}
