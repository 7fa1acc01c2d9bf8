import { StreamConsumer, type Logger, type Pool, type Redis } from '@exchange/platform';
import { executionsStream } from '@exchange/contracts';
import type { NotificationDeps } from '../app/notification-deps.js';
import { recordExecution } from '../app/record-execution.js';

/** This service's consumer group on every stream it reads. */
export const NOTIFICATION_GROUP = 'notification';

/** One consumer of `executions:{SYMBOL}` per market, started as markets appear. */
export class ExecutionsConsumers {
  private readonly consumers = new Map<string, StreamConsumer>();

  constructor(private readonly options: { db: Pool; redis: Redis; logger: Logger; consumer: string; deps: NotificationDeps }) {}

  async add(symbol: string): Promise<void> {
    if (this.consumers.has(symbol)) return;
    const { db, redis, logger, consumer, deps } = this.options;
    const stream = new StreamConsumer({
      db,
      redis,
      logger,
      stream: executionsStream(symbol),
      group: NOTIFICATION_GROUP,
      consumer,
      handle: (event, client) => recordExecution(deps, symbol, event, client),
      handleBatch: async (events, client) => {
        for (const event of events) await recordExecution(deps, symbol, event, client);
      },
    });
    this.consumers.set(symbol, stream);
    await stream.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.consumers.values()].map((consumer) => consumer.stop()));
  }
}
