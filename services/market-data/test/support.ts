import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createRedis, prefixedChannel, type Redis } from '@exchange/platform';
import { eventually, freePort, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { engineBookChannel, engineBookKey, executionsStream, marketDataChannel, type EngineBookState, type MarketDataMessage } from '@exchange/contracts';

const SERVICES = join(__dirname, '..', '..');

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit */
  stop(): Promise<void>;
}

type Built = 'risk-manager' | 'market-data' | 'client-gateway';

/** A built service as a real process on the test's database and Redis prefix, once ready. */
export async function startService(name: Built, options: { database: TestDatabase; redis: TestRedis; env?: Record<string, string> }): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--enable-source-maps', join(SERVICES, name, 'dist', 'main.js')], {
    env: {
      ...process.env,
      [`${name.toUpperCase().replace(/-/g, '_')}_PORT`]: String(port),
      DATABASE_URL: options.database.url,
      REDIS_URL: options.redis.url,
      REDIS_KEY_PREFIX: options.redis.prefix,
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      OTEL_SDK_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = once(child, 'exit');
  await Promise.race([
    eventually(async () => (await fetch(`${url}/readyz`)).ok, 30_000, `the ${name}`),
    exited.then(([code]) => Promise.reject(new Error(`the ${name} exited with code ${code}`))),
  ]);
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/** JSON over HTTP to one base URL. */
export function apiClient(baseUrl: string) {
  return async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

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
  await redis.xadd(executionsStream(symbol), '*', 'id', `${symbol}:${trade.sequence}`, 'type', 'trade', 'data', JSON.stringify(data), 'traceparent', traceparent);
}

/** Another engine event, which market data passes over. */
export async function addEvent(redis: Redis, symbol: string, sequence: number, type: string, data: Record<string, unknown>): Promise<void> {
  await redis.xadd(executionsStream(symbol), '*', 'id', `${symbol}:${sequence}`, 'type', type, 'data', JSON.stringify({ symbol, sequence, ...data }), 'traceparent', '');
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
