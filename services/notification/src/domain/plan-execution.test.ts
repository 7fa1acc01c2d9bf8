import { decodeEvent, EXECUTION_EVENTS, type ExecutionEvent } from '@exchange/contracts';
import { describe, expect, it } from 'vitest';
import { unitsOf, type MarketUnits } from './execution-events.js';
import type { KnownOrder } from './notices.js';
import { ordersNamedBy, planExecution as planDecoded } from './plan-execution.js';

/** An event as the consumer hands it over: decoded by its contract, as it arrives from the stream. */
function wire(type: string, data: unknown): ExecutionEvent {
  const decoding = decodeEvent(EXECUTION_EVENTS, type, 1, data);
  if (!decoding.ok) throw new Error(decoding.reason);
  return decoding.event;
}
const planExecution = (symbol: string, type: string, data: unknown, units: MarketUnits, known: ReadonlyMap<string, KnownOrder>) =>
  planDecoded(symbol, wire(type, data), units, known);

const ALICE = '11111111-1111-4111-8111-111111111111';
const BOB = '22222222-2222-4222-8222-222222222222';
// a market whose tick is 5 cents and whose lot is 10 shares
const units = unitsOf({ symbol: 'BRK.B', tickSize: '0.05', lotSize: '10' });
const none = new Map<string, KnownOrder>();
const header = { symbol: 'BRK.B', executedAt: '2025-01-01T00:00:00.000Z' };

describe('planning an execution event', () => {
  it('reads ticks and lots in the market’s units, and remembers an accepted order', () => {
    const plan = planExecution(
      'BRK.B',
      'order_accepted',
      { ...header, sequence: 1, orderId: 'o-1', ownerId: ALICE, side: 'BUY', price: 8201, quantity: 3 },
      units,
      none,
    );
    expect(plan.accepted).toEqual({ orderId: 'o-1', userId: ALICE, symbol: 'BRK.B', side: 'BUY', priceCents: 41005n, quantity: 30n });
    expect(plan.notices).toHaveLength(1);
    expect(plan.notices[0]).toMatchObject({ userId: ALICE, type: 'ORDER_ACCEPTED', body: 'Buy 30 BRK.B at 410.05' });
    expect(plan.signals).toEqual([{ userId: ALICE, orderId: 'o-1' }]);
    expect(plan.closed).toEqual([]);

    const market = planExecution(
      'BRK.B',
      'order_accepted',
      { ...header, sequence: 2, orderId: 'o-2', ownerId: BOB, side: 'SELL', price: 0, quantity: 1 },
      units,
      none,
    );
    expect(market.accepted?.priceCents).toBeNull();
    expect(market.notices[0]!.body).toBe('Sell 10 BRK.B at market');
  });

  it('tells the maker and the taker of a trade, each from their own side, and closes a filled order', () => {
    const known = new Map<string, KnownOrder>([
      ['maker', { orderId: 'maker', userId: BOB, symbol: 'BRK.B', side: 'SELL', priceCents: 41000n, quantity: 100n }],
      ['taker', { orderId: 'taker', userId: ALICE, symbol: 'BRK.B', side: 'BUY', priceCents: 41005n, quantity: 40n }],
    ]);
    const trade = {
      ...header,
      sequence: 5,
      tradeId: 2,
      price: 8200,
      quantity: 4,
      takerSide: 'BUY',
      makerOrderId: 'maker',
      makerOwnerId: BOB,
      makerRemaining: 6,
      takerOrderId: 'taker',
      takerOwnerId: ALICE,
      takerRemaining: 0,
    };
    const plan = planExecution('BRK.B', 'trade', trade, units, known);
    expect(plan.notices.map((notice) => [notice.userId, notice.type, notice.body])).toEqual([
      [BOB, 'ORDER_PARTIALLY_FILLED', 'Sold 40 of 100 BRK.B at 410.00 (60 left)'],
      [ALICE, 'ORDER_FILLED', 'Bought 40 BRK.B at 410.00'],
    ]);
    expect(plan.notices[0]!.data).toMatchObject({ tradeId: 'BRK.B:2', liquidity: 'MAKER', filledQuantity: '40', remaining: '60' });
    expect(plan.signals).toEqual([
      { userId: BOB, orderId: 'maker' },
      { userId: ALICE, orderId: 'taker' },
    ]);
    expect(plan.closed).toEqual(['taker']);
    expect(ordersNamedBy(wire('trade', trade))).toEqual(['maker', 'taker']);
  });

  it('gives a user trading with themself one notification per order', () => {
    const trade = {
      ...header,
      sequence: 9,
      tradeId: 3,
      price: 1,
      quantity: 1,
      takerSide: 'SELL',
      makerOrderId: 'a',
      makerOwnerId: ALICE,
      makerRemaining: 0,
      takerOrderId: 'b',
      takerOwnerId: ALICE,
      takerRemaining: 0,
    };
    const plan = planExecution('BRK.B', 'trade', trade, units, none);
    expect(plan.notices.map((notice) => [notice.userId, notice.dedupeKey, notice.title])).toEqual([
      [ALICE, 'a', 'Buy order filled'],
      [ALICE, 'b', 'Sell order filled'],
    ]);
    expect(plan.closed).toEqual(['a', 'b']);
  });

  it('tells of cancels, expiries and rejections and closes the order', () => {
    const known = new Map<string, KnownOrder>([['o-1', { orderId: 'o-1', userId: ALICE, symbol: 'BRK.B', side: 'BUY', priceCents: 41005n, quantity: 30n }]]);
    const canceled = planExecution(
      'BRK.B',
      'order_canceled',
      { ...header, sequence: 3, orderId: 'o-1', ownerId: ALICE, quantity: 2, reason: 'REQUESTED' },
      units,
      known,
    );
    expect(canceled.notices[0]).toMatchObject({ type: 'ORDER_CANCELED', body: 'Buy 30 BRK.B at 410.05: 10 filled, 20 not filled' });
    expect(canceled.closed).toEqual(['o-1']);
    const expired = planExecution(
      'BRK.B',
      'order_expired',
      { ...header, sequence: 4, orderId: 'o-1', ownerId: ALICE, quantity: 3, reason: 'IOC_REMAINDER' },
      units,
      known,
    );
    expect(expired.notices[0]).toMatchObject({ type: 'ORDER_EXPIRED', title: 'Buy order expired' });
    const rejected = planExecution('BRK.B', 'order_rejected', { ...header, sequence: 5, orderId: 'o-5', ownerId: BOB, reason: 'INVALID_PRICE' }, units, none);
    expect(rejected.notices[0]).toMatchObject({ userId: BOB, type: 'ORDER_REJECTED', body: 'Your BRK.B order was rejected: the price is not valid' });
    expect(rejected.signals).toEqual([{ userId: BOB, orderId: 'o-5' }]);
  });

  it('only signals a reduce, and a refused cancel to the owner it knows of', () => {
    const reduced = planExecution('BRK.B', 'order_reduced', { ...header, sequence: 6, orderId: 'o-1', ownerId: ALICE, remaining: 1 }, units, none);
    expect(reduced).toMatchObject({ notices: [], signals: [{ userId: ALICE, orderId: 'o-1' }], closed: [] });
    const known = new Map<string, KnownOrder>([['o-1', { orderId: 'o-1', userId: ALICE, symbol: 'BRK.B', side: 'BUY', priceCents: null, quantity: 10n }]]);
    const refused = { ...header, sequence: 7, orderId: 'o-1', reason: 'UNKNOWN_ORDER' };
    expect(planExecution('BRK.B', 'cancel_rejected', refused, units, known)).toMatchObject({ notices: [], signals: [{ userId: ALICE, orderId: 'o-1' }] });
    expect(planExecution('BRK.B', 'cancel_rejected', refused, units, none).signals).toEqual([]);
    // an event no contract names never reaches the plan
    expect(() => planExecution('BRK.B', 'something_new', {}, units, none)).toThrow(/no contract/);
  });

  it('tells nobody whose id is not a user id, and refuses an event that is not what the engine sends', () => {
    const plan = planExecution(
      'BRK.B',
      'order_accepted',
      { ...header, sequence: 1, orderId: 'o-1', ownerId: 'bench-owner-7', side: 'BUY', price: 1, quantity: 1 },
      units,
      none,
    );
    expect(plan).toMatchObject({ notices: [], signals: [], ignoredOwners: ['bench-owner-7'] });
    expect(plan.accepted).toBeUndefined();
    expect(() => planExecution('BRK.B', 'trade', { ...header, sequence: 1, price: 1.5 }, units, none)).toThrow(/outside its contract/);
  });
});
