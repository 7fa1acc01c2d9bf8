import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '@exchange/platform';
import { createTestDatabase, createTestRedis, eventually, OtlpReceiver, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import type { EngineBookState } from '@exchange/contracts';
import { addTrade, apiClient, MarketDataListener, publishBook, startService, testRedis, traceIdOf, type ServiceProcess } from './support.js';

type Level = [string, string];

/** BOOK: tick 0.05, lot 10 — engine levels are [ticks, lots]. */
const state = (sequence: number, bids: Array<[number, number]>, asks: Array<[number, number]>, traceId?: string): EngineBookState => ({
  symbol: 'BOOK',
  sequence,
  bids: bids.map(([price, quantity]) => ({ price, quantity, orders: 1 })),
  asks: asks.map(([price, quantity]) => ({ price, quantity, orders: 1 })),
  ...(traceId ? { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } : {}),
});

/** What a client must see for a state: USD and shares, best first. */
const levels = (side: EngineBookState['bids']): Level[] => side.map((level) => [((level.price * 5) / 100).toFixed(2), String(level.quantity * 10)]);

/** A WebSocket client's bookkeeping (Binance's procedure): "0" removes a level, anything else sets it. */
function apply(side: Level[], diff: Level[], isBids: boolean): Level[] {
  const byPrice = new Map(side);
  for (const [price, quantity] of diff) {
    if (quantity === '0') byPrice.delete(price);
    else byPrice.set(price, quantity);
  }
  return [...byPrice].sort(([a], [b]) => (isBids ? Number(b) - Number(a) : Number(a) - Number(b)));
}

const manyAsks = Array.from({ length: 25 }, (_, index): [number, number] => [2010 + index, index + 1]);

describe('market data: the book with sequences (real processes, PostgreSQL and Redis)', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let receiver: OtlpReceiver;
  let riskManager: ServiceProcess;
  let marketData: ServiceProcess;
  let call: ReturnType<typeof apiClient>;
  let markets: ReturnType<typeof apiClient>;
  let engine: Redis;
  let listener: MarketDataListener;

  const KEPT = state(
    5,
    [
      [2000, 3],
      [1990, 1],
    ],
    [
      [2010, 2],
      [2020, 5],
    ],
  );

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    receiver = new OtlpReceiver();
    const otlpUrl = await receiver.start();
    riskManager = await startService('risk-manager', { database, redis });
    markets = apiClient(riskManager);
    expect((await markets('POST', '/markets', { symbol: 'BOOK', name: 'Book Ltd.', tickSize: '0.05', lotSize: '10', referencePrice: '100.00' })).status).toBe(
      201,
    );
    expect((await markets('POST', '/markets', { symbol: 'EMPTY', name: 'Empty Ltd.', referencePrice: '10.00' })).status).toBe(201);
    engine = testRedis(redis, 'engine-stand-in');
    // the engine kept a state before market data started (and announced it to nobody)
    await publishBook(engine, KEPT, { publish: false });
    listener = new MarketDataListener(redis);
    await listener.listen('BOOK');
    marketData = await startService('market-data', {
      database,
      redis,
      env: {
        RISK_MANAGER_URL: riskManager.url,
        OTEL_SDK_DISABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    call = apiClient(marketData);
  });
  afterAll(async () => {
    listener?.close();
    engine?.disconnect();
    await marketData?.stop();
    await riskManager?.stop();
    await receiver?.stop();
    await redis?.clean();
    await database?.drop();
  });

  it('serves the kept state at start, and an empty book at sequence 0 for a market without one', async () => {
    const book = await call('GET', '/markets/BOOK/book');
    expect(book).toEqual({
      status: 200,
      body: {
        symbol: 'BOOK',
        sequence: 5,
        bids: [
          ['100.00', '30'],
          ['99.50', '10'],
        ],
        asks: [
          ['100.50', '20'],
          ['101.00', '50'],
        ],
      },
    });
    expect(await call('GET', '/markets/EMPTY/book')).toEqual({ status: 200, body: { symbol: 'EMPTY', sequence: 0, bids: [], asks: [] } });
  });

  it('turns each newer engine state into a depth update that rebuilds it from the snapshot, and ignores stale ones', async () => {
    const snapshot = (await call('GET', '/markets/BOOK/book?depth=50')).body;
    const traceId = randomBytes(16).toString('hex');
    const states = [
      state(
        9,
        [
          [2004, 1],
          [2000, 3],
          [1990, 1],
        ],
        [
          [2010, 4],
          [2030, 1],
        ],
        traceId,
      ), // a bid added, an ask changed, one removed, one added
      state(8, [[1, 1]], [[9999, 9]]), // stale: ignored
      state(
        14,
        [
          [2004, 1],
          [2000, 3],
          [1990, 1],
        ],
        manyAsks,
      ), // 25 ask levels
      state(14, [[7, 7]], [[8, 8]]), // the same sequence again: ignored
      state(20, [], manyAsks.slice(3)), // every bid gone, the best three asks gone
      state(21, [], manyAsks.slice(3)), // nothing changed but the sequence
    ];
    for (const next of states) await publishBook(engine, next);

    await eventually(() => listener.of('BOOK', 'depth').some((message) => message.sequence === 21), 10_000, 'the depth update to 21');
    const updates = listener.of('BOOK', 'depth');
    expect(updates.map((update) => [update.firstSequence, update.sequence])).toEqual([
      [6, 9],
      [10, 14],
      [15, 20],
      [21, 21],
    ]);
    expect(updates[0]).toMatchObject({
      bids: [['100.20', '10']],
      asks: [
        ['100.50', '40'],
        ['101.00', '0'],
        ['101.50', '10'],
      ],
    });
    expect(updates[3]).toMatchObject({ bids: [], asks: [] });

    // a client that took the snapshot at 5 and applies each update holds exactly each state
    let bids: Level[] = snapshot.bids;
    let asks: Level[] = snapshot.asks;
    let sequence: number = snapshot.sequence;
    const expected = [states[0]!, states[2]!, states[4]!, states[5]!];
    for (const [index, update] of updates.entries()) {
      expect(update.firstSequence).toBe(sequence + 1);
      bids = apply(bids, update.bids, true);
      asks = apply(asks, update.asks, false);
      sequence = update.sequence;
      expect({ bids, asks }, `after ${sequence}`).toEqual({ bids: levels(expected[index]!.bids), asks: levels(expected[index]!.asks) });
    }

    // the update is published in the trace of the engine batch that made the state
    expect(traceIdOf(updates[0]!.traceparent)).toBe(traceId);
    await receiver.waitFor((spans) => spans.some((span) => span.traceId === traceId && span.name === 'depth update' && span.service === 'market-data'));

    // the snapshot is the held state, at its sequence; 20 levels a side unless asked
    const latest = await call('GET', '/markets/BOOK/book');
    expect(latest.body).toEqual({ symbol: 'BOOK', sequence: 21, bids: [], asks: levels(states[5]!.asks).slice(0, 20) });
    expect((await call('GET', '/markets/BOOK/book?depth=50')).body.asks).toEqual(levels(states[5]!.asks));
    expect((await call('GET', '/markets/BOOK/book?depth=1')).body).toEqual({ symbol: 'BOOK', sequence: 21, bids: [], asks: [['100.65', '40']] });
  });

  it('follows a market listed while it runs: its kept book, its announcements and its trades', async () => {
    expect((await markets('POST', '/markets', { symbol: 'LATE', name: 'Late Inc.', referencePrice: '20.00' })).status).toBe(201);
    await publishBook(engine, { symbol: 'LATE', sequence: 3, bids: [{ price: 1999, quantity: 4, orders: 1 }], asks: [] });
    await addTrade(engine, 'LATE', { sequence: 2, tradeId: 1, price: 2001, quantity: 6, takerSide: 'SELL', executedAt: '2025-01-02T03:04:05.678Z' });
    // served at once: a symbol not known yet is looked up again rather than refused
    expect((await call('GET', '/markets/LATE/book')).body).toEqual({ symbol: 'LATE', sequence: 3, bids: [['19.99', '4']], asks: [] });
    await eventually(async () => (await call('GET', '/markets/LATE/trades')).body.items.length === 1, 10_000, 'the trade of LATE');
    expect((await call('GET', '/markets/LATE/trades')).body.items).toEqual([
      { id: 'LATE:1', price: '20.01', quantity: '6', takerSide: 'SELL', executedAt: '2025-01-02T03:04:05.678Z' },
    ]);
    expect((await call('GET', '/markets/LATE/candles?interval=1d')).body.items).toEqual([
      { openTime: '2025-01-02T00:00:00.000Z', open: '20.01', high: '20.01', low: '20.01', close: '20.01', volume: '6' },
    ]);
  });

  it('refuses an unknown symbol with 404 UNKNOWN_SYMBOL on every route', async () => {
    for (const path of ['book', 'trades', 'candles?interval=1m', 'ticker']) {
      for (const symbol of ['NOPE', 'book', 'A%20B']) {
        const answer = await call('GET', `/markets/${symbol}/${path}`);
        expect(answer.status, `${symbol}/${path}`).toBe(404);
        expect(answer.body.error.code).toBe('UNKNOWN_SYMBOL');
      }
    }
  });

  it('refuses a bad interval, limit or depth with 400 VALIDATION_FAILED naming the field', async () => {
    const refused: Array<[string, string]> = [
      ['/markets/BOOK/candles', 'interval'],
      ['/markets/BOOK/candles?interval=2m', 'interval'],
      ['/markets/BOOK/candles?interval=1M', 'interval'],
      ['/markets/BOOK/candles?interval=1m&limit=0', 'limit'],
      ['/markets/BOOK/candles?interval=1m&limit=1001', 'limit'],
      ['/markets/BOOK/candles?interval=1m&limit=2.5', 'limit'],
      ['/markets/BOOK/trades?limit=0', 'limit'],
      ['/markets/BOOK/trades?limit=501', 'limit'],
      ['/markets/BOOK/trades?limit=many', 'limit'],
      ['/markets/BOOK/book?depth=0', 'depth'],
      ['/markets/BOOK/book?depth=51', 'depth'],
      ['/markets/BOOK/book?depth=-1', 'depth'],
      ['/markets/BOOK/book?levels=5', ''],
    ];
    for (const [path, field] of refused) {
      const answer = await call('GET', path);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
      if (field) expect(Object.keys(answer.body.error.details.fields), path).toContain(field);
    }
    // the edges are fine
    expect((await call('GET', '/markets/BOOK/book?depth=50')).status).toBe(200);
    expect((await call('GET', '/markets/BOOK/trades?limit=500')).status).toBe(200);
    expect((await call('GET', '/markets/BOOK/candles?interval=1d&limit=1000')).status).toBe(200);
  });
});
