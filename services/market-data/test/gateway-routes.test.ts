import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '@exchange/platform';
import { createTestDatabase, createTestRedis, eventually, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { addTrade, apiClient, publishBook, startService, testRedis, type ServiceProcess } from './support.js';

const ROUTE_RATE_LIMIT = 12;

/** The gateway's public market-data routes in front of the real market-data and risk-manager processes. */
describe('gateway: /v1/markets/:symbol/book, trades, candles, ticker and /v1/tickers', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let riskManager: ServiceProcess;
  let marketData: ServiceProcess;
  let gatewayProcess: ServiceProcess;
  let engine: Redis;
  let direct: ReturnType<typeof apiClient>;

  async function gateway(path: string, ip = `198.51.100.${randomInt(1, 255)}`) {
    const response = await fetch(`${gatewayProcess.url}${path}`, { headers: { 'x-forwarded-for': ip } });
    return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    riskManager = await startService('risk-manager', { database, redis });
    expect((await apiClient(riskManager)('POST', '/markets', { symbol: 'GATE', name: 'Gate Inc.', referencePrice: '10.00' })).status).toBe(201);
    marketData = await startService('market-data', { database, redis, env: { RISK_MANAGER_URL: riskManager.url } });
    gatewayProcess = await startService('client-gateway', {
      database,
      redis,
      env: { RISK_MANAGER_URL: riskManager.url, MARKET_DATA_URL: marketData.url, TRUST_PROXY: '127.0.0.1', RATE_LIMIT_MAX: String(ROUTE_RATE_LIMIT) },
    });
    direct = apiClient(marketData);
    engine = testRedis(redis, 'engine-stand-in');
    await publishBook(engine, {
      symbol: 'GATE',
      sequence: 4,
      bids: [{ price: 999, quantity: 10, orders: 1 }],
      asks: [{ price: 1001, quantity: 3, orders: 2 }],
    });
    await addTrade(engine, 'GATE', { sequence: 3, tradeId: 1, price: 1000, quantity: 7, takerSide: 'BUY', executedAt: new Date().toISOString() });
    await eventually(async () => (await direct('GET', '/markets/GATE/trades')).body.items.length === 1, 10_000, 'the trade on the tape');
    await eventually(async () => (await direct('GET', '/markets/GATE/book')).body.sequence === 4, 10_000, 'the book');
  });
  afterAll(async () => {
    engine?.disconnect();
    await gatewayProcess?.stop();
    await marketData?.stop();
    await riskManager?.stop();
    await redis?.clean();
    await database?.drop();
  });

  it('answers every route without a token, as the market-data service does', async () => {
    for (const path of ['book', 'book?depth=1', 'trades', 'trades?limit=1', 'candles?interval=1m', 'candles?interval=1d&limit=5', 'ticker']) {
      const through = await gateway(`/v1/markets/GATE/${path}`);
      expect(through.status, path).toBe(200);
      expect(through.body, path).toEqual((await direct('GET', `/markets/GATE/${path}`)).body);
    }
    expect((await gateway('/v1/markets/GATE/book')).body).toEqual({ symbol: 'GATE', sequence: 4, bids: [['9.99', '10']], asks: [['10.01', '3']] });
    expect((await gateway('/v1/markets/GATE/ticker')).body).toMatchObject({
      symbol: 'GATE',
      last: '10.00',
      bestBid: '9.99',
      bestAsk: '10.01',
      volume24h: '7',
      changePct24h: '0.00',
    });
    const all = await gateway('/v1/tickers');
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ items: [(await gateway('/v1/markets/GATE/ticker')).body] });
    expect(all.body).toEqual((await direct('GET', '/tickers')).body);
  });

  it('passes 404 UNKNOWN_SYMBOL through and refuses bad queries itself with 400', async () => {
    for (const path of ['book', 'trades', 'candles?interval=5m', 'ticker']) {
      const unknown = await gateway(`/v1/markets/NOPE/${path}`);
      expect(unknown.status, path).toBe(404);
      expect(unknown.body.error.code).toBe('UNKNOWN_SYMBOL');
    }
    for (const path of ['candles', 'candles?interval=15m', 'candles?interval=1m&limit=0', 'trades?limit=501', 'book?depth=51', 'book?depth=0']) {
      const bad = await gateway(`/v1/markets/GATE/${path}`);
      expect(bad.status, path).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('limits the routes per client address', async () => {
    const ip = `203.0.113.${randomInt(1, 255)}`;
    const statuses = [];
    for (let i = 0; i <= ROUTE_RATE_LIMIT; i++) statuses.push((await gateway('/v1/markets/GATE/ticker', ip)).status);
    expect(statuses.slice(0, ROUTE_RATE_LIMIT).every((status) => status === 200)).toBe(true);
    const limited = await gateway('/v1/markets/GATE/ticker', ip);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(limited.headers.get('retry-after')).toBeTruthy();
    // the same limit on every ticker at once
    const other = `192.0.2.${randomInt(1, 255)}`;
    for (let i = 0; i < ROUTE_RATE_LIMIT; i++) expect((await gateway('/v1/tickers', other)).status).toBe(200);
    expect((await gateway('/v1/tickers', other)).status).toBe(429);
  });

  it('documents the routes in OpenAPI under "market data", saying a period without a trade has no candle', async () => {
    const document = (await gateway('/docs/json')).body;
    for (const route of ['book', 'trades', 'candles', 'ticker'])
      expect(document.paths[`/v1/markets/{symbol}/${route}`].get.tags, route).toEqual(['market data']);
    expect(document.paths['/v1/markets/{symbol}/candles'].get.description).toContain('A period without a trade has no candle');
    expect(document.paths['/v1/markets/{symbol}/candles'].get.security).toBeUndefined();
    expect(document.paths['/v1/tickers'].get.tags).toEqual(['market data']);
    expect(document.paths['/v1/tickers'].get.security).toBeUndefined();
  });
});
