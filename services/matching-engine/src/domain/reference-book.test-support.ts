import { CollectingSink, type BookEvent, type Command, type NewOrderCommand, type Side } from './types.js';

interface Order {
  id: string;
  ownerId: string;
  side: Side;
  price: number;
  remaining: number;
  stp: NewOrderCommand['selfTradePrevention'];
  acceptedAt: number;
}

/**
 * The same rules as OrderBook, written as plainly as possible: a list of orders, sorted again
 * every time it is looked at. Slow and obviously right; the property tests compare the two.
 */
export class ReferenceBook {
  private orders: Order[] = [];
  private sequence = 0;
  private trades = 0;
  private readonly sink = new CollectingSink();

  apply(command: Command): BookEvent[] {
    if (command.kind === 'new') this.submit(command);
    else if (command.kind === 'cancel') this.cancel(command.orderId);
    else this.reduce(command.orderId, command.quantity);
    return this.sink.take();
  }

  /** Opposite side in matching order: best price first, then oldest first. */
  private queueAgainst(side: Side): Order[] {
    return this.orders
      .filter((order) => order.side !== side)
      .sort((a, b) => (a.price === b.price ? a.acceptedAt - b.acceptedAt : side === 'BUY' ? a.price - b.price : b.price - a.price));
  }

  private submit(c: NewOrderCommand): void {
    const s = this.sink;
    const valid = (n: number) => Number.isSafeInteger(n) && n > 0;
    if (!valid(c.quantity)) return s.rejected(++this.sequence, c.orderId, c.ownerId, 'INVALID_QUANTITY');
    if ((c.type === 'LIMIT' || c.price !== 0) && !valid(c.price)) return s.rejected(++this.sequence, c.orderId, c.ownerId, 'INVALID_PRICE');
    if (c.postOnly && (c.type === 'MARKET' || c.timeInForce !== 'GTC')) return s.rejected(++this.sequence, c.orderId, c.ownerId, 'INVALID_TIME_IN_FORCE');
    if (this.orders.some((order) => order.id === c.orderId)) return s.rejected(++this.sequence, c.orderId, c.ownerId, 'DUPLICATE_ORDER_ID');
    const canTrade = (price: number) => (c.type === 'MARKET' && c.price === 0) || (c.side === 'BUY' ? c.price >= price : c.price <= price);
    const queue = this.queueAgainst(c.side);
    if (c.postOnly && queue.length > 0 && canTrade(queue[0]!.price)) return s.rejected(++this.sequence, c.orderId, c.ownerId, 'POST_ONLY_WOULD_TAKE');
    s.accepted(++this.sequence, c.orderId, c.ownerId, c.side, c.type === 'MARKET' ? 0 : c.price, c.quantity);

    if (c.timeInForce === 'FOK') {
      let available = 0;
      for (const order of queue) {
        if (!canTrade(order.price)) break;
        if (order.ownerId === c.ownerId && c.selfTradePrevention !== 'NONE') {
          if (c.selfTradePrevention === 'CANCEL_OLDEST') continue;
          break;
        }
        available += order.remaining;
      }
      if (available < c.quantity) return s.expired(++this.sequence, c.orderId, c.ownerId, c.quantity, 'FOK_NOT_FILLABLE');
    }

    let left = c.quantity;
    for (const maker of queue) {
      if (left === 0 || !canTrade(maker.price)) break;
      if (maker.ownerId === c.ownerId && c.selfTradePrevention !== 'NONE') {
        if (c.selfTradePrevention !== 'CANCEL_NEWEST') {
          this.orders = this.orders.filter((order) => order !== maker);
          s.canceled(++this.sequence, maker.id, maker.ownerId, maker.remaining, 'SELF_TRADE');
        }
        if (c.selfTradePrevention !== 'CANCEL_OLDEST') return s.canceled(++this.sequence, c.orderId, c.ownerId, left, 'SELF_TRADE');
        continue;
      }
      const quantity = Math.min(maker.remaining, left);
      maker.remaining -= quantity;
      left -= quantity;
      s.trade(++this.sequence, ++this.trades, maker.price, quantity, c.side, maker.id, maker.ownerId, maker.remaining, c.orderId, c.ownerId, left);
      if (maker.remaining === 0) this.orders = this.orders.filter((order) => order !== maker);
    }
    if (left === 0) return;
    if (c.type === 'MARKET') return s.expired(++this.sequence, c.orderId, c.ownerId, left, 'MARKET_REMAINDER');
    if (c.timeInForce !== 'GTC') return s.expired(++this.sequence, c.orderId, c.ownerId, left, 'IOC_REMAINDER');
    this.orders.push({
      id: c.orderId,
      ownerId: c.ownerId,
      side: c.side,
      price: c.price,
      remaining: left,
      stp: c.selfTradePrevention,
      acceptedAt: this.sequence,
    });
  }

  private cancel(orderId: string): void {
    const order = this.orders.find((candidate) => candidate.id === orderId);
    if (!order) return this.sink.commandRejected(++this.sequence, orderId, 'UNKNOWN_ORDER');
    this.orders = this.orders.filter((candidate) => candidate !== order);
    this.sink.canceled(++this.sequence, orderId, order.ownerId, order.remaining, 'REQUESTED');
  }

  private reduce(orderId: string, quantity: number): void {
    const order = this.orders.find((candidate) => candidate.id === orderId);
    if (!order) return this.sink.commandRejected(++this.sequence, orderId, 'UNKNOWN_ORDER');
    if (!Number.isSafeInteger(quantity) || quantity <= 0 || quantity >= order.remaining)
      return this.sink.commandRejected(++this.sequence, orderId, 'INVALID_QUANTITY');
    order.remaining = quantity;
    this.sink.reduced(++this.sequence, orderId, order.ownerId, quantity);
  }
}
