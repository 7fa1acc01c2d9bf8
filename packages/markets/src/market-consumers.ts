import type { Market } from '@exchange/contracts';
import { StreamConsumer, type StreamConsumerOptions } from '@exchange/platform';

export interface MarketConsumersOptions extends Omit<StreamConsumerOptions, 'stream' | 'handle' | 'handleBatch'> {
  /** the stream of one market, e.g. `executionsStream` */
  streamOf(symbol: string): string;
  /** how this service applies the events of one market */
  handlersOf(market: Market): Pick<StreamConsumerOptions, 'handle' | 'handleBatch'>;
}

/**
 * One StreamConsumer per market, started as markets appear (give `add` to
 * `MarketDirectory.onNewMarket`). Adding a market twice starts it once; a market whose consumer
 * could not start (Redis down) is not remembered, so the directory's next retry starts it.
 */
export class MarketConsumers {
  private readonly consumers = new Map<string, StreamConsumer>();

  constructor(private readonly options: MarketConsumersOptions) {}

  readonly add = async (market: Market): Promise<void> => {
    if (this.consumers.has(market.symbol)) return;
    const { streamOf, handlersOf, ...shared } = this.options;
    const consumer = new StreamConsumer({ ...shared, stream: streamOf(market.symbol), ...handlersOf(market) });
    await consumer.start();
    this.consumers.set(market.symbol, consumer);
  };

  async stop(): Promise<void> {
    await Promise.all([...this.consumers.values()].map((consumer) => consumer.stop()));
  }
}
