import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedis } from '@exchange/platform';
import { createTestDatabase, createTestRedis, eventually, freePort, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { parseEntry } from '../src/app/commands.js';
import { CollectingSink, OrderBook } from '../src/domain/index.js';
import { commandFields, engineBook, startEngine } from './support.js';

const SYMBOL = 'MSFT';
const COMMANDS = 1000;

interface Run {
  database: TestDatabase;
  testRedis: TestRedis;
  child?: ChildProcess;
}

describe('matching engine pruning (real process, PostgreSQL and Redis)', () => {
  const runs: Run[] = [];
  afterEach(async () => {
    for (const run of runs.splice(0)) {
      run.child?.kill('SIGKILL');
      await run.testRedis.clean();
      await run.database.drop();
    }
  });

  /** Feeds the seeded commands to an engine with the given retention; returns a client on its database. */
  async function feed(env: Record<string, string>) {
    const run: Run = { database: await createTestDatabase(), testRedis: createTestRedis() };
    runs.push(run);
    const port = await freePort();
    const start = async () => {
      run.child = await startEngine({
        port,
        database: run.database,
        redis: run.testRedis,
        env: {
          ENGINE_SYMBOLS: SYMBOL,
          ENGINE_BATCH_SIZE: '50',
          ENGINE_SNAPSHOT_EVERY: '100',
          ENGINE_SNAPSHOTS_KEPT: '2',
          OUTBOX_RETENTION_MS: '0',
          OTEL_SDK_DISABLED: 'true',
          ...env,
        },
      });
    };
    await start();
    const redis = createRedis({ url: run.testRedis.url, keyPrefix: run.testRedis.prefix, connectionName: 'test' });
    const fields = commandFields(SYMBOL, COMMANDS);
    for (const entry of fields) await redis.xadd(`orders:${SYMBOL}`, '*', ...entry);
    const db = new pg.Client({ connectionString: run.database.url });
    await db.connect();
    const count = async (sql: string) => Number((await db.query(sql)).rows[0].count);
    await eventually(
      async () => (await count("SELECT count(*) FROM matching_engine.journal WHERE command_id = 'command-1000'")) === 1,
      30_000,
      'every command journaled',
    );
    const restart = async () => {
      run.child!.kill('SIGTERM');
      await new Promise((resolve) => run.child!.once('exit', resolve));
      await start();
    };
    return { db, redis, count, fields, port, restart };
  }

  it('keeps the newest snapshots and only the journal after them, and recovers the same book', { timeout: 60_000 }, async () => {
    const { db, redis, count, fields, port, restart } = await feed({ ENGINE_JOURNAL_RETENTION_MS: '0' });
    try {
      expect(await count('SELECT count(*) FROM matching_engine.snapshots')).toBe(2);
      const oldestKept = (await db.query<{ position: string }>('SELECT min(position) AS position FROM matching_engine.snapshots')).rows[0]!.position;
      // nothing at or before the oldest kept snapshot is left, everything after it is
      expect(await count(`SELECT count(*) FROM matching_engine.journal WHERE position <= ${oldestKept}`)).toBe(0);
      expect(await count('SELECT count(*) FROM matching_engine.journal')).toBe(COMMANDS - Number(oldestKept));
      // executions are the record of what happened: never pruned
      expect(await count("SELECT count(*) FROM matching_engine.executions WHERE type = 'trade'")).toBeGreaterThan(50);

      await restart();
      const reference = new OrderBook(SYMBOL);
      const sink = new CollectingSink();
      for (const entry of fields) {
        const { command } = parseEntry(`orders:${SYMBOL}`, '0-0', entry);
        if (command) reference.apply(command, sink);
      }
      const book = await engineBook(port, SYMBOL);
      expect(book.sequence).toBe(reference.lastSequence);
      expect(book.stateHash).toBe(reference.stateHash());
    } finally {
      redis.disconnect();
      await db.end();
    }
  });

  it('keeps journaled command ids within the retention, so a command delivered again is still not applied twice', { timeout: 60_000 }, async () => {
    const { db, redis, count, fields } = await feed({ ENGINE_JOURNAL_RETENTION_MS: '3600000' });
    try {
      expect(await count('SELECT count(*) FROM matching_engine.snapshots')).toBe(2);
      expect(await count('SELECT count(*) FROM matching_engine.journal')).toBe(COMMANDS);
      const executions = await count('SELECT count(*) FROM matching_engine.executions');
      // a publisher that lost track publishes an early command again, then a new one behind it
      await redis.xadd(`orders:${SYMBOL}`, '*', ...fields[3]!);
      await redis.xadd(
        `orders:${SYMBOL}`,
        '*',
        'id',
        'command-marker',
        'type',
        'order_cancel_requested',
        'data',
        JSON.stringify({ orderId: 'order-unknown', symbol: SYMBOL }),
      );
      await eventually(
        async () => (await count("SELECT count(*) FROM matching_engine.journal WHERE command_id = 'command-marker'")) === 1,
        10_000,
        'the marker',
      );
      expect(await count('SELECT count(*) FROM matching_engine.journal')).toBe(COMMANDS + 1);
      expect(await count('SELECT count(*) FROM matching_engine.executions')).toBe(executions + 1); // the marker's rejection only
    } finally {
      redis.disconnect();
      await db.end();
    }
  });
});
