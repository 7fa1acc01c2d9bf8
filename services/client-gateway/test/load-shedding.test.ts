import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, createLogger, createMetrics, createRedis, type HttpServer, type Redis } from '@exchange/platform';
import { eventually } from '@exchange/platform/testing';
import { registerPlugins } from '../src/http/plugins.js';

/** Keeps the event loop busy most of the time: `busyMs` of synchronous work every `busyMs + 5` ms. */
function hogEventLoop(busyMs: number): () => void {
  const timer = setInterval(() => {
    const until = Date.now() + busyMs;
    while (Date.now() < until) {
      // busy on purpose: this is the overload
    }
  }, busyMs + 5);
  return () => clearInterval(timer);
}

/**
 * The gateway's plugins on a real server and a real Redis: while the event loop lags past the limit,
 * every request is refused at once with 503 SERVICE_UNAVAILABLE and Retry-After, and served again
 * once the lag is gone.
 */
describe('gateway load shedding', () => {
  let app: HttpServer;
  let redis: Redis;
  let base: string;
  const prefix = `test-shedding-${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    redis = createRedis({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix: prefix, connectionName: 'load-shedding-test' });
    app = createHttpServer({
      logger: createLogger('client-gateway', 'silent'),
      metrics: createMetrics('client-gateway'),
      readiness: {},
      requireContracts: false,
    });
    await registerPlugins(app, {
      corsOrigins: [],
      maxEventLoopDelayMs: 40,
      redis,
      addressRateLimit: { max: 1_000_000, timeWindow: 60_000 },
    });
    app.get('/v1/ping', async () => ({ pong: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
    redis?.disconnect();
  });

  it('serves while the loop is free, refuses with 503 and Retry-After while it lags, and serves again after', async () => {
    const free = await fetch(`${base}/v1/ping`);
    expect(free.status).toBe(200);

    const stop = hogEventLoop(150);
    try {
      const refused = await eventually(
        async () => {
          const response = await fetch(`${base}/v1/ping`);
          return response.status === 503 ? response : undefined;
        },
        10_000,
        'a request refused while the event loop lags',
      );
      expect(refused.headers.get('retry-after')).toBe('1');
      const body = await refused.json();
      expect(body).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE', details: { retryAfterSeconds: 1 } } });
    } finally {
      stop();
    }

    await eventually(async () => (await fetch(`${base}/v1/ping`)).status === 200, 10_000, 'served again once the lag is gone');
  });
});
