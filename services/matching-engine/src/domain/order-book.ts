import { createHash } from 'node:crypto';
import { BookSide, RestingOrder } from './book-side.js';
import type { CancelCommand, Command, EventSink, NewOrderCommand, ReduceCommand, SelfTradePrevention, Side } from './types.js';

export interface BookSnapshot {
  version: 1;
  symbol: string;
  sequence: number;
  tradeSequence: number;
  /** resting orders, bids then asks, each side best price first and oldest first within a price */
  orders: Array<[id: string, ownerId: string, side: Side, price: number, remaining: number, selfTradePrevention: SelfTradePrevention, acceptedAt: number]>;
}

export interface DepthLevel {
  price: number;
  quantity: number;
  orders: number;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const isLots = (value: number) => Number.isSafeInteger(value) && value > 0 && value <= MAX_SAFE;

/**
 * One symbol's order book: price-time priority, trades at the resting order's price, LIMIT and
 * MARKET orders, GTC / IOC / FOK, post-only, self-trade prevention, cancel and reduce in place.
 * Pure and deterministic: no I/O, no clock; the same commands give the same events and state.
 */
export class OrderBook {
  private readonly bids = new BookSide('BUY');
  private readonly asks = new BookSide('SELL');
  private readonly orders = new Map<string, RestingOrder>();
  /** finished order nodes, reused for new ones so resting orders do not churn the garbage collector */
  private readonly spare: RestingOrder[] = [];
  private sequence = 0;
  private tradeSequence = 0;

  constructor(readonly symbol: string) {}

  get lastSequence(): number {
    return this.sequence;
  }

  get restingOrders(): number {
    return this.orders.size;
  }

  /** Whether the order rests in this book. */
  has(orderId: string): boolean {
    return this.orders.has(orderId);
  }

  bestBid(): number | undefined {
    return this.bids.best()?.price;
  }

  bestAsk(): number | undefined {
    return this.asks.best()?.price;
  }

  apply(command: Command, sink: EventSink): void {
    if (command.kind === 'new') this.submit(command, sink);
    else if (command.kind === 'cancel') this.cancel(command, sink);
    else this.reduce(command, sink);
  }

  submit(command: NewOrderCommand, sink: EventSink): void {
    const { orderId, ownerId, side, type, price, quantity, timeInForce, postOnly } = command;
    if (!isLots(quantity)) return sink.rejected(++this.sequence, orderId, ownerId, 'INVALID_QUANTITY');
    if ((type === 'LIMIT' || price !== 0) && !isLots(price)) return sink.rejected(++this.sequence, orderId, ownerId, 'INVALID_PRICE');
    if (postOnly && (type === 'MARKET' || timeInForce !== 'GTC')) return sink.rejected(++this.sequence, orderId, ownerId, 'INVALID_TIME_IN_FORCE');
    if (this.orders.has(orderId)) return sink.rejected(++this.sequence, orderId, ownerId, 'DUPLICATE_ORDER_ID');
    const opposite = side === 'BUY' ? this.asks : this.bids;
    // a MARKET order's price, when given, is its protection: the worst price it may trade at
    const limit = type === 'MARKET' && !(price > 0) ? (side === 'BUY' ? MAX_SAFE : 0) : price;
    const best = opposite.best();
    if (postOnly && best && crosses(side, limit, best.price)) return sink.rejected(++this.sequence, orderId, ownerId, 'POST_ONLY_WOULD_TAKE');

    sink.accepted(++this.sequence, orderId, ownerId, side, type === 'MARKET' ? 0 : price, quantity);
    if (timeInForce === 'FOK' && this.fillable(opposite, side, ownerId, command.selfTradePrevention, limit, quantity) < quantity) {
      return sink.expired(++this.sequence, orderId, ownerId, quantity, 'FOK_NOT_FILLABLE');
    }
    const left = this.match(command, opposite, limit, sink);
    if (left <= 0) return; // filled, or canceled by self-trade prevention (left = -1)
    if (type === 'MARKET') return sink.expired(++this.sequence, orderId, ownerId, left, 'MARKET_REMAINDER');
    if (timeInForce !== 'GTC') return sink.expired(++this.sequence, orderId, ownerId, left, 'IOC_REMAINDER');
    this.rest(command, left);
  }

  cancel(command: CancelCommand, sink: EventSink): void {
    const order = this.orders.get(command.orderId);
    if (!order) return sink.commandRejected(++this.sequence, command.orderId, 'UNKNOWN_ORDER');
    const remaining = order.remaining;
    this.unrest(order);
    sink.canceled(++this.sequence, command.orderId, order.ownerId, remaining, 'REQUESTED');
    this.spare.push(order);
  }

  reduce(command: ReduceCommand, sink: EventSink): void {
    const order = this.orders.get(command.orderId);
    if (!order) return sink.commandRejected(++this.sequence, command.orderId, 'UNKNOWN_ORDER');
    if (!isLots(command.quantity) || command.quantity >= order.remaining) {
      return sink.commandRejected(++this.sequence, command.orderId, 'INVALID_QUANTITY');
    }
    order.level!.total -= order.remaining - command.quantity;
    order.remaining = command.quantity;
    sink.reduced(++this.sequence, order.id, order.ownerId, order.remaining);
  }

  /**
   * Trades the incoming order against the opposite side, best price first, oldest first. Returns
   * what is left of it, or -1 when self-trade prevention canceled it.
   */
  private match(command: NewOrderCommand, opposite: BookSide, limit: number, sink: EventSink): number {
    const { orderId, ownerId, side } = command;
    const stp = command.selfTradePrevention;
    let left = command.quantity;
    while (left > 0) {
      const level = opposite.best();
      if (!level || !crosses(side, limit, level.price)) break;
      let maker = level.head;
      while (maker && left > 0) {
        const next = maker.next;
        if (maker.ownerId === ownerId && stp !== 'NONE') {
          if (stp !== 'CANCEL_NEWEST') this.cancelResting(maker, sink);
          if (stp !== 'CANCEL_OLDEST') {
            sink.canceled(++this.sequence, orderId, ownerId, left, 'SELF_TRADE');
            return -1;
          }
          maker = next;
          continue;
        }
        const quantity = maker.remaining < left ? maker.remaining : left;
        maker.remaining -= quantity;
        level.total -= quantity;
        left -= quantity;
        sink.trade(++this.sequence, ++this.tradeSequence, level.price, quantity, side, maker.id, maker.ownerId, maker.remaining, orderId, ownerId, left);
        if (maker.remaining === 0) {
          this.unrest(maker);
          this.spare.push(maker);
        }
        maker = next;
      }
    }
    return left;
  }

  /**
   * How much of `quantity` the opposite side could fill up to `limit`, as matching would see it: an
   * own order that would cancel the incoming one ends the search, one that would be canceled is
   * not liquidity. Stops counting once `quantity` is reached.
   */
  private fillable(opposite: BookSide, side: Side, ownerId: string, stp: SelfTradePrevention, limit: number, quantity: number): number {
    let found = 0;
    const levels = opposite.levels;
    for (let index = levels.length - 1; index >= 0; index--) {
      const level = levels[index]!;
      if (!crosses(side, limit, level.price)) break;
      for (let order = level.head; order; order = order.next) {
        if (order.ownerId === ownerId && stp !== 'NONE') {
          if (stp === 'CANCEL_OLDEST') continue;
          return found;
        }
        found += order.remaining;
        if (found >= quantity) return found;
      }
    }
    return found;
  }

  private rest(command: NewOrderCommand, quantity: number): void {
    const order = this.spare.pop() ?? new RestingOrder();
    order.id = command.orderId;
    order.ownerId = command.ownerId;
    order.side = command.side;
    order.price = command.price;
    order.remaining = quantity;
    order.selfTradePrevention = command.selfTradePrevention;
    order.acceptedAt = this.sequence;
    this.orders.set(order.id, order);
    (command.side === 'BUY' ? this.bids : this.asks).add(order);
  }

  private unrest(order: RestingOrder): void {
    (order.side === 'BUY' ? this.bids : this.asks).remove(order);
    this.orders.delete(order.id);
  }

  private cancelResting(order: RestingOrder, sink: EventSink): void {
    const remaining = order.remaining;
    this.unrest(order);
    sink.canceled(++this.sequence, order.id, order.ownerId, remaining, 'SELF_TRADE');
    this.spare.push(order);
  }

  /** The best `levels` prices of each side, best first, with their total quantity. */
  depth(levels = 20): { sequence: number; bids: DepthLevel[]; asks: DepthLevel[] } {
    const side = (book: BookSide) => {
      const out: DepthLevel[] = [];
      for (let index = book.levels.length - 1; index >= 0 && out.length < levels; index--) {
        const level = book.levels[index]!;
        out.push({ price: level.price, quantity: level.total, orders: level.count });
      }
      return out;
    };
    return { sequence: this.sequence, bids: side(this.bids), asks: side(this.asks) };
  }

  /** Resting orders of a price on one side, oldest first (for tests and tools). */
  queue(side: Side, price: number): Array<{ id: string; remaining: number; acceptedAt: number }> {
    const out: Array<{ id: string; remaining: number; acceptedAt: number }> = [];
    for (let order = (side === 'BUY' ? this.bids : this.asks).level(price)?.head; order; order = order.next) {
      out.push({ id: order.id, remaining: order.remaining, acceptedAt: order.acceptedAt });
    }
    return out;
  }

  snapshot(): BookSnapshot {
    const orders: BookSnapshot['orders'] = [];
    for (const book of [this.bids, this.asks]) {
      for (let index = book.levels.length - 1; index >= 0; index--) {
        for (let order = book.levels[index]!.head; order; order = order.next) {
          orders.push([order.id, order.ownerId, order.side, order.price, order.remaining, order.selfTradePrevention, order.acceptedAt]);
        }
      }
    }
    return { version: 1, symbol: this.symbol, sequence: this.sequence, tradeSequence: this.tradeSequence, orders };
  }

  static restore(snapshot: BookSnapshot): OrderBook {
    const book = new OrderBook(snapshot.symbol);
    book.sequence = snapshot.sequence;
    book.tradeSequence = snapshot.tradeSequence;
    for (const [id, ownerId, side, price, remaining, selfTradePrevention, acceptedAt] of snapshot.orders) {
      const order = new RestingOrder();
      Object.assign(order, { id, ownerId, side, price, remaining, selfTradePrevention, acceptedAt });
      book.orders.set(id, order);
      (side === 'BUY' ? book.bids : book.asks).add(order);
    }
    return book;
  }

  /** A digest of the whole state: equal books, equal hashes. */
  stateHash(): string {
    return createHash('sha256').update(JSON.stringify(this.snapshot())).digest('hex');
  }
}

/** True when an order on `side` limited at `limit` can trade at `price`. */
function crosses(side: Side, limit: number, price: number): boolean {
  return side === 'BUY' ? limit >= price : limit <= price;
}
