import type { Logger, Pool, Redis, ReplayRequest } from '@exchange/platform';
import { MarketConsumers } from '@exchange/markets';
import { executionsStream } from '@exchange/contracts';
import { applyExecution, applyExecutions } from '../app/apply-execution.js';
import type { OrderDeps } from '../app/order-deps.js';

export const ORDER_MANAGER_GROUP = 'order-manager';

/** The order-manager's consumers of every market's `executions:{SYMBOL}`. */
export function executionsConsumers(options: {
  db: Pool;
  redis: Redis;
  logger: Logger;
  consumer: string;
  deps: OrderDeps;
  replay: ReplayRequest;
}): MarketConsumers {
  const { deps, ...shared } = options;
  return new MarketConsumers({
    ...shared,
    group: ORDER_MANAGER_GROUP,
    streamOf: executionsStream,
    // a market's executions are applied strictly in order: by one order-manager instance at a time
    exclusive: true,
    handlersOf: () => ({
      handle: (event, client) => applyExecution(deps, event, client),
      handleBatch: (events, client) => applyExecutions(deps, events, client),
    }),
  });
}
