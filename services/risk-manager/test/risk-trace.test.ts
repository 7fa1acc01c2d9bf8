import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internalHeaders } from '@exchange/platform';
import { createTestDatabase, createTestRedis, OtlpReceiver, type ReceivedSpan, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { apiClient, startRiskManager, type RiskManagerProcess } from './support.js';

describe('risk-manager traces', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let receiver: OtlpReceiver;
  let service: RiskManagerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    receiver = new OtlpReceiver();
    const otlpUrl = await receiver.start();
    service = await startRiskManager({
      database,
      redis,
      env: { OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
    await apiClient(service)('POST', '/markets', { symbol: 'TRC', name: 'Traced Inc.', referencePrice: '100.00' });
  });
  afterAll(async () => {
    await service?.stop();
    await receiver?.stop();
    await redis?.clean();
    await database?.drop();
  });

  /** POSTs /check as part of a trace the test starts; returns that trace's spans once `last` arrived. */
  async function tracedCheck(
    body: Record<string, unknown>,
    userId: string = randomUUID(),
  ): Promise<{ status: number; spans: ReceivedSpan[]; parentSpanId: string }> {
    const traceId = randomBytes(16).toString('hex');
    const parentSpanId = randomBytes(8).toString('hex');
    const identity = await internalHeaders(service.identities, 'order-manager', 'risk-manager', { id: userId, role: 'user' });
    const response = await fetch(`${service.url}/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parentSpanId}-01`, ...identity },
      body: JSON.stringify({ orderId: randomUUID(), userId, symbol: 'TRC', side: 'BUY', type: 'LIMIT', ...body }),
    });
    const spans = await receiver.waitForLineage(traceId, 'risk validation', parentSpanId);
    return { status: response.status, spans, parentSpanId };
  }

  it('shows one "risk validation" span under the request, its Redis round trips inside, and no database read (markets and limits are in memory)', async () => {
    const userId = randomUUID();
    // the first order of a user reads their limits once
    const first = await tracedCheck({ price: '100.00', quantity: '10' }, userId);
    expect(first.spans.filter((span) => span.name.startsWith('pg.query'))).toHaveLength(1);
    const { status, spans, parentSpanId } = await tracedCheck({ price: '100.00', quantity: '10' }, userId);
    expect(status).toBe(200);
    const validation = spans.find((span) => span.name === 'risk validation')!;
    expect(validation.service).toBe('risk-manager');
    expect(validation.attributes).toMatchObject({ 'exchange.symbol': 'TRC', 'exchange.batch.size': 1 });
    // up the tree: the request's server span, then the caller's span from the traceparent
    const ancestors: ReceivedSpan[] = [];
    for (let span = validation; span.parentSpanId !== parentSpanId; ) {
      span = spans.find((candidate) => candidate.spanId === span.parentSpanId)!;
      expect(span).toBeDefined();
      ancestors.push(span);
    }
    expect(ancestors.some((span) => span.kind === 2 && span.service === 'risk-manager')).toBe(true);
    const inside = spans.filter((span) => span.parentSpanId === validation.spanId).map((span) => span.name);
    // the engine's last price (MGET) and the order-rate counter (EVALSHA, pipelined)
    expect(inside.some((name) => /mget/i.test(name))).toBe(true);
    expect(inside.some((name) => /evalsha/i.test(name))).toBe(true);
    expect(spans.some((span) => span.name.startsWith('pg.query'))).toBe(false);
  });

  it('marks the refusing rule on the span', async () => {
    const { status, spans } = await tracedCheck({ price: '150.00', quantity: '10' });
    expect(status).toBe(422);
    const validation = spans.find((span) => span.name === 'risk validation')!;
    expect(validation.attributes['exchange.error.code']).toBe('RISK_REJECTED');
  });
});
