import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type Redis } from '@exchange/platform';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis, eventually, freePort } from '@exchange/platform/testing';
import { parseEntry } from '../src/app/commands.js';
import { CollectingSink, OrderBook } from '../src/domain/index.js';
import { commandFields, engineBook, startEngine } from './support.js';

const SYMBOL = 'AAPL';
const COMMANDS = 1500;

describe('matching engine across a kill -9 (real processes, PostgreSQL and Redis)', () => {
  let database: TestDatabase;
  let testRedis: TestRedis;
  let redis: Redis;
  let child: ChildProcess | undefined;
  let port: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    testRedis = createTestRedis();
    redis = createRedis({ url: testRedis.url, keyPrefix: testRedis.prefix, connectionName: 'test' });
    port = await freePort();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    redis?.disconnect();
    await testRedis?.clean();
    await database?.drop();
  });

  const start = async () => {
    child = await startEngine({
      port,
      database,
      redis: testRedis,
      env: { ENGINE_SYMBOLS: SYMBOL, ENGINE_BATCH_SIZE: '50', ENGINE_SNAPSHOT_EVERY: '300', OTEL_SDK_DISABLED: 'true' },
    });
  };

  it('processes every command exactly once and rebuilds the very book an uncrashed engine has', { timeout: 120_000 }, async () => {
    const fields = commandFields(SYMBOL, COMMANDS);
    await start();
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const journaled = async () => Number((await db.query('SELECT count(*) FROM matching_engine.journal')).rows[0].count);
    try {
      // orders keep flowing while the engine is killed and started again
      const producer = (async () => {
        for (let i = 0; i < fields.length; i++) {
          await redis.xadd(`orders:${SYMBOL}`, '*', ...fields[i]!);
          if (i % 25 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      await eventually(async () => (await journaled()) > COMMANDS / 3, 30_000, 'a third of the commands');
      child!.kill('SIGKILL');
      expect(await journaled()).toBeLessThan(COMMANDS); // killed while orders were flowing
      await new Promise((resolve) => child!.once('exit', resolve));
      await start();
      await producer;
      await eventually(async () => (await journaled()) === COMMANDS, 60_000, 'every command journaled');

      // exactly once: every command journaled once, trade ids 1..n without gaps or repeats
      const journal = await db.query<{ command_id: string }>('SELECT command_id FROM matching_engine.journal ORDER BY position');
      expect(journal.rows.map((row) => row.command_id)).toEqual(fields.map((f) => f[1]));
      const trades = await db.query<{ trade_id: string }>(
        "SELECT payload->>'tradeId' AS trade_id FROM matching_engine.executions WHERE type = 'trade' ORDER BY sequence",
      );
      expect(trades.rows.length).toBeGreaterThan(50);
      expect(trades.rows.map((row) => Number(row.trade_id))).toEqual(trades.rows.map((_, index) => index + 1));
      const snapshots = Number((await db.query('SELECT count(*) FROM matching_engine.snapshots')).rows[0].count);
      expect(snapshots).toBeGreaterThan(0);

      // the engine's book equals one that saw the same commands without ever crashing
      const reference = new OrderBook(SYMBOL);
      const sink = new CollectingSink();
      const referenceEvents: unknown[] = [];
      for (const entry of fields) {
        const { command } = parseEntry(`orders:${SYMBOL}`, '0-0', entry);
        if (command) reference.apply(command, sink);
        referenceEvents.push(...sink.take());
      }
      const book = await engineBook(port, SYMBOL, 1000);
      expect(book.sequence).toBe(reference.lastSequence);
      expect(book.stateHash).toBe(reference.stateHash());
      // and every event it recorded is the one the uncrashed book produced
      const executions = await db.query<{ sequence: string }>('SELECT sequence FROM matching_engine.executions ORDER BY sequence');
      expect(executions.rows.length).toBe(referenceEvents.length);

      // a command delivered twice (a publisher that retried) is applied once: the duplicate, then a
      // new command behind it; once the new one is journaled, the duplicate was seen and skipped
      await redis.xadd(`orders:${SYMBOL}`, '*', ...fields[4]!);
      const marker = ['id', 'command-marker', 'type', 'order_cancel_requested', 'data', JSON.stringify({ orderId: 'order-1', symbol: SYMBOL })];
      await redis.xadd(`orders:${SYMBOL}`, '*', ...marker);
      await eventually(
        async () => (await db.query("SELECT 1 FROM matching_engine.journal WHERE command_id = 'command-marker'")).rowCount === 1,
        10_000,
        'the marker',
      );
      expect(await journaled()).toBe(COMMANDS + 1);
      expect(((await redis.xpending(`orders:${SYMBOL}`, 'matching-engine')) as [number])[0]).toBe(0);

      // the events reach executions:{SYMBOL}, each at least once
      await eventually(
        async () => {
          const entries = await redis.xrange(`executions:${SYMBOL}`, '-', '+');
          const ids = new Set(entries.map(([, f]) => f[f.indexOf('id') + 1]));
          return ids.size === referenceEvents.length + 1; // + the marker's one event
        },
        30_000,
        'every event on the executions stream',
      );
    } finally {
      await db.end();
    }
  });
});
