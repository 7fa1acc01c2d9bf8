import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  createPostgresPool,
  createRedis,
  enqueueEvent,
  OutboxRelay,
  PLATFORM_MIGRATIONS_DIR,
  runMigrations,
  StreamConsumer,
  withTransaction,
  type Pool,
  type Redis,
} from '../src/index.js';
import { defineEvent } from '@exchange/contracts';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase, eventually, freePort } from '../src/testing/index.js';

const logger = createLogger('test', 'silent');

/**
 * A Redis of the test's own (like the machine's: nothing kept on disk), restarted in the middle:
 * no event may be lost, none applied twice.
 */
describe('events across a Redis restart (a private redis-server)', () => {
  let database: TestDatabase;
  let db: Pool;
  let port: number;
  let server: ChildProcess | undefined;

  const startRedis = async () => {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = createRedis({ url: `redis://127.0.0.1:${port}`, keyPrefix: '', connectionName: 'probe' });
    await eventually(async () => (await probe.ping()) === 'PONG', 10_000, 'redis-server');
    probe.disconnect();
  };
  const stopRedis = async () => {
    const stopping = server!;
    stopping.kill('SIGKILL');
    await new Promise((resolve) => (stopping.exitCode !== null || stopping.signalCode !== null ? resolve(null) : stopping.once('exit', resolve)));
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    await runMigrations({ url: database.url, schema: 'svc', dir: PLATFORM_MIGRATIONS_DIR, logger, migrationsTable: 'pgmigrations_platform' });
    db = createPostgresPool({ url: database.url, schema: 'svc', max: 5, applicationName: 'test' });
    await db.query('CREATE TABLE svc.applied (event_id text NOT NULL)');
    port = await freePort();
    await startRedis();
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    await db?.end();
    await database?.drop();
  });

  it('publishes again what the lost Redis had, and the consumer applies every event exactly once', async () => {
    const redis: Redis = createRedis({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'test:', connectionName: 'test', maxRetriesPerRequest: 1 });
    const relay = new OutboxRelay({ db, redis, logger, pollIntervalMs: 100 });
    const consumer = new StreamConsumer({
      db,
      redis,
      logger,
      stream: 'events',
      group: 'group',
      consumer: 'c1',
      blockMs: 100,
      async handle(event, client) {
        await client.query('INSERT INTO svc.applied (event_id) VALUES ($1)', [event.id]);
      },
    });
    const applied = async () => (await db.query<{ event_id: string }>('SELECT event_id FROM svc.applied ORDER BY event_id')).rows.map((row) => row.event_id);
    const write = (id: string) =>
      withTransaction(db, (client) => enqueueEvent(client, { id, stream: 'events', contract: defineEvent('thing', 1, z.object({})), data: {} }));

    relay.start();
    await consumer.start();
    try {
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()].sort();
      await write(a!);
      relay.wake();
      await eventually(async () => (await applied()).includes(a!), 10_000, 'the first event');

      // Redis dies and comes back empty; meanwhile an event is written
      await stopRedis();
      await write(b!);
      await startRedis();
      await write(c!);
      relay.wake();
      await eventually(async () => (await applied()).length === 3, 20_000, 'every event after the restart');
      expect(await applied()).toEqual([a, b, c]);
      // the first event goes out again, to the new Redis (events the relay sent before it noticed
      // the restart may go twice), and every event is still applied exactly once
      const onStream = async () => new Set((await redis.xrange('events', '-', '+')).map(([, fields]) => fields[fields.indexOf('id') + 1]));
      await eventually(async () => (await onStream()).has(a!), 10_000, 'the first event published again');
      expect([...(await onStream())].sort()).toEqual([a, b, c]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await applied()).toEqual([a, b, c]);
    } finally {
      await consumer.stop();
      await relay.stop();
      redis.disconnect();
    }
  });
});
