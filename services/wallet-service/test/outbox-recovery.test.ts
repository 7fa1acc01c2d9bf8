import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, identityEnv, internalHeaders } from '@exchange/platform';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis, eventually, freePort } from '@exchange/platform/testing';
import { apiClient, type ServiceProcess, startServiceProcess, testIdentities } from '@exchange/tools';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

describe('the wallet outbox across a kill -9', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let child: ChildProcess | undefined;
  let users: ServiceProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    // the wallet opens accounts only for users the user-service knows
    users = await startServiceProcess('user-service', { database, redis });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await users?.stop();
    await redis?.clean();
    await database?.drop();
  });

  const start = (port: number, redisUrl: string) => {
    child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        WALLET_SERVICE_PORT: String(port),
        DATABASE_URL: database.url,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: redis.prefix,
        USER_SERVICE_URL: users!.url,
        ...identityEnv(testIdentities(), 'wallet-service'),
        OTEL_SDK_DISABLED: 'true',
        LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    });
    return child;
  };

  it('publishes an event written just before the process was killed, once the process is back', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // Redis unreachable: the deposit commits, its event waits in the outbox.
    const first = start(port, 'redis://127.0.0.1:1');
    await eventually(async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 20_000, 'the wallet-service');
    const registered = await apiClient(users!)('POST', '/register', { email: `outbox-${randomUUID()}@example.com`, password: 'a-long-passphrase-9' });
    expect(registered.status).toBe(201);
    const userId: string = registered.body.user.id;
    const asGateway = await internalHeaders(testIdentities(), 'client-gateway', 'wallet-service', { id: userId, role: 'user' });
    const response = await fetch(`${url}/update-balance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asGateway },
      body: JSON.stringify({ userId, type: 'DEPOSIT', asset: 'USD', amount: '12.34' }),
    });
    expect(response.status).toBe(200);
    const { transaction } = (await response.json()) as { transaction: { id: string } };

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const waiting = await db.query('SELECT type, payload FROM wallet_service.outbox WHERE published_at IS NULL');
      expect(waiting.rows).toEqual([{ type: 'funds_added', payload: expect.objectContaining({ transactionId: transaction.id, amount: '12.34' }) }]);

      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));

      start(port, redis.url);
      const reader = createRedis({ url: redis.url, keyPrefix: redis.prefix, connectionName: 'test-reader' });
      try {
        const entries = await eventually(
          async () => {
            const found = await reader.xrange('wallet-events', '-', '+');
            return found.length > 0 ? found : undefined;
          },
          20_000,
          'the event on the wallet-events stream',
        );
        expect(entries).toHaveLength(1);
        const fields = Object.fromEntries(entries[0]![1].flatMap((value, index, all) => (index % 2 === 0 ? [[value, all[index + 1]!]] : [])));
        expect(fields.type).toBe('funds_added');
        expect(JSON.parse(fields.data!)).toMatchObject({ transactionId: transaction.id, userId, asset: 'USD', amount: '12.34' });
        await eventually(
          async () => ((await db.query('SELECT 1 FROM wallet_service.outbox WHERE published_at IS NULL')).rowCount === 0 ? true : undefined),
          5000,
          'the outbox row to be marked published',
        );
      } finally {
        reader.disconnect();
      }
    } finally {
      await db.end();
    }
  });
});
