import type { ExecutionEvent } from '@exchange/contracts';
import { z } from 'zod';
import { centsOf, opposite, sharesOf, type MarketUnits } from './execution-events.js';
import { acceptedNotice, closeNotice, fillNotice, type KnownOrder, type NotificationDraft } from './notices.js';

/** A change of one of the user's orders, for the user's live channel. */
export interface OrderSignal {
  userId: string;
  orderId: string;
}

/** What one execution event means for the users whose orders it names. */
export interface ExecutionPlan {
  notices: NotificationDraft[];
  /** once per order the event concerns */
  signals: OrderSignal[];
  /** an order to remember (its `order_accepted`) */
  accepted?: KnownOrder;
  /** orders that are done: filled, canceled, expired or rejected */
  closed: string[];
  /** owners that are not user ids (nobody to tell) */
  ignoredOwners: string[];
}

const userIdSchema = z.uuid();
const isUserId = (id: string) => userIdSchema.safeParse(id).success;

/** The orders an event names, whose `KnownOrder` its plan can use. */
export function ordersNamedBy(execution: ExecutionEvent): string[] {
  return execution.type === 'trade' ? [execution.data.makerOrderId, execution.data.takerOrderId] : [execution.data.orderId];
}

const CLOSES = { order_canceled: 'ORDER_CANCELED', order_expired: 'ORDER_EXPIRED' } as const;

/**
 * Pure: the notifications, live signals and order bookkeeping one event of `executions:{symbol}`
 * calls for. `known` holds the orders it names that this service saw accepted.
 */
export function planExecution(symbol: string, execution: ExecutionEvent, units: MarketUnits, known: ReadonlyMap<string, KnownOrder>): ExecutionPlan {
  const plan: ExecutionPlan = { notices: [], signals: [], closed: [], ignoredOwners: [] };
  const tell = (userId: string, orderId: string, notice?: NotificationDraft) => {
    if (!isUserId(userId)) {
      plan.ignoredOwners.push(userId);
      return;
    }
    plan.signals.push({ userId, orderId });
    if (notice) plan.notices.push(notice);
  };

  if (execution.type === 'order_accepted') {
    const event = execution.data;
    const order: KnownOrder = {
      orderId: event.orderId,
      userId: event.ownerId,
      symbol,
      side: event.side,
      // a MARKET order is accepted with price 0
      priceCents: event.price === 0 ? null : centsOf(event.price, units),
      quantity: sharesOf(event.quantity, units),
    };
    if (isUserId(order.userId)) plan.accepted = order;
    tell(order.userId, order.orderId, acceptedNotice(order));
  } else if (execution.type === 'trade') {
    const trade = execution.data;
    const sides = [
      {
        orderId: trade.makerOrderId,
        userId: trade.makerOwnerId,
        side: opposite(trade.takerSide),
        remaining: trade.makerRemaining,
        liquidity: 'MAKER' as const,
      },
      { orderId: trade.takerOrderId, userId: trade.takerOwnerId, side: trade.takerSide, remaining: trade.takerRemaining, liquidity: 'TAKER' as const },
    ];
    for (const side of sides) {
      const remaining = sharesOf(side.remaining, units);
      const order = known.get(side.orderId);
      tell(
        side.userId,
        side.orderId,
        fillNotice({
          ...side,
          symbol,
          tradeId: `${symbol}:${trade.tradeId}`,
          priceCents: centsOf(trade.price, units),
          quantity: sharesOf(trade.quantity, units),
          remaining,
          ...(order ? { order } : {}),
        }),
      );
      if (remaining === 0n) plan.closed.push(side.orderId);
    }
  } else if (execution.type === 'order_canceled' || execution.type === 'order_expired') {
    const event = execution.data;
    const order = known.get(event.orderId);
    const notice = closeNotice({
      kind: CLOSES[execution.type],
      orderId: event.orderId,
      userId: event.ownerId,
      symbol,
      remaining: sharesOf(event.quantity, units),
      reason: event.reason,
      ...(order ? { order } : {}),
    });
    tell(event.ownerId, event.orderId, notice);
    plan.closed.push(event.orderId);
  } else if (execution.type === 'order_rejected') {
    const event = execution.data;
    const order = known.get(event.orderId);
    tell(
      event.ownerId,
      event.orderId,
      closeNotice({ kind: 'ORDER_REJECTED', orderId: event.orderId, userId: event.ownerId, symbol, reason: event.reason, ...(order ? { order } : {}) }),
    );
    plan.closed.push(event.orderId);
  } else if (execution.type === 'order_reduced') {
    tell(execution.data.ownerId, execution.data.orderId);
  } else {
    // cancel_rejected: the engine names only the order; its owner is known if this service saw it accepted
    const order = known.get(execution.data.orderId);
    if (order) tell(order.userId, order.orderId);
  }
  return plan;
}
