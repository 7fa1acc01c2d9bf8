import { context, propagation, type Context } from '@opentelemetry/api';

export type TraceCarrier = Record<string, string>;

/** The active trace context as W3C headers (`traceparent`, `tracestate`), to travel inside a message. */
export function captureTraceContext(from: Context = context.active()): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(from, carrier);
  return carrier;
}

/** The context a message was produced in, so the consumer's span joins that trace. */
export function restoreTraceContext(carrier: TraceCarrier): Context {
  return propagation.extract(context.active(), carrier);
}
