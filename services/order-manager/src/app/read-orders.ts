import { AppError } from '@exchange/platform';
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
  const orders = await deps.store.list(userId, { status: query.status, symbol: query.symbol, limit: query.limit + 1, beforeSeq: decodeCursor(query.cursor) });
  const page = orders.slice(0, query.limit);
  return { items: page.map(publicOrder), nextCursor: orders.length > query.limit ? encodeCursor(page.at(-1)!.seq) : null };
}

/** The user's fills, newest first. */
export async function listFills(deps: OrderDeps, userId: string, query: FillListQuery): Promise<FillList> {
  const fills = await deps.store.fills(userId, { symbol: query.symbol, limit: query.limit + 1, beforeSeq: decodeCursor(query.cursor) });
  const page = fills.slice(0, query.limit);
  return { items: page.map(publicFill), nextCursor: fills.length > query.limit ? encodeCursor(page.at(-1)!.seq) : null };
}

/** A page cursor: the position of the last item given out, opaque to the client. */
function encodeCursor(seq: bigint): string {
  return Buffer.from(seq.toString(), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined): bigint | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,18}$/.test(decoded))
    throw new AppError('VALIDATION_FAILED', 'cursor is not valid', { fields: { cursor: ['is not a cursor this API gave out'] } });
  return BigInt(decoded);
}
