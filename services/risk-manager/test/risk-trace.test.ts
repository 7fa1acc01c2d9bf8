import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internalHeaders } from '@exchange/platform';
import { createTestDatabase, createTestRedis, OtlpReceiver, type ReceivedSpan, type TestDatabase, type TestRedis } from '@exchange/platform/testing';
import { apiClient, startRiskManager, type RiskManagerProcess } from './support.js';

const CHECK_SPANS = [
  'risk check market',
  'risk check kill switch',
  'risk check tick and lot',
  'risk check quantity',
  'risk check price collar',
  'risk check notional',
  'risk check order rate',
];

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
  async function tracedCheck(body: Record<string, unknown>, last: string): Promise<{ status: number; spans: ReceivedSpan[]; parentSpanId: string }> {
    const traceId = randomBytes(16).toString('hex');
    const parentSpanId = randomBytes(8).toString('hex');
    const userId = randomUUID();
    const identity = await internalHeaders(service.identities, 'order-manager', 'risk-manager', { id: userId, role: 'user' });
    const response = await fetch(`${service.url}/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parentSpanId}-01`, ...identity },
      body: JSON.stringify({ orderId: randomUUID(), userId, symbol: 'TRC', side: 'BUY', type: 'LIMIT', ...body }),
    });
    await receiver.waitFor(
      (spans) =>
        spans.some((span) => span.traceId === traceId && span.name === last) &&
        spans.some((span) => span.traceId === traceId && span.name === 'risk validation'),
    );
    return { status: response.status, spans: receiver.trace(traceId), parentSpanId };
  }

  it('puts every rule in its own span, in order, under one "risk validation" span of the request', async () => {
    const { status, spans, parentSpanId } = await tracedCheck({ price: '100.00', quantity: '10' }, 'risk check order rate');
    expect(status).toBe(200);
    const validation = spans.find((span) => span.name === 'risk validation')!;
    expect(validation.service).toBe('risk-manager');
    expect(validation.attributes['exchange.symbol']).toBe('TRC');
    // up the tree: the request's server span, then the caller's span from the traceparent
    const ancestors: ReceivedSpan[] = [];
    for (let span = validation; span.parentSpanId !== parentSpanId; ) {
      span = spans.find((candidate) => candidate.spanId === span.parentSpanId)!;
      expect(span).toBeDefined();
      ancestors.push(span);
    }
    expect(ancestors.some((span) => span.kind === 2 && span.service === 'risk-manager')).toBe(true);
    const checks = spans.filter((span) => span.parentSpanId === validation.spanId && span.name.startsWith('risk check '));
    checks.sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));
    expect(checks.map((span) => span.name)).toEqual(CHECK_SPANS);
    // the market query and the Redis round trips belong to their rule's span
    const market = checks[0]!;
    expect(spans.some((span) => span.parentSpanId === market.spanId && span.name.startsWith('pg.query'))).toBe(true);
  });

  it('stops at the rule that refuses, marking its span with the error code', async () => {
    const { status, spans } = await tracedCheck({ price: '150.00', quantity: '10' }, 'risk check price collar');
    expect(status).toBe(422);
    const collar = spans.find((span) => span.name === 'risk check price collar')!;
    expect(collar.attributes['exchange.error.code']).toBe('RISK_REJECTED');
    expect(spans.some((span) => span.name === 'risk check notional')).toBe(false);
  });
});
