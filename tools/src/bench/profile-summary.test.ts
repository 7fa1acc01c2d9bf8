import { describe, expect, it } from 'vitest';
import { categoryOf, summarizeProfile } from './profile-summary.js';

describe('summarising a CPU profile', () => {
  it('names where code comes from: our code, a package, OpenTelemetry, node, the collector', () => {
    expect(categoryOf('file:///x/services/order-manager/dist/app/place-order.js', 'placeOrders')).toBe('our service');
    expect(categoryOf('file:///x/packages/platform/dist/events/consumer.js', 'read')).toBe('our platform');
    expect(categoryOf('file:///x/node_modules/@opentelemetry/sdk-trace-base/build/Span.js', 'Span')).toBe('OpenTelemetry');
    expect(categoryOf('file:///x/node_modules/pg-protocol/dist/parser.js', 'parse')).toBe('pg-protocol');
    expect(categoryOf('node:internal/streams/writable', 'write')).toBe('node internals');
    expect(categoryOf('', '(garbage collector)')).toBe('garbage collection');
  });

  it('adds up self time per category and function, shares of the busy time', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4] },
        { id: 2, callFrame: frame('(idle)', '') },
        { id: 3, callFrame: frame('parse', 'file:///x/node_modules/pg-protocol/dist/parser.js') },
        { id: 4, callFrame: frame('placeOrders', 'file:///x/services/order-manager/dist/app/place-order.js'), children: [5] },
        { id: 5, callFrame: frame('writev', '') },
      ],
      samples: [2, 3, 4, 5, 2],
      timeDeltas: [1000, 1000, 2000, 2000, 5000],
    };
    const summary = summarizeProfile('order-manager', JSON.stringify(profile));
    expect(summary.totalMs).toBe(11);
    expect(summary.busyMs).toBe(5);
    expect(summary.categories).toEqual([
      { name: 'our service', ms: 2, share: 0.4 },
      { name: 'node internals', ms: 2, share: 0.4 },
      { name: 'pg-protocol', ms: 1, share: 0.2 },
    ]);
    // the socket write is counted for the service code that made it
    expect(summary.attributed).toEqual([
      { name: 'our service', ms: 4, share: 0.8 },
      { name: 'pg-protocol', ms: 1, share: 0.2 },
    ]);
    expect(summary.functions[0]).toEqual({ name: 'placeOrders services/order-manager/dist/app/place-order.js:10', ms: 2, share: 0.4 });
  });
});
