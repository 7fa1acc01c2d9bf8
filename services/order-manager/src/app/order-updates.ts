import { captureTraceContext, prefixedChannel, type Logger, type Redis } from '@exchange/platform';
import { type OrderStatus, userChannel, type UserMessage } from '@exchange/contracts';

/**
 * Tells an order's owner, on their private `user:{USER_ID}` channel, that the order changed — after
 * the commit that changed it, so a client that refetches on the signal reads the new state. Pub/sub
 * is lossy by design: a client refetches on (re)connect anyway.
 */
export class OrderUpdates {
  constructor(private readonly options: { redis: Redis; logger: Logger }) {}

  async publish(userId: string, order: { orderId: string; symbol: string; event: string; status: OrderStatus }): Promise<void> {
    const { redis, logger } = this.options;
    const message: UserMessage = { type: 'order', order, traceparent: captureTraceContext().traceparent };
    await redis.publish(prefixedChannel(redis, userChannel(userId)), JSON.stringify(message)).catch((error: unknown) => {
      logger.warn({ err: error, orderId: order.orderId }, 'an order update push was lost (the client refetches)');
    });
  }
}
