import { AppError } from '@exchange/platform';
import { SPAN_KINDS, type Trace, type TraceSpan, type TraceSummary } from '@exchange/contracts';
import { z } from 'zod';

/**
 * Reads traces from Jaeger's query API (v3, which answers in OTLP's JSON encoding) and turns them
 * into the exchange's trace contract. Jaeger is not one of our processes: its answers are parsed
 * here with schemas of the parts we read, and anything else about them is ignored.
 */
const anyValueSchema: z.ZodType<OtlpAnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    intValue: z.union([z.string(), z.number()]).optional(),
    doubleValue: z.union([z.number(), z.string()]).optional(),
    boolValue: z.boolean().optional(),
    bytesValue: z.string().optional(),
    arrayValue: z.object({ values: z.array(anyValueSchema).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(z.object({ key: z.string(), value: anyValueSchema.optional() })).optional() }).optional(),
  }),
);
interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number | string;
  boolValue?: boolean;
  bytesValue?: string;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: Array<{ key: string; value?: OtlpAnyValue }> };
}

const keyValuesSchema = z.array(z.object({ key: z.string(), value: anyValueSchema.optional() })).optional();
const hexId = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`));
const nanosSchema = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform((value) => BigInt(value));

const otlpSpanSchema = z.object({
  traceId: hexId(32),
  spanId: hexId(16),
  parentSpanId: z.union([hexId(16), z.literal('')]).optional(),
  name: z.string(),
  kind: z.number().int().min(0).max(5).optional(),
  startTimeUnixNano: nanosSchema,
  endTimeUnixNano: nanosSchema,
  attributes: keyValuesSchema,
  events: z.array(z.object({ name: z.string().optional(), timeUnixNano: nanosSchema.optional(), attributes: keyValuesSchema })).optional(),
  links: z.array(z.object({ traceId: hexId(32), spanId: hexId(16) })).optional(),
  status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
});

const otlpTracesSchema = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes: keyValuesSchema }).optional(),
        scopeSpans: z.array(z.object({ spans: z.array(otlpSpanSchema).optional() })).optional(),
      }),
    )
    .optional(),
});

const tracesAnswerSchema = z.object({ result: otlpTracesSchema });
const servicesAnswerSchema = z.object({ services: z.array(z.string()).optional() });

function text(value: OtlpAnyValue | undefined): string {
  if (!value) return '';
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.boolValue !== undefined) return String(value.boolValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue) return JSON.stringify((value.arrayValue.values ?? []).map(text));
  if (value.kvlistValue) return JSON.stringify(Object.fromEntries((value.kvlistValue.values ?? []).map((kv) => [kv.key, text(kv.value)])));
  return '';
}

function attributes(list: z.infer<typeof keyValuesSchema>): Record<string, string> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, text(kv.value)]));
}

const STATUS = ['unset', 'ok', 'error'] as const;

/** The traces of an OTLP payload, each with its spans in start order. */
function tracesOf(payload: z.infer<typeof otlpTracesSchema>): Trace[] {
  const byTrace = new Map<string, Array<TraceSpan & { start: bigint }>>();
  for (const resourceSpans of payload.resourceSpans ?? []) {
    const service = attributes(resourceSpans.resource?.attributes)['service.name'] || 'unknown';
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const duration = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
        const statusMessage = span.status?.message;
        const spans = byTrace.get(span.traceId) ?? [];
        spans.push({
          start: span.startTimeUnixNano,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ? span.parentSpanId : null,
          service,
          name: span.name,
          kind: SPAN_KINDS[span.kind ?? 0]!,
          startUnixNano: span.startTimeUnixNano.toString(),
          durationNano: duration.toString(),
          status: STATUS[span.status?.code ?? 0] ?? 'unset',
          ...(statusMessage ? { statusMessage } : {}),
          attributes: attributes(span.attributes),
          events: (span.events ?? []).map((event) => ({
            name: event.name ?? '',
            timeUnixNano: (event.timeUnixNano ?? span.startTimeUnixNano).toString(),
            attributes: attributes(event.attributes),
          })),
          links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
        });
        byTrace.set(span.traceId, spans);
      }
    }
  }
  return [...byTrace].map(([traceId, spans]) => {
    spans.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    // a parent that never arrived (not exported yet, or dropped) leaves its child a root here
    const known = new Set(spans.map((span) => span.spanId));
    return {
      traceId,
      spans: spans.map(({ start: _start, ...span }) => ({
        ...span,
        parentSpanId: span.parentSpanId && known.has(span.parentSpanId) ? span.parentSpanId : null,
      })),
    };
  });
}

/** One line per trace: its root, its length, the services it crossed, whether a span failed. */
export function summaryOf(trace: Trace): TraceSummary {
  const root = trace.spans.find((span) => span.parentSpanId === null) ?? trace.spans[0]!;
  let first = BigInt(trace.spans[0]!.startUnixNano);
  let last = 0n;
  for (const span of trace.spans) {
    const start = BigInt(span.startUnixNano);
    if (start < first) first = start;
    const end = start + BigInt(span.durationNano);
    if (end > last) last = end;
  }
  return {
    traceId: trace.traceId,
    service: root.service,
    name: root.name,
    startUnixNano: first.toString(),
    durationNano: (last - first).toString(),
    spanCount: trace.spans.length,
    services: [...new Set(trace.spans.map((span) => span.service))].sort(),
    hasError: trace.spans.some((span) => span.status === 'error'),
  };
}

export class JaegerQuery {
  constructor(
    private readonly baseUrl: string | undefined,
    private readonly timeoutMs = 5000,
  ) {}

  private async get(path: string): Promise<{ status: number; body: unknown }> {
    if (!this.baseUrl) throw new AppError('SERVICE_UNAVAILABLE', 'No trace backend is configured (JAEGER_QUERY_URL)', { retryAfterSeconds: 30 });
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/$/, '')}${path}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new AppError('SERVICE_UNAVAILABLE', 'The trace backend (Jaeger) cannot be reached', { service: 'jaeger', retryAfterSeconds: 5 }, { cause: error });
    }
    const raw = await response.text();
    if (response.status === 404) return { status: 404, body: undefined };
    if (!response.ok) throw new AppError('UPSTREAM_ERROR', `The trace backend answered ${response.status}`, { service: 'jaeger' });
    try {
      return { status: response.status, body: JSON.parse(raw) as unknown };
    } catch (error) {
      throw new AppError('UPSTREAM_ERROR', 'The trace backend answered something other than JSON', { service: 'jaeger' }, { cause: error });
    }
  }

  private parse<T>(schema: z.ZodType<T>, body: unknown): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new AppError('UPSTREAM_ERROR', 'The trace backend’s answer is not what was expected', { service: 'jaeger' });
    return parsed.data;
  }

  /** One trace, or undefined while Jaeger has none of its spans. */
  async trace(traceId: string): Promise<Trace | undefined> {
    const { status, body } = await this.get(`/api/v3/traces/${traceId}`);
    if (status === 404) return undefined;
    return tracesOf(this.parse(tracesAnswerSchema, body).result).find((trace) => trace.traceId === traceId);
  }

  /** The traces with a span of `service` that started within the last `lookbackMinutes`, at most `limit`. */
  async search(service: string, lookbackMinutes: number, limit: number): Promise<Trace[]> {
    const now = Date.now();
    const query = new URLSearchParams({
      'query.service_name': service,
      'query.start_time_min': new Date(now - lookbackMinutes * 60_000).toISOString(),
      'query.start_time_max': new Date(now + 60_000).toISOString(),
      'query.num_traces': String(limit),
    });
    const { status, body } = await this.get(`/api/v3/traces?${query}`);
    if (status === 404) return [];
    return tracesOf(this.parse(tracesAnswerSchema, body).result);
  }

  async services(): Promise<string[]> {
    const { body } = await this.get('/api/v3/services');
    return (this.parse(servicesAnswerSchema, body).services ?? []).sort();
  }
}
