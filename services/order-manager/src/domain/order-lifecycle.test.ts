import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '@exchange/platform/errors';
import {
  canMake,
  checkOpenOrderLimit,
  closingTransition,
  COUNTED_AS_OPEN,
  holdOf,
  holdsClientOrderId,
  isVisible,
  LIFECYCLE_STATUSES,
  orderCreatedOf,
  publicOrder,
  stillHeld,
  TRANSITIONS,
  type StoredOrder,
  type TransitionName,
} from './order-lifecycle.js';

const order = (overrides: Partial<StoredOrder> = {}): StoredOrder => ({
  id: '00000000-0000-4000-8000-000000000001',
  seq: 7n,
  userId: '00000000-0000-4000-8000-0000000000aa',
  clientOrderId: null,
  requestHash: 'h',
  symbol: 'ACME',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  postOnly: false,
  priceCents: 100_05n,
  protectionPriceCents: null,
  quantity: 30n,
  filledQuantity: 0n,
  filledNotionalCents: 0n,
  feesCents: 0n,
  status: 'NEW',
  rejectReason: null,
  cancelRequested: false,
  units: { tickSizeCents: 5n, lotSize: 10n },
  makerFeeBps: 10,
  takerFeeBps: 25,
  hold: { asset: 'USD', amount: 0n },
  createdAt: new Date('2026-01-02T03:04:05Z'),
  updatedAt: new Date('2026-01-02T03:04:06Z'),
  ...overrides,
});

describe('the order state machine', () => {
  // every status × every transition, written out: a change to the machine must change this table
  const ALLOWED: Record<TransitionName, string[]> = {
    publish: ['PENDING'],
    claimUndo: ['PENDING'],
    forget: ['ABORTING'],
    partialFill: ['NEW', 'PARTIALLY_FILLED'],
    fill: ['NEW', 'PARTIALLY_FILLED'],
    cancel: ['NEW', 'PARTIALLY_FILLED'],
    expire: ['NEW', 'PARTIALLY_FILLED'],
    reject: ['NEW', 'PARTIALLY_FILLED'],
  };

  it('allows each transition from exactly its statuses; a closed order never changes again', () => {
    for (const transition of Object.keys(TRANSITIONS) as TransitionName[]) {
      for (const status of LIFECYCLE_STATUSES) {
        expect(canMake(transition, status), `${transition} from ${status}`).toBe(ALLOWED[transition].includes(status));
      }
    }
    for (const closed of ['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED'] as const) {
      expect((Object.keys(TRANSITIONS) as TransitionName[]).filter((transition) => canMake(transition, closed))).toEqual([]);
    }
  });

  it('says where each transition leads and what it does to the hold', () => {
    expect(Object.fromEntries(Object.entries(TRANSITIONS).map(([name, t]) => [name, [t.to, t.hold]]))).toEqual({
      publish: ['NEW', 'keep'],
      claimUndo: ['ABORTING', 'keep'],
      forget: [null, 'release'],
      partialFill: ['PARTIALLY_FILLED', 'settle'],
      fill: ['FILLED', 'settle'],
      cancel: ['CANCELED', 'release'],
      expire: ['EXPIRED', 'release'],
      reject: ['REJECTED', 'release'],
    });
  });

  it('maps the engine’s closing events to their transitions, and nothing else', () => {
    expect(closingTransition('order_canceled')).toBe('cancel');
    expect(closingTransition('order_expired')).toBe('expire');
    expect(closingTransition('order_rejected')).toBe('reject');
    for (const other of ['order_accepted', 'trade', 'order_reduced', 'cancel_rejected'] as const) expect(closingTransition(other)).toBeUndefined();
  });

  it('shows the owner neither a placement still running nor one being undone', () => {
    expect(LIFECYCLE_STATUSES.filter((status) => !isVisible(status))).toEqual(['PENDING', 'ABORTING']);
    expect(() => publicOrder(order({ status: 'PENDING' }))).toThrow(/PENDING/);
    // a clientOrderId stays taken while the order is open or still being placed or undone
    expect(LIFECYCLE_STATUSES.filter(holdsClientOrderId)).toEqual(['PENDING', 'ABORTING', 'NEW', 'PARTIALLY_FILLED']);
    expect(COUNTED_AS_OPEN).toEqual(['PENDING', 'NEW', 'PARTIALLY_FILLED']);
  });
});

describe('the open-order limit', () => {
  it('lets the order that fills the limit through and refuses the one after, naming the rule', () => {
    // the count includes the order being written
    expect(() => checkOpenOrderLimit(200, 200)).not.toThrow();
    let refusal: unknown;
    try {
      checkOpenOrderLimit(201, 200);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({ code: 'RISK_REJECTED', details: { rule: 'MAX_OPEN_ORDERS', openOrders: 200, maxOpenOrders: 200 } });
    expect(() => checkOpenOrderLimit(1, 0)).toThrow(AppError);
  });
});

describe('what an order holds', () => {
  it('holds cost and the larger fee for a buy, the shares for a sell, at the worst price it may trade at', () => {
    // 30 × 100.05 = 3001.50, plus 25 bp = 7.50 (rounded down to the cent)
    expect(holdOf(order())).toEqual({ asset: 'USD', amount: 3001_50n + 7_50n });
    expect(holdOf(order({ side: 'SELL' }))).toEqual({ asset: 'ACME', amount: 30n });
    // a MARKET buy holds at its protection price
    expect(holdOf(order({ type: 'MARKET', priceCents: null, protectionPriceCents: 110_00n }))).toEqual({ asset: 'USD', amount: 3300_00n + 8_25n });
    expect(() => holdOf(order({ priceCents: null, protectionPriceCents: null }))).toThrow();
  });

  it('keeps held no more after a fill than what the rest of the order needs, and nothing once done', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('BUY' as const, 'SELL' as const),
        fc.bigInt({ min: 1n, max: 100_000_00n }),
        fc.bigInt({ min: 1n, max: 1_000_000n }),
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        fc.integer({ min: 0, max: 500 }),
        (side, priceCents, quantity, filled, feeBps) => {
          const placed = order({ side, priceCents, quantity, makerFeeBps: feeBps, takerFeeBps: feeBps });
          const left = filled > quantity ? 0n : quantity - filled;
          const kept = stillHeld(placed, left);
          expect(kept).toBeGreaterThanOrEqual(0n);
          expect(kept).toBeLessThanOrEqual(holdOf(placed).amount);
          if (left === 0n) expect(kept).toBe(0n);
          if (left === quantity) expect(kept).toBe(holdOf(placed).amount);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('telling the engine', () => {
  it('sends prices in ticks and quantities in lots; a MARKET order its protection price', () => {
    expect(orderCreatedOf(order())).toEqual({
      orderId: order().id,
      userId: order().userId,
      symbol: 'ACME',
      side: 'BUY',
      type: 'LIMIT',
      priceTicks: '2001',
      quantityLots: '3',
      timeInForce: 'GTC',
      postOnly: false,
      selfTradePrevention: 'CANCEL_NEWEST',
    });
    expect(orderCreatedOf(order({ type: 'MARKET', timeInForce: 'IOC', priceCents: null, protectionPriceCents: 110_00n }))).toMatchObject({
      priceTicks: '2200',
      timeInForce: 'IOC',
    });
    // a price off the tick is never rounded into another order
    expect(() => orderCreatedOf(order({ priceCents: 100_07n }))).toThrow(RangeError);
  });
});

describe('the order its owner sees', () => {
  it('shows money to the cent and the average fill price rounded half up', () => {
    expect(publicOrder(order({ status: 'PARTIALLY_FILLED', filledQuantity: 2n, filledNotionalCents: 200_01n, feesCents: 5n }))).toMatchObject({
      price: '100.05',
      quantity: '30',
      filledQuantity: '2',
      averagePrice: '100.01',
      fees: '0.05',
      status: 'PARTIALLY_FILLED',
      createdAt: '2026-01-02T03:04:05.000Z',
    });
    expect(publicOrder(order()).averagePrice).toBeNull();
  });
});
