import { describe, expect, it } from 'vitest';
import { OrderBook } from './order-book.js';
import { CollectingSink, type BookEvent, type NewOrderCommand } from './types.js';

let counter = 0;
function order(overrides: Partial<NewOrderCommand> & Pick<NewOrderCommand, 'side'>): NewOrderCommand {
  counter += 1;
  return {
    kind: 'new',
    orderId: `o${counter}`,
    ownerId: 'alice',
    type: 'LIMIT',
    price: 100,
    quantity: 10,
    timeInForce: 'GTC',
    postOnly: false,
    selfTradePrevention: 'CANCEL_NEWEST',
    ...overrides,
  };
}

function setup() {
  const book = new OrderBook('TEST');
  const sink = new CollectingSink();
  const run = (command: Parameters<OrderBook['apply']>[0]): BookEvent[] => {
    book.apply(command, sink);
    return sink.take();
  };
  return { book, run };
}

const kinds = (events: BookEvent[]) => events.map((event) => event.type);
const trades = (events: BookEvent[]) => events.filter((event) => event.type === 'trade').map((event) => [event.price, event.quantity, event.makerOrderId]);

describe('limit orders', () => {
  it('rests a limit order that does not cross, and reports it accepted', () => {
    const { book, run } = setup();
    const events = run(order({ side: 'BUY', price: 99, quantity: 5 }));
    expect(events).toEqual([{ type: 'accepted', sequence: 1, orderId: expect.any(String), ownerId: 'alice', side: 'BUY', price: 99, quantity: 5 }]);
    expect(book.depth()).toEqual({ sequence: 1, bids: [{ price: 99, quantity: 5, orders: 1 }], asks: [] });
  });

  it('trades at the resting order’s price, best price first, then oldest first', () => {
    const { book, run } = setup();
    const a = order({ side: 'SELL', ownerId: 'bob', price: 101, quantity: 5 });
    const b = order({ side: 'SELL', ownerId: 'carol', price: 100, quantity: 5 });
    const c = order({ side: 'SELL', ownerId: 'dave', price: 100, quantity: 5 });
    for (const command of [a, b, c]) run(command);
    const events = run(order({ side: 'BUY', price: 102, quantity: 12 }));
    expect(trades(events)).toEqual([
      [100, 5, b.orderId],
      [100, 5, c.orderId],
      [101, 2, a.orderId],
    ]);
    expect(book.depth().asks).toEqual([{ price: 101, quantity: 3, orders: 1 }]);
    expect(events.filter((e) => e.type === 'trade').map((e) => (e as { tradeId: number }).tradeId)).toEqual([1, 2, 3]);
  });

  it('rests the remainder of a partially filled GTC order', () => {
    const { book, run } = setup();
    run(order({ side: 'SELL', ownerId: 'bob', price: 100, quantity: 4 }));
    const events = run(order({ side: 'BUY', price: 100, quantity: 10 }));
    expect(kinds(events)).toEqual(['accepted', 'trade']);
    expect(book.depth()).toMatchObject({ bids: [{ price: 100, quantity: 6, orders: 1 }], asks: [] });
  });

  it('cancels a partially filled order, reporting what was still resting', () => {
    const { book, run } = setup();
    const resting = order({ side: 'BUY', price: 100, quantity: 10 });
    run(resting);
    run(order({ side: 'SELL', ownerId: 'bob', price: 100, quantity: 3 }));
    const events = run({ kind: 'cancel', orderId: resting.orderId });
    expect(events).toEqual([{ type: 'canceled', sequence: expect.any(Number), orderId: resting.orderId, ownerId: 'alice', quantity: 7, reason: 'REQUESTED' }]);
    expect(book.restingOrders).toBe(0);
    expect(run({ kind: 'cancel', orderId: resting.orderId })).toEqual([
      { type: 'commandRejected', sequence: expect.any(Number), orderId: resting.orderId, reason: 'UNKNOWN_ORDER' },
    ]);
  });

  it('reduces in place, keeping time priority', () => {
    const { book, run } = setup();
    const first = order({ side: 'SELL', ownerId: 'bob', price: 100, quantity: 10 });
    const second = order({ side: 'SELL', ownerId: 'carol', price: 100, quantity: 10 });
    run(first);
    run(second);
    expect(kinds(run({ kind: 'reduce', orderId: first.orderId, quantity: 4 }))).toEqual(['reduced']);
    expect(book.queue('SELL', 100).map((o) => [o.id, o.remaining])).toEqual([
      [first.orderId, 4],
      [second.orderId, 10],
    ]);
    expect(trades(run(order({ side: 'BUY', price: 100, quantity: 5 })))).toEqual([
      [100, 4, first.orderId],
      [100, 1, second.orderId],
    ]);
    expect(kinds(run({ kind: 'reduce', orderId: second.orderId, quantity: 9 }))).toEqual(['commandRejected']);
    expect(kinds(run({ kind: 'reduce', orderId: second.orderId, quantity: 0 }))).toEqual(['commandRejected']);
  });

  it('rejects bad quantities and prices, and a second order with a live id', () => {
    const { run } = setup();
    const reason = (command: NewOrderCommand) => (run(command)[0] as { reason: string }).reason;
    expect(reason(order({ side: 'BUY', quantity: 0 }))).toBe('INVALID_QUANTITY');
    expect(reason(order({ side: 'BUY', quantity: 1.5 }))).toBe('INVALID_QUANTITY');
    expect(reason(order({ side: 'BUY', price: -1 }))).toBe('INVALID_PRICE');
    expect(reason(order({ side: 'BUY', price: 2 ** 53 }))).toBe('INVALID_PRICE');
    const live = order({ side: 'BUY', price: 90 });
    run(live);
    expect(reason({ ...live })).toBe('DUPLICATE_ORDER_ID');
  });
});

describe('market orders and time in force', () => {
  it('a market order takes what there is and expires the rest, never resting', () => {
    const { book, run } = setup();
    run(order({ side: 'SELL', ownerId: 'bob', price: 100, quantity: 3 }));
    run(order({ side: 'SELL', ownerId: 'bob', price: 150, quantity: 2 }));
    const events = run(order({ side: 'BUY', type: 'MARKET', price: 0, quantity: 10, timeInForce: 'IOC' }));
    expect(trades(events).map(([price, quantity]) => [price, quantity])).toEqual([
      [100, 3],
      [150, 2],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'expired', quantity: 5, reason: 'MARKET_REMAINDER' });
    expect(book.restingOrders).toBe(0);
  });

  it('a market order with a protection price trades no further than it, and expires the rest', () => {
    const { book, run } = setup();
    run(order({ side: 'SELL', ownerId: 'bob', price: 100, quantity: 3 }));
    run(order({ side: 'SELL', ownerId: 'bob', price: 110, quantity: 2 }));
    run(order({ side: 'SELL', ownerId: 'bob', price: 111, quantity: 2 }));
    const events = run(order({ side: 'BUY', type: 'MARKET', price: 110, quantity: 10, timeInForce: 'IOC' }));
    expect(trades(events).map(([price, quantity]) => [price, quantity])).toEqual([
      [100, 3],
      [110, 2],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'expired', quantity: 5, reason: 'MARKET_REMAINDER' });
    expect(book.bestAsk()).toBe(111);
    const sell = run(order({ side: 'SELL', type: 'MARKET', price: 95, quantity: 4 }));
    expect(sell.map((e) => e.type)).toEqual(['accepted', 'expired']);
  });

  it('a market order into an empty book expires whole', () => {
    const { run } = setup();
    expect(run(order({ side: 'SELL', type: 'MARKET', price: 0, quantity: 4 })).map((e) => e.type)).toEqual(['accepted', 'expired']);
  });

  it('IOC takes what crosses and expires the rest', () => {
    const { book, run } = setup();
    run(order({ side: 'SELL', ownerId: 'bob', price: 100, quantity: 3 }));
    const events = run(order({ side: 'BUY', price: 100, quantity: 5, timeInForce: 'IOC' }));
    expect(kinds(events)).toEqual(['accepted', 'trade', 'expired']);
    expect(events.at(-1)).toMatchObject({ quantity: 2, reason: 'IOC_REMAINDER' });
    expect(book.restingOrders).toBe(0);
  });

  it('FOK fills across several levels, or not at all', () => {
    const { book, run } = setup();
    run(order({ side: 'SELL', ownerId: 'bob', price: 100, quantity: 3 }));
    run(order({ side: 'SELL', ownerId: 'carol', price: 101, quantity: 3 }));
    run(order({ side: 'SELL', ownerId: 'dave', price: 103, quantity: 3 }));
    const tooMuch = run(order({ side: 'BUY', price: 101, quantity: 7, timeInForce: 'FOK' }));
    expect(kinds(tooMuch)).toEqual(['accepted', 'expired']);
    expect(tooMuch[1]).toMatchObject({ quantity: 7, reason: 'FOK_NOT_FILLABLE' });
    expect(book.depth().asks.map((l) => l.quantity)).toEqual([3, 3, 3]);
    const exact = run(order({ side: 'BUY', price: 101, quantity: 6, timeInForce: 'FOK' }));
    expect(trades(exact).map(([price, quantity]) => [price, quantity])).toEqual([
      [100, 3],
      [101, 3],
    ]);
  });

  it('post-only rests when it would not take, and is rejected when it would', () => {
    const { book, run } = setup();
    run(order({ side: 'SELL', ownerId: 'bob', price: 100, quantity: 3 }));
    expect(run(order({ side: 'BUY', price: 100, postOnly: true }))[0]).toMatchObject({ type: 'rejected', reason: 'POST_ONLY_WOULD_TAKE' });
    expect(kinds(run(order({ side: 'BUY', price: 99, postOnly: true })))).toEqual(['accepted']);
    expect(run(order({ side: 'BUY', price: 98, postOnly: true, timeInForce: 'IOC' }))[0]).toMatchObject({ type: 'rejected', reason: 'INVALID_TIME_IN_FORCE' });
    expect(book.depth().bids).toEqual([{ price: 99, quantity: 10, orders: 1 }]);
  });
});

describe('self-trade prevention', () => {
  function withOwnOrderBehindOthers() {
    const ctx = setup();
    const other = order({ side: 'SELL', ownerId: 'bob', price: 100, quantity: 2 });
    const own = order({ side: 'SELL', ownerId: 'alice', price: 100, quantity: 5 });
    const later = order({ side: 'SELL', ownerId: 'carol', price: 101, quantity: 5 });
    for (const command of [other, own, later]) ctx.run(command);
    return { ...ctx, other, own, later };
  }

  it('CANCEL_NEWEST trades up to the own order, then cancels the incoming remainder', () => {
    const { book, run, other, own } = withOwnOrderBehindOthers();
    const events = run(order({ side: 'BUY', price: 101, quantity: 10, selfTradePrevention: 'CANCEL_NEWEST' }));
    expect(kinds(events)).toEqual(['accepted', 'trade', 'canceled']);
    expect(trades(events)).toEqual([[100, 2, other.orderId]]);
    expect(events.at(-1)).toMatchObject({ quantity: 8, reason: 'SELF_TRADE' });
    expect(book.queue('SELL', 100).map((o) => o.id)).toEqual([own.orderId]);
  });

  it('CANCEL_OLDEST cancels the resting own order and keeps matching', () => {
    const { book, run, own, later } = withOwnOrderBehindOthers();
    const events = run(order({ side: 'BUY', price: 101, quantity: 10, selfTradePrevention: 'CANCEL_OLDEST' }));
    expect(kinds(events)).toEqual(['accepted', 'trade', 'canceled', 'trade']);
    expect(events.find((e) => e.type === 'canceled')).toMatchObject({ orderId: own.orderId, quantity: 5, reason: 'SELF_TRADE' });
    expect(trades(events).at(-1)).toEqual([101, 5, later.orderId]);
    // 2 + 5 traded, 3 left resting at 101
    expect(book.depth().bids).toEqual([{ price: 101, quantity: 3, orders: 1 }]);
  });

  it('CANCEL_BOTH cancels the resting own order and the incoming remainder', () => {
    const { run, own } = withOwnOrderBehindOthers();
    const events = run(order({ side: 'BUY', price: 101, quantity: 10, selfTradePrevention: 'CANCEL_BOTH' }));
    expect(kinds(events)).toEqual(['accepted', 'trade', 'canceled', 'canceled']);
    expect(events[2]).toMatchObject({ orderId: own.orderId, reason: 'SELF_TRADE' });
    expect(events[3]).toMatchObject({ quantity: 8, reason: 'SELF_TRADE' });
  });

  it('keeps FOK all-or-nothing when self-trade prevention removes liquidity', () => {
    const { book, run } = withOwnOrderBehindOthers();
    // 12 lots rest up to 101, but 5 are alice's own: CANCEL_OLDEST leaves 7, CANCEL_NEWEST only 2
    expect(kinds(run(order({ side: 'BUY', price: 101, quantity: 8, timeInForce: 'FOK', selfTradePrevention: 'CANCEL_OLDEST' })))).toEqual([
      'accepted',
      'expired',
    ]);
    expect(kinds(run(order({ side: 'BUY', price: 101, quantity: 3, timeInForce: 'FOK', selfTradePrevention: 'CANCEL_NEWEST' })))).toEqual([
      'accepted',
      'expired',
    ]);
    expect(book.depth().asks.map((l) => l.quantity)).toEqual([7, 5]);
    expect(kinds(run(order({ side: 'BUY', price: 101, quantity: 7, timeInForce: 'FOK', selfTradePrevention: 'CANCEL_OLDEST' })))).toEqual([
      'accepted',
      'trade',
      'canceled',
      'trade',
    ]);
  });

  it('NONE lets an owner trade with themself', () => {
    const { run, own, other } = withOwnOrderBehindOthers();
    expect(trades(run(order({ side: 'BUY', price: 100, quantity: 7, selfTradePrevention: 'NONE' })))).toEqual([
      [100, 2, other.orderId],
      [100, 5, own.orderId],
    ]);
  });
});

describe('snapshots', () => {
  it('restores exactly: same hash, same depth, same future', () => {
    const { book, run } = setup();
    for (let i = 0; i < 30; i++) run(order({ side: i % 2 ? 'BUY' : 'SELL', ownerId: `u${i % 4}`, price: 100 + ((i * 7) % 11) - 5, quantity: 1 + (i % 5) }));
    const restored = OrderBook.restore(JSON.parse(JSON.stringify(book.snapshot())));
    expect(restored.stateHash()).toBe(book.stateHash());
    expect(restored.depth(50)).toEqual(book.depth(50));
    const next = order({ side: 'BUY', type: 'MARKET', price: 0, quantity: 25, timeInForce: 'IOC' });
    const a = new CollectingSink();
    const b = new CollectingSink();
    book.apply(next, a);
    restored.apply(next, b);
    expect(b.events).toEqual(a.events);
    expect(restored.stateHash()).toBe(book.stateHash());
  });
});
