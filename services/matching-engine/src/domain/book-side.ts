import type { SelfTradePrevention, Side } from './types.js';

/** A resting order: a node of its price level's queue (a doubly linked list, so removal is O(1)). */
export class RestingOrder {
  id = '';
  ownerId = '';
  side: Side = 'BUY';
  price = 0;
  remaining = 0;
  selfTradePrevention: SelfTradePrevention = 'CANCEL_NEWEST';
  /** the sequence of its acceptance: time priority */
  acceptedAt = 0;
  level: PriceLevel | null = null;
  prev: RestingOrder | null = null;
  next: RestingOrder | null = null;
}

/** All resting orders at one price, oldest first. */
export class PriceLevel {
  head: RestingOrder | null = null;
  tail: RestingOrder | null = null;
  /** lots resting at this price */
  total = 0;
  count = 0;

  constructor(readonly price: number) {}

  append(order: RestingOrder): void {
    order.level = this;
    order.prev = this.tail;
    order.next = null;
    if (this.tail) this.tail.next = order;
    else this.head = order;
    this.tail = order;
    this.total += order.remaining;
    this.count += 1;
  }

  unlink(order: RestingOrder): void {
    if (order.prev) order.prev.next = order.next;
    else this.head = order.next;
    if (order.next) order.next.prev = order.prev;
    else this.tail = order.prev;
    this.total -= order.remaining;
    this.count -= 1;
    order.prev = order.next = order.level = null;
  }
}

/**
 * One side of a book: price levels by price (a Map) and the prices kept sorted so that the best one
 * is last. New orders land near the best price, where inserting and removing from the end of an
 * array is cheap; finding any level is a hash look-up.
 */
export class BookSide {
  private readonly levels = new Map<number, PriceLevel>();
  /** bids ascending, asks descending: the best price is always the last element */
  readonly prices: number[] = [];

  constructor(readonly side: Side) {}

  get isEmpty(): boolean {
    return this.prices.length === 0;
  }

  best(): PriceLevel | undefined {
    const price = this.prices[this.prices.length - 1];
    return price === undefined ? undefined : this.levels.get(price);
  }

  level(price: number): PriceLevel | undefined {
    return this.levels.get(price);
  }

  /** True when `a` is a better price than `b` on this side. */
  isBetter(a: number, b: number): boolean {
    return this.side === 'BUY' ? a > b : a < b;
  }

  add(order: RestingOrder): void {
    let level = this.levels.get(order.price);
    if (!level) {
      level = new PriceLevel(order.price);
      this.levels.set(order.price, level);
      this.insertPrice(order.price);
    }
    level.append(order);
  }

  remove(order: RestingOrder): void {
    const level = order.level!;
    level.unlink(order);
    if (level.count === 0) {
      this.levels.delete(level.price);
      this.removePrice(level.price);
    }
  }

  private insertPrice(price: number): void {
    const prices = this.prices;
    // The common case is a new best price or one just behind it: look there first, then search.
    let index = prices.length;
    const stop = Math.max(0, index - 8);
    while (index > stop && this.isBetter(prices[index - 1]!, price)) index -= 1;
    if (index === stop && index > 0 && this.isBetter(prices[index - 1]!, price)) index = this.searchInsert(price);
    if (index === prices.length) prices.push(price);
    else prices.splice(index, 0, price);
  }

  private removePrice(price: number): void {
    const prices = this.prices;
    const last = prices.length - 1;
    if (prices[last] === price) {
      prices.pop();
      return;
    }
    const index = this.searchInsert(price);
    if (prices[index] === price) prices.splice(index, 1);
  }

  /** The index where `price` is or would go (binary search over the sorted prices). */
  private searchInsert(price: number): number {
    const prices = this.prices;
    let low = 0;
    let high = prices.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      // worse prices come first
      if (this.isBetter(price, prices[middle]!)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
