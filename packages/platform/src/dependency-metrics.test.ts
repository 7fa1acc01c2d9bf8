import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { observeServiceCall, registerDependencyMetrics, timeQueries } from './dependency-metrics.js';

async function counts(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)!;
  const out: Record<string, number> = {};
  for (const value of metric.values as Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>) {
    if (value.metricName !== `${name}_count`) continue;
    out[Object.values(value.labels).join('/')] = value.value;
  }
  return out;
}

describe('dependency metrics', () => {
  const registry = new Registry();
  registerDependencyMetrics(registry);

  it('times a client’s queries in the promise form and the callback form, by outcome, and leaves a submittable alone', async () => {
    const before = await counts(registry, 'db_client_query_duration_seconds');
    const client = {
      query: ((text: string, ...rest: unknown[]) => {
        const callback = rest.find((arg) => typeof arg === 'function') as ((error: unknown, result?: unknown) => void) | undefined;
        const fails = text.startsWith('FAIL');
        if (callback) {
          setImmediate(() => (fails ? callback(new Error('no')) : callback(null, { rows: [] })));
          return undefined;
        }
        if (text === 'SUBMIT') return { submit: true };
        return fails ? Promise.reject(new Error('no')) : Promise.resolve({ rows: [] });
      }) as (...args: never[]) => unknown,
    };
    timeQueries(client);
    const query = client.query as unknown as (...args: unknown[]) => unknown;
    await query('SELECT 1');
    await expect(query('FAIL 1')).rejects.toThrow('no');
    const answered = await new Promise((resolve) => query('SELECT 2', [], (error: unknown, result: unknown) => resolve([error, result])));
    expect(answered).toEqual([null, { rows: [] }]);
    await new Promise((resolve) => query('FAIL 2', (error: unknown) => resolve(error)));
    expect(query('SUBMIT')).toEqual({ submit: true });
    const after = await counts(registry, 'db_client_query_duration_seconds');
    expect((after.ok ?? 0) - (before.ok ?? 0)).toBe(2);
    expect((after.error ?? 0) - (before.error ?? 0)).toBe(2);
  });

  it('counts calls to other services per upstream, method and outcome', async () => {
    observeServiceCall('wallet-service', 'POST', '200', performance.now());
    observeServiceCall('wallet-service', 'POST', 'SERVICE_UNAVAILABLE', performance.now());
    const after = await counts(registry, 'http_client_request_duration_seconds');
    expect(after['wallet-service/POST/200']).toBe(1);
    expect(after['wallet-service/POST/SERVICE_UNAVAILABLE']).toBe(1);
  });
});
