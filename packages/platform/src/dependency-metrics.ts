import { performance } from 'node:perf_hooks';
import { Histogram, type Registry } from 'prom-client';

/**
 * How long this process waits on what it depends on: each PostgreSQL query and each call to
 * another service, as the caller sees them (queueing for a connection included). One instance per
 * process, added to its registry by `createMetrics`, so every pool and client records into it.
 */
const queryDuration = new Histogram({
  name: 'db_client_query_duration_seconds',
  help: 'PostgreSQL queries of this process, from sending to the answer (the average is the database time per query)',
  labelNames: ['outcome'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [],
});

const callDuration = new Histogram({
  name: 'http_client_request_duration_seconds',
  help: 'Calls to other services, per upstream and method, by outcome (HTTP status or transport failure)',
  labelNames: ['upstream', 'method', 'outcome'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [],
});

export function registerDependencyMetrics(registry: Registry): void {
  registry.registerMetric(queryDuration);
  registry.registerMetric(callDuration);
}

/** Records one call to another service that took since `startedAt` (`performance.now()`). */
export function observeServiceCall(upstream: string, method: string, outcome: string, startedAt: number): void {
  callDuration.observe({ upstream, method, outcome }, (performance.now() - startedAt) / 1000);
}

interface Queryable {
  query: (...args: never[]) => unknown;
}

/**
 * Times every query a pg client makes, in its promise form and in its callback form (the one the
 * pool's own `query` uses on its clients); a submittable (a cursor) passes through untimed.
 */
export function timeQueries(client: Queryable): void {
  const original = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const startedAt = performance.now();
    const observe = (outcome: 'ok' | 'error') => queryDuration.observe({ outcome }, (performance.now() - startedAt) / 1000);
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, ...rest: unknown[]) => {
        observe(error ? 'error' : 'ok');
        return (last as (...a: unknown[]) => unknown)(error, ...rest);
      };
      return original(...args);
    }
    const result = original(...args);
    if (result instanceof Promise)
      result.then(
        () => observe('ok'),
        () => observe('error'),
      );
    return result;
  }) as Queryable['query'];
}
