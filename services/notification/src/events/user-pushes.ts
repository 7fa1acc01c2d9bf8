import { context, prefixedChannel, untraced, withSpan, type Context, type Logger, type Redis, type StreamEvent } from '@exchange/platform';
import { userChannel } from '@exchange/contracts';
import type { UserPush, UserPushPort } from '../app/notification-deps.js';

/**
 * Publishes messages on users' private `user:{USER_ID}` channels. Pub/sub loses what nobody hears:
 * that is fine, the inbox in PostgreSQL is the truth and a client refetches it.
 */
export class UserPushes implements UserPushPort {
  constructor(private readonly options: { redis: Redis; logger: Logger }) {}

  /** Publishes `pushes`, in order, once the transaction applying `event` has committed (never if it does not). */
  afterCommit(event: StreamEvent, pushes: UserPush[], traceContext: Context = context.active()): void {
    if (pushes.length === 0) return;
    if (!event.afterCommit) throw new Error('pushes need an event delivered by the StreamConsumer');
    event.afterCommit(() => this.publish(pushes, traceContext));
  }

  async publish(pushes: UserPush[], traceContext: Context = context.active()): Promise<void> {
    const { redis, logger } = this.options;
    try {
      await context.with(traceContext, () =>
        withSpan(
          'notification push',
          // one connection, auto-pipelined: the messages leave in order, measured together by this
          // span (a span per PUBLISH would repeat it once per message)
          () =>
            untraced(() => Promise.all(pushes.map((push) => redis.publish(prefixedChannel(redis, userChannel(push.userId)), JSON.stringify(push.message))))),
          { 'exchange.messages': pushes.length },
        ),
      );
    } catch (error) {
      logger.warn({ err: error, count: pushes.length }, 'live pushes were lost (clients refetch their inbox)');
    }
  }
}
