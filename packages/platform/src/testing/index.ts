/**
 * Helpers for the integration and end-to-end tests: a fresh database per run, a Redis key prefix per
 * run, and an OTLP/HTTP (JSON) receiver that collects the spans the processes export.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { CALLER_NAMES } from '@exchange/contracts';
import { dropDatabase, ensureDatabase } from '../db/postgres.js';
import { type GeneratedIdentities, generateIdentities } from '../identity/keys.js';
import { dropDatabaseRoles, removeRedisUsers } from '../data-access.js';
import { SERVICE_NAMES } from '../services.js';
import { createRedis } from '../redis.js';

export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** A TCP port nobody listens on right now. */
/** mulberry32: a small seeded generator, so a test or bench replays the same workload every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createTcpServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `probe` until it returns something truthy (errors count as not yet), and returns that;
 * fails naming `what` after `timeoutMs`.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Fresh identities for every caller, for a test's own processes. */
export function createTestIdentities(): GeneratedIdentities {
  return generateIdentities(CALLER_NAMES);
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates `exchange_test_<unique>` on the server of `baseUrl` (TEST_DATABASE_URL or the local one). */
export async function createTestDatabase(baseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'): Promise<TestDatabase> {
  const name = `exchange_test_${uniqueSuffix()}`;
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  return {
    url: url.toString(),
    name,
    drop: async () => {
      await dropDatabase(url.toString());
      await dropDatabaseRoles(url.toString(), name);
    },
  };
}

export interface TestRedis {
  url: string;
  prefix: string;
  /** deletes every key under the prefix */
  clean(): Promise<void>;
}

export function createTestRedis(url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'): TestRedis {
  const prefix = `test:${uniqueSuffix()}:`;
  return {
    url,
    prefix,
    async clean() {
      await removeRedisUsers(url, prefix, SERVICE_NAMES);
      const redis = createRedis({ url, keyPrefix: '', connectionName: 'test-cleanup' });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
  kind: number;
  attributes: Record<string, unknown>;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /** OTLP status code: 0 unset, 1 ok, 2 error */
  statusCode: number;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  links: Array<{ traceId: string; spanId: string }>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}

function otlpValue(value: OtlpValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(otlpValue);
  return undefined;
}

function attributeMap(attributes: Array<{ key: string; value?: OtlpValue }> | undefined): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map((a) => [a.key, otlpValue(a.value)]));
}

/** OTLP traces in the JSON encoding: what an exporter sends, and what Jaeger's `/api/v3/traces/{id}` answers. */
export interface OtlpTracesPayload {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value?: OtlpValue }> };
    scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }>;
  }>;
}

/** The spans of an OTLP JSON payload, flattened with their service's name. */
export function otlpSpans(payload: OtlpTracesPayload): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of payload.resourceSpans ?? []) {
    const service = String(attributeMap(resourceSpans.resource?.attributes)['service.name'] ?? 'unknown');
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const parent = span.parentSpanId as string | undefined;
        const status = (span.status ?? {}) as { code?: number; message?: string };
        spans.push({
          service,
          traceId: String(span.traceId),
          spanId: String(span.spanId),
          parentSpanId: parent ? parent : undefined,
          name: String(span.name),
          kind: Number(span.kind ?? 0),
          attributes: attributeMap(span.attributes as Array<{ key: string; value?: OtlpValue }>),
          startTimeUnixNano: String(span.startTimeUnixNano),
          endTimeUnixNano: String(span.endTimeUnixNano),
          statusCode: Number(status.code ?? 0),
          events: ((span.events ?? []) as Array<{ name?: string; attributes?: Array<{ key: string; value?: OtlpValue }> }>).map((event) => ({
            name: String(event.name ?? ''),
            attributes: attributeMap(event.attributes),
          })),
          links: ((span.links ?? []) as Array<{ traceId?: string; spanId?: string }>).map((link) => ({
            traceId: String(link.traceId ?? ''),
            spanId: String(link.spanId ?? ''),
          })),
        });
      }
    }
  }
  return spans;
}

/**
 * One trace as Jaeger stores it, read from its query API (`/api/v3/traces/{id}`, which answers in
 * OTLP JSON); no spans while Jaeger has none of it yet.
 */
export async function jaegerTrace(jaegerUrl: string, traceId: string): Promise<ReceivedSpan[]> {
  const response = await fetch(`${jaegerUrl}/api/v3/traces/${traceId}`, { signal: AbortSignal.timeout(5000) });
  if (response.status === 404) {
    await response.arrayBuffer();
    return [];
  }
  const body = (await response.json()) as { result?: OtlpTracesPayload };
  if (!response.ok) throw new Error(`Jaeger answered ${response.status} for trace ${traceId}: ${JSON.stringify(body).slice(0, 300)}`);
  return otlpSpans(body.result ?? {});
}

/** A stand-in for Jaeger's OTLP/HTTP port: accepts `POST /v1/traces` in the JSON encoding. */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private server: Server | undefined;
  private waiters: Array<() => void> = [];

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        try {
          if (request.method === 'GET' && request.url?.startsWith('/spans')) {
            // lets a test in another process (a vitest worker) read what arrived here
            const traceId = new URL(request.url, 'http://receiver').searchParams.get('traceId');
            const spans = traceId ? this.trace(traceId) : this.spans;
            response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(spans));
            return;
          }
          if (request.url === '/v1/traces') this.ingest(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch {
          response.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  /** Waits until `predicate` holds over the spans received so far. */
  async waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.spans)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`spans did not arrive within ${timeoutMs} ms (have ${this.spans.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Waits until the trace holds a span called `name` and every span between it and `rootSpanId`
   * (the caller's span, which this receiver never sees). A parent ends after its children, so it
   * may come in a later export than they do; a test that reads the tree waits for all of it.
   * Returns the trace as received then.
   */
  async waitForLineage(traceId: string, name: string, rootSpanId: string, timeoutMs = 10_000): Promise<ReceivedSpan[]> {
    const complete = (): boolean => {
      const trace = this.trace(traceId);
      const byId = new Map(trace.map((span) => [span.spanId, span]));
      return trace.some((span) => {
        let current: ReceivedSpan | undefined = span.name === name ? span : undefined;
        for (let depth = 0; current && depth < 64; depth += 1) {
          if (current.parentSpanId === rootSpanId) return true;
          current = byId.get(current.parentSpanId ?? '');
        }
        return false;
      });
    };
    await this.waitFor(complete, timeoutMs);
    return this.trace(traceId);
  }

  private ingest(payload: OtlpTracesPayload): void {
    this.spans.push(...otlpSpans(payload));
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
export { eventBacklog, quietFingerprint } from './quiet.js';
