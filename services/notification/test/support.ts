import { resolve } from 'node:path';
import { createRedis, internalHeaders, type Redis } from '@exchange/platform';
import { eventually, OtlpReceiver } from '@exchange/platform/testing';
import { executionsStream, userChannel, WALLET_EVENTS_STREAM } from '@exchange/contracts';
import { startPrivateSystem, type PrivateSystem, type RunningSystem } from '@exchange/tools';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/**
 * JSON over HTTP to one base URL, with an optional bearer token; `sign` adds the internal identity
 * headers a legitimate caller would send (and may rewrite the path).
 */
export function apiClient(baseUrl: string, sign?: (method: string, path: string) => Promise<{ path: string; headers: Record<string, string> }>) {
  return async function call<T = any>(method: string, pathAndQuery: string, options: { body?: unknown; token?: string } = {}): Promise<ApiResponse<T>> {
    const signed = sign ? await sign(method, pathAndQuery) : { path: pathAndQuery, headers: {} };
    const path = signed.path;
    const headers: Record<string, string> = { ...signed.headers };
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
  exchange!: PrivateSystem;
  receiver = new OtlpReceiver();
  /** keys prefixed like the processes' */
  publisher!: Redis;
  subscriber!: UserChannels;

  get system(): RunningSystem {
    return this.exchange.system;
  }

  get database(): { url: string } {
    return { url: this.exchange.databaseUrl };
  }

  async start(): Promise<void> {
    const otlpUrl = await this.receiver.start();
    this.exchange = await startPrivateSystem(resolve(__dirname, '..', '..', '..'), {
      services: ['client-gateway', 'user-service', 'risk-manager', 'notification'],
      env: {
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
        OTEL_SDK_DISABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    const redis = { url: this.exchange.redisUrl, prefix: this.exchange.redisKeyPrefix };
    this.publisher = createRedis({ url: redis.url, keyPrefix: redis.prefix, connectionName: 'notification-test' });
    this.subscriber = new UserChannels(redis);
  }

  async stop(): Promise<void> {
    this.publisher?.disconnect();
    await this.subscriber?.close();
    await this.exchange?.stop();
    await this.receiver.stop();
  }

  url(service: 'notification' | 'client-gateway' | 'risk-manager'): string {
    return this.system.urls[service];
  }

  /**
   * The notification service's own API, called as the gateway calls it: `?userId=` in a test's path
   * names the user the gateway asserts (and is taken out of the query).
   */
  notificationApi() {
    return apiClient(this.url('notification'), async (_method, pathAndQuery) => {
      const url = new URL(pathAndQuery, 'http://test');
      const userId = url.searchParams.get('userId');
      url.searchParams.delete('userId');
      const user = userId ? { id: userId, role: 'user' as const } : undefined;
      return { path: `${url.pathname}${url.search}`, headers: await internalHeaders(this.exchange.identities, 'client-gateway', 'notification', user) };
    });
  }

  /** The risk-manager's API as the gateway calls it for an admin. */
  riskAdminApi() {
    return apiClient(this.url('risk-manager'), async (_method, path) => ({
      path,
      headers: await internalHeaders(this.exchange.identities, 'client-gateway', 'risk-manager', { id: '00000000-0000-4000-8000-00000000ad31', role: 'admin' }),
    }));
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

  constructor(private readonly redis: { url: string; prefix: string }) {
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
