import { StreamConsumer, type Logger, type Pool, type Redis, type ReplayRequest } from '@exchange/platform';
import { WALLET_EVENTS_STREAM } from '@exchange/contracts';
import type { NotificationDeps } from '../app/notification-deps.js';
import { recordWalletEvent, recordWalletEvents } from '../app/record-wallet-event.js';
import { NOTIFICATION_GROUP } from './executions-consumers.js';

/** The consumer of `wallet-events`. */
export function walletEventsConsumer(options: {
  db: Pool;
  redis: Redis;
  logger: Logger;
  consumer: string;
  deps: NotificationDeps;
  replay: ReplayRequest;
}): StreamConsumer {
  const { deps, ...rest } = options;
  return new StreamConsumer({
    ...rest,
    stream: WALLET_EVENTS_STREAM,
    group: NOTIFICATION_GROUP,
    // one instance at a time: the events are applied in their numbered order
    exclusive: true,
    handle: (event, client) => recordWalletEvent(deps, event, client),
    handleBatch: (events, client) => recordWalletEvents(deps, events, client),
  });
}
