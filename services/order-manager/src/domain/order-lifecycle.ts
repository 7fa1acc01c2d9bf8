import { AppError } from '@exchange/platform/errors';
import {
  CASH_ASSET,
  formatAmount,
  OPEN_ORDER_STATUSES,
  ORDER_STATUSES,
  toLots,
  toTicks,
  type ExecutionEvent,
  type Fill,
  type MarketUnits,
  type Order,
  type OrderCreated,
  type OrderStatus,
  type TIME_IN_FORCES,
  buyNeedCents,
} from '@exchange/contracts';
import { averagePriceCents } from './order-math.js';

/**
 * The life of an order, in one place: its statuses, the transitions between them and what each does
 * to the order's hold, what a new order holds, what it still needs held after a fill, and how it is
 * told to the engine (ticks and lots). Pure: the store applies these transitions as guarded updates
 * (`WHERE status = ANY(from)`), so a transition that is not allowed changes nothing.
 */

/**
 * Every status an order row can have: the public ones, and two of a placement still running —
 * PENDING (written, its hold being made, not yet published) and ABORTING (being undone).
 */
export const LIFECYCLE_STATUSES = ['PENDING', 'ABORTING', ...ORDER_STATUSES] as const;
export type LifecycleStatus = (typeof LIFECYCLE_STATUSES)[number];

/** What a transition does to the order's hold at the wallet. */
export type HoldEffect =
  /** nothing moves */
  | 'keep'
  /** a fill settles part of it; what the rest of the order needs stays held (`stillHeld`) */
  | 'settle'
  /** everything still held goes back to the owner */
  | 'release';

export interface Transition {
  from: readonly LifecycleStatus[];
  /** null: the row is deleted (a placement undone leaves no trace) */
  to: LifecycleStatus | null;
  hold: HoldEffect;
}

const OPEN: readonly LifecycleStatus[] = OPEN_ORDER_STATUSES;

/** The order state machine. */
export const TRANSITIONS = {
  /** the placement commits: the row and its `order_created` command are written in one transaction */
  publish: { from: ['PENDING'], to: 'NEW', hold: 'keep' },
  /** an undo claims the placement first, so a publish and an undo of the same order can never both win */
  claimUndo: { from: ['PENDING'], to: 'ABORTING', hold: 'keep' },
  /** the undo ends: the hold was released (if it was ever made), the row goes */
  forget: { from: ['ABORTING'], to: null, hold: 'release' },
  /** a trade leaves some of the order to fill */
  partialFill: { from: OPEN, to: 'PARTIALLY_FILLED', hold: 'settle' },
  /** a trade fills the rest */
  fill: { from: OPEN, to: 'FILLED', hold: 'settle' },
  /** the engine took the rest off the book: asked for, or self-trade prevention */
  cancel: { from: OPEN, to: 'CANCELED', hold: 'release' },
  /** an IOC, FOK or MARKET remainder the book did not keep */
  expire: { from: OPEN, to: 'EXPIRED', hold: 'release' },
  /** the engine refused the order (post-only that would take, duplicate id, …) */
  reject: { from: OPEN, to: 'REJECTED', hold: 'release' },
} as const satisfies Record<string, Transition>;
export type TransitionName = keyof typeof TRANSITIONS;

export function canMake(transition: TransitionName, status: LifecycleStatus): boolean {
  return (TRANSITIONS[transition].from as readonly LifecycleStatus[]).includes(status);
}

/** The transition a closing engine event makes; undefined for an event that closes nothing. */
export function closingTransition(type: ExecutionEvent['type']): 'cancel' | 'expire' | 'reject' | undefined {
  if (type === 'order_canceled') return 'cancel';
  if (type === 'order_expired') return 'expire';
  if (type === 'order_rejected') return 'reject';
  return undefined;
}

/** Statuses that count towards the user's open-order limit: open ones, and placements still running. */
export const COUNTED_AS_OPEN: readonly LifecycleStatus[] = ['PENDING', ...OPEN];

/** Orders the owner sees: a placement still running or being undone is not (yet) an order of theirs. */
export const isVisible = (status: LifecycleStatus): status is OrderStatus => status !== 'PENDING' && status !== 'ABORTING';

/** Whether a clientOrderId still names this order (it is unique among the user's open orders). */
export const holdsClientOrderId = (status: LifecycleStatus): boolean => COUNTED_AS_OPEN.includes(status) || status === 'ABORTING';

/**
 * The open-order limit: `openNow` counts every order of the user that is open or being placed,
 * including the one being written. Called inside the placement's transaction, with the user's
 * placements serialised, so placements racing each other can never pass it together.
 */
export function checkOpenOrderLimit(openNow: number, maxOpenOrders: number): void {
  if (openNow > maxOpenOrders) {
    throw new AppError('RISK_REJECTED', `You have ${maxOpenOrders} open orders, the most allowed`, {
      rule: 'MAX_OPEN_ORDERS',
      openOrders: openNow - 1,
      maxOpenOrders,
    });
  }
}

export type Side = 'BUY' | 'SELL';
export type TimeInForce = (typeof TIME_IN_FORCES)[number];

/** An order as the order manager keeps it: money in cents, quantities in shares, its market's terms as placed. */
export interface StoredOrder {
  id: string;
  /** placement order, for cursor pages */
  seq: bigint;
  userId: string;
  clientOrderId: string | null;
  requestHash: string;
  symbol: string;
  side: Side;
  type: 'LIMIT' | 'MARKET';
  timeInForce: TimeInForce;
  postOnly: boolean;
  /** LIMIT: the limit; MARKET: null */
  priceCents: bigint | null;
  /** MARKET: the worst price it may trade at (the edge of the price collar) */
  protectionPriceCents: bigint | null;
  quantity: bigint;
  filledQuantity: bigint;
  filledNotionalCents: bigint;
  feesCents: bigint;
  status: LifecycleStatus;
  rejectReason: string | null;
  cancelRequested: boolean;
  /** the market's units and fees when the order was placed: its hold was computed from them */
  units: MarketUnits;
  makerFeeBps: number;
  takerFeeBps: number;
  hold: { asset: string; amount: bigint };
  createdAt: Date;
  updatedAt: Date;
}

/** What a placement writes. */
export type NewOrder = Omit<
  StoredOrder,
  'seq' | 'filledQuantity' | 'filledNotionalCents' | 'feesCents' | 'status' | 'rejectReason' | 'cancelRequested' | 'createdAt' | 'updatedAt'
>;

type Priced = Pick<StoredOrder, 'side' | 'symbol' | 'priceCents' | 'protectionPriceCents' | 'makerFeeBps' | 'takerFeeBps'>;

/** The worst price the order may trade at: its limit, or a MARKET order's protection price. */
export function worstPriceCents(order: Pick<StoredOrder, 'priceCents' | 'protectionPriceCents'>): bigint {
  const worst = order.priceCents ?? order.protectionPriceCents;
  if (worst === null) throw new Error('an order with neither a limit nor a protection price');
  return worst;
}

/**
 * What an order must keep held for `shares` still to fill: a buy, their cost at its worst price
 * plus the largest fee it could pay; a sell, the shares themselves. Nothing once it is done.
 */
export function stillHeld(order: Priced, shares: bigint): bigint {
  if (shares === 0n) return 0n;
  if (order.side === 'SELL') return shares;
  return buyNeedCents(worstPriceCents(order), shares, Math.max(order.makerFeeBps, order.takerFeeBps));
}

/** What a new order holds at the wallet: cash for a buy, shares for a sell, enough for all of it. */
export function holdOf(order: Priced & Pick<StoredOrder, 'quantity'>): { asset: string; amount: bigint } {
  return { asset: order.side === 'BUY' ? CASH_ASSET : order.symbol, amount: stillHeld(order, order.quantity) };
}

/** `order_created` for the engine: prices in ticks, quantities in lots. */
export function orderCreatedOf(order: StoredOrder): OrderCreated {
  return {
    orderId: order.id,
    userId: order.userId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    // a MARKET order's price for the engine is its protection price, the worst it may trade at
    priceTicks: toTicks(worstPriceCents(order), order.units).toString(),
    quantityLots: toLots(order.quantity, order.units).toString(),
    timeInForce: order.timeInForce,
    postOnly: order.postOnly,
    selfTradePrevention: 'CANCEL_NEWEST',
  };
}

const usd = (cents: bigint) => formatAmount(cents, 2);

/** The order as its owner sees it. */
export function publicOrder(order: StoredOrder): Order {
  const average = averagePriceCents(order.filledNotionalCents, order.filledQuantity);
  if (!isVisible(order.status)) throw new Error(`order ${order.id} is ${order.status}: not an order its owner sees yet`);
  return {
    id: order.id,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    timeInForce: order.timeInForce,
    postOnly: order.postOnly,
    price: order.priceCents === null ? null : usd(order.priceCents),
    quantity: order.quantity.toString(),
    filledQuantity: order.filledQuantity.toString(),
    averagePrice: average === undefined ? null : usd(average),
    fees: usd(order.feesCents),
    status: order.status,
    rejectReason: order.rejectReason,
    cancelRequested: order.cancelRequested,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

/** One side of a trade, as recorded on its order. */
export interface FillRecord {
  id: string;
  tradeId: string;
  orderId: string;
  userId: string;
  symbol: string;
  side: Side;
  priceCents: bigint;
  quantity: bigint;
  feeCents: bigint;
  liquidity: 'MAKER' | 'TAKER';
  /** the engine's sequence number of the trade */
  sequence: bigint;
}

export interface StoredFill extends FillRecord {
  seq: bigint;
  executedAt: Date;
}

export function publicFill(fill: StoredFill): Fill {
  return {
    id: fill.id,
    tradeId: fill.tradeId,
    orderId: fill.orderId,
    symbol: fill.symbol,
    side: fill.side,
    price: usd(fill.priceCents),
    quantity: fill.quantity.toString(),
    fee: usd(fill.feeCents),
    liquidity: fill.liquidity,
    executedAt: fill.executedAt.toISOString(),
  };
}
