import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_API } from '@exchange/contracts';
import { AdmissionLimit, createHttpServer, createLogger, createMetrics, createRedis, type HttpServer, type Redis } from '@exchange/platform';
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
  /** placements in the handler, each waiting until the test lets it answer */
  const held: Array<() => void> = [];
  let placementsStarted = 0;
  const admission = new AdmissionLimit({ what: 'orders', targetLatencyMs: 60_000, initialLimit: 2, minLimit: 2, maxLimit: 2 });
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
      corsOrigins: ['http://localhost:3000'],
      // well above what a busy test machine's other work makes the loop lag, well below the hog's
      maxEventLoopDelayMs: 150,
      redis,
      addressRateLimit: { max: 1_000_000, timeWindow: 60_000 },
      admission: { limit: admission, routes: [PUBLIC_API.placeOrder] },
    });
    app.get('/v1/ping', async () => ({ pong: true }));
    // the placement route's contract marks it as admission-limited; its work waits for the test
    app.route({
      method: 'POST',
      url: '/v1/orders',
      config: { contract: PUBLIC_API.placeOrder },
      handler: async () => {
        placementsStarted += 1;
        await new Promise<void>((resolve) => held.push(resolve));
        return { placed: true };
      },
    });
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
    await eventually(async () => (await fetch(`${base}/v1/ping`)).status === 200, 10_000, 'served while the loop is free');

    const stop = hogEventLoop(500);
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

  it('admits placements up to the limit and refuses the next at once — readable by a browser — before any work, then admits again', async () => {
    const place = () =>
      fetch(`${base}/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' }, body: '{}' });
    const first = place();
    const second = place();
    await eventually(async () => held.length === 2, 10_000, 'two placements in flight');

    const started = performance.now();
    const refused = await place();
    const refusalMs = performance.now() - started;
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(await refused.json()).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE', details: { retryAfterSeconds: 1 } } });
    expect(refusalMs).toBeLessThan(1000);
    expect(placementsStarted).toBe(2);
    expect(admission.inFlight).toBe(2);
    // other routes are not held back by the placements' limit
    await eventually(async () => (await fetch(`${base}/v1/ping`)).status === 200, 10_000, 'another route served while placements are at their limit');

    for (const release of held.splice(0)) release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    await eventually(async () => admission.inFlight === 0, 10_000, 'the answered placements released their places');
    const again = place();
    await eventually(async () => held.length === 1, 10_000, 'a placement admitted again');
    held.shift()!();
    expect((await again).status).toBe(200);
    expect(placementsStarted).toBe(3);
  });
});
