import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderBook } from './order-book.js';
import { ReferenceBook } from './reference-book.test-support.js';
import { CollectingSink, type BookEvent, type Command } from './types.js';

const OWNERS = ['ann', 'ben', 'cat', 'dan'];

/** Random commands; cancels and reduces name earlier orders by index, so they often hit. */
const commandsArbitrary = fc
  .array(
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          kind: fc.constant('new' as const),
          owner: fc.nat(OWNERS.length - 1),
          side: fc.constantFrom('BUY' as const, 'SELL' as const),
          type: fc.constantFrom('LIMIT', 'LIMIT', 'LIMIT', 'LIMIT', 'MARKET') as fc.Arbitrary<'LIMIT' | 'MARKET'>,
          price: fc.integer({ min: 90, max: 110 }),
          quantity: fc.integer({ min: 1, max: 20 }),
          timeInForce: fc.constantFrom('GTC', 'GTC', 'GTC', 'IOC', 'FOK') as fc.Arbitrary<'GTC' | 'IOC' | 'FOK'>,
          postOnly: fc.nat(9).map((n) => n === 0),
          selfTradePrevention: fc.constantFrom('CANCEL_NEWEST', 'CANCEL_OLDEST', 'CANCEL_BOTH', 'NONE') as fc.Arbitrary<
            'CANCEL_NEWEST' | 'CANCEL_OLDEST' | 'CANCEL_BOTH' | 'NONE'
          >,
        }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), target: fc.nat(400) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reduce' as const), target: fc.nat(400), quantity: fc.integer({ min: 0, max: 20 }) }) },
    ),
    { minLength: 1, maxLength: 250, size: 'max' },
  )
  .map((raw) => {
    const commands: Command[] = [];
    let ids = 0;
    for (const item of raw) {
      if (item.kind === 'new') {
        commands.push({
          kind: 'new',
          orderId: `o${++ids}`,
          ownerId: OWNERS[item.owner]!,
          side: item.side,
          type: item.type,
          // half of the market orders carry a protection price
          price: item.type === 'MARKET' && item.price % 2 === 0 ? 0 : item.price,
          quantity: item.quantity,
          timeInForce: item.type === 'MARKET' && item.timeInForce === 'GTC' ? 'IOC' : item.timeInForce,
          postOnly: item.type === 'LIMIT' && item.postOnly,
          selfTradePrevention: item.selfTradePrevention,
        });
      } else if (ids > 0) {
        const orderId = `o${(item.target % ids) + 1}`;
        commands.push(item.kind === 'cancel' ? { kind: 'cancel', orderId } : { kind: 'reduce', orderId, quantity: item.quantity });
      }
    }
    return commands;
  });

function run(book: OrderBook, command: Command): BookEvent[] {
  const sink = new CollectingSink();
  book.apply(command, sink);
  return sink.events;
}

describe('order book properties (fast-check)', () => {
  it('agrees event for event with the plain reference implementation', () => {
    fc.assert(
      fc.property(commandsArbitrary, (commands) => {
        const book = new OrderBook('TEST');
        const reference = new ReferenceBook();
        for (const command of commands) expect(run(book, command)).toEqual(reference.apply(command));
      }),
      { numRuns: 1000 },
    );
  });

  it('is never crossed, keeps time priority within a level, and conserves every order’s quantity', () => {
    fc.assert(
      fc.property(commandsArbitrary, (commands) => {
        const book = new OrderBook('TEST');
        const submitted = new Map<string, number>();
        const accounted = new Map<string, number>();
        const add = (id: string, quantity: number) => accounted.set(id, (accounted.get(id) ?? 0) + quantity);
        for (const command of commands) {
          const events = run(book, command);
          for (const event of events) {
            if (event.type === 'accepted') submitted.set(event.orderId, event.quantity);
            else if (event.type === 'trade') {
              add(event.makerOrderId, event.quantity);
              add(event.takerOrderId, event.quantity);
            } else if (event.type === 'canceled' || event.type === 'expired') add(event.orderId, event.quantity);
            else if (event.type === 'reduced') {
              const before = (submitted.get(event.orderId) ?? 0) - (accounted.get(event.orderId) ?? 0);
              add(event.orderId, before - event.remaining);
            }
          }
          const bid = book.bestBid();
          const ask = book.bestAsk();
          if (bid !== undefined && ask !== undefined) expect(bid).toBeLessThan(ask);
        }
        const snapshot = book.snapshot();
        const resting = new Map(snapshot.orders.map(([id, , , , remaining]) => [id, remaining]));
        // submitted = filled + resting + canceled + expired (+ reduced away), order by order
        for (const [id, quantity] of submitted) expect((accounted.get(id) ?? 0) + (resting.get(id) ?? 0), id).toBe(quantity);
        // within one price, older orders first
        for (let i = 1; i < snapshot.orders.length; i++) {
          const [, , side, price, , , acceptedAt] = snapshot.orders[i]!;
          const [, , previousSide, previousPrice, , , previousAcceptedAt] = snapshot.orders[i - 1]!;
          if (side === previousSide && price === previousPrice) expect(acceptedAt).toBeGreaterThan(previousAcceptedAt);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('continues after snapshot → restore exactly as if it had never been snapshotted', () => {
    fc.assert(
      fc.property(commandsArbitrary, fc.nat(), (commands, cut) => {
        const at = cut % (commands.length + 1);
        const straight = new OrderBook('TEST');
        let restored = new OrderBook('TEST');
        for (const [index, command] of commands.entries()) {
          if (index === at) restored = OrderBook.restore(JSON.parse(JSON.stringify(restored.snapshot())));
          expect(run(restored, command)).toEqual(run(straight, command));
        }
        expect(restored.stateHash()).toBe(straight.stateHash());
      }),
      { numRuns: 500 },
    );
  });
});
