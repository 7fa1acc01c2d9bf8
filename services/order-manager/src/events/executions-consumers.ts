import { StreamConsumer, type Logger, type Pool, type Redis } from '@exchange/platform';
import { executionsStream } from '@exchange/contracts';
import { applyExecution, applyExecutions } from '../app/apply-execution.js';
import type { OrderDeps } from '../app/order-deps.js';

export const ORDER_MANAGER_GROUP = 'order-manager';

/** One consumer of `executions:{SYMBOL}` per market, started as markets appear. */
export class ExecutionsConsumers {
  private readonly consumers = new Map<string, StreamConsumer>();

  constructor(private readonly options: { db: Pool; redis: Redis; logger: Logger; consumer: string; deps: OrderDeps }) {}

  async add(symbol: string): Promise<void> {
    if (this.consumers.has(symbol)) return;
    const { db, redis, logger, consumer, deps } = this.options;
    const stream = new StreamConsumer({
      db,
      redis,
      logger,
      stream: executionsStream(symbol),
      group: ORDER_MANAGER_GROUP,
      consumer,
      handle: (event, client) => applyExecution(deps, event, client),
      handleBatch: (events, client) => applyExecutions(deps, events, client),
      // a market's executions are applied strictly in order: by one order-manager instance at a time
      exclusive: true,
    });
    await stream.start();
    this.consumers.set(symbol, stream);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.consumers.values()].map((consumer) => consumer.stop()));
  }
}
