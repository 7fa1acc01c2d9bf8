import type { Notification, UserMessage } from '@exchange/contracts';
import type { Context, Logger, StreamEvent } from '@exchange/platform';
import type { MarketDirectory } from '@exchange/markets';
import type { NotificationStore } from '../store/notification-store.js';

/** A message for one user's private channel. */
export interface UserPush {
  userId: string;
  message: UserMessage;
}

export function notificationPush(userId: string, notification: Notification, traceparent: string | undefined): UserPush {
  return { userId, message: { type: 'notification', notification, traceparent } };
}

/** Where the use-cases send live messages; events/user-pushes.ts publishes them on Redis. */
export interface UserPushPort {
  /** Sends `pushes`, in order, once the transaction applying `event` has committed (never if it does not). */
  afterCommit(event: StreamEvent, pushes: UserPush[], traceContext?: Context): void;
}

/** What the notification use-cases need. */
export interface NotificationDeps {
  store: NotificationStore;
  /** tick and lot sizes, to read the engine's events */
  markets: Pick<MarketDirectory, 'get'>;
  pushes: UserPushPort;
  logger: Logger;
}
