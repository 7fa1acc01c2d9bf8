import { context, defaultTextMapGetter, defaultTextMapSetter, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export type TraceCarrier = Record<string, string>;

// Messages between our own services always carry W3C trace context, whatever propagator the
// process uses for HTTP (the gateway reads none from clients).
const w3c = new W3CTraceContextPropagator();

/** The active trace context as W3C headers (`traceparent`, `tracestate`), to travel inside a message. */
export function captureTraceContext(from: Context = context.active()): TraceCarrier {
  const carrier: TraceCarrier = {};
  w3c.inject(from, carrier, defaultTextMapSetter);
  return carrier;
}

/** The context a message was produced in, so the consumer's span joins that trace. */
export function restoreTraceContext(carrier: TraceCarrier): Context {
  return w3c.extract(context.active(), carrier, defaultTextMapGetter);
}
