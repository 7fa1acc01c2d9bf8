import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, internalHeaders, type Redis } from '@exchange/platform';
import { createTestDatabase, createTestRedis, eventually, freePort, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { testIdentities } from '@exchange/tools';
import { startEngine } from './support.js';

const SYMBOL = 'RECON';

/**
 * The engine's side of the repairs, as a real process: an order sent again (`order_resubmitted`)
 * enters the book only if the engine never saw it; the engine tells which orders rest, were
 * finished or were never seen — only once it has applied the commands the question counts on; and
 * executions its outbox no longer keeps are published again from its own record of them.
 */
describe('matching engine reconciliation (real process, PostgreSQL and Redis)', () => {
  let database: TestDatabase;
  let testRedis: TestRedis;
  let child: ChildProcess;
  let redis: Redis;
  let db: pg.Client;
  let port: number;
  let seq = 0;
  const [resting, taker, fresh, never] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];

  beforeAll(async () => {
    database = await createTestDatabase();
    testRedis = createTestRedis();
    port = await freePort();
    child = await startEngine({ port, database, redis: testRedis, env: { ENGINE_SYMBOLS: SYMBOL, OTEL_SDK_DISABLED: 'true' } });
    redis = createRedis({ url: testRedis.url, keyPrefix: testRedis.prefix, connectionName: 'test' });
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  }, 60_000);
  afterAll(async () => {
    child?.kill('SIGKILL');
    redis?.disconnect();
    await db?.end();
    await testRedis?.clean();
    await database?.drop();
  });

  const send = (type: 'order_created' | 'order_resubmitted', orderId: string, side: 'BUY' | 'SELL', price: number, lots: number, timeInForce = 'GTC') => {
    seq += 1;
    const data = { orderId, userId: randomUUID(), symbol: SYMBOL, side, type: 'LIMIT', priceTicks: String(price), quantityLots: String(lots), timeInForce };
    return redis.xadd(`orders:${SYMBOL}`, '*', 'id', `${type}:${orderId}:${seq}`, 'type', type, 'seq', String(seq), 'data', JSON.stringify(data));
  };
  const executions = async (orderId: string) =>
    (
      await db.query<{ type: string }>(
        `SELECT type FROM matching_engine.executions WHERE symbol = $1
            AND $2 IN (payload->>'orderId', payload->>'makerOrderId', payload->>'takerOrderId') ORDER BY sequence`,
        [SYMBOL, orderId],
      )
    ).rows.map((row) => row.type);
  const states = async (asOfSeq: number, orderIds: string[]) => {
    const headers = { ...(await internalHeaders(testIdentities(), 'order-manager', 'matching-engine')), 'content-type': 'application/json' };
    const response = await fetch(`http://127.0.0.1:${port}/orders/states`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ symbol: SYMBOL, asOfSeq, orderIds }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { caughtUp: boolean; position: number; orders: Array<{ orderId: string; state: string }> };
  };

  it('enters an order sent again only if it never saw it: not one resting, not one finished, not twice', async () => {
    await send('order_created', resting, 'BUY', 100, 5);
    await send('order_created', taker, 'SELL', 100, 2, 'IOC'); // fills against the resting buy: done
    await send('order_resubmitted', resting, 'BUY', 100, 5);
    await send('order_resubmitted', taker, 'SELL', 100, 2, 'IOC');
    await send('order_resubmitted', fresh, 'BUY', 98, 1);
    await send('order_resubmitted', fresh, 'BUY', 98, 1);
    await eventually(async () => (await states(seq, [fresh])).caughtUp, 15_000, 'every command applied');
    expect(await executions(resting)).toEqual(['order_accepted', 'trade']);
    expect(await executions(taker)).toEqual(['order_accepted', 'trade']);
    expect(await executions(fresh)).toEqual(['order_accepted']);
  });

  it('says which orders rest, were finished or were never seen, once it has applied the commands the question counts on', async () => {
    const answer = await states(seq, [resting, taker, fresh, never]);
    expect(answer).toEqual({
      caughtUp: true,
      position: seq,
      orders: [
        { orderId: resting, state: 'resting' },
        { orderId: taker, state: 'done' },
        { orderId: fresh, state: 'resting' },
        { orderId: never, state: 'unknown' },
      ],
    });
    // a command numbered past what it applied: no answer about the orders yet
    expect(await states(seq + 1, [never])).toEqual({ caughtUp: false, position: seq, orders: [] });
  });

  it('publishes executions the outbox no longer keeps again from its own record of them, under their numbers', async () => {
    const stream = `executions:${SYMBOL}`;
    const published = await eventually(
      async () => {
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM matching_engine.outbox WHERE stream = $1 AND published_at IS NOT NULL', [
          stream,
        ]);
        return rows[0]!.n >= 4 && rows[0]!.n;
      },
      10_000,
      'the executions published',
    );
    const before = await redis.xrange(stream, '-', '+');
    expect(before).toHaveLength(published);
    // kept no longer (as after the outbox's retention) and gone from Redis (a consumer away that long)
    await db.query('DELETE FROM matching_engine.outbox WHERE stream = $1', [stream]);
    await redis.del(stream);
    const headers = { ...(await internalHeaders(testIdentities(), 'market-data', 'matching-engine')), 'content-type': 'application/json' };
    const ask = async (fromSeq: number) => {
      const response = await fetch(`http://127.0.0.1:${port}/outbox/replay`, { method: 'POST', headers, body: JSON.stringify({ stream, fromSeq }) });
      expect(response.status).toBe(200);
      return response.json();
    };
    expect(await ask(2)).toEqual({ replayed: published - 1, lastSeq: published, firstKeptSeq: 2 });
    const again = await eventually(
      async () => {
        const entries = await redis.xrange(stream, '-', '+');
        return entries.length === published - 1 && entries;
      },
      10_000,
      'the executions published again',
    );
    // the same events, under the same numbers and ids, as first published
    const fields = (entry: [string, string[]]) => {
      const map = new Map<string, string>();
      for (let i = 0; i < entry[1].length; i += 2) map.set(entry[1][i]!, entry[1][i + 1]!);
      return { id: map.get('id'), seq: map.get('seq'), type: map.get('type'), data: JSON.parse(map.get('data')!) };
    };
    expect(again.map(fields)).toEqual(before.slice(1).map(fields));
    // asked again: now kept, published again from the outbox as any replay
    expect(await ask(2)).toMatchObject({ lastSeq: published, firstKeptSeq: 2 });
  });
});
