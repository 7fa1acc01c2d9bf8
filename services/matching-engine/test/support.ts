import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually, type TestDatabase, type TestRedis } from '@exchange/platform/testing';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

/** The built matching-engine as a real process on the test's database and Redis prefix, once ready. */
export async function startEngine(options: { port: number; database: TestDatabase; redis: TestRedis; env: Record<string, string> }): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      MATCHING_ENGINE_PORT: String(options.port),
      DATABASE_URL: options.database.url,
      REDIS_URL: options.redis.url,
      REDIS_KEY_PREFIX: options.redis.prefix,
      LOG_LEVEL: 'error',
      ...options.env,
    },
    stdio: 'ignore',
  });
  await eventually(async () => (await fetch(`http://127.0.0.1:${options.port}/readyz`)).ok, 30_000, 'the engine');
  return child;
}
