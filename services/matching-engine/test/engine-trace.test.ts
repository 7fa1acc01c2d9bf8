import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type Redis } from '@exchange/platform';
import { createTestDatabase, createTestRedis, freePort, OtlpReceiver, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { startEngine } from './support.js';

describe('matching engine traces', () => {
  let database: TestDatabase;
  let testRedis: TestRedis;
  let redis: Redis;
  let receiver: OtlpReceiver;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    testRedis = createTestRedis();
    redis = createRedis({ url: testRedis.url, keyPrefix: testRedis.prefix, connectionName: 'test' });
    receiver = new OtlpReceiver();
    const otlpUrl = await receiver.start();
    child = await startEngine({
      port: await freePort(),
      database,
      redis: testRedis,
      env: {
        ENGINE_SYMBOLS: 'MSFT',
        OTEL_SDK_DISABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    redis?.disconnect();
    await receiver?.stop();
    await testRedis?.clean();
    await database?.drop();
  });

  it('joins each command to the trace of the order that caused it, and its events’ publishing too', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentSpanId = randomBytes(8).toString('hex');
    const order = { orderId: 'traced-1', userId: 'u1', symbol: 'MSFT', side: 'BUY', type: 'LIMIT', priceTicks: '100', quantityLots: '5' };
    await redis.xadd(
      'orders:MSFT',
      '*',
      'id',
      'command-traced-1',
      'type',
      'order_created',
      'data',
      JSON.stringify(order),
      'traceparent',
      `00-${traceId}-${parentSpanId}-01`,
      'tracestate',
      '',
    );

    const spans = await receiver.waitForLineage(traceId, 'publish executions:MSFT order_accepted', parentSpanId, 15_000);
    const match = spans.find((s) => s.name === 'match MSFT')!;
    expect(match.service).toBe('matching-engine');
    expect(match.parentSpanId).toBe(parentSpanId);
    expect(match.attributes['exchange.events']).toBe('accepted');
    const publish = spans.find((s) => s.name === 'publish executions:MSFT order_accepted')!;
    expect(publish.parentSpanId).toBe(match.spanId);
  });
});
