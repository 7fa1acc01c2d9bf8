import { registerDependencyMetrics } from '../dependency-metrics.js';
import { registerBacklogGauge } from '../events/backlog.js';
import { registerOutboxGauges } from '../events/outbox.js';
import { registerSequenceMetrics } from '../events/sequence-metrics.js';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface HttpMetrics {
  registry: Registry;
  requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  errors: Counter<'method' | 'route' | 'code'>;
}

/** One Prometheus registry per process: process metrics plus the HTTP histogram and error counter. */
export function createMetrics(service: string): HttpMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  registerBacklogGauge(registry);
  registerSequenceMetrics(registry);
  registerDependencyMetrics(registry);
  registerOutboxGauges(registry);
  const requestDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests served, per route (read P95 from here)',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'http_server_errors_total',
    help: 'HTTP requests answered with an error, per route and stable error code',
    labelNames: ['method', 'route', 'code'] as const,
    registers: [registry],
  });
  return { registry, requestDuration, errors };
}

/** prom-client's metric types, from the one copy the platform depends on, for a service's own metrics. */
export { Counter, Gauge, Histogram } from 'prom-client';
