/**
 * OpenTelemetry for one process. Import this module first thing in a service's entry point (before
 * fastify, pg, ioredis or undici are loaded) so the instrumentations can patch them.
 *
 * Exports OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318). Export happens in
 * the background in batches, so a missing collector costs nothing but a dropped batch.
 */
import { diag, DiagLogLevel, type Context, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { z } from 'zod';
import { envBoolean, envInt, loadConfig, type Env } from '../config.js';
import { setTelemetryShutdown } from './state.js';

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' });

const telemetryConfigSchema = z.object({
  OTEL_SDK_DISABLED: envBoolean(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.default('http://localhost:4318'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  // grpc is a valid OpenTelemetry value, but this process exports over HTTP only
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc']).default('http/protobuf'),
  OTEL_BSP_SCHEDULE_DELAY: envInt(1000, 1),
  OTEL_EXPORTER_OTLP_TIMEOUT: envInt(3000, 1),
  OTEL_LOG_LEVEL: z.enum(['none', 'error', 'warn', 'info', 'debug']).default('none'),
  /** the standard sampler settings: every trace by default; e.g. parentbased_traceidratio with 0.1 keeps one in ten */
  OTEL_TRACES_SAMPLER: z
    .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
});

/** Paths probed every few hundred milliseconds; tracing them would drown the real traffic. */
export const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

function isUntraced(url: string | undefined): boolean {
  if (!url) return false;
  const path = url.split('?')[0] ?? url;
  return UNTRACED_PATHS.has(path) || path.startsWith('/docs');
}

export interface TelemetryHandle {
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /**
   * The edge of the system (the gateway) must not continue a trace a client made up: a client could
   * pick trace ids that collide with others', switch sampling off, or push baggage inside. Outgoing
   * calls still carry the context.
   */
  ignoreIncomingTraceContext?: boolean;
}

/** Injects W3C trace context into outgoing requests but reads none from incoming ones. */
class InjectOnlyPropagator implements TextMapPropagator {
  private readonly w3c = new W3CTraceContextPropagator();
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.w3c.inject(context, carrier, setter);
  }
  extract(context: Context): Context {
    return context;
  }
  fields(): string[] {
    return this.w3c.fields();
  }
}

export function startTelemetry(serviceName: string, options: TelemetryOptions = {}, env: Env = process.env): TelemetryHandle {
  let config: z.infer<typeof telemetryConfigSchema>;
  try {
    config = loadConfig(telemetryConfigSchema, env);
  } catch (error) {
    // Tracing is never a reason for a process not to run.
    process.stderr.write(`${serviceName}: tracing is off: ${(error as Error).message}\n`);
    return { shutdown: async () => {} };
  }
  if (config.OTEL_SDK_DISABLED) return { shutdown: async () => {} };
  if (config.OTEL_EXPORTER_OTLP_PROTOCOL === 'grpc') {
    process.stderr.write(`${serviceName}: OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported here; exporting with http/protobuf\n`);
  }
  if (config.OTEL_LOG_LEVEL !== 'none') {
    const level = { error: DiagLogLevel.ERROR, warn: DiagLogLevel.WARN, info: DiagLogLevel.INFO, debug: DiagLogLevel.DEBUG }[config.OTEL_LOG_LEVEL];
    diag.setLogger({ error: console.error, warn: console.warn, info: console.info, debug: console.debug, verbose: console.debug }, level);
  }

  const url = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces`;
  const exporterOptions = { url, timeoutMillis: config.OTEL_EXPORTER_OTLP_TIMEOUT };
  const exporter =
    config.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json' ? new OtlpJsonTraceExporter(exporterOptions) : new OtlpProtoTraceExporter(exporterOptions);

  // The tracer provider and the four instrumentations we use (HTTP, undici, pg, ioredis; the HTTP server span is named for its Fastify route by the server itself), rather than NodeSDK: NodeSDK loads
  // every exporter it might be asked for (gRPC included) and costs each process about a second at start.
  const provider = new NodeTracerProvider({
    sampler: samplerOf(config.OTEL_TRACES_SAMPLER, config.OTEL_TRACES_SAMPLER_ARG),
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: serviceName,
      [ATTR_SERVICE_VERSION]: '0.1.0',
    }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: config.OTEL_BSP_SCHEDULE_DELAY,
        exportTimeoutMillis: config.OTEL_EXPORTER_OTLP_TIMEOUT,
        // A bounded queue: when no collector listens, spans are dropped instead of piling up.
        maxQueueSize: 4096,
        maxExportBatchSize: 512,
      }),
    ],
  });
  // Global tracer provider, AsyncLocalStorage context and W3C trace-context propagation.
  provider.register(options.ignoreIncomingTraceContext ? { propagator: new InjectOnlyPropagator() } : {});
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => isUntraced(request.url),
      }),
      new UndiciInstrumentation(),
      // a span per query; taking a pooled connection is not one (it measures a map look-up)
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false, ignoreConnectSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });

  let stopped: Promise<void> | undefined;
  const shutdown = () => {
    stopped ??= provider.shutdown().catch(() => {});
    return stopped;
  };
  setTelemetryShutdown(shutdown);
  return { shutdown };
}

/** The sampler the standard OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG name. */
export function samplerOf(name: string, ratio: number): Sampler {
  const root: Sampler = name.endsWith('always_off')
    ? new AlwaysOffSampler()
    : name.endsWith('traceidratio')
      ? new TraceIdRatioBasedSampler(ratio)
      : new AlwaysOnSampler();
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}
