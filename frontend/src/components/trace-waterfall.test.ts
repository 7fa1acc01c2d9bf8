import type { TraceSpan } from '@exchange/client';
import { describe, expect, it } from 'vitest';
import { placeSpans, serviceColor } from './TraceWaterfall';

function span(spanId: string, parentSpanId: string | null, startUnixNano: string, durationNano: string, service = 'client-gateway'): TraceSpan {
  return {
    spanId,
    parentSpanId,
    service,
    name: spanId,
    kind: 'internal',
    startUnixNano,
    durationNano,
    status: 'unset',
    attributes: {},
    events: [],
    links: [],
  };
}

describe('placing spans on a trace’s waterfall', () => {
  it('lists each span after its parent, siblings by start, with depth and exact offsets from the trace’s start', () => {
    // nanoseconds beyond what a double holds exactly: the offsets must still come out right
    const base = 1796662221544689763n;
    const at = (offsetNs: bigint) => (base + offsetNs).toString();
    const spans = [
      span('root000000000000', null, at(0n), '10000000'),
      span('late000000000000', 'root000000000000', at(6_000_000n), '1000000', 'wallet-service'),
      span('early00000000000', 'root000000000000', at(1_500_000n), '2000000', 'user-service'),
      span('deep000000000000', 'early00000000000', at(2_000_001n), '500', 'user-service'),
    ];
    const placed = placeSpans(spans.slice().sort((a, b) => (BigInt(a.startUnixNano) < BigInt(b.startUnixNano) ? -1 : 1)));
    expect(placed.map((p) => [p.span.spanId, p.depth, p.offsetMs, p.durationMs])).toEqual([
      ['root000000000000', 0, 0, 10],
      ['early00000000000', 1, 1.5, 2],
      ['deep000000000000', 2, 2, 0],
      ['late000000000000', 1, 6, 1],
    ]);
  });

  it('draws nothing for no spans, and keeps each service’s colour from trace to trace', () => {
    expect(placeSpans([])).toEqual([]);
    expect(serviceColor('wallet-service')).toBe(serviceColor('wallet-service'));
    expect(serviceColor('wallet-service')).toMatch(/^#[0-9a-f]{6}$/);
  });
});
