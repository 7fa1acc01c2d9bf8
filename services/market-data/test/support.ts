import { createRedis, prefixedChannel, type Redis } from '@exchange/platform';
import type { TestRedis } from '@exchange/platform/testing';
import { engineBookChannel, engineBookKey, executionsStream, marketDataChannel, type EngineBookState, type MarketDataMessage } from '@exchange/contracts';

/** Built services as real processes, and a JSON client: shared with the other services' tests. */
export { apiClient, startServiceProcess as startService, type ApiResponse, type ServiceProcess } from '@exchange/tools';

/** A Redis connection with the test's key prefix (ioredis prefixes keys; channels are prefixed by hand, as the services do). */
export function testRedis(redis: TestRedis, name = 'market-data-test'): Redis {
  return createRedis({ url: redis.url, keyPrefix: redis.prefix, connectionName: name });
}

export interface TradeFields {
  sequence: number;
  tradeId: number;
  /** ticks */
  price: number;
  /** lots */
  quantity: number;
  takerSide: 'BUY' | 'SELL';
  executedAt: string;
}

/** XADDs an engine `trade` event to executions:{SYMBOL}, as the matching engine writes it. */
export async function addTrade(redis: Redis, symbol: string, trade: TradeFields, traceparent = ''): Promise<void> {
  const data = {
    symbol,
    ...trade,
    makerOrderId: `maker-${trade.tradeId}`,
    makerOwnerId: 'maker-owner',
    makerRemaining: 0,
    takerOrderId: `taker-${trade.tradeId}`,
    takerOwnerId: 'taker-owner',
    takerRemaining: 0,
  };
  await redis.xadd(
    executionsStream(symbol),
    '*',
    'id',
    `${symbol}:${trade.sequence}`,
    'type',
    'trade',
    'data',
    JSON.stringify(data),
    'traceparent',
    traceparent,
  );
}

/** Another engine event, which market data passes over. */
export async function addEvent(redis: Redis, symbol: string, sequence: number, type: string, data: Record<string, unknown>): Promise<void> {
  await redis.xadd(
    executionsStream(symbol),
    '*',
    'id',
    `${symbol}:${sequence}`,
    'type',
    type,
    'data',
    JSON.stringify({ symbol, sequence, ...data }),
    'traceparent',
    '',
  );
}

/** SET book:{SYMBOL} and PUBLISH it on engine-book:{SYMBOL}, as the engine does after a batch. */
export async function publishBook(redis: Redis, state: EngineBookState, options: { publish?: boolean } = {}): Promise<void> {
  const json = JSON.stringify(state);
  const multi = redis.multi().set(engineBookKey(state.symbol), json);
  if (options.publish ?? true) multi.publish(prefixedChannel(redis, engineBookChannel(state.symbol)), json);
  await multi.exec();
}

/** Everything published on md:{SYMBOL} while it listens. */
export class MarketDataListener {
  readonly messages: MarketDataMessage[] = [];
  private readonly subscriber: Redis;

  constructor(redis: TestRedis) {
    this.subscriber = testRedis(redis, 'md-listener');
    this.subscriber.on('message', (_channel: string, text: string) => this.messages.push(JSON.parse(text) as MarketDataMessage));
  }

  async listen(symbol: string): Promise<void> {
    await this.subscriber.subscribe(prefixedChannel(this.subscriber, marketDataChannel(symbol)));
  }

  of<T extends MarketDataMessage['type']>(symbol: string, type: T): Array<Extract<MarketDataMessage, { type: T }>> {
    return this.messages.filter((message): message is Extract<MarketDataMessage, { type: T }> => message.symbol === symbol && message.type === type);
  }

  close(): void {
    this.subscriber.disconnect();
  }
}

export const traceIdOf = (traceparent: string | undefined) => traceparent?.split('-')[1];
