import type { Logger, Pool, Redis, ReplayRequest } from '@exchange/platform';
import { MarketConsumers } from '@exchange/markets';
import { executionsStream } from '@exchange/contracts';
import type { MarketDataDeps } from '../app/market-data-deps.js';
import { recordTrades } from '../app/record-trades.js';

export const MARKET_DATA_GROUP = 'market-data';

/** Market data's consumers of every market's `executions:{SYMBOL}`, in the `market-data` group. */
export function executionsConsumers(options: {
  db: Pool;
  redis: Redis;
  logger: Logger;
  consumer: string;
  deps: MarketDataDeps;
  replay: ReplayRequest;
}): MarketConsumers {
  const { deps, ...shared } = options;
  return new MarketConsumers({
    ...shared,
    group: MARKET_DATA_GROUP,
    streamOf: executionsStream,
    // one instance at a time per market: the events are applied in their numbered order
    exclusive: true,
    handlersOf: (market) => ({
      handle: (event, client) => recordTrades(deps, market, [event], client),
      handleBatch: (events, client) => recordTrades(deps, market, events, client),
    }),
  });
}
