import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  createPostgresPool,
  createRedis,
  enqueueEvents,
  OutboxRelay,
  PLATFORM_MIGRATIONS_DIR,
  runMigrations,
  StreamConsumer,
  StreamSequence,
  withTransaction,
  type Pool,
  type Redis,
} from '../src/index.js';
import { registerSequenceMetrics } from '../src/events/sequence-metrics.js';
import { defineEvent } from '@exchange/contracts';
import { z } from 'zod';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis, eventually } from '../src/testing/index.js';

const logger = createLogger('test', 'silent');
const numbered = defineEvent('numbered', 1, z.object({ n: z.number().int() }));

/**
 * Events Redis loses — entries deleted, a stream and its groups gone — are found by their numbers
 * and sent again from the producer's outbox, against a real PostgreSQL and Redis: each consumer
 * applies every event once, in order, and what cannot be had again is counted, not hidden.
 */
describe('stream numbering, gap detection and replay (real PostgreSQL and Redis)', () => {
  let database: TestDatabase;
  let testRedis: TestRedis;
  let db: Pool;
  let redis: Redis;
  let relay: OutboxRelay;
  const registry = new Registry();

  beforeAll(async () => {
    database = await createTestDatabase();
    testRedis = createTestRedis();
    await runMigrations({ url: database.url, schema: 'svc', dir: PLATFORM_MIGRATIONS_DIR, logger, migrationsTable: 'pgmigrations_platform' });
    db = createPostgresPool({ url: database.url, schema: 'svc', max: 10, applicationName: 'test' });
    await db.query('CREATE TABLE svc.applied (stream text NOT NULL, n integer NOT NULL, at bigserial)');
    redis = createRedis({ url: testRedis.url, keyPrefix: testRedis.prefix, connectionName: 'test' });
    relay = new OutboxRelay({ db, redis, logger });
    registerSequenceMetrics(registry);
  });
  afterAll(async () => {
    redis?.disconnect();
    await db?.end();
    await testRedis?.clean();
    await database?.drop();
  });

  const publish = async (stream: string, numbers: number[]) => {
    await withTransaction(db, (client) =>
      enqueueEvents(
        client,
        numbers.map((n) => ({ stream, contract: numbered, data: { n } })),
      ),
    );
    while ((await relay.publishBatch()) > 0) {
      // until the outbox is empty
    }
  };
  const applied = async (stream: string) =>
    (await db.query<{ n: number }>('SELECT n FROM svc.applied WHERE stream = $1 ORDER BY at', [stream])).rows.map((r) => r.n);
  const entries = async (stream: string) =>
    (await redis.xrange(stream, '-', '+')).map(([id, fields]) => ({
      id,
      seq: fields[fields.indexOf('seq') + 1],
      data: fields[fields.indexOf('data') + 1] ?? '',
    }));
  const metric = async (name: string, stream: string) => {
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`stream="${stream}"`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  /** `hold(n)`: applying event n waits until the promise it gives settles */
  function consumer(
    stream: string,
    batch: boolean,
    hold: (n: number) => Promise<void> = async () => {},
    maxDeliveries = 5,
    tailCheckMs = 0,
    exclusive = false,
  ) {
    const apply = async (events: Array<{ data: unknown }>, client: { query: (text: string, values: unknown[]) => Promise<unknown> }) => {
      for (const event of events) {
        const { n } = event.data as { n: number };
        await hold(n);
        await client.query('INSERT INTO svc.applied (stream, n) VALUES ($1, $2)', [stream, n]);
      }
    };
    return new StreamConsumer({
      db,
      redis,
      logger,
      stream,
      group: 'gap-group',
      consumer: 'c1',
      blockMs: 100,
      replayRetryMs: 200,
      tailCheckMs,
      maxDeliveries,
      exclusive,
      replay: (asked, fromSeq) => relay.replay(asked, fromSeq),
      handle: (event, client) => apply([event], client),
      ...(batch ? { handleBatch: (events, client) => apply(events, client) } : {}),
    });
  }

  it('numbers each stream’s events 1, 2, 3 … as they are first published, and keeps the number when one is published again', async () => {
    const a = `a-${randomUUID()}`;
    const b = `b-${randomUUID()}`;
    await withTransaction(db, (client) =>
      enqueueEvents(client, [
        { stream: a, contract: numbered, data: { n: 1 } },
        { stream: b, contract: numbered, data: { n: 1 } },
        { stream: a, contract: numbered, data: { n: 2 } },
      ]),
    );
    await publish(a, [3]);
    expect((await entries(a)).map((entry) => entry.seq)).toEqual(['1', '2', '3']);
    expect((await entries(b)).map((entry) => entry.seq)).toEqual(['1']);

    expect(await relay.replay(a, 2)).toEqual({ replayed: 2, lastSeq: 3, firstKeptSeq: 2 });
    await relay.publishBatch();
    expect((await entries(a)).map((entry) => [entry.seq, JSON.parse(entry.data).n])).toEqual([
      ['1', 1],
      ['2', 2],
      ['3', 3],
      ['2', 2],
      ['3', 3],
    ]);
    // nothing that far yet: nothing to send
    expect(await relay.replay(a, 9)).toEqual({ replayed: 0, lastSeq: 3, firstKeptSeq: null });
  });

  for (const [batch, exclusive] of [
    [true, false],
    [false, false],
    [true, true],
    [false, true],
  ] as Array<[boolean, boolean]>) {
    it(`finds events missing from the stream by their numbers, has them sent again, and applies every event once and in order (${batch ? 'reads applied together' : 'one at a time'}${exclusive ? ', an exclusive reader' : ''})`, async () => {
      const stream = `gaps-${batch}-${exclusive}-${randomUUID()}`;
      await publish(stream, [1, 2, 3, 4, 5, 6]);
      // Redis loses two entries in the middle before anyone read them
      const [, second, third] = await entries(stream);
      await redis.xdel(stream, second!.id, third!.id);
      const reader = consumer(stream, batch, undefined, 5, 0, exclusive);
      await reader.start();
      try {
        relay.start();
        await eventually(async () => (await applied(stream)).length >= 6, 15_000, 'every event applied');
        expect(await applied(stream)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(await metric('exchange_stream_gaps_total', stream)).toBeGreaterThanOrEqual(1);
        expect(await metric('exchange_stream_replay_requests_total', stream)).toBeGreaterThanOrEqual(1);
        expect(await metric('exchange_outbox_replayed_events_total', stream)).toBeGreaterThanOrEqual(2);
        // later events keep their order after the repair
        await publish(stream, [7]);
        await eventually(async () => (await applied(stream)).length >= 7, 10_000, 'the next event applied');
        expect(await applied(stream)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      } finally {
        await relay.stop();
        await reader.stop();
      }
    });
  }

  it('an exclusive reader moves its position from the one it committed, without reading it under a lock, and refuses when another instance moved it', async () => {
    const stream = `known-${randomUUID()}`;
    const sequence = new StreamSequence({ db, group: 'known-group', logger, retryMs: 1000, tailCheckMs: 0 });
    const events = (numbers: number[]) => numbers.map((seq) => ({ seq, id: `${stream}:${seq}` }));
    /** one transaction's take, with the statements it sent */
    const take = async (numbers: number[]) => {
      const statements: string[] = [];
      const result = await withTransaction(db, async (client) => {
        const counting = {
          query: (text: string, values?: unknown[]) => {
            statements.push(text);
            return client.query(text, values);
          },
        } as unknown as typeof client;
        return sequence.take(counting, stream, events(numbers), { recordProcessed: (event) => event.id, exclusive: true });
      });
      sequence.remember(stream, result.position);
      return { result, statements };
    };
    const position = async () =>
      Number(
        (await db.query<{ last_seq: string }>("SELECT last_seq FROM stream_positions WHERE consumer_group = 'known-group' AND stream = $1", [stream])).rows[0]
          ?.last_seq,
      );

    // the first read has nothing to go on: it reads the position under a lock
    const first = await take([1, 2, 3]);
    expect(first.result.position).toBe(3);
    expect(first.statements.some((text) => text.includes('FOR UPDATE'))).toBe(true);
    // the next starts from what it committed: one statement moves the position and records the events
    const second = await take([4, 5]);
    expect(second.result.events.map((event) => event.seq)).toEqual([4, 5]);
    expect([...second.result.fresh!].sort()).toEqual([`${stream}:4`, `${stream}:5`]);
    expect(second.statements).toHaveLength(1);
    expect(await position()).toBe(5);
    // a read of events applied before moves nothing, and is checked under the lock
    const again = await take([4, 5]);
    expect(again.result.events).toEqual([]);
    expect(again.statements.some((text) => text.includes('FOR UPDATE'))).toBe(true);

    // another instance moved the position meanwhile: the move is refused, and nothing of it is kept
    await db.query("UPDATE stream_positions SET last_seq = 7 WHERE consumer_group = 'known-group' AND stream = $1", [stream]);
    await expect(take([6])).rejects.toThrow(/another instance moved it/);
    expect(await position()).toBe(7);
    expect((await db.query('SELECT 1 FROM processed_messages WHERE event_id = $1', [`${stream}:6`])).rowCount).toBe(0);
    // and the next read goes by the position as it is
    const after = await take([6, 7, 8]);
    expect(after.result.events.map((event) => event.seq)).toEqual([8]);
    expect(after.statements.some((text) => text.includes('FOR UPDATE'))).toBe(true);
    expect(await position()).toBe(8);
  });

  it('asks a quiet stream’s producer for the last events it never got, which no later event would show as a gap', async () => {
    const stream = `tail-${randomUUID()}`;
    await publish(stream, [1, 2]);
    const first = consumer(stream, true, async () => {}, 5, 300);
    await first.start();
    await eventually(async () => (await applied(stream)).length >= 2, 10_000, 'the first events applied');
    await first.stop();
    // the last two events reach Redis and are lost before the consumer reads them (a failover to a
    // replica that lagged, entries deleted): its group is still there, and nothing after them will
    // ever show a gap
    await publish(stream, [3, 4]);
    const lost = (await entries(stream)).filter((entry) => Number(entry.seq) >= 3);
    expect(lost).toHaveLength(2);
    await redis.xdel(stream, ...lost.map((entry) => entry.id));
    const reader = consumer(stream, true, async () => {}, 5, 300);
    await reader.start();
    relay.start();
    try {
      await eventually(async () => (await applied(stream)).length >= 4, 15_000, 'the lost tail applied after a quiet check');
      expect(await applied(stream)).toEqual([1, 2, 3, 4]);
      expect(await metric('exchange_stream_tail_repairs_total', stream)).toBe(1);
      expect(await metric('exchange_stream_lost_events_total', stream)).toBe(0);
    } finally {
      await relay.stop();
      await reader.stop();
    }
  });

  it('asks for what it missed when its group is gone — the stream deleted while it was stopped, or while it runs', async () => {
    const stream = `wiped-${randomUUID()}`;
    await publish(stream, [1, 2]);
    let reader = consumer(stream, true);
    await reader.start();
    await eventually(async () => (await applied(stream)).length >= 2, 10_000, 'the first events applied');
    await reader.stop();

    // published while the consumer was away, then Redis loses the stream with its group (a restart
    // without persistence, the key deleted)
    await publish(stream, [3, 4]);
    await redis.del(stream);
    // this time, applying event 5 waits until the test lets it go
    let letFiveGo: () => void = () => {};
    const fiveHeld = new Promise<void>((resolve) => (letFiveGo = resolve));
    let fiveStarted = false;
    reader = consumer(stream, true, async (n) => {
      if (n !== 5) return;
      fiveStarted = true;
      await fiveHeld;
    });
    await reader.start();
    try {
      relay.start();
      await eventually(async () => (await applied(stream)).length >= 4, 15_000, 'the lost events applied');
      expect(await applied(stream)).toEqual([1, 2, 3, 4]);

      // while it runs: event 6 is published and lost with the stream while event 5 is being applied
      await publish(stream, [5]);
      await eventually(async () => fiveStarted, 10_000, 'event 5 being applied');
      await relay.stop();
      await withTransaction(db, (client) => enqueueEvents(client, [{ stream, contract: numbered, data: { n: 6 } }]));
      await relay.publishBatch();
      await redis.del(stream);
      letFiveGo();
      relay.start();
      await eventually(async () => (await applied(stream)).length >= 6, 15_000, 'event 6, lost with the stream, applied');
      expect(await applied(stream)).toEqual([1, 2, 3, 4, 5, 6]);
      // asked once when it started without its group, once when a read found the group gone
      expect(await metric('exchange_stream_replay_requests_total', stream)).toBeGreaterThanOrEqual(2);
      expect(await metric('exchange_stream_gaps_total', stream)).toBeGreaterThanOrEqual(1);
      expect(await metric('exchange_stream_lost_events_total', stream)).toBe(0);
    } finally {
      await relay.stop();
      await reader.stop();
    }
  });

  it('counts, logs and steps over events the producer no longer keeps, and goes on with the rest', async () => {
    const stream = `purged-${randomUUID()}`;
    await publish(stream, [1, 2, 3, 4]);
    const [, second, third] = await entries(stream);
    await redis.xdel(stream, second!.id, third!.id);
    // the outbox no longer has them either (past its retention)
    await db.query('DELETE FROM svc.outbox WHERE stream = $1 AND seq IN (2, 3)', [stream]);
    const reader = consumer(stream, true);
    await reader.start();
    try {
      relay.start();
      await eventually(async () => (await applied(stream)).includes(4), 15_000, 'event 4 applied');
      expect(await applied(stream)).toEqual([1, 4]);
      expect(await metric('exchange_stream_lost_events_total', stream)).toBe(2);
      const { rows } = await db.query('SELECT last_seq FROM svc.stream_positions WHERE consumer_group = $1 AND stream = $2', ['gap-group', stream]);
      expect(Number(rows[0].last_seq)).toBe(4);
    } finally {
      await relay.stop();
      await reader.stop();
    }
  });

  it('publishes events again in their stream’s order, also one written before others but committed after them', async () => {
    const stream = `late-${randomUUID()}`;
    // the first event's transaction is still open while the second is written, committed and published
    const late = await db.connect();
    await late.query('BEGIN');
    await enqueueEvents(late, [{ stream, contract: numbered, data: { n: 2 } }]);
    await publish(stream, [1]);
    await late.query('COMMIT');
    late.release();
    await relay.publishBatch();
    expect((await entries(stream)).map((entry) => [entry.seq, JSON.parse(entry.data).n])).toEqual([
      ['1', 1],
      ['2', 2],
    ]);
    // the late one has the smaller id but the larger number: sent again after the other
    await relay.replay(stream, 1);
    await relay.publishBatch();
    expect((await entries(stream)).slice(2).map((entry) => [entry.seq, JSON.parse(entry.data).n])).toEqual([
      ['1', 1],
      ['2', 2],
    ]);
  });

  it('passes over an event it sets aside (dead-lettered), so the ones after it are not taken for a gap', async () => {
    const stream = `poison-${randomUUID()}`;
    await publish(stream, [1, 2, 3]);
    const reader = consumer(
      stream,
      false,
      async (n) => {
        if (n === 2) throw new Error('event 2 always fails');
      },
      2,
    );
    await reader.start();
    try {
      await eventually(async () => (await applied(stream)).length >= 2, 15_000, 'the events around the failing one applied');
      expect(await applied(stream)).toEqual([1, 3]);
      expect(await metric('exchange_stream_gaps_total', stream)).toBe(0);
      expect((await redis.xrange(`${stream}:dead-letter`, '-', '+')).length).toBe(1);
    } finally {
      await reader.stop();
    }
  });
});
