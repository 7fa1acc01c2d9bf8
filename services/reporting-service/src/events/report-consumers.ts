import { StreamConsumer, type Logger, type Pool, type Redis } from '@exchange/platform';
import { executionsStream, WALLET_EVENTS_STREAM } from '@exchange/contracts';
import type { ReportDeps } from '../app/report-deps.js';
import { recordEvent } from '../app/record-event.js';

/** This service's consumer group on every stream it reads. */
export const REPORTING_GROUP = 'reporting';

interface ConsumerOptions {
  db: Pool;
  redis: Redis;
  logger: Logger;
  consumer: string;
  deps: ReportDeps;
}

function consumerOf(options: ConsumerOptions, stream: string, symbol: string | undefined, exclusive: boolean): StreamConsumer {
  const { deps, ...rest } = options;
  return new StreamConsumer({
    ...rest,
    stream,
    group: REPORTING_GROUP,
    // balances and positions depend on the order of wallet events: one instance applies them, in order
    exclusive,
    handle: (event, client) => recordEvent(deps, event, client, symbol),
    handleBatch: async (events, client) => {
      for (const event of events) await recordEvent(deps, event, client, symbol);
    },
  });
}

/** The consumer of `wallet-events`, and one of `executions:{SYMBOL}` per market, started as markets appear. */
export class ReportConsumers {
  private readonly consumers = new Map<string, StreamConsumer>();

  constructor(private readonly options: ConsumerOptions) {}

  async startWallet(): Promise<void> {
    const consumer = consumerOf(this.options, WALLET_EVENTS_STREAM, undefined, true);
    this.consumers.set(WALLET_EVENTS_STREAM, consumer);
    await consumer.start();
  }

  async addMarket(symbol: string): Promise<void> {
    const stream = executionsStream(symbol);
    if (this.consumers.has(stream)) return;
    const consumer = consumerOf(this.options, stream, symbol, false);
    this.consumers.set(stream, consumer);
    await consumer.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.consumers.values()].map((consumer) => consumer.stop()));
  }
}
