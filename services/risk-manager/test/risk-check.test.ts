import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type Redis } from '@exchange/platform';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { apiClient, startRiskManager, type RiskManagerProcess } from './support.js';

const MAX_OPEN_ORDERS = 5;
const MAX_ORDERS_PER_MINUTE = 1000;

describe('POST /check, the pre-trade risk check (the risk-manager as a process, real PostgreSQL and Redis)', () => {
  let database: TestDatabase;
  let testRedis: TestRedis;
  let service: RiskManagerProcess;
  let redis: Redis;
  let call: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    database = await createTestDatabase();
    testRedis = createTestRedis();
    service = await startRiskManager({
      database,
      redis: testRedis,
      env: { RISK_DEFAULT_MAX_OPEN_ORDERS: String(MAX_OPEN_ORDERS), RISK_DEFAULT_MAX_ORDERS_PER_MINUTE: String(MAX_ORDERS_PER_MINUTE) },
    });
    call = apiClient(service);
    redis = createRedis({ url: testRedis.url, keyPrefix: testRedis.prefix, connectionName: 'risk-test' });
    // ±10% around 190.00: LIMIT prices 171.00 to 209.00; at most 1000 shares and 100000.00 USD
    await market({ symbol: 'AAPL', name: 'Apple Inc.', referencePrice: '190.00', minQuantity: '1', maxQuantity: '1000', maxNotional: '100000.00' });
  });
  afterAll(async () => {
    await service?.stop();
    redis?.disconnect();
    await testRedis?.clean();
    await database?.drop();
  });

  async function market(body: Record<string, unknown>) {
    const created = await call('POST', '/markets', body);
    if (created.status !== 201) throw new Error(`could not create ${JSON.stringify(body)}: ${JSON.stringify(created.body)}`);
    return created.body.market;
  }

  const order = (overrides: Record<string, unknown> = {}) => ({
    orderId: randomUUID(),
    userId: randomUUID(),
    symbol: 'AAPL',
    side: 'BUY',
    type: 'LIMIT',
    price: '190.00',
    quantity: '10',
    ...overrides,
  });

  const check = (overrides: Record<string, unknown> = {}) => call('POST', '/check', order(overrides));

  async function refusedBy(overrides: Record<string, unknown>) {
    const response = await check(overrides);
    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body.error.code).toBe('RISK_REJECTED');
    return response.body.error as { message: string; details: Record<string, unknown> };
  }

  async function invalidBy(overrides: Record<string, unknown>) {
    const response = await check(overrides);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    return response.body.error as { message: string; details: Record<string, any> };
  }

  it('accepts an order within every limit and answers with the market, without a protection price for a LIMIT order', async () => {
    const accepted = await check();
    expect(accepted.status).toBe(200);
    // the user's open-order limit comes back too: the order manager counts again once the order is written
    expect(accepted.body).toEqual({
      market: expect.objectContaining({ symbol: 'AAPL', tickSize: '0.01', lotSize: '1', status: 'TRADING' }),
      maxOpenOrders: expect.any(Number),
    });
  });

  it('answers 404 UNKNOWN_SYMBOL for a market that does not exist', async () => {
    const unknown = await check({ symbol: 'NOPE' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_SYMBOL', details: { symbol: 'NOPE' } });
  });

  it('refuses orders in a halted market at once with 409 MARKET_HALTED, and accepts them again at once after resuming', async () => {
    await market({ symbol: 'HALT', name: 'Halting Inc.', referencePrice: '10.00' });
    expect((await check({ symbol: 'HALT', price: '10.00' })).status).toBe(200);
    await call('PATCH', '/markets/HALT', { status: 'HALTED' });
    const halted = await check({ symbol: 'HALT', price: '10.00' });
    expect(halted.status).toBe(409);
    expect(halted.body.error).toMatchObject({ code: 'MARKET_HALTED', details: { symbol: 'HALT' } });
    // halted comes before any other rule, even for an order that would be invalid anyway
    expect((await check({ symbol: 'HALT', price: '10.001', quantity: '0' })).body.error.code).toBe('MARKET_HALTED');
    await call('PATCH', '/markets/HALT', { status: 'TRADING' });
    expect((await check({ symbol: 'HALT', price: '10.00' })).status).toBe(200);
  });

  it('refuses every order of a user whose kill switch is on (KILL_SWITCH), and none once it is off again', async () => {
    const userId = randomUUID();
    await call('PUT', `/users/${userId}/limits`, { killSwitch: true });
    const refused = await refusedBy({ userId });
    expect(refused.details).toEqual({ rule: 'KILL_SWITCH' });
    expect((await refusedBy({ userId, type: 'MARKET', price: undefined, side: 'SELL' })).details.rule).toBe('KILL_SWITCH');
    expect((await check()).status).toBe(200); // another user is not affected
    await call('PUT', `/users/${userId}/limits`, { killSwitch: false });
    expect((await check({ userId })).status).toBe(200);
  });

  describe('price on the tick and quantity in lots (400 VALIDATION_FAILED)', () => {
    beforeAll(async () => {
      await market({ symbol: 'LOTS', name: 'Lots Inc.', tickSize: '0.05', lotSize: '10', referencePrice: '50.00' });
    });

    it.each([
      [{ price: '190.001' }, { price: ['must be a positive price in whole cents'] }],
      [{ price: '0.00' }, { price: ['must be a positive price in whole cents'] }],
      [{ quantity: '1.5' }, { quantity: ['must be a positive whole number of shares'] }],
      [{ quantity: '0' }, { quantity: ['must be a positive whole number of shares'] }],
      [{ price: undefined }, { price: ['a LIMIT order needs a price'] }],
      [{ type: 'MARKET' }, { price: ['a MARKET order takes no price'] }],
      [{ symbol: 'LOTS', price: '50.03', quantity: '10' }, { price: ['must be a multiple of the tick size (0.05)'] }],
      [{ symbol: 'LOTS', price: '50.05', quantity: '15' }, { quantity: ['must be a multiple of the lot size (10)'] }],
      [
        { symbol: 'LOTS', price: '50.01', quantity: '5' },
        { price: ['must be a multiple of the tick size (0.05)'], quantity: ['must be a multiple of the lot size (10)'] },
      ],
    ])('refuses %j', async (overrides, fields) => {
      const refused = await check(overrides);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields } });
    });

    it('accepts prices on the tick and quantities in lots', async () => {
      expect((await check({ symbol: 'LOTS', price: '50.05', quantity: '20' })).status).toBe(200);
    });
  });

  it('refuses quantities below the minimum (MIN_QUANTITY) and above the maximum (MAX_QUANTITY) as bad input, edges included', async () => {
    await market({ symbol: 'QTY', name: 'Quantity Inc.', referencePrice: '1.00', minQuantity: '5', maxQuantity: '50' });
    expect((await check({ symbol: 'QTY', price: '1.00', quantity: '5' })).status).toBe(200);
    expect((await check({ symbol: 'QTY', price: '1.00', quantity: '50' })).status).toBe(200);
    expect((await invalidBy({ symbol: 'QTY', price: '1.00', quantity: '4' })).details).toEqual({
      rule: 'MIN_QUANTITY',
      quantity: '4',
      minQuantity: '5',
      maxQuantity: '50',
      fields: { quantity: ['must be at least 5'] },
    });
    expect((await invalidBy({ symbol: 'QTY', price: '1.00', quantity: '51' })).details).toEqual({
      rule: 'MAX_QUANTITY',
      quantity: '51',
      minQuantity: '5',
      maxQuantity: '50',
      fields: { quantity: ['must be at most 50'] },
    });
    // the quantity rule comes before the price collar
    expect((await invalidBy({ symbol: 'QTY', price: '9.00', quantity: '51' })).details.rule).toBe('MAX_QUANTITY');
  });

  describe('the price collar around the reference price (PRICE_COLLAR)', () => {
    it('allows 171.00 to 209.00 around a reference of 190.00, edges included', async () => {
      expect((await check({ price: '171.00' })).status).toBe(200);
      expect((await check({ price: '209.00' })).status).toBe(200);
      const below = await refusedBy({ price: '170.99' });
      expect(below).toMatchObject({
        message: 'The price 170.99 is outside the allowed range 171.00 to 209.00 (±10.00% around 190.00)',
        details: { rule: 'PRICE_COLLAR', price: '170.99', referencePrice: '190.00', low: '171.00', high: '209.00', priceCollarBps: 1000 },
      });
      expect((await refusedBy({ price: '209.01', side: 'SELL' })).details).toMatchObject({ rule: 'PRICE_COLLAR', price: '209.01' });
    });

    it('follows the last trade price the engine keeps in book:{SYMBOL} (in ticks), and the reference price again without it', async () => {
      await market({ symbol: 'LAST', name: 'Last Price Inc.', tickSize: '0.05', referencePrice: '100.00' });
      // 3000 ticks of 0.05 = 150.00: the collar is now 135.00 to 165.00
      await redis.set(
        'book:LAST',
        JSON.stringify({
          symbol: 'LAST',
          sequence: 42,
          bids: [{ price: 2990, quantity: 5, orders: 1 }],
          asks: [{ price: 3010, quantity: 5, orders: 1 }],
          lastPrice: 3000,
        }),
      );
      expect((await check({ symbol: 'LAST', price: '165.00' })).status).toBe(200);
      expect((await check({ symbol: 'LAST', price: '135.00' })).status).toBe(200);
      expect((await refusedBy({ symbol: 'LAST', price: '100.00' })).details).toMatchObject({
        rule: 'PRICE_COLLAR',
        referencePrice: '150.00',
        low: '135.00',
        high: '165.00',
      });
      expect((await check({ symbol: 'LAST', type: 'MARKET', price: undefined, side: 'BUY' })).body.protectionPrice).toBe('165.00');

      // a book without a trade yet, or none at all: the market's reference price
      await redis.set('book:LAST', JSON.stringify({ symbol: 'LAST', sequence: 43, bids: [], asks: [] }));
      expect((await check({ symbol: 'LAST', price: '100.00' })).status).toBe(200);
      await redis.del('book:LAST');
      expect((await refusedBy({ symbol: 'LAST', price: '150.00' })).details).toMatchObject({ referencePrice: '100.00', high: '110.00' });
    });

    it('follows a new reference price set by an admin', async () => {
      await market({ symbol: 'REF', name: 'Reference Inc.', referencePrice: '20.00' });
      expect((await refusedBy({ symbol: 'REF', price: '30.00' })).details.rule).toBe('PRICE_COLLAR');
      await call('PATCH', '/markets/REF', { referencePrice: '30.00' });
      expect((await check({ symbol: 'REF', price: '30.00' })).status).toBe(200);
    });
  });

  describe('MARKET orders get a protection price: the collar’s edge on the tick', () => {
    it('buys up to the top (209.00) and sells down to the bottom (171.00) around 190.00', async () => {
      const buy = await check({ type: 'MARKET', price: undefined, side: 'BUY' });
      expect(buy.status).toBe(200);
      expect(buy.body.protectionPrice).toBe('209.00');
      const sell = await check({ type: 'MARKET', price: undefined, side: 'SELL' });
      expect(sell.body.protectionPrice).toBe('171.00');
    });

    it('rounds the edges inward to the tick', async () => {
      // 250.00 ± 7.77% = 230.575 .. 269.425 → on a 0.05 tick: 230.60 and 269.40
      await market({ symbol: 'PROT', name: 'Protection Inc.', tickSize: '0.05', referencePrice: '250.00', priceCollarBps: 777 });
      expect((await check({ symbol: 'PROT', type: 'MARKET', price: undefined, side: 'BUY' })).body.protectionPrice).toBe('269.40');
      expect((await check({ symbol: 'PROT', type: 'MARKET', price: undefined, side: 'SELL' })).body.protectionPrice).toBe('230.60');
      expect((await check({ symbol: 'PROT', price: '269.40' })).status).toBe(200);
      expect((await refusedBy({ symbol: 'PROT', price: '269.45' })).details).toMatchObject({ low: '230.60', high: '269.40' });
    });

    it('never sells below one tick, even with a collar of 100%', async () => {
      await market({ symbol: 'WIDE', name: 'Wide Collar Inc.', tickSize: '0.05', referencePrice: '1.00', priceCollarBps: 10_000 });
      expect((await check({ symbol: 'WIDE', type: 'MARKET', price: undefined, side: 'SELL' })).body.protectionPrice).toBe('0.05');
      expect((await check({ symbol: 'WIDE', type: 'MARKET', price: undefined, side: 'BUY' })).body.protectionPrice).toBe('2.00');
    });
  });

  describe('notional (MAX_NOTIONAL)', () => {
    it('allows price × quantity up to the market’s limit and refuses one cent more', async () => {
      // 200.00 × 500 = 100000.00, the limit
      expect((await check({ price: '200.00', quantity: '500' })).status).toBe(200);
      expect((await refusedBy({ price: '200.01', quantity: '500' })).details).toEqual({
        rule: 'MAX_NOTIONAL',
        notional: '100005.00',
        maxNotional: '100000.00',
        limitedBy: 'market',
      });
    });

    it('values a MARKET order at its protection price', async () => {
      // a buy of 479 at 209.00 is 100111.00: above the limit; 478 is 99902.00
      expect((await refusedBy({ type: 'MARKET', price: undefined, quantity: '479' })).details).toMatchObject({ rule: 'MAX_NOTIONAL', notional: '100111.00' });
      expect((await check({ type: 'MARKET', price: undefined, quantity: '478' })).body.protectionPrice).toBe('209.00');
      // a sell is valued at the bottom, 171.00: 584 × 171.00 = 99864.00
      expect((await check({ type: 'MARKET', price: undefined, side: 'SELL', quantity: '584' })).status).toBe(200);
    });

    it('applies the user’s own limit when it is smaller, and only the market’s when it is cleared', async () => {
      const userId = randomUUID();
      await call('PUT', `/users/${userId}/limits`, { maxNotional: '1900.00' });
      expect((await check({ userId, price: '190.00', quantity: '10' })).status).toBe(200);
      expect((await refusedBy({ userId, price: '190.00', quantity: '11' })).details).toEqual({
        rule: 'MAX_NOTIONAL',
        notional: '2090.00',
        maxNotional: '1900.00',
        limitedBy: 'user',
      });
      await call('PUT', `/users/${userId}/limits`, { maxNotional: '500000.00' });
      expect((await refusedBy({ userId, price: '200.01', quantity: '500' })).details).toMatchObject({ maxNotional: '100000.00', limitedBy: 'market' });
      await call('PUT', `/users/${userId}/limits`, { maxNotional: null });
      expect((await check({ userId, price: '190.00', quantity: '11' })).status).toBe(200);
    });
  });

  describe('open orders (MAX_OPEN_ORDERS)', () => {
    // the order manager owns the orders and enforces the limit as it writes one; the risk-manager answers it
    it('answers the default limit, or the user’s own', async () => {
      expect((await check()).body.maxOpenOrders).toBe(MAX_OPEN_ORDERS);
      const userId = randomUUID();
      await call('PUT', `/users/${userId}/limits`, { maxOpenOrders: 1 });
      expect((await check({ userId })).body.maxOpenOrders).toBe(1);
      await call('PUT', `/users/${userId}/limits`, { maxOpenOrders: null });
      expect((await check({ userId })).body.maxOpenOrders).toBe(MAX_OPEN_ORDERS);
    });
  });

  describe('order rate (ORDER_RATE)', () => {
    /** The windows are whole minutes of the clock: start a burst with time to spare before the next one. */
    async function awayFromMinuteEnd() {
      const left = 60_000 - (Date.now() % 60_000);
      if (left < 8_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
    }

    it('counts the orders that passed every other rule, refuses the one past the limit, and counts a retried order once', async () => {
      const userId = randomUUID();
      await call('PUT', `/users/${userId}/limits`, { maxOrdersPerMinute: 3 });
      await awayFromMinuteEnd();

      // refused by other rules: not counted
      expect((await invalidBy({ userId, quantity: '5000' })).details.rule).toBe('MAX_QUANTITY');
      expect((await refusedBy({ userId, price: '300.00' })).details.rule).toBe('PRICE_COLLAR');

      const first = order({ userId });
      expect((await call('POST', '/check', first)).status).toBe(200);
      expect((await check({ userId })).status).toBe(200);
      expect((await check({ userId, type: 'MARKET', price: undefined })).status).toBe(200);
      const refused = await refusedBy({ userId });
      expect(refused.details).toEqual({ rule: 'ORDER_RATE', maxOrdersPerMinute: 3, retryAfterSeconds: expect.any(Number) });
      expect(refused.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused.details.retryAfterSeconds).toBeLessThanOrEqual(60);

      // the order manager retrying the check of an order already counted: the same answer as the first time
      expect((await call('POST', '/check', first)).status).toBe(200);
      // others are not affected
      expect((await check()).status).toBe(200);

      const raw = createRedis({ url: testRedis.url, keyPrefix: '', connectionName: 'risk-test-raw' });
      try {
        const keys = await raw.keys(`${testRedis.prefix}risk:orders-per-minute:${userId}:*`);
        expect(keys).toHaveLength(1);
        expect(await raw.get(keys[0]!)).toBe('4');
        const ttl = await raw.pttl(keys[0]!);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
      } finally {
        raw.disconnect();
      }
    });

    it('refuses every order of a user whose limit is zero', async () => {
      const userId = randomUUID();
      await call('PUT', `/users/${userId}/limits`, { maxOrdersPerMinute: 0 });
      expect((await refusedBy({ userId })).details).toMatchObject({ rule: 'ORDER_RATE', maxOrdersPerMinute: 0 });
    });

    it('counts concurrent orders exactly', async () => {
      const userId = randomUUID();
      await call('PUT', `/users/${userId}/limits`, { maxOrdersPerMinute: 25 });
      await awayFromMinuteEnd();
      const answers = await Promise.all(Array.from({ length: 40 }, () => check({ userId })));
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(25);
      expect(answers.filter((answer) => answer.status === 422 && answer.body.error.details.rule === 'ORDER_RATE')).toHaveLength(15);
    });
  });

  it('checks the request itself: ids, symbol format, side, type, no unknown fields', async () => {
    const refused = await call('POST', '/check', { ...order(), orderId: 'x', side: 'HOLD', openOrders: -1, extra: true });
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.body.error.details.fields).sort()).toEqual(['extra', 'openOrders', 'orderId', 'side']);
  });
});
