import { type Attributes, context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { AppError } from './errors.js';

const tracer = trace.getTracer('@exchange/platform');

/** The OpenTelemetry API the services use directly, from the one copy the platform depends on. */
export { context, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';

/**
 * Runs `work` inside a child span named `name` (a business step: "password hashing",
 * "jwt generation"...). A thrown AppError below 500 is the caller's mistake, recorded on the span as
 * its code but not marked as a failure; anything else marks the span as failed.
 */
export async function withSpan<T>(name: string, work: (span: Span) => Promise<T> | T, attributes?: Attributes): Promise<T> {
  return tracer.startActiveSpan(name, attributes ? { attributes } : {}, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      if (error instanceof AppError) span.setAttribute('exchange.error.code', error.code);
      if (!(error instanceof AppError && error.statusCode < 500)) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      }
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs `work` with no span of its own nor of the libraries it calls (pg, ioredis, HTTP): for a step
 * whose span would measure nothing the enclosing span does not already show, such as a
 * transaction's BEGIN or the messages of one publish. Its context still carries the trace, so
 * log lines keep their trace id.
 */
export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}

/** The trace id of the active span, if a trace is being recorded. */
export function currentTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || context.traceId === '00000000000000000000000000000000') return undefined;
  return context.traceId;
}
