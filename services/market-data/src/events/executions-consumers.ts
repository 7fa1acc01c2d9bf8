import { StreamConsumer, type Logger, type Pool, type Redis } from '@exchange/platform';
import { executionsStream, type Market } from '@exchange/contracts';
import type { MarketDataDeps } from '../app/market-data-deps.js';
import { recordTrades } from '../app/record-trades.js';

export const MARKET_DATA_GROUP = 'market-data';

/** One consumer of `executions:{SYMBOL}` per market, in the `market-data` group, started as markets appear. */
export class ExecutionsConsumers {
  private readonly consumers = new Map<string, StreamConsumer>();

  constructor(private readonly options: { db: Pool; redis: Redis; logger: Logger; consumer: string; deps: MarketDataDeps }) {}

  async add(market: Market): Promise<void> {
    if (this.consumers.has(market.symbol)) return;
    const { db, redis, logger, consumer, deps } = this.options;
    const stream = new StreamConsumer({
      db,
      redis,
      logger,
      stream: executionsStream(market.symbol),
      group: MARKET_DATA_GROUP,
      consumer,
      handle: (event, client) => recordTrades(deps, market, [event], client),
      handleBatch: (events, client) => recordTrades(deps, market, events, client),
    });
    this.consumers.set(market.symbol, stream);
    await stream.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.consumers.values()].map((consumer) => consumer.stop()));
  }
}
