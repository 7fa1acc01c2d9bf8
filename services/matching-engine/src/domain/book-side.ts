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

  constructor(public price: number) {}

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
 * One side of a book: its price levels kept sorted so that the best one is last, plus a Map from
 * price to level for placing a new order. New orders land near the best price, where inserting into
 * and removing from the end of an array is cheap; the best level is an array read, no hashing.
 */
export class BookSide {
  private readonly byPrice = new Map<number, PriceLevel>();
  /** emptied levels, reused: prices near the spread empty and fill again all the time */
  private readonly spareLevels: PriceLevel[] = [];
  /** bids by ascending price, asks by descending price: the best level is always the last element */
  readonly levels: PriceLevel[] = [];

  constructor(readonly side: Side) {}

  best(): PriceLevel | undefined {
    return this.levels[this.levels.length - 1];
  }

  level(price: number): PriceLevel | undefined {
    return this.byPrice.get(price);
  }

  /** True when `a` is a better price than `b` on this side. */
  isBetter(a: number, b: number): boolean {
    return this.side === 'BUY' ? a > b : a < b;
  }

  add(order: RestingOrder): void {
    let level = this.byPrice.get(order.price);
    if (!level) {
      level = this.spareLevels.pop() ?? new PriceLevel(order.price);
      level.price = order.price;
      this.byPrice.set(order.price, level);
      this.insertLevel(level);
    }
    level.append(order);
  }

  remove(order: RestingOrder): void {
    const level = order.level!;
    level.unlink(order);
    if (level.count === 0) {
      this.byPrice.delete(level.price);
      this.removeLevel(level);
      if (this.spareLevels.length < 1024) this.spareLevels.push(level);
    }
  }

  private insertLevel(level: PriceLevel): void {
    const levels = this.levels;
    const price = level.price;
    // The common case is a new best price or one just behind it: look there first, then search.
    let index = levels.length;
    const stop = Math.max(0, index - 8);
    while (index > stop && this.isBetter(levels[index - 1]!.price, price)) index -= 1;
    if (index === stop && index > 0 && this.isBetter(levels[index - 1]!.price, price)) index = this.searchInsert(price);
    if (index === levels.length) levels.push(level);
    else levels.splice(index, 0, level);
  }

  private removeLevel(level: PriceLevel): void {
    const levels = this.levels;
    const last = levels.length - 1;
    if (levels[last] === level) {
      levels.pop();
      return;
    }
    const index = this.searchInsert(level.price);
    if (levels[index] === level) levels.splice(index, 1);
  }

  /** The index where `price` is or would go (binary search over the sorted levels). */
  private searchInsert(price: number): number {
    const levels = this.levels;
    let low = 0;
    let high = levels.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      // worse prices come first
      if (this.isBetter(price, levels[middle]!.price)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
