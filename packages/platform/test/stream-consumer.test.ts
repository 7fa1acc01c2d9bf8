import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppError,
  createConsumerGroup,
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
  type StreamEvent,
} from '../src/index.js';
import { defineEvent } from '@exchange/contracts';
import { z } from 'zod';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis, eventually } from '../src/testing/index.js';

const logger = createLogger('test', 'silent');

/** a test event: a number, version 1 */
const numbered = (type: string) => defineEvent(type, 1, z.object({ n: z.number().int() }));

describe('outbox relay and idempotent stream consumer (real PostgreSQL and Redis)', () => {
  let database: TestDatabase;
  let testRedis: TestRedis;
  let db: Pool;
  let redis: Redis;

  beforeAll(async () => {
    database = await createTestDatabase();
    testRedis = createTestRedis();
    await runMigrations({ url: database.url, schema: 'svc', dir: PLATFORM_MIGRATIONS_DIR, logger, migrationsTable: 'pgmigrations_platform' });
    db = createPostgresPool({ url: database.url, schema: 'svc', max: 10, applicationName: 'test' });
    await db.query('CREATE TABLE svc.applied (event_id text NOT NULL, type text NOT NULL)');
    redis = createRedis({ url: testRedis.url, keyPrefix: testRedis.prefix, connectionName: 'test' });
  });
  afterAll(async () => {
    redis?.disconnect();
    await db?.end();
    await testRedis?.clean();
    await database?.drop();
  });

  const applied = async (stream: string) =>
    (await db.query<{ event_id: string }>('SELECT event_id FROM svc.applied WHERE type = $1 ORDER BY event_id', [stream])).rows.map((r) => r.event_id);

  function consumer(
    stream: string,
    name: string,
    handle: (event: StreamEvent) => Promise<void> = async () => {},
    extra: Partial<ConstructorParameters<typeof StreamConsumer>[0]> = {},
  ) {
    return new StreamConsumer({
      db,
      redis,
      logger,
      stream,
      group: 'test-group',
      consumer: name,
      blockMs: 100,
      claimIdleMs: 300,
      maxDeliveries: 3,
      async handle(event, client) {
        await handle(event);
        await client.query('INSERT INTO svc.applied (event_id, type) VALUES ($1, $2)', [event.id, stream]);
      },
      ...extra,
    });
  }

  it('creates its group under the key prefix, where the other stream commands look', async () => {
    const stream = `events-${randomUUID()}`;
    await createConsumerGroup(redis, stream, 'test-group');
    await createConsumerGroup(redis, stream, 'test-group'); // a second time is fine
    // XPENDING is prefixed by ioredis: it finds the group only if XGROUP used the same key
    expect(((await redis.xpending(stream, 'test-group')) as [number])[0]).toBe(0);
  });

  it('relays committed events in order and applies each exactly once, even when delivered twice', async () => {
    const stream = `events-${randomUUID()}`;
    const ids = await withTransaction(db, async (client) => [
      await enqueueEvent(client, { stream, contract: numbered('a'), data: { n: 1 } }),
      await enqueueEvent(client, { stream, contract: numbered('b'), data: { n: 2 } }),
    ]);
    // a rolled-back transaction's event never leaves
    await withTransaction(db, async (client) => {
      await enqueueEvent(client, { stream, contract: numbered('never'), data: { n: 0 } });
      throw new Error('rolled back');
    }).catch(() => {});
    const relay = new OutboxRelay({ db, redis, logger });
    expect(await relay.publishBatch()).toBe(2);
    expect(await relay.publishBatch()).toBe(0);
    const entries = await redis.xrange(stream, '-', '+');
    expect(entries.map(([, fields]) => fields[fields.indexOf('id') + 1])).toEqual(ids);
    // the same event published again (a relay that crashed between XADD and DELETE)
    await redis.xadd(stream, '*', ...entries[0]![1]);

    const reader = consumer(stream, 'c1');
    await reader.start();
    try {
      await eventually(
        async () => (await applied(stream)).length >= 2 && ((await redis.xpending(stream, 'test-group')) as [number])[0] === 0,
        10_000,
        'all entries acked',
      );
      expect(await applied(stream)).toEqual([...ids].sort());
    } finally {
      await reader.stop();
    }
  });

  it('re-reads its own unacknowledged entries after a restart', async () => {
    const stream = `events-${randomUUID()}`;
    await createConsumerGroup(redis, stream, 'test-group');
    await redis.xadd(stream, '*', 'id', 'e-1', 'type', 'x', 'data', '{}');
    // consumer c1 took the entry, then died before acking it
    await redis.xreadgroup('GROUP', 'test-group', 'c1', 'COUNT', 10, 'STREAMS', stream, '>');
    const restarted = consumer(stream, 'c1', async () => {}, { claimIdleMs: 60_000 });
    await restarted.start();
    try {
      await eventually(async () => (await applied(stream)).length === 1, 10_000, 'the pending entry');
      expect(await applied(stream)).toEqual(['e-1']);
    } finally {
      await restarted.stop();
    }
  });

  it('retries a failing event, and moves one that keeps failing to the dead-letter stream', async () => {
    const stream = `events-${randomUUID()}`;
    await createConsumerGroup(redis, stream, 'test-group');
    await redis.xadd(stream, '*', 'id', 'flaky', 'type', 'x', 'data', '{}');
    await redis.xadd(stream, '*', 'id', 'poison', 'type', 'x', 'data', '{"bad":true}');
    let flakyAttempts = 0;
    const reader = consumer(stream, 'c1', async (event) => {
      if (event.id === 'flaky' && ++flakyAttempts === 1) throw new Error('transient');
      if (event.id === 'poison') throw new Error('cannot apply');
    });
    await reader.start();
    try {
      await eventually(async () => (await redis.xlen(`${stream}:dead-letter`)) === 1, 15_000, 'the dead letter');
      await eventually(async () => (await applied(stream)).includes('flaky'), 15_000, 'the flaky event');
      expect(await applied(stream)).toEqual(['flaky']);
      const [dead] = await redis.xrange(`${stream}:dead-letter`, '-', '+');
      const fields = dead![1];
      expect(fields[fields.indexOf('id') + 1]).toBe('poison');
      expect(fields[fields.indexOf('error') + 1]).toBe('cannot apply');
      expect(((await redis.xpending(stream, 'test-group')) as [number])[0]).toBe(0);
    } finally {
      await reader.stop();
    }
  });

  it('keeps retrying an event while a service it needs is down, without dead-lettering it', async () => {
    const stream = `events-${randomUUID()}`;
    await createConsumerGroup(redis, stream, 'test-group');
    await redis.xadd(stream, '*', 'id', 'needs-wallet', 'type', 'x', 'data', '{}');
    let attempts = 0;
    // more failed deliveries than maxDeliveries (3), all of them an outage of the service it calls
    const reader = consumer(stream, 'c1', async () => {
      attempts += 1;
      if (attempts <= 5) throw new AppError(attempts % 2 ? 'SERVICE_UNAVAILABLE' : 'UPSTREAM_TIMEOUT', 'wallet-service is unavailable');
    });
    await reader.start();
    try {
      await eventually(async () => (await applied(stream)).includes('needs-wallet'), 30_000, 'the event once the service is back');
      expect(attempts).toBe(6);
      expect(await redis.xlen(`${stream}:dead-letter`)).toBe(0);
      expect(((await redis.xpending(stream, 'test-group')) as [number])[0]).toBe(0);
    } finally {
      await reader.stop();
    }
  });

  it('applies what one read gives in one transaction with handleBatch, skipping duplicates, and isolates a bad event by falling back to one at a time', async () => {
    const stream = `events-${randomUUID()}`;
    await createConsumerGroup(redis, stream, 'test-group');
    for (let i = 1; i <= 20; i++) await redis.xadd(stream, '*', 'id', `e${String(i).padStart(2, '0')}`, 'type', 'x', 'data', JSON.stringify({ bad: i === 13 }));
    await redis.xadd(stream, '*', 'id', 'e05', 'type', 'x', 'data', '{}'); // delivered twice
    const batches: string[][] = [];
    const apply = async (event: StreamEvent, client: { query: Pool['query'] }) => {
      if ((event.data as { bad: boolean }).bad) throw new Error('cannot apply');
      await client.query('INSERT INTO svc.applied (event_id, type) VALUES ($1, $2)', [event.id, stream]);
    };
    const reader = new StreamConsumer({
      db,
      redis,
      logger,
      stream,
      group: 'test-group',
      consumer: 'batcher',
      blockMs: 100,
      maxDeliveries: 2,
      handle: (event, client) => apply(event, client),
      async handleBatch(events, client) {
        batches.push(events.map((event) => event.id));
        for (const event of events) await apply(event, client);
      },
    });
    await reader.start();
    try {
      await eventually(async () => (await redis.xlen(`${stream}:dead-letter`)) === 1, 15_000, 'the bad event dead-lettered');
      await eventually(async () => (await applied(stream)).length === 19, 15_000, 'every good event');
      const expected = Array.from({ length: 20 }, (_, i) => `e${String(i + 1).padStart(2, '0')}`).filter((id) => id !== 'e13');
      expect(await applied(stream)).toEqual(expected);
      expect(batches[0]!.length).toBeGreaterThan(1); // the first read was applied as a batch (and failed on e13)
      expect(((await redis.xpending(stream, 'test-group')) as [number])[0]).toBe(0);
    } finally {
      await reader.stop();
    }
  });

  it('consumers of many streams in one group share one blocking connection, and a stalled stream holds up no other', async () => {
    const name = `test-shared-${randomUUID()}`;
    const own = createRedis({ url: testRedis.url, keyPrefix: testRedis.prefix, connectionName: name });
    const streams = Array.from({ length: 20 }, (_, i) => `events-${i}-${randomUUID()}`);
    const stalled = streams[0]!;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order = new Map<string, string[]>();
    const readers = streams.map((stream) =>
      consumer(
        stream,
        'shared',
        async (event) => {
          if (stream === stalled) await gate;
          order.set(stream, [...(order.get(stream) ?? []), event.id]);
        },
        { redis: own, blockMs: 1000 },
      ),
    );
    const connections = async () => ((await own.client('LIST')) as string).split('\n').filter((line) => line.includes(` name=${name} `)).length;
    try {
      for (const reader of readers) await reader.start();
      for (const stream of streams) for (let i = 1; i <= 3; i++) await redis.xadd(stream, '*', 'id', `${stream}:${i}`, 'type', 'x', 'data', '{}');
      // every stream but the stalled one is applied while that one's handler waits
      await eventually(async () => streams.slice(1).every((stream) => order.get(stream)?.length === 3), 10_000, 'the other streams applied');
      expect(order.get(stalled)).toBeUndefined();
      // the commands' connection and one blocking read for all twenty streams
      expect(await connections()).toBe(2);
      release();
      await eventually(async () => order.get(stalled)?.length === 3, 10_000, 'the stalled stream applied once released');
      for (const stream of streams) expect(order.get(stream)).toEqual([1, 2, 3].map((i) => `${stream}:${i}`));
    } finally {
      release();
      for (const reader of readers) await reader.stop();
      own.disconnect();
    }
    // the last consumer stopped closes the shared read's connection
    const check = createRedis({ url: testRedis.url, keyPrefix: '', connectionName: 'test-check' });
    try {
      await eventually(
        async () => ((await check.client('LIST')) as string).split('\n').every((line) => !line.includes(` name=${name} `)),
        5000,
        'the shared connections closed',
      );
    } finally {
      check.disconnect();
    }
  });

  it('an exclusive consumer is the only one applying a stream, and another instance takes over when it stops', async () => {
    const stream = `events-${randomUUID()}`;
    await createConsumerGroup(redis, stream, 'test-group');
    const appliedBy: Array<[string, string]> = [];
    const first = consumer(stream, 'instance-a', async (event) => void appliedBy.push(['a', event.id]), { exclusive: true });
    const second = consumer(stream, 'instance-b', async (event) => void appliedBy.push(['b', event.id]), { exclusive: true });
    await first.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await second.start();
    try {
      for (let i = 1; i <= 5; i++) await redis.xadd(stream, '*', 'id', `x${i}`, 'type', 'x', 'data', '{}');
      await eventually(async () => (await applied(stream)).length === 5, 10_000, 'five events');
      expect(new Set(appliedBy.map(([by]) => by))).toEqual(new Set(['a']));
      await first.stop();
      for (let i = 6; i <= 8; i++) await redis.xadd(stream, '*', 'id', `x${i}`, 'type', 'x', 'data', '{}');
      await eventually(async () => (await applied(stream)).length === 8, 15_000, 'the second instance to take over');
      expect(appliedBy.filter(([by]) => by === 'b').map(([, id]) => id)).toEqual(['x6', 'x7', 'x8']);
    } finally {
      await first.stop().catch(() => {});
      await second.stop();
    }
  });

  it('runs what a handler registered with afterCommit only once its transaction committed', async () => {
    const stream = `events-${randomUUID()}`;
    await createConsumerGroup(redis, stream, 'test-group');
    await redis.xadd(stream, '*', 'id', 'fails-once', 'type', 'x', 'data', '{}');
    let attempts = 0;
    const announced: Array<[string, number]> = [];
    const reader = consumer(stream, 'c1', async (event) => {
      attempts += 1;
      const attempt = attempts;
      event.afterCommit!(async () => {
        // by now the row the handler wrote is visible to anyone
        announced.push([event.id, (await applied(stream)).length]);
      });
      if (attempt === 1) throw new Error('rolled back');
    });
    await reader.start();
    try {
      await eventually(async () => announced.length === 1, 10_000, 'the announcement after the commit');
      expect(attempts).toBe(2);
      expect(announced).toEqual([['fails-once', 1]]); // the rolled-back attempt announced nothing
    } finally {
      await reader.stop();
    }
  });

  it('takes over what a dead consumer left pending', async () => {
    const stream = `events-${randomUUID()}`;
    await createConsumerGroup(redis, stream, 'test-group');
    await redis.xadd(stream, '*', 'id', 'orphan', 'type', 'x', 'data', '{}');
    await redis.xreadgroup('GROUP', 'test-group', 'dead-consumer', 'COUNT', 10, 'STREAMS', stream, '>');
    const survivor = consumer(stream, 'survivor');
    await survivor.start();
    try {
      await eventually(async () => (await applied(stream)).length === 1, 10_000, 'the orphaned entry');
      expect(await applied(stream)).toEqual(['orphan']);
    } finally {
      await survivor.stop();
    }
  });
});
