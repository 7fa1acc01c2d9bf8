import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkKillSwitch,
  checkNotional,
  checkOrderRate,
  checkPriceCollar,
  checkQuantity,
  collarRange,
  isWithinCollar,
  orderAmounts,
  orderRateWindow,
  protectionPrice,
} from './order-checks.js';

interface Refusal {
  code: string;
  message: string;
  details: Record<string, unknown> & { fields?: Record<string, string[]> };
}

function refusal(work: () => unknown): Refusal {
  try {
    work();
  } catch (error) {
    return error as Refusal;
  }
  throw new Error('expected a refusal');
}

const cents = { tickSizeCents: 1n, lotSize: 1n };

describe('price on the tick, quantity in lots', () => {
  it('gives a LIMIT order its price in cents and its quantity in shares', () => {
    expect(orderAmounts(cents, { type: 'LIMIT', price: '190.25', quantity: '15' })).toEqual({ priceCents: 19025n, quantity: 15n });
    expect(orderAmounts({ tickSizeCents: 5n, lotSize: 10n }, { type: 'LIMIT', price: '190.05', quantity: '30' })).toEqual({
      priceCents: 19005n,
      quantity: 30n,
    });
    expect(orderAmounts(cents, { type: 'MARKET', quantity: '3' })).toEqual({ priceCents: undefined, quantity: 3n });
  });

  it.each([
    ['190.015', 'must be a positive price in whole cents'],
    ['0', 'must be a positive price in whole cents'],
    ['0.00', 'must be a positive price in whole cents'],
    ['abc', 'must be a positive price in whole cents'],
  ])('refuses the price %s', (price, message) => {
    const error = refusal(() => orderAmounts(cents, { type: 'LIMIT', price, quantity: '1' }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.fields).toEqual({ price: [message] });
  });

  it('refuses a price off the tick and a quantity off the lot, both at once', () => {
    const error = refusal(() => orderAmounts({ tickSizeCents: 5n, lotSize: 10n }, { type: 'LIMIT', price: '190.03', quantity: '15' }));
    expect(error.details.fields).toEqual({
      price: ['must be a multiple of the tick size (0.05)'],
      quantity: ['must be a multiple of the lot size (10)'],
    });
  });

  it('refuses fractional, zero and missing quantities', () => {
    expect(refusal(() => orderAmounts(cents, { type: 'MARKET', quantity: '1.5' })).details.fields).toEqual({
      quantity: ['must be a positive whole number of shares'],
    });
    expect(refusal(() => orderAmounts(cents, { type: 'MARKET', quantity: '0' })).details.fields).toEqual({
      quantity: ['must be a positive whole number of shares'],
    });
  });

  it('wants a price for a LIMIT order and none for a MARKET order', () => {
    expect(refusal(() => orderAmounts(cents, { type: 'LIMIT', quantity: '1' })).details.fields).toEqual({ price: ['a LIMIT order needs a price'] });
    expect(refusal(() => orderAmounts(cents, { type: 'MARKET', price: '1.00', quantity: '1' })).details.fields).toEqual({
      price: ['a MARKET order takes no price'],
    });
  });
});

describe('quantity limits', () => {
  const market = { minQuantity: 10n, maxQuantity: 1000n };

  it('let the edges through', () => {
    expect(() => checkQuantity(market, 10n)).not.toThrow();
    expect(() => checkQuantity(market, 1000n)).not.toThrow();
  });

  it('refuse below the minimum and above the maximum, naming the rule', () => {
    expect(refusal(() => checkQuantity(market, 9n))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { rule: 'MIN_QUANTITY', quantity: '9', minQuantity: '10', maxQuantity: '1000', fields: { quantity: ['must be at least 10'] } },
    });
    expect(refusal(() => checkQuantity(market, 1001n))).toMatchObject({ code: 'VALIDATION_FAILED', details: { rule: 'MAX_QUANTITY', quantity: '1001' } });
  });
});

describe('the price collar', () => {
  it('includes both edges and excludes one cent beyond: 190.00 ± 10% is 171.00 to 209.00', () => {
    expect(isWithinCollar(17100n, 19000n, 1000)).toBe(true);
    expect(isWithinCollar(20900n, 19000n, 1000)).toBe(true);
    expect(isWithinCollar(17099n, 19000n, 1000)).toBe(false);
    expect(isWithinCollar(20901n, 19000n, 1000)).toBe(false);
    expect(collarRange(19000n, 1000, 1n)).toEqual({ lowCents: 17100n, highCents: 20900n });
  });

  it('compares exactly when the edges fall between cents: 100.01 ± 10% is 90.009 to 110.011', () => {
    expect(isWithinCollar(9000n, 10001n, 1000)).toBe(false);
    expect(isWithinCollar(9001n, 10001n, 1000)).toBe(true);
    expect(isWithinCollar(11001n, 10001n, 1000)).toBe(true);
    expect(isWithinCollar(11002n, 10001n, 1000)).toBe(false);
    expect(collarRange(10001n, 1000, 1n)).toEqual({ lowCents: 9001n, highCents: 11001n });
  });

  it('rounds its edges inward to the tick', () => {
    // 100.00 ± 3.33% = 96.67 .. 103.33; on a 0.05 tick: 96.70 .. 103.30
    expect(collarRange(10000n, 333, 5n)).toEqual({ lowCents: 9670n, highCents: 10330n });
  });

  it('never goes below one tick', () => {
    expect(collarRange(10000n, 10_000, 5n)).toEqual({ lowCents: 5n, highCents: 20000n });
    expect(collarRange(3n, 9_000, 1n)).toEqual({ lowCents: 1n, highCents: 5n });
  });

  it('refuses a price outside with the allowed range in the details', () => {
    const error = refusal(() => checkPriceCollar(21000n, 19000n, { priceCollarBps: 1000, tickSizeCents: 1n }));
    expect(error).toMatchObject({
      code: 'RISK_REJECTED',
      message: 'The price 210.00 is outside the allowed range 171.00 to 209.00 (±10.00% around 190.00)',
      details: { rule: 'PRICE_COLLAR', price: '210.00', referencePrice: '190.00', low: '171.00', high: '209.00', priceCollarBps: 1000 },
    });
    expect(() => checkPriceCollar(20900n, 19000n, { priceCollarBps: 1000, tickSizeCents: 1n })).not.toThrow();
  });

  it('agrees with its own range for every price on the tick (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000n }),
        fc.bigInt({ min: 1n, max: 100_000n }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.bigInt({ min: 1n, max: 300_000n }),
        (tick, referenceTicks, bps, priceTicks) => {
          const reference = referenceTicks * tick;
          const price = priceTicks * tick;
          const range = collarRange(reference, bps, tick);
          expect(isWithinCollar(price, reference, bps)).toBe(price >= range.lowCents && price <= range.highCents);
          expect(range.lowCents <= reference && reference <= range.highCents).toBe(true);
        },
      ),
    );
  });
});

describe('the protection price of a MARKET order', () => {
  it('is the collar’s top for a buy and its bottom for a sell, on the tick', () => {
    expect(protectionPrice('BUY', collarRange(19000n, 1000, 1n))).toBe(20900n);
    expect(protectionPrice('SELL', collarRange(19000n, 1000, 1n))).toBe(17100n);
    // 250.00 ± 7.77% = 230.575 .. 269.425 → on a 0.05 tick: 230.60 and 269.40
    expect(protectionPrice('BUY', collarRange(25000n, 777, 5n))).toBe(26940n);
    expect(protectionPrice('SELL', collarRange(25000n, 777, 5n))).toBe(23060n);
  });
});

describe('notional', () => {
  it('is price × quantity, exact beyond 2^53', () => {
    expect(checkNotional(19025n, 100n, 10n ** 20n, null)).toBe(1_902_500n);
    expect(checkNotional(9_007_199_254_740_993n, 1000n, 10n ** 30n, null)).toBe(9_007_199_254_740_993_000n);
  });

  it('may reach the limit but not pass it', () => {
    expect(checkNotional(10000n, 100n, 1_000_000n, null)).toBe(1_000_000n);
    expect(refusal(() => checkNotional(10001n, 100n, 1_000_000n, null))).toMatchObject({
      code: 'RISK_REJECTED',
      details: { rule: 'MAX_NOTIONAL', notional: '10001.00', maxNotional: '10000.00', limitedBy: 'market' },
    });
  });

  it('takes the smaller of the market’s and the user’s limit', () => {
    expect(refusal(() => checkNotional(10000n, 100n, 10_000_000n, 500_000n)).details).toMatchObject({ maxNotional: '5000.00', limitedBy: 'user' });
    expect(refusal(() => checkNotional(10000n, 100n, 500_000n, 10_000_000n)).details).toMatchObject({ maxNotional: '5000.00', limitedBy: 'market' });
  });
});

describe('kill switch, open orders and order rate', () => {
  it('refuse everything when the kill switch is on', () => {
    expect(() => checkKillSwitch(false)).not.toThrow();
    expect(refusal(() => checkKillSwitch(true))).toMatchObject({ code: 'RISK_REJECTED', details: { rule: 'KILL_SWITCH' } });
  });

  it('count minutes in fixed windows', () => {
    expect(orderRateWindow(120_500)).toEqual({ index: 2, endsInMs: 59_500 });
    expect(orderRateWindow(179_999)).toEqual({ index: 2, endsInMs: 1 });
    expect(orderRateWindow(180_000)).toEqual({ index: 3, endsInMs: 60_000 });
  });

  it('allow the limit’s number of orders in a window and refuse the next, saying when to retry', () => {
    expect(() => checkOrderRate(600, 600, 10_000)).not.toThrow();
    expect(refusal(() => checkOrderRate(601, 600, 1_500))).toMatchObject({
      code: 'RISK_REJECTED',
      details: { rule: 'ORDER_RATE', maxOrdersPerMinute: 600, retryAfterSeconds: 2 },
    });
    expect(refusal(() => checkOrderRate(1, 0, 1)).details).toMatchObject({ rule: 'ORDER_RATE', retryAfterSeconds: 1 });
  });
});
