import { randomUUID } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';
import type { Transaction } from '../db/transaction.js';
import { captureTraceContext, restoreTraceContext, type TraceCarrier } from './trace-context.js';

export interface OutboxEvent<T = unknown> {
  stream: string;
  type: string;
  data: T;
  /** defaults to a fresh UUID; consumers deduplicate on it */
  id?: string;
}

/**
 * Writes an event in the caller's transaction: it becomes visible to the relay exactly when the
 * change it announces commits, and is lost only if that change is.
 */
export async function enqueueEvent(client: Transaction, event: OutboxEvent): Promise<string> {
  const id = event.id ?? randomUUID();
  await client.query('INSERT INTO outbox (event_id, stream, type, payload, trace_context) VALUES ($1, $2, $3, $4, $5)', [
    id,
    event.stream,
    event.type,
    JSON.stringify(event.data),
    JSON.stringify(captureTraceContext()),
  ]);
  return id;
}

export interface OutboxRelayOptions {
  db: pg.Pool;
  redis: Redis;
  logger: Logger;
  batchSize?: number;
  /** how often the table is looked at when nobody calls wake() */
  pollIntervalMs?: number;
  /** streams are trimmed to about this many entries */
  maxStreamLength?: number;
}

interface OutboxRow {
  id: string;
  event_id: string;
  stream: string;
  type: string;
  payload: unknown;
  trace_context: TraceCarrier;
}

const tracer = trace.getTracer('@exchange/platform/outbox');

/**
 * Moves committed outbox rows to their Redis streams, oldest first, and deletes them once Redis has
 * them. At least once: a crash between XADD and DELETE publishes a row again (consumers
 * deduplicate on the event id); a Redis outage only delays publishing. Rows are taken with
 * SKIP LOCKED, so several instances can relay side by side.
 */
export class OutboxRelay {
  private isRunning = false;
  private failures = 0;
  private endSleep: (() => void) | undefined;
  private hasPendingWake = false;
  private loop: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxStreamLength: number;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.maxStreamLength = options.maxStreamLength ?? 1_000_000;
  }

  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    this.loop = this.run();
  }

  /** Publish now rather than at the next poll: call after committing a transaction that enqueued. */
  wake(): void {
    this.hasPendingWake = true;
    // while Redis is failing, keep backing off rather than retrying on every request
    if (this.failures === 0) this.endSleep?.();
  }

  async stop(): Promise<void> {
    this.isRunning = false;
    this.endSleep?.();
    await this.loop;
  }

  /** Publishes one batch; returns how many events went out. */
  async publishBatch(): Promise<number> {
    const client = await this.options.db.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        'SELECT id, event_id, stream, type, payload, trace_context FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
        [this.batchSize],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      await this.publish(rows);
      await client.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private async publish(rows: OutboxRow[]): Promise<void> {
    const pipeline = this.options.redis.pipeline();
    const spans = rows.map((row) => {
      // The publish span continues the trace of the request that wrote the event.
      const span = tracer.startSpan(
        `publish ${row.stream} ${row.type}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: { 'messaging.system': 'redis', 'messaging.destination.name': row.stream, 'messaging.message.id': row.event_id },
        },
        restoreTraceContext(row.trace_context),
      );
      const carrier = captureTraceContext(trace.setSpan(context.active(), span));
      pipeline.xadd(
        row.stream,
        'MAXLEN',
        '~',
        this.maxStreamLength,
        '*',
        'id',
        row.event_id,
        'type',
        row.type,
        'data',
        JSON.stringify(row.payload),
        'traceparent',
        carrier.traceparent ?? '',
        'tracestate',
        carrier.tracestate ?? '',
      );
      return span;
    });
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  }

  private async run(): Promise<void> {
    while (this.isRunning) {
      let published = 0;
      try {
        this.hasPendingWake = false;
        published = await this.publishBatch();
        if (this.failures > 0) this.options.logger.info({ failures: this.failures }, 'outbox relay recovered');
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.options.logger.warn({ err: error, failures: this.failures }, 'outbox relay could not publish; will retry');
        }
      }
      if (this.failures === 0 && (published === this.batchSize || this.hasPendingWake)) continue;
      const delayMs = this.failures > 0 ? Math.min(250 * 2 ** this.failures, 5000) : this.pollIntervalMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.endSleep = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.endSleep = undefined;
    }
  }
}
