/** Prices are integer ticks and quantities integer lots: plain numbers, exact below 2^53. */
export type Side = 'BUY' | 'SELL';
export type OrderType = 'LIMIT' | 'MARKET';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
/**
 * What happens when an order would trade with a resting order of the same owner:
 * cancel the incoming one, the resting one, both — or let them trade.
 */
export type SelfTradePrevention = 'CANCEL_NEWEST' | 'CANCEL_OLDEST' | 'CANCEL_BOTH' | 'NONE';

export interface NewOrderCommand {
  kind: 'new';
  orderId: string;
  ownerId: string;
  side: Side;
  type: OrderType;
  /** ticks; for MARKET 0 (no limit) or its protection price, the worst price it may trade at */
  price: number;
  /** lots */
  quantity: number;
  timeInForce: TimeInForce;
  postOnly: boolean;
  selfTradePrevention: SelfTradePrevention;
}

export interface CancelCommand {
  kind: 'cancel';
  orderId: string;
}

/** Lowers what is left of a resting order in place; it keeps its place in the queue. */
export interface ReduceCommand {
  kind: 'reduce';
  orderId: string;
  /** the new remaining quantity, above zero and below the current one */
  quantity: number;
}

export type Command = NewOrderCommand | CancelCommand | ReduceCommand;

export type RejectReason = 'INVALID_QUANTITY' | 'INVALID_PRICE' | 'INVALID_TIME_IN_FORCE' | 'DUPLICATE_ORDER_ID' | 'POST_ONLY_WOULD_TAKE';
export type CancelReason = 'REQUESTED' | 'SELF_TRADE';
export type ExpireReason = 'IOC_REMAINDER' | 'MARKET_REMAINDER' | 'FOK_NOT_FILLABLE';
export type CommandRejectReason = 'UNKNOWN_ORDER' | 'INVALID_QUANTITY';

/**
 * Where the book reports what a command did, one call per event, with plain values: the book itself
 * allocates nothing per event. Every call carries the book's next sequence number.
 */
export interface EventSink {
  accepted(sequence: number, orderId: string, ownerId: string, side: Side, price: number, quantity: number): void;
  trade(
    sequence: number,
    tradeId: number,
    price: number,
    quantity: number,
    takerSide: Side,
    makerOrderId: string,
    makerOwnerId: string,
    makerRemaining: number,
    takerOrderId: string,
    takerOwnerId: string,
    takerRemaining: number,
  ): void;
  canceled(sequence: number, orderId: string, ownerId: string, quantity: number, reason: CancelReason): void;
  expired(sequence: number, orderId: string, ownerId: string, quantity: number, reason: ExpireReason): void;
  rejected(sequence: number, orderId: string, ownerId: string, reason: RejectReason): void;
  reduced(sequence: number, orderId: string, ownerId: string, remaining: number): void;
  /** a cancel or reduce that could not be applied */
  commandRejected(sequence: number, orderId: string, reason: CommandRejectReason): void;
}

/** The same events as objects, for the service, the tests and the reference implementation. */
export type BookEvent =
  | { type: 'accepted'; sequence: number; orderId: string; ownerId: string; side: Side; price: number; quantity: number }
  | {
      type: 'trade';
      sequence: number;
      tradeId: number;
      price: number;
      quantity: number;
      takerSide: Side;
      makerOrderId: string;
      makerOwnerId: string;
      makerRemaining: number;
      takerOrderId: string;
      takerOwnerId: string;
      takerRemaining: number;
    }
  | { type: 'canceled'; sequence: number; orderId: string; ownerId: string; quantity: number; reason: CancelReason }
  | { type: 'expired'; sequence: number; orderId: string; ownerId: string; quantity: number; reason: ExpireReason }
  | { type: 'rejected'; sequence: number; orderId: string; ownerId: string; reason: RejectReason }
  | { type: 'reduced'; sequence: number; orderId: string; ownerId: string; remaining: number }
  | { type: 'commandRejected'; sequence: number; orderId: string; reason: CommandRejectReason };

/** A sink that keeps every event as an object. */
export class CollectingSink implements EventSink {
  events: BookEvent[] = [];

  take(): BookEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  accepted(sequence: number, orderId: string, ownerId: string, side: Side, price: number, quantity: number): void {
    this.events.push({ type: 'accepted', sequence, orderId, ownerId, side, price, quantity });
  }
  trade(
    sequence: number,
    tradeId: number,
    price: number,
    quantity: number,
    takerSide: Side,
    makerOrderId: string,
    makerOwnerId: string,
    makerRemaining: number,
    takerOrderId: string,
    takerOwnerId: string,
    takerRemaining: number,
  ): void {
    this.events.push({
      type: 'trade',
      sequence,
      tradeId,
      price,
      quantity,
      takerSide,
      makerOrderId,
      makerOwnerId,
      makerRemaining,
      takerOrderId,
      takerOwnerId,
      takerRemaining,
    });
  }
  canceled(sequence: number, orderId: string, ownerId: string, quantity: number, reason: CancelReason): void {
    this.events.push({ type: 'canceled', sequence, orderId, ownerId, quantity, reason });
  }
  expired(sequence: number, orderId: string, ownerId: string, quantity: number, reason: ExpireReason): void {
    this.events.push({ type: 'expired', sequence, orderId, ownerId, quantity, reason });
  }
  rejected(sequence: number, orderId: string, ownerId: string, reason: RejectReason): void {
    this.events.push({ type: 'rejected', sequence, orderId, ownerId, reason });
  }
  reduced(sequence: number, orderId: string, ownerId: string, remaining: number): void {
    this.events.push({ type: 'reduced', sequence, orderId, ownerId, remaining });
  }
  commandRejected(sequence: number, orderId: string, reason: CommandRejectReason): void {
    this.events.push({ type: 'commandRejected', sequence, orderId, reason });
  }
}
