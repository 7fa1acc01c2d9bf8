import { CASH_ASSET, formatAsset, type NotificationData, type NotificationType } from '@exchange/contracts';
import type { Side } from './execution-events.js';

/** A notification about to be written: for whom, what it says, and what in its event it is about. */
export interface NotificationDraft {
  userId: string;
  type: NotificationType;
  title: string;
  body: string;
  /** amounts as decimal strings */
  data: NotificationData;
  /** what of its event it tells of (an order id, a transaction id): with the event id, the user and the type, written once */
  dedupeKey: string;
  /**
   * the order it tells of, and for a fill its trade: a fill is told once the wallet has settled the
   * trade, and the order's later notices wait behind it
   */
  about?: { orderId: string; tradeId?: string };
}

/** An order as this service knows it from its `order_accepted`: cents and shares. */
export interface KnownOrder {
  orderId: string;
  userId: string;
  symbol: string;
  side: Side;
  /** the limit; null for a MARKET order */
  priceCents: bigint | null;
  quantity: bigint;
}

const money = (cents: bigint) => formatAsset(cents, CASH_ASSET);
const shares = (quantity: bigint, symbol: string) => formatAsset(quantity, symbol);
const SIDE_WORD: Record<Side, { verb: string; past: string }> = { BUY: { verb: 'Buy', past: 'Bought' }, SELL: { verb: 'Sell', past: 'Sold' } };

/** "Buy 10 AAPL at 190.19", "Sell 5 MSFT at market". */
export function describeOrder(order: KnownOrder): string {
  const at = order.priceCents === null ? 'at market' : `at ${money(order.priceCents)}`;
  return `${SIDE_WORD[order.side].verb} ${shares(order.quantity, order.symbol)} ${order.symbol} ${at}`;
}

function orderData(order: KnownOrder) {
  return {
    orderId: order.orderId,
    symbol: order.symbol,
    side: order.side,
    orderType: order.priceCents === null ? 'MARKET' : 'LIMIT',
    price: order.priceCents === null ? null : money(order.priceCents),
    quantity: shares(order.quantity, order.symbol),
  };
}

export function acceptedNotice(order: KnownOrder): NotificationDraft {
  return {
    userId: order.userId,
    type: 'ORDER_ACCEPTED',
    title: `${SIDE_WORD[order.side].verb} order accepted`,
    body: describeOrder(order),
    data: orderData(order),
    dedupeKey: order.orderId,
    about: { orderId: order.orderId },
  };
}

export interface Fill {
  orderId: string;
  userId: string;
  symbol: string;
  side: Side;
  /** `SYMBOL:n`, as the order-manager and the wallet name the trade */
  tradeId: string;
  priceCents: bigint;
  quantity: bigint;
  /** what the order still has open after this fill */
  remaining: bigint;
  liquidity: 'MAKER' | 'TAKER';
  /** the order as accepted, when this service saw that */
  order?: KnownOrder;
}

/**
 * ORDER_FILLED when nothing is left of the order, else ORDER_PARTIALLY_FILLED:
 * "Bought 10 AAPL at 190.19", "Bought the last 3 of 10 AAPL at 190.19", "Sold 4 of 10 MSFT at 420.00 (6 left)".
 */
export function fillNotice(fill: Fill): NotificationDraft {
  const { symbol, side } = fill;
  const isDone = fill.remaining === 0n;
  const total = fill.order?.quantity;
  const filledQuantity = total === undefined ? null : total - fill.remaining;
  const amount = shares(fill.quantity, symbol);
  let what: string;
  if (total === undefined || total === fill.quantity) what = `${amount} ${symbol}`;
  else what = `${isDone ? 'the last ' : ''}${amount} of ${shares(total, symbol)} ${symbol}`;
  const left = isDone ? '' : ` (${shares(fill.remaining, symbol)} left)`;
  return {
    userId: fill.userId,
    type: isDone ? 'ORDER_FILLED' : 'ORDER_PARTIALLY_FILLED',
    title: `${SIDE_WORD[side].verb} order ${isDone ? 'filled' : 'partially filled'}`,
    body: `${SIDE_WORD[side].past} ${what} at ${money(fill.priceCents)}${left}`,
    data: {
      orderId: fill.orderId,
      symbol,
      side,
      tradeId: fill.tradeId,
      price: money(fill.priceCents),
      quantity: amount,
      filledQuantity: filledQuantity === null ? null : shares(filledQuantity, symbol),
      remaining: shares(fill.remaining, symbol),
      orderQuantity: total === undefined ? null : shares(total, symbol),
      limitPrice: fill.order && fill.order.priceCents !== null ? money(fill.order.priceCents) : null,
      liquidity: fill.liquidity,
    },
    dedupeKey: fill.orderId,
    about: { orderId: fill.orderId, tradeId: fill.tradeId },
  };
}

const CLOSE_REASONS: Record<string, string> = {
  REQUESTED: '',
  SELF_TRADE: 'it would have traded with another order of yours',
  IOC_REMAINDER: 'immediate-or-cancel: the rest does not wait in the book',
  MARKET_REMAINDER: 'no more liquidity within the market order’s price protection',
  FOK_NOT_FILLABLE: 'fill-or-kill: it could not be filled completely at once',
  POST_ONLY_WOULD_TAKE: 'a post-only order would have traded at once',
  INVALID_QUANTITY: 'the quantity is not valid',
  INVALID_PRICE: 'the price is not valid',
  INVALID_TIME_IN_FORCE: 'this time in force is not allowed for this order',
  DUPLICATE_ORDER_ID: 'an order with this id already exists',
};

/** A reason code in words; an unknown code is shown as it is. */
export function reasonText(reason: string): string {
  return CLOSE_REASONS[reason] ?? reason;
}

export interface Close {
  kind: 'ORDER_CANCELED' | 'ORDER_EXPIRED' | 'ORDER_REJECTED';
  orderId: string;
  userId: string;
  symbol: string;
  /** what was still open and is no more (cancel, expiry); none for a rejection */
  remaining?: bigint;
  reason: string;
  order?: KnownOrder;
}

const CLOSE_WORD = { ORDER_CANCELED: 'canceled', ORDER_EXPIRED: 'expired', ORDER_REJECTED: 'rejected' } as const;

/**
 * "Buy 10 AAPL at 190.19: 4 filled, 6 not filled", "Sell 5 MSFT at 420.00: nothing filled (fill-or-kill: …)",
 * "Your AAPL order was rejected: a post-only order would have traded at once".
 */
export function closeNotice(close: Close): NotificationDraft {
  const { order, symbol, remaining } = close;
  const word = CLOSE_WORD[close.kind];
  const reason = reasonText(close.reason);
  let body: string;
  if (order) {
    let outcome = '';
    if (remaining !== undefined) {
      outcome =
        remaining >= order.quantity ? 'nothing filled' : `${shares(order.quantity - remaining, symbol)} filled, ${shares(remaining, symbol)} not filled`;
    }
    const because = outcome && reason ? `${outcome} (${reason})` : outcome || reason;
    body = because ? `${describeOrder(order)}: ${because}` : describeOrder(order);
  } else {
    const outcome = remaining === undefined ? '' : ` with ${shares(remaining, symbol)} not filled`;
    body = `Your ${symbol} order was ${word}${outcome}${reason ? `: ${reason}` : ''}`;
  }
  const known = order ? orderData(order) : { orderId: close.orderId, symbol, side: null, orderType: null, price: null, quantity: null };
  return {
    userId: close.userId,
    type: close.kind,
    title: order ? `${SIDE_WORD[order.side].verb} order ${word}` : `Order ${word}`,
    body,
    data: {
      ...known,
      filledQuantity: order && remaining !== undefined ? shares(order.quantity - remaining, symbol) : null,
      remaining: remaining === undefined ? null : shares(remaining, symbol),
      reason: close.reason,
    },
    dedupeKey: close.orderId,
    about: { orderId: close.orderId },
  };
}

export interface FundsAdded {
  transactionId: string;
  userId: string;
  /** a deposit by the user, or a credit by an admin (cash or shares) */
  kind: 'DEPOSIT' | 'CREDIT';
  asset: string;
  /** in the asset's minor units (cents, shares) */
  amount: bigint;
}

/** "1000.00 USD added to your wallet", "10 AAPL credited to your wallet". */
export function fundsAddedNotice(funds: FundsAdded): NotificationDraft {
  const amount = formatAsset(funds.amount, funds.asset);
  const isDeposit = funds.kind === 'DEPOSIT';
  return {
    userId: funds.userId,
    type: 'FUNDS_ADDED',
    title: isDeposit ? 'Funds added' : 'Wallet credited',
    body: `${amount} ${funds.asset} ${isDeposit ? 'added' : 'credited'} to your wallet`,
    data: { transactionId: funds.transactionId, kind: funds.kind, asset: funds.asset, amount },
    dedupeKey: funds.transactionId,
  };
}
