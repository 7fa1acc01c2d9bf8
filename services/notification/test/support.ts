import { resolve } from 'node:path';
import { createRedis, type Redis } from '@exchange/platform';
import { createTestDatabase, createTestRedis, eventually, OtlpReceiver, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { executionsStream, userChannel, WALLET_EVENTS_STREAM } from '@exchange/contracts';
import { findFreePortBase, generateSigningKey, resolvePorts, startSystem, type RunningSystem } from '@exchange/tools';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/** JSON over HTTP to one base URL, with an optional bearer token. */
export function apiClient(baseUrl: string) {
  return async function call<T = any>(method: string, path: string, options: { body?: unknown; token?: string } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

/**
 * The built notification service as a real process, with the risk-manager its MarketDirectory
 * reads and the gateway and user-service in front, on a fresh database and Redis prefix, traced
 * into a local OTLP receiver. Events are scripted with XADD, as the engine and the wallet-service
 * would publish them.
 */
export class NotificationSystem {
  database!: TestDatabase;
  redis!: TestRedis;
  receiver = new OtlpReceiver();
  system!: RunningSystem;
  /** keys prefixed like the processes' */
  publisher!: Redis;
  subscriber!: UserChannels;

  async start(): Promise<void> {
    this.database = await createTestDatabase();
    this.redis = createTestRedis();
    const otlpUrl = await this.receiver.start();
    this.system = await startSystem({
      rootDir: resolve(__dirname, '..', '..', '..'),
      databaseUrl: this.database.url,
      redisUrl: this.redis.url,
      redisKeyPrefix: this.redis.prefix,
      ports: resolvePorts({ EXCHANGE_PORT_BASE: String(await findFreePortBase(10)) }),
      jwtPrivateKey: generateSigningKey(),
      seedAdmin: false,
      services: ['client-gateway', 'user-service', 'risk-manager', 'notification'],
      restart: false,
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'error',
        OTEL_SDK_DISABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    this.publisher = createRedis({ url: this.redis.url, keyPrefix: this.redis.prefix, connectionName: 'notification-test' });
    this.subscriber = new UserChannels(this.redis);
  }

  async stop(): Promise<void> {
    await this.system?.stop();
    this.publisher?.disconnect();
    await this.subscriber?.close();
    await this.receiver.stop();
    await this.redis?.clean();
    await this.database?.drop();
  }

  url(service: 'notification' | 'client-gateway' | 'risk-manager'): string {
    return this.system.urls[service];
  }

  /** An event on a stream, in the fields the platform's outbox relay writes. */
  async xadd(stream: string, event: { id: string; type: string; data: unknown; traceparent?: string }): Promise<void> {
    await this.publisher.xadd(stream, '*', 'id', event.id, 'type', event.type, 'data', JSON.stringify(event.data), 'traceparent', event.traceparent ?? '');
  }

  /** An engine event on `executions:{symbol}`; its id is `SYMBOL:sequence`, as the engine's. */
  async execution(symbol: string, sequence: number, type: string, fields: Record<string, unknown>, traceparent?: string): Promise<string> {
    const id = `${symbol}:${sequence}`;
    await this.xadd(executionsStream(symbol), { id, type, data: { symbol, sequence, ...fields, executedAt: new Date().toISOString() }, traceparent });
    return id;
  }

  async walletEvent(id: string, type: string, data: Record<string, unknown>): Promise<void> {
    await this.xadd(WALLET_EVENTS_STREAM, { id, type, data });
  }
}

/** A test's own subscriber to users' live channels (prefixed, as the processes publish them). */
export class UserChannels {
  private readonly connection: Redis;
  private readonly received = new Map<string, Array<Record<string, any>>>();

  constructor(private readonly redis: TestRedis) {
    this.connection = createRedis({ url: redis.url, keyPrefix: '', connectionName: 'notification-test-subscriber' });
    this.connection.on('message', (channel: string, text: string) => {
      const user = channel.slice(`${redis.prefix}user:`.length);
      this.received.get(user)?.push(JSON.parse(text) as Record<string, any>);
    });
  }

  async listen(userId: string): Promise<void> {
    this.received.set(userId, []);
    await this.connection.subscribe(`${this.redis.prefix}${userChannel(userId)}`);
  }

  messages(userId: string): Array<Record<string, any>> {
    return this.received.get(userId) ?? [];
  }

  /** Waits until the user's channel carried a message that `predicate` accepts. */
  async waitFor(userId: string, predicate: (message: Record<string, any>) => boolean, what: string): Promise<Record<string, any>> {
    return eventually(() => this.messages(userId).find(predicate), 10_000, what);
  }

  async close(): Promise<void> {
    this.connection.disconnect();
  }
}

