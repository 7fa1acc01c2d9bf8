import { StreamConsumer, type Logger, type Pool, type Redis, type ReplayRequest, type StreamConsumerOptions } from '@exchange/platform';
import { MarketConsumers } from '@exchange/markets';
import { executionsStream, WALLET_EVENTS_STREAM } from '@exchange/contracts';
import type { ReportDeps } from '../app/report-deps.js';
import { recordEvent, recordEvents } from '../app/record-event.js';

/** This service's consumer group on every stream it reads. */
export const REPORTING_GROUP = 'reporting';

interface ConsumerOptions {
  db: Pool;
  redis: Redis;
  logger: Logger;
  consumer: string;
  deps: ReportDeps;
  /** asks the stream's producer for events again (a gap) */
  replay: ReplayRequest;
}

function handlers(deps: ReportDeps, symbol: string | undefined): Pick<StreamConsumerOptions, 'handle' | 'handleBatch'> {
  return {
    handle: (event, client) => recordEvent(deps, event, client, symbol),
    handleBatch: (events, client) => recordEvents(deps, events, client, symbol),
  };
}

/** The consumer of `wallet-events`: balances and positions depend on their order, so one instance applies them, in order. */
export function walletEventsConsumer({ deps, ...shared }: ConsumerOptions): StreamConsumer {
  return new StreamConsumer({ ...shared, stream: WALLET_EVENTS_STREAM, group: REPORTING_GROUP, exclusive: true, ...handlers(deps, undefined) });
}

/** The consumers of every market's `executions:{SYMBOL}`. */
export function executionsConsumers({ deps, ...shared }: ConsumerOptions): MarketConsumers {
  // one instance at a time per market: the events are applied in their numbered order
  return new MarketConsumers({
    ...shared,
    group: REPORTING_GROUP,
    streamOf: executionsStream,
    exclusive: true,
    handlersOf: ({ symbol }) => handlers(deps, symbol),
  });
}
