import { z } from 'zod';

/**
 * Traces as the gateway serves them from the trace backend (Jaeger): one trace with every span,
 * and lists of recent or slowest traces per service. Times are nanoseconds since the epoch and
 * durations nanoseconds, as decimal strings (exact, beyond what a JSON number holds).
 */
const nanos = z.string().regex(/^\d{1,20}$/, 'nanoseconds as a decimal string');
const traceId = z.string().regex(/^[0-9a-f]{32}$/, 'a trace id is 32 lowercase hex digits');

export const traceParamsSchema = z.object({ traceId });

export const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

export const traceSpanSchema = z.object({
  spanId: z.string().regex(/^[0-9a-f]{16}$/),
  /** null for a trace's root, or for a span whose parent never arrived */
  parentSpanId: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .nullable(),
  service: z.string(),
  name: z.string(),
  kind: z.enum(SPAN_KINDS),
  startUnixNano: nanos,
  durationNano: nanos,
  status: z.enum(['unset', 'ok', 'error']),
  statusMessage: z.string().optional(),
  /** attribute values as text (numbers and booleans written out) */
  attributes: z.record(z.string(), z.string()),
  events: z.array(z.object({ name: z.string(), timeUnixNano: nanos, attributes: z.record(z.string(), z.string()) })),
  /** spans of other traces this one is linked to (a batch that served many orders) */
  links: z.array(z.object({ traceId, spanId: z.string().regex(/^[0-9a-f]{16}$/) })),
});
export type TraceSpan = z.infer<typeof traceSpanSchema>;

export const traceSchema = z.object({
  traceId,
  /** spans ordered by start time */
  spans: z.array(traceSpanSchema),
});
export type Trace = z.infer<typeof traceSchema>;

export const traceSummarySchema = z.object({
  traceId,
  /** the root span's service and name (the request or message that started the trace) */
  service: z.string(),
  name: z.string(),
  startUnixNano: nanos,
  durationNano: nanos,
  spanCount: z.number().int().nonnegative(),
  services: z.array(z.string()),
  hasError: z.boolean(),
});
export type TraceSummary = z.infer<typeof traceSummarySchema>;

export const traceListQuerySchema = z.object({
  service: z.string().min(1).max(64).default('client-gateway'),
  /** recent: newest first; slowest: the longest of the recent ones first */
  order: z.enum(['recent', 'slowest']).default('recent'),
  lookbackMinutes: z.coerce.number().int().min(1).max(1440).default(60),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

export const traceListSchema = z.object({
  service: z.string(),
  order: z.enum(['recent', 'slowest']),
  traces: z.array(traceSummarySchema),
});

export const traceServicesSchema = z.object({ services: z.array(z.string()) });
