import { decodePageCursor, encodePageCursor } from '@exchange/platform';
import type { FillList, FillListQuery, Order, OrderList, OrderListQuery } from '@exchange/contracts';
import { isVisible, publicFill, publicOrder } from '../domain/order-lifecycle.js';
import { orderNotFound } from './cancel-order.js';
import type { OrderDeps } from './order-deps.js';

export async function getOrder(deps: OrderDeps, userId: string, orderId: string): Promise<Order> {
  const order = await deps.store.find(deps.store.db, orderId);
  // someone else's order, or a placement still running, does not exist for this caller
  if (!order || order.userId !== userId || !isVisible(order.status)) throw orderNotFound(orderId);
  return publicOrder(order);
}

/** The user's orders, newest first, a page at a time. */
export async function listOrders(deps: OrderDeps, userId: string, query: OrderListQuery): Promise<OrderList> {
  const orders = await deps.store.list(userId, {
    status: query.status,
    symbol: query.symbol,
    limit: query.limit + 1,
    beforeSeq: decodePageCursor(query.cursor),
  });
  const page = orders.slice(0, query.limit);
  return { items: page.map(publicOrder), nextCursor: orders.length > query.limit ? encodePageCursor(page.at(-1)!.seq) : null };
}

/** The user's fills, newest first. */
export async function listFills(deps: OrderDeps, userId: string, query: FillListQuery): Promise<FillList> {
  const fills = await deps.store.fills(userId, { symbol: query.symbol, limit: query.limit + 1, beforeSeq: decodePageCursor(query.cursor) });
  const page = fills.slice(0, query.limit);
  return { items: page.map(publicFill), nextCursor: fills.length > query.limit ? encodePageCursor(page.at(-1)!.seq) : null };
}
