import { AppError, enqueueEvent, withTransaction } from '@exchange/platform';
import { ordersStream, type Order, ORDER_COMMANDS } from '@exchange/contracts';
import { OPEN_STATUSES, toOrder } from '../store/order-store.js';
import type { OrderDeps } from './order-deps.js';

/**
 * Cancel: asks the engine to take the rest of the order off the book
 * (`order_cancel_requested`); the engine's `order_canceled` closes the order and releases its hold.
 * Until then the order stays open with `cancelRequested: true`. Asking twice asks once.
 */
export async function cancelOrder(deps: OrderDeps, userId: string, orderId: string): Promise<Order> {
  const order = await withTransaction(deps.store.db, async (client) => {
    const row = await deps.store.find(client, orderId, true);
    if (!row || row.user_id !== userId || row.status === 'PENDING' || row.status === 'ABORTING') throw orderNotFound(orderId);
    if (!OPEN_STATUSES.includes(row.status)) {
      throw new AppError('ORDER_NOT_OPEN', `Order ${orderId} is ${row.status} and cannot be canceled`, { status: row.status });
    }
    if (row.cancel_requested) return row;
    const updated = await deps.store.requestCancel(client, orderId);
    await enqueueEvent(client, {
      id: `order_cancel_requested:${orderId}`,
      stream: ordersStream(row.symbol),
      contract: ORDER_COMMANDS.order_cancel_requested,
      data: { orderId, symbol: row.symbol },
    });
    return updated;
  });
  deps.relay.wake();
  return toOrder(order);
}

export function orderNotFound(orderId: string): AppError {
  return new AppError('ORDER_NOT_FOUND', `No order ${orderId}`);
}
