import type { FillList, FillListQuery, Order, OrderList, OrderListQuery } from '@exchange/contracts';
import { decodeCursor, encodeCursor, toFill, toOrder } from '../store/order-store.js';
import { orderNotFound } from './cancel-order.js';
import type { OrderDeps } from './order-deps.js';

export async function getOrder(deps: OrderDeps, userId: string, orderId: string): Promise<Order> {
  const row = await deps.store.find(deps.store.db, orderId);
  // someone else's order does not exist for this caller
  if (!row || row.user_id !== userId || row.status === 'PENDING' || row.status === 'ABORTING') throw orderNotFound(orderId);
  return toOrder(row);
}

/** The user's orders, newest first, a page at a time. */
export async function listOrders(deps: OrderDeps, userId: string, query: OrderListQuery): Promise<OrderList> {
  const rows = await deps.store.list(userId, { status: query.status, symbol: query.symbol, limit: query.limit + 1, beforeSeq: decodeCursor(query.cursor) });
  const page = rows.slice(0, query.limit);
  return { items: page.map(toOrder), nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.seq) : null };
}

/** The user's fills, newest first. */
export async function listFills(deps: OrderDeps, userId: string, query: FillListQuery): Promise<FillList> {
  const rows = await deps.store.fills(userId, { symbol: query.symbol, limit: query.limit + 1, beforeSeq: decodeCursor(query.cursor) });
  const page = rows.slice(0, query.limit);
  return { items: page.map(toFill), nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.seq) : null };
}
