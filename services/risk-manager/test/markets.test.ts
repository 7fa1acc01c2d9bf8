import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresPool, type Pool } from '@exchange/platform';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { apiClient, failedStart, startRiskManager, type RiskManagerProcess } from './support.js';

describe('markets and user limits (the risk-manager as a process, real PostgreSQL and Redis)', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let service: RiskManagerProcess;
  let db: Pool;
  let call: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    service = await startRiskManager({
      database,
      redis,
      env: { RISK_DEFAULT_TAKER_FEE_BPS: '25', RISK_DEFAULT_MAX_OPEN_ORDERS: '50', RISK_DEFAULT_MAX_ORDERS_PER_MINUTE: '120' },
    });
    call = apiClient(service);
    db = createPostgresPool({ url: database.url, schema: 'risk_manager', max: 2, applicationName: 'risk-test' });
  });
  afterAll(async () => {
    await service?.stop();
    await db?.end();
    await redis?.clean();
    await database?.drop();
  });

  describe('creating a market', () => {
    it('answers 201 with the market, unset terms taken from the defaults, and lists it', async () => {
      const created = await call('POST', '/markets', { symbol: 'ACME', name: 'Acme Corp.', referencePrice: '12.34' });
      expect(created.status).toBe(201);
      expect(created.body.market).toEqual({
        symbol: 'ACME',
        name: 'Acme Corp.',
        baseAsset: 'ACME',
        quoteAsset: 'USD',
        tickSize: '0.01',
        lotSize: '1',
        referencePrice: '12.34',
        status: 'TRADING',
        makerFeeBps: 0,
        takerFeeBps: 25,
        minQuantity: '1',
        maxQuantity: '1000000',
        maxNotional: '10000000.00',
        priceCollarBps: 1000,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(await call('GET', '/markets/ACME')).toEqual({ status: 200, body: { market: created.body.market } });
      const row = await db.query('SELECT tick_size_cents, reference_price_cents, max_notional_cents FROM markets WHERE symbol = $1', ['ACME']);
      expect(row.rows[0]).toEqual({ tick_size_cents: '1', reference_price_cents: '1234', max_notional_cents: '1000000000' });
    });

    it('keeps every term the creator gives', async () => {
      const body = {
        symbol: 'BRK.B',
        name: 'Berkshire Hathaway Inc. Class B',
        tickSize: '0.05',
        lotSize: '10',
        referencePrice: '410.05',
        status: 'HALTED',
        makerFeeBps: 2,
        takerFeeBps: 7,
        minQuantity: '20',
        maxQuantity: '5000',
        maxNotional: '250000.50',
        priceCollarBps: 500,
      };
      const created = await call('POST', '/markets', body);
      expect(created.status).toBe(201);
      expect(created.body.market).toMatchObject({ ...body, baseAsset: 'BRK.B', quoteAsset: 'USD' });
    });

    it('lists the markets sorted by symbol', async () => {
      await call('POST', '/markets', { symbol: 'AAA', name: 'First', referencePrice: '1.00' });
      await call('POST', '/markets', { symbol: 'ZZZ', name: 'Last', referencePrice: '1.00' });
      const list = await call('GET', '/markets');
      expect(list.status).toBe(200);
      const symbols = list.body.items.map((market: { symbol: string }) => market.symbol);
      expect(symbols).toEqual([...symbols].sort());
      expect(symbols).toEqual(expect.arrayContaining(['AAA', 'ACME', 'BRK.B', 'ZZZ']));
    });

    it('refuses a symbol that exists with 409 MARKET_EXISTS and changes nothing', async () => {
      const again = await call('POST', '/markets', { symbol: 'ACME', name: 'Another Acme', referencePrice: '99.00' });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'MARKET_EXISTS', details: { symbol: 'ACME' } });
      expect((await call('GET', '/markets/ACME')).body.market).toMatchObject({ name: 'Acme Corp.', referencePrice: '12.34' });
    });

    it('refuses invalid terms with 400 VALIDATION_FAILED naming every field, and stores nothing', async () => {
      const refused = await call('POST', '/markets', {
        symbol: 'BAD',
        name: 'Bad terms',
        tickSize: '0.001',
        lotSize: '1.5',
        referencePrice: '0',
        minQuantity: '0',
        maxNotional: '0.005',
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('VALIDATION_FAILED');
      expect(refused.body.error.details.fields).toEqual({
        tickSize: ['must be a positive whole number of cents, such as "0.01" or "0.05"'],
        lotSize: ['must be a positive whole number of shares'],
        referencePrice: ['must be a positive price in whole cents'],
        minQuantity: ['must be a positive whole number of shares'],
        maxNotional: ['must be a positive amount of USD in whole cents'],
      });
      expect((await call('GET', '/markets/BAD')).status).toBe(404);
    });

    it('refuses a reference price off the tick, quantities off the lot and a minimum above the maximum', async () => {
      const offTick = await call('POST', '/markets', { symbol: 'BAD', name: 'Bad', tickSize: '0.05', referencePrice: '10.02' });
      expect(offTick.body.error.details.fields).toEqual({ referencePrice: ['must be a multiple of the tick size (0.05)'] });
      const offLot = await call('POST', '/markets', {
        symbol: 'BAD',
        name: 'Bad',
        lotSize: '100',
        referencePrice: '10.00',
        minQuantity: '150',
        maxQuantity: '1000',
      });
      expect(offLot.body.error.details.fields).toEqual({ minQuantity: ['must be a multiple of the lot size (100)'] });
      const minAboveMax = await call('POST', '/markets', { symbol: 'BAD', name: 'Bad', referencePrice: '10.00', minQuantity: '500', maxQuantity: '100' });
      expect(minAboveMax.status).toBe(400);
      expect(minAboveMax.body.error.details.fields).toEqual({ maxQuantity: ['must not be less than minQuantity (500)'] });
    });

    it('refuses a malformed request by its schema: symbol format, missing and unknown fields, fee range', async () => {
      const refused = await call('POST', '/markets', { symbol: 'acme', referencePrice: 10, takerFeeBps: 10_001, color: 'red' });
      expect(refused.status).toBe(400);
      expect(Object.keys(refused.body.error.details.fields).sort()).toEqual(['color', 'name', 'referencePrice', 'symbol', 'takerFeeBps']);
    });

    it('answers 404 UNKNOWN_SYMBOL for a market that does not exist', async () => {
      for (const symbol of ['NOPE', 'nope']) {
        const missing = await call('GET', `/markets/${symbol}`);
        expect(missing.status).toBe(404);
        expect(missing.body.error).toMatchObject({ code: 'UNKNOWN_SYMBOL', details: { symbol } });
      }
    });
  });

  describe('changing a market', () => {
    beforeAll(async () => {
      await call('POST', '/markets', {
        symbol: 'CHG',
        name: 'Change Me',
        tickSize: '0.05',
        lotSize: '10',
        referencePrice: '50.00',
        minQuantity: '10',
        maxQuantity: '1000',
      });
    });

    it('halts and resumes', async () => {
      const halted = await call('PATCH', '/markets/CHG', { status: 'HALTED' });
      expect(halted.status).toBe(200);
      expect(halted.body.market.status).toBe('HALTED');
      expect((await call('GET', '/markets/CHG')).body.market.status).toBe('HALTED');
      expect((await call('PATCH', '/markets/CHG', { status: 'TRADING' })).body.market.status).toBe('TRADING');
    });

    it('changes the reference price, fees and limits and keeps the rest', async () => {
      const before = (await call('GET', '/markets/CHG')).body.market;
      const changed = await call('PATCH', '/markets/CHG', {
        referencePrice: '55.05',
        makerFeeBps: 1,
        takerFeeBps: 3,
        minQuantity: '20',
        maxQuantity: '2000',
        maxNotional: '50000.00',
        priceCollarBps: 200,
      });
      expect(changed.status).toBe(200);
      expect(changed.body.market).toEqual({
        ...before,
        referencePrice: '55.05',
        makerFeeBps: 1,
        takerFeeBps: 3,
        minQuantity: '20',
        maxQuantity: '2000',
        maxNotional: '50000.00',
        priceCollarBps: 200,
        updatedAt: expect.any(String),
      });
      expect(Date.parse(changed.body.market.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
    });

    it('never changes the tick or lot size', async () => {
      for (const body of [{ tickSize: '0.01' }, { lotSize: '1' }]) {
        const refused = await call('PATCH', '/markets/CHG', body);
        expect(refused.status).toBe(400);
        expect(refused.body.error.code).toBe('VALIDATION_FAILED');
      }
      // not even by hand: the database refuses it
      await expect(db.query("UPDATE markets SET tick_size_cents = 1 WHERE symbol = 'CHG'")).rejects.toThrow(/symbol, tick size and lot size never change/);
      await expect(db.query("UPDATE markets SET lot_size = 1 WHERE symbol = 'CHG'")).rejects.toThrow(/never change/);
      expect((await call('GET', '/markets/CHG')).body.market).toMatchObject({ tickSize: '0.05', lotSize: '10' });
    });

    it('checks a change against the terms that stay', async () => {
      const offTick = await call('PATCH', '/markets/CHG', { referencePrice: '55.01' });
      expect(offTick.status).toBe(400);
      expect(offTick.body.error.details.fields).toEqual({ referencePrice: ['must be a multiple of the tick size (0.05)'] });
      const belowMin = await call('PATCH', '/markets/CHG', { maxQuantity: '10' });
      expect(belowMin.body.error.details.fields).toEqual({ maxQuantity: ['must not be less than minQuantity (20)'] });
      expect((await call('PATCH', '/markets/CHG', {})).status).toBe(400);
      expect((await call('GET', '/markets/CHG')).body.market).toMatchObject({ referencePrice: '55.05', maxQuantity: '2000' });
    });

    it('answers 404 UNKNOWN_SYMBOL for a market that does not exist', async () => {
      const missing = await call('PATCH', '/markets/NOPE', { status: 'HALTED' });
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('UNKNOWN_SYMBOL');
    });

    it('is guarded by the database too: no reference price off the tick, no minimum above the maximum', async () => {
      await expect(db.query("UPDATE markets SET reference_price_cents = 5501 WHERE symbol = 'CHG'")).rejects.toThrow(/markets_reference_on_tick/);
      await expect(db.query("UPDATE markets SET min_quantity = 5000 WHERE symbol = 'CHG'")).rejects.toThrow(/markets_quantities/);
      await expect(db.query("UPDATE markets SET status = 'CLOSED' WHERE symbol = 'CHG'")).rejects.toThrow(/markets_status_check/);
    });
  });

  describe('user limits', () => {
    it('are the defaults for a user nobody set limits for', async () => {
      const userId = randomUUID();
      expect(await call('GET', `/users/${userId}/limits`)).toEqual({
        status: 200,
        body: { userId, maxOpenOrders: 50, maxOrdersPerMinute: 120, maxNotional: null, killSwitch: false, updatedAt: null },
      });
    });

    it('are set field by field; an absent field stays, null clears one back to the default', async () => {
      const userId = randomUUID();
      const set = await call('PUT', `/users/${userId}/limits`, { maxOpenOrders: 3, maxNotional: '1000.50' });
      expect(set.status).toBe(200);
      expect(set.body).toEqual({ userId, maxOpenOrders: 3, maxOrdersPerMinute: 120, maxNotional: '1000.50', killSwitch: false, updatedAt: expect.any(String) });

      const more = await call('PUT', `/users/${userId}/limits`, { maxOrdersPerMinute: 0, killSwitch: true });
      expect(more.body).toMatchObject({ maxOpenOrders: 3, maxOrdersPerMinute: 0, maxNotional: '1000.50', killSwitch: true });

      const cleared = await call('PUT', `/users/${userId}/limits`, { maxOpenOrders: null, maxNotional: null });
      expect(cleared.body).toMatchObject({ maxOpenOrders: 50, maxOrdersPerMinute: 0, maxNotional: null, killSwitch: true });
      expect((await call('GET', `/users/${userId}/limits`)).body).toEqual(cleared.body);

      const row = await db.query('SELECT max_open_orders, max_orders_per_minute, max_notional_cents, kill_switch FROM risk_limits WHERE user_id = $1', [
        userId,
      ]);
      expect(row.rows).toEqual([{ max_open_orders: null, max_orders_per_minute: 0, max_notional_cents: null, kill_switch: true }]);
    });

    it('refuses limits that make no sense', async () => {
      const userId = randomUUID();
      const zero = await call('PUT', `/users/${userId}/limits`, { maxNotional: '0.00' });
      expect(zero.status).toBe(400);
      expect(zero.body.error.details.fields).toEqual({ maxNotional: ['must be a positive amount of USD in whole cents'] });
      const huge = await call('PUT', `/users/${userId}/limits`, { maxOpenOrders: 3_000_000_000 });
      expect(huge.body.error.details.fields).toEqual({ maxOpenOrders: ['must be at most 2147483647'] });
      const negative = await call('PUT', `/users/${userId}/limits`, { maxOrdersPerMinute: -1, maxNotional: 5 });
      expect(Object.keys(negative.body.error.details.fields).sort()).toEqual(['maxNotional', 'maxOrdersPerMinute']);
      expect((await call('GET', `/users/${userId}/limits`)).body.updatedAt).toBeNull();
      expect((await call('GET', '/users/not-a-uuid/limits')).status).toBe(400);
    });
  });
});

describe('demo markets and start-up checks', () => {
  let database: TestDatabase;
  let redis: TestRedis;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
  });
  afterAll(async () => {
    await redis?.clean();
    await database?.drop();
  });

  it('seeds the five demo markets once: a second start keeps what an admin changed', async () => {
    const first = await startRiskManager({ database, redis, env: { SEED_DEMO_MARKETS: 'true' } });
    const call = apiClient(first);
    try {
      const list = (await call('GET', '/markets')).body.items;
      expect(list.map((market: { symbol: string; name: string; referencePrice: string }) => [market.symbol, market.name, market.referencePrice])).toEqual([
        ['AAPL', 'Apple Inc.', '190.00'],
        ['AMZN', 'Amazon.com, Inc.', '185.00'],
        ['GOOGL', 'Alphabet Inc. Class A', '170.00'],
        ['MSFT', 'Microsoft Corporation', '420.00'],
        ['TSLA', 'Tesla, Inc.', '250.00'],
      ]);
      for (const market of list) expect(market).toMatchObject({ tickSize: '0.01', lotSize: '1', status: 'TRADING', takerFeeBps: 10, priceCollarBps: 1000 });
      await call('PATCH', '/markets/AAPL', { status: 'HALTED', referencePrice: '200.00' });
    } finally {
      await first.stop();
    }

    const second = await startRiskManager({ database, redis, env: { SEED_DEMO_MARKETS: 'true' } });
    try {
      const list = (await apiClient(second)('GET', '/markets')).body.items;
      expect(list).toHaveLength(5);
      expect(list[0]).toMatchObject({ symbol: 'AAPL', status: 'HALTED', referencePrice: '200.00' });
    } finally {
      await second.stop();
    }
  });

  it('does not seed unless asked', async () => {
    const empty = await createTestDatabase();
    const service = await startRiskManager({ database: empty, redis });
    try {
      expect((await apiClient(service)('GET', '/markets')).body).toEqual({ items: [] });
    } finally {
      await service.stop();
      await empty.drop();
    }
  });

  it('refuses to seed demo markets in production', async () => {
    const { code, output } = await failedStart({ database, redis, env: { NODE_ENV: 'production', SEED_DEMO_MARKETS: 'true' } });
    expect(code).toBe(1);
    expect(output).toContain('SEED_DEMO_MARKETS (the demo markets) is refused when NODE_ENV=production');
  });

  it('names every bad setting at once', async () => {
    const { code, output } = await failedStart({
      database,
      redis,
      env: { RISK_DEFAULT_MIN_QUANTITY: '1.5', RISK_DEFAULT_MAX_NOTIONAL: '0', RISK_DEFAULT_PRICE_COLLAR_BPS: '0', RISK_DEFAULT_TAKER_FEE_BPS: '20000' },
    });
    expect(code).toBe(1);
    expect(output).toContain('RISK_DEFAULT_MIN_QUANTITY: must be a whole number');
    expect(output).toContain('RISK_DEFAULT_MAX_NOTIONAL: must be greater than zero');
    expect(output).toContain('RISK_DEFAULT_PRICE_COLLAR_BPS');
    expect(output).toContain('RISK_DEFAULT_TAKER_FEE_BPS');
  });
});
