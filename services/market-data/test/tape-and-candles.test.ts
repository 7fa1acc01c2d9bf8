import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '@exchange/platform';
import { createTestDatabase, createTestRedis, eventually, OtlpReceiver, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import {
  addEvent,
  addTrade,
  apiClient,
  MarketDataListener,
  publishBook,
  startService,
  testRedis,
  traceIdOf,
  type ServiceProcess,
  type TradeFields,
} from './support.js';

const HOUR = 3_600_000;

/**
 * CNDL: tick 0.05, lot 10 — the engine's events are in ticks and lots (price 2000 = 100.00 USD,
 * quantity 3 = 30 shares). The times straddle midnight UTC so that every interval splits somewhere.
 */
const CNDL: TradeFields[] = [
  { sequence: 2, tradeId: 1, price: 2000, quantity: 3, takerSide: 'BUY', executedAt: '2024-03-09T23:58:10.000Z' }, // 100.00 × 30
  { sequence: 4, tradeId: 2, price: 2010, quantity: 1, takerSide: 'SELL', executedAt: '2024-03-09T23:58:40.000Z' }, // 100.50 × 10
  { sequence: 5, tradeId: 3, price: 1990, quantity: 2, takerSide: 'SELL', executedAt: '2024-03-09T23:59:30.000Z' }, // 99.50 × 20
  { sequence: 7, tradeId: 4, price: 2004, quantity: 5, takerSide: 'BUY', executedAt: '2024-03-10T00:01:00.000Z' }, // 100.20 × 50
  { sequence: 8, tradeId: 5, price: 2020, quantity: 1, takerSide: 'BUY', executedAt: '2024-03-10T00:04:59.999Z' }, // 101.00 × 10
  { sequence: 10, tradeId: 6, price: 2002, quantity: 4, takerSide: 'SELL', executedAt: '2024-03-10T00:05:00.000Z' }, // 100.10 × 40
  { sequence: 12, tradeId: 7, price: 1980, quantity: 2, takerSide: 'SELL', executedAt: '2024-03-10T01:15:00.000Z' }, // 99.00 × 20
  { sequence: 14, tradeId: 8, price: 2030, quantity: 3, takerSide: 'BUY', executedAt: '2024-03-10T01:17:30.000Z' }, // 101.50 × 30
];

const candle = (openTime: string, open: string, high: string, low: string, close: string, volume: string) => ({ openTime, open, high, low, close, volume });

/** Worked out by hand from the trades above, after trades 1–6. */
const AFTER_SIX = {
  '1m': [
    candle('2024-03-09T23:58:00.000Z', '100.00', '100.50', '100.00', '100.50', '40'),
    candle('2024-03-09T23:59:00.000Z', '99.50', '99.50', '99.50', '99.50', '20'),
    candle('2024-03-10T00:01:00.000Z', '100.20', '100.20', '100.20', '100.20', '50'),
    candle('2024-03-10T00:04:00.000Z', '101.00', '101.00', '101.00', '101.00', '10'),
    candle('2024-03-10T00:05:00.000Z', '100.10', '100.10', '100.10', '100.10', '40'),
  ],
  '5m': [
    candle('2024-03-09T23:55:00.000Z', '100.00', '100.50', '99.50', '99.50', '60'),
    candle('2024-03-10T00:00:00.000Z', '100.20', '101.00', '100.20', '101.00', '60'),
    candle('2024-03-10T00:05:00.000Z', '100.10', '100.10', '100.10', '100.10', '40'),
  ],
  '1h': [
    candle('2024-03-09T23:00:00.000Z', '100.00', '100.50', '99.50', '99.50', '60'),
    candle('2024-03-10T00:00:00.000Z', '100.20', '101.00', '100.10', '100.10', '100'),
  ],
  '1d': [
    candle('2024-03-09T00:00:00.000Z', '100.00', '100.50', '99.50', '99.50', '60'),
    candle('2024-03-10T00:00:00.000Z', '100.20', '101.00', '100.10', '100.10', '100'),
  ],
};

/** After trade 7 (the duplicates change nothing). */
const AFTER_SEVEN = {
  '1m': [...AFTER_SIX['1m'], candle('2024-03-10T01:15:00.000Z', '99.00', '99.00', '99.00', '99.00', '20')],
  '5m': [...AFTER_SIX['5m'], candle('2024-03-10T01:15:00.000Z', '99.00', '99.00', '99.00', '99.00', '20')],
  '1h': [...AFTER_SIX['1h'], candle('2024-03-10T01:00:00.000Z', '99.00', '99.00', '99.00', '99.00', '20')],
  '1d': [AFTER_SIX['1d'][0]!, candle('2024-03-10T00:00:00.000Z', '100.20', '101.00', '99.00', '99.00', '120')],
};

/** After trade 8, delivered while the service was down: merged into the candles kept in PostgreSQL. */
const AFTER_EIGHT = {
  '1m': [...AFTER_SEVEN['1m'], candle('2024-03-10T01:17:00.000Z', '101.50', '101.50', '101.50', '101.50', '30')],
  '5m': [...AFTER_SIX['5m'], candle('2024-03-10T01:15:00.000Z', '99.00', '101.50', '99.00', '101.50', '50')],
  '1h': [...AFTER_SIX['1h'], candle('2024-03-10T01:00:00.000Z', '99.00', '101.50', '99.00', '101.50', '50')],
  '1d': [AFTER_SIX['1d'][0]!, candle('2024-03-10T00:00:00.000Z', '100.20', '101.50', '99.00', '101.50', '150')],
};

const publicTrade = (trade: TradeFields, price: string, quantity: string) => ({
  id: `CNDL:${trade.tradeId}`,
  price,
  quantity,
  takerSide: trade.takerSide,
  executedAt: trade.executedAt,
});
const TAPE = [
  publicTrade(CNDL[0]!, '100.00', '30'),
  publicTrade(CNDL[1]!, '100.50', '10'),
  publicTrade(CNDL[2]!, '99.50', '20'),
  publicTrade(CNDL[3]!, '100.20', '50'),
  publicTrade(CNDL[4]!, '101.00', '10'),
  publicTrade(CNDL[5]!, '100.10', '40'),
  publicTrade(CNDL[6]!, '99.00', '20'),
  publicTrade(CNDL[7]!, '101.50', '30'),
];

describe('market data: the tape, candles and the ticker (real processes, PostgreSQL and Redis)', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let receiver: OtlpReceiver;
  let otlpUrl: string;
  let riskManager: ServiceProcess;
  let marketData: ServiceProcess;
  let call: ReturnType<typeof apiClient>;
  let streams: Redis;
  let listener: MarketDataListener;

  const startMarketData = async () => {
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
  };

  const tapeLength = (symbol: string, length: number) =>
    eventually(
      async () => {
        const tape = await call('GET', `/markets/${symbol}/trades?limit=500`);
        return tape.status === 200 && tape.body.items.length === length && tape.body;
      },
      15_000,
      `${length} trades of ${symbol} on the tape`,
    );

  const candlesOf = async (interval: string, limit = 1000) => {
    const answer = await call('GET', `/markets/CNDL/candles?interval=${interval}&limit=${limit}`);
    expect(answer.status).toBe(200);
    return answer.body.items;
  };

  const expectCandles = async (expected: Record<string, unknown[]>) => {
    for (const [interval, items] of Object.entries(expected)) expect(await candlesOf(interval), interval).toEqual(items);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    receiver = new OtlpReceiver();
    otlpUrl = await receiver.start();
    riskManager = await startService('risk-manager', { database, redis });
    const markets = apiClient(riskManager);
    for (const market of [
      { symbol: 'CNDL', name: 'Candles Inc.', tickSize: '0.05', lotSize: '10', referencePrice: '100.00' },
      { symbol: 'TICK', name: 'Ticker Corp.', referencePrice: '40.00' },
      { symbol: 'QUIET', name: 'Quiet Ltd.', referencePrice: '10.00' },
    ]) {
      expect((await markets('POST', '/markets', market)).status).toBe(201);
    }
    streams = testRedis(redis);
    listener = new MarketDataListener(redis);
    await listener.listen('CNDL');
    await listener.listen('TICK');
    await startMarketData();
  });
  afterAll(async () => {
    listener?.close();
    streams?.disconnect();
    await marketData?.stop();
    await riskManager?.stop();
    await receiver?.stop();
    await redis?.clean();
    await database?.drop();
  });

  it('puts every trade on the tape, newest first, in USD and shares, and builds the candles of every interval', async () => {
    const traceId = randomBytes(16).toString('hex');
    await addEvent(streams, 'CNDL', 1, 'order_accepted', { orderId: 'o-1' });
    await addTrade(streams, 'CNDL', CNDL[0]!, `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
    await addEvent(streams, 'CNDL', 3, 'order_accepted', { orderId: 'o-2' });
    for (const trade of CNDL.slice(1, 3)) await addTrade(streams, 'CNDL', trade);
    await addEvent(streams, 'CNDL', 6, 'order_canceled', { orderId: 'o-2', reason: 'USER' });
    await addTrade(streams, 'CNDL', CNDL[3]!);
    await addTrade(streams, 'CNDL', CNDL[4]!);
    await addEvent(streams, 'CNDL', 9, 'order_accepted', { orderId: 'o-3' });
    await addTrade(streams, 'CNDL', CNDL[5]!);

    const tape = await tapeLength('CNDL', 6);
    expect(tape.items).toEqual(TAPE.slice(0, 6).reverse());
    expect((await call('GET', '/markets/CNDL/trades?limit=2')).body.items).toEqual([TAPE[5], TAPE[4]]);
    expect((await call('GET', '/markets/CNDL/trades')).body.items).toHaveLength(6);
    await expectCandles(AFTER_SIX);
    // the latest `limit`, still oldest first
    expect(await candlesOf('1m', 2)).toEqual(AFTER_SIX['1m'].slice(-2));

    // every trade announced on md:CNDL in tape order, the first one in its own trace
    await eventually(() => listener.of('CNDL', 'trade').length === 6, 5000, 'six trade messages');
    const announced = listener.of('CNDL', 'trade');
    expect(announced.map((message) => message.trade)).toEqual(TAPE.slice(0, 6));
    expect(traceIdOf(announced[0]!.traceparent)).toBe(traceId);
    // the candles as last announced are the candles as stored
    for (const [interval, items] of Object.entries(AFTER_SIX)) {
      for (const item of items) {
        const last = listener
          .of('CNDL', 'candle')
          .filter((message) => message.interval === interval && message.candle.openTime === item.openTime)
          .at(-1);
        expect(last?.candle, `${interval} ${item.openTime}`).toEqual(item);
      }
    }
    // the market-data's work for the trade joins the trade's trace
    // (the consume span ends after the recording under it, so it may come in a later export)
    await receiver.waitFor(() => {
      const trace = receiver.trace(traceId);
      const recorded = trace.find((span) => span.name === 'trade recording');
      return recorded !== undefined && trace.some((span) => span.spanId === recorded.parentSpanId);
    });
    const spans = receiver.trace(traceId).filter((span) => span.service === 'market-data');
    // (a read applied again one at a time after its batch failed, or delivered again, consumes the
    // trade a second time in the same trace: the recording belongs to one of those consumptions)
    const consumed = spans.filter((span) => span.name === 'consume executions:CNDL trade').map((span) => span.spanId);
    expect(consumed.length).toBeGreaterThan(0);
    const recording = spans.find((span) => span.name === 'trade recording')!;
    expect(consumed).toContain(recording.parentSpanId);
    expect(recording.attributes['exchange.trade_id']).toBe(1);
  });

  it('counts a trade delivered twice once', async () => {
    await addTrade(streams, 'CNDL', CNDL[1]!); // the same event id (CNDL:4) again
    await addTrade(streams, 'CNDL', CNDL[5]!); // and CNDL:10
    await addTrade(streams, 'CNDL', CNDL[6]!);
    const tape = await tapeLength('CNDL', 7);
    expect(tape.items).toEqual(TAPE.slice(0, 7).reverse());
    await expectCandles(AFTER_SEVEN);
    await eventually(() => listener.of('CNDL', 'trade').length >= 7, 5000, 'the seventh trade message');
    // give a wrongly applied duplicate the time to show
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(listener.of('CNDL', 'trade').map((message) => message.trade.id)).toEqual(TAPE.slice(0, 7).map((trade) => trade.id));
  });

  it('keeps the candles across a restart and merges what arrived meanwhile into them', async () => {
    await marketData.stop();
    await addTrade(streams, 'CNDL', CNDL[4]!); // a duplicate while down
    await addTrade(streams, 'CNDL', CNDL[7]!);
    await startMarketData();
    // what was there before the restart is served at once
    expect((await candlesOf('1d'))[0]).toEqual(AFTER_SIX['1d'][0]);
    const tape = await tapeLength('CNDL', 8);
    expect(tape.items).toEqual([...TAPE].reverse());
    await expectCandles(AFTER_EIGHT);
  });

  it('has a ticker with no 24 h figures when every trade is older than a day', async () => {
    const ticker = await call('GET', '/markets/CNDL/ticker');
    expect(ticker).toEqual({
      status: 200,
      body: { symbol: 'CNDL', last: '101.50', bestBid: null, bestAsk: null, open24h: null, high24h: null, low24h: null, volume24h: '0', changePct24h: null },
    });
  });

  it('computes the ticker over the last 24 hours exactly, with the best prices of the book', async () => {
    expect((await call('GET', '/markets/TICK/ticker')).body).toEqual({
      symbol: 'TICK',
      last: null,
      bestBid: null,
      bestAsk: null,
      open24h: null,
      high24h: null,
      low24h: null,
      volume24h: '0',
      changePct24h: null,
    });
    const now = Date.now();
    const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString();
    const trades: TradeFields[] = [
      { sequence: 1, tradeId: 1, price: 5000, quantity: 100, takerSide: 'BUY', executedAt: at(25) }, // outside the window
      { sequence: 2, tradeId: 2, price: 4000, quantity: 10, takerSide: 'BUY', executedAt: at(5) }, // open24h
      { sequence: 3, tradeId: 3, price: 4410, quantity: 5, takerSide: 'BUY', executedAt: at(3) }, // high
      { sequence: 4, tradeId: 4, price: 3895, quantity: 7, takerSide: 'SELL', executedAt: at(2) }, // low
      { sequence: 5, tradeId: 5, price: 4123, quantity: 3, takerSide: 'BUY', executedAt: at(1) }, // last
    ];
    for (const trade of trades) await addTrade(streams, 'TICK', trade);
    await tapeLength('TICK', 5);
    // (41.23 − 40.00) / 40.00 = 3.075 % → 3.08 (half away from zero)
    const expected = {
      symbol: 'TICK',
      last: '41.23',
      bestBid: null,
      bestAsk: null,
      open24h: '40.00',
      high24h: '44.10',
      low24h: '38.95',
      volume24h: '25',
      changePct24h: '3.08',
    };
    expect((await call('GET', '/markets/TICK/ticker')).body).toEqual(expected);
    await eventually(() => listener.of('TICK', 'ticker').at(-1)?.ticker.last === '41.23', 5000, 'the ticker message');
    expect(listener.of('TICK', 'ticker').at(-1)!.ticker).toEqual(expected);

    await publishBook(streams, {
      symbol: 'TICK',
      sequence: 9,
      bids: [
        { price: 4120, quantity: 5, orders: 2 },
        { price: 4110, quantity: 1, orders: 1 },
      ],
      asks: [{ price: 4125, quantity: 2, orders: 1 }],
    });
    await eventually(async () => (await call('GET', '/markets/TICK/ticker')).body.bestBid === '41.20', 5000, 'the best bid');
    expect((await call('GET', '/markets/TICK/ticker')).body).toEqual({ ...expected, bestBid: '41.20', bestAsk: '41.25' });
  });

  it('answers every market’s ticker at once, by symbol, each as the per-symbol route does, cached or not', async () => {
    const symbols = ['CNDL', 'QUIET', 'TICK'];
    const keys = symbols.map((symbol) => `market-data:ticker:${symbol}`);
    await streams.del(...keys);
    const each: unknown[] = [];
    for (const symbol of symbols) each.push((await call('GET', `/markets/${symbol}/ticker`)).body);
    expect(each.map((ticker) => (ticker as { last: string | null }).last)).toEqual(['101.50', null, '41.23']);

    // nothing cached: the stats of all three computed at once, and cached
    await streams.del(...keys);
    expect(await call('GET', '/tickers')).toEqual({ status: 200, body: { items: each } });
    expect(await streams.exists(...keys)).toBe(3);
    // all cached, then one of them not
    expect((await call('GET', '/tickers')).body.items).toEqual(each);
    await streams.del('market-data:ticker:TICK');
    expect((await call('GET', '/tickers')).body.items).toEqual(each);
    // an unreadable cached value is computed afresh, as the per-symbol route does
    await streams.set('market-data:ticker:CNDL', 'not json', 'PX', 60_000);
    expect((await call('GET', '/tickers')).body.items).toEqual(each);
  });
});
