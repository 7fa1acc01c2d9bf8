import type { Logger, Pool, Redis, ReplayRequest } from '@exchange/platform';
import { MarketConsumers } from '@exchange/markets';
import { executionsStream } from '@exchange/contracts';
import type { NotificationDeps } from '../app/notification-deps.js';
import { recordExecution, recordExecutions } from '../app/record-execution.js';

/** This service's consumer group on every stream it reads. */
export const NOTIFICATION_GROUP = 'notification';

/** The notification service's consumers of every market's `executions:{SYMBOL}`. */
export function executionsConsumers(options: {
  db: Pool;
  redis: Redis;
  logger: Logger;
  consumer: string;
  deps: NotificationDeps;
  replay: ReplayRequest;
}): MarketConsumers {
  const { deps, ...shared } = options;
  return new MarketConsumers({
    ...shared,
    group: NOTIFICATION_GROUP,
    streamOf: executionsStream,
    // one instance at a time per market: a stream's events are applied in their numbered order, and
    // two replicas taking turns would each see the other's events as a gap
    exclusive: true,
    handlersOf: ({ symbol }) => ({
      handle: (event, client) => recordExecution(deps, symbol, event, client),
      handleBatch: (events, client) => recordExecutions(deps, symbol, events, client),
    }),
  });
}
