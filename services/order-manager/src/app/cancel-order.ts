import { AppError, enqueueEvent, withTransaction } from '@exchange/platform';
import { ORDER_COMMANDS, ordersStream, type Order } from '@exchange/contracts';
import { canMake, isVisible, publicOrder } from '../domain/order-lifecycle.js';
import type { OrderDeps } from './order-deps.js';

/**
 * Cancel: asks the engine to take the rest of the order off the book
 * (`order_cancel_requested`); the engine's `order_canceled` closes the order and releases its hold.
 * Until then the order stays open with `cancelRequested: true`. Asking twice asks once; asking
 * again after the engine refused the cancel (`cancel_rejected`: it did not have the order at that
 * moment) is a new request, with a command of its own.
 */
export async function cancelOrder(deps: OrderDeps, userId: string, orderId: string): Promise<Order> {
  const order = await withTransaction(deps.store.db, async (client) => {
    const found = await deps.store.find(client, orderId, true);
    if (!found || found.userId !== userId || !isVisible(found.status)) throw orderNotFound(orderId);
    if (!canMake('cancel', found.status)) {
      throw new AppError('ORDER_NOT_OPEN', `Order ${orderId} is ${found.status} and cannot be canceled`, { status: found.status });
    }
    if (found.cancelRequested) return found;
    const requested = await deps.store.requestCancel(client, orderId);
    if (!requested) return found;
    await enqueueEvent(client, {
      id: `order_cancel_requested:${orderId}:${requested.request}`,
      stream: ordersStream(found.symbol),
      contract: ORDER_COMMANDS.order_cancel_requested,
      data: { orderId, symbol: found.symbol },
    });
    return requested.order;
  });
  deps.relay.wake();
  return publicOrder(order);
}

export function orderNotFound(orderId: string): AppError {
  return new AppError('ORDER_NOT_FOUND', `No order ${orderId}`);
}
