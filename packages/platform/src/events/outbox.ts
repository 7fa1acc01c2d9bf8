import { randomUUID } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';
import { type Transaction, withTransaction } from '../db/transaction.js';
import { untraced } from '../tracing.js';
import type { EventContract } from '@exchange/contracts';
import type { z } from 'zod';
import { replayedEvents } from './sequence-metrics.js';
import { captureTraceContext, restoreTraceContext, type TraceCarrier } from './trace-context.js';

/** An event to publish: its contract, the stream it goes to, its data as the contract's schema takes it. */
export interface OutboxEvent<C extends EventContract = EventContract> {
  contract: C;
  stream: string;
  data: z.input<C['schema']>;
  /** defaults to a fresh UUID; consumers deduplicate on it */
  id?: string;
}

/** The data as its contract writes it: parsed by the schema, so what leaves is what every reader expects. */
function encode(event: OutboxEvent): string {
  const parsed = event.contract.schema.safeParse(event.data);
  if (!parsed.success) {
    throw new Error(
      `${event.contract.type} v${event.contract.version} does not fit its contract: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  return JSON.stringify(parsed.data);
}

/**
 * Writes an event in the caller's transaction: it becomes visible to the relay exactly when the
 * change it announces commits, and is lost only if that change is.
 */
export async function enqueueEvent<C extends EventContract>(client: Transaction, event: OutboxEvent<C>): Promise<string> {
  const id = event.id ?? randomUUID();
  await client.query('INSERT INTO outbox (event_id, stream, type, version, payload, trace_context) VALUES ($1, $2, $3, $4, $5, $6)', [
    id,
    event.stream,
    event.contract.type,
    event.contract.version,
    encode(event),
    JSON.stringify(captureTraceContext()),
  ]);
  return id;
}

/**
 * Writes many events with one statement, each with the trace context it belongs to (for a batch
 * that serves many requests at once, such as the matching engine's).
 */
export async function enqueueEvents(client: Transaction, events: Array<OutboxEvent & { traceContext?: TraceCarrier }>): Promise<void> {
  if (events.length === 0) return;
  await client.query(
    `INSERT INTO outbox (event_id, stream, type, version, payload, trace_context)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::jsonb[], $6::jsonb[])`,
    [
      events.map((event) => event.id ?? randomUUID()),
      events.map((event) => event.stream),
      events.map((event) => event.contract.type),
      events.map((event) => event.contract.version),
      events.map(encode),
      events.map((event) => JSON.stringify(event.traceContext ?? captureTraceContext())),
    ],
  );
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
  /** how long published events are kept, to publish again if Redis loses them */
  retentionMs?: number;
}

interface OutboxRow {
  id: string;
  /** the event's number in its stream: given when it is first published, kept when it is published again */
  seq: string | null;
  event_id: string;
  stream: string;
  type: string;
  version: number;
  payload: unknown;
  trace_context: TraceCarrier;
  created_at: Date;
}

const tracer = trace.getTracer('@exchange/platform/outbox');

/** The relays this process runs, for the backlog gauges. */
const runningRelays = new Set<OutboxRelay>();

/**
 * `exchange_outbox_unpublished_events` and `exchange_outbox_oldest_unpublished_seconds`: what this
 * process has committed but not yet published, read from its outbox when /metrics is scraped. A
 * backlog that grows is a relay falling behind (or Redis away).
 */
export function registerOutboxGauges(registry: Registry): void {
  const read = async () => {
    const backlogs = await Promise.all([...runningRelays].map((relay) => relay.backlog().catch(() => undefined)));
    return backlogs.filter((backlog) => backlog !== undefined);
  };
  let pending: ReturnType<typeof read> | undefined;
  // both gauges are collected in one scrape: one query serves them
  const once = () => {
    pending ??= read().finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  new Gauge({
    name: 'exchange_outbox_unpublished_events',
    help: 'Events committed to the outbox and not yet published to their stream',
    registers: [registry],
    async collect() {
      const backlogs = await once();
      if (backlogs.length > 0) this.set(backlogs.reduce((sum, backlog) => sum + backlog.events, 0));
    },
  });
  new Gauge({
    name: 'exchange_outbox_oldest_unpublished_seconds',
    help: 'How long the oldest unpublished outbox event has waited (0 when none waits)',
    registers: [registry],
    async collect() {
      const backlogs = await once();
      if (backlogs.length > 0) this.set(Math.max(...backlogs.map((backlog) => backlog.oldestSeconds)));
    },
  });
}

/**
 * Moves committed outbox rows to their Redis streams, oldest first. At least once: a crash between
 * XADD and marking the row published publishes it again (consumers deduplicate on the event id); a
 * Redis outage only delays publishing; and when Redis comes back empty (it keeps nothing on disk
 * here) every event it had received within the retention period is published again. One relay per
 * service publishes at a time (an advisory lock), so events leave in the order they were written.
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
  private readonly retentionMs: number;
  /** the Redis instance the relay last published to (its run id changes when it restarts) */
  private knownRedisRun: string | undefined;
  private redisRunCheckedAt = 0;
  private lastPurgeAt = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.maxStreamLength = options.maxStreamLength ?? 1_000_000;
    this.retentionMs = options.retentionMs ?? 3_600_000;
  }

  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    runningRelays.add(this);
    this.loop = this.run();
  }

  /** Events committed but not yet published, and how long the oldest has waited (0 when none). */
  async backlog(): Promise<{ events: number; oldestSeconds: number }> {
    const { rows } = await this.options.db.query<{ events: string; oldest: number | null }>(
      'SELECT count(*) AS events, extract(epoch FROM now() - min(created_at))::float8 AS oldest FROM outbox WHERE published_at IS NULL',
    );
    return { events: Number(rows[0]!.events), oldestSeconds: Math.max(0, rows[0]!.oldest ?? 0) };
  }

  /** Publish now rather than at the next poll: call after committing a transaction that enqueued. */
  wake(): void {
    this.hasPendingWake = true;
    // while Redis is failing, keep backing off rather than retrying on every request
    if (this.failures === 0) this.endSleep?.();
  }

  async stop(): Promise<void> {
    this.isRunning = false;
    runningRelays.delete(this);
    this.endSleep?.();
    await this.loop;
  }

  /** Publishes one batch; returns how many events went out. */
  async publishBatch(): Promise<number> {
    const redisRun = await this.redisRunId();
    // the numbers first, committed on their own: an event keeps its number whatever becomes of the
    // publish (a crash after XADD must not let the next attempt give its number to another event)
    await this.numberNew();
    const client = await this.options.db.connect();
    try {
      await untraced(() => client.query('BEGIN'));
      const { rows: lock } = await client.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.outbox-relay')) AS locked",
      );
      if (!lock[0]!.locked) {
        // another instance of this service is relaying right now
        await client.query('COMMIT');
        return 0;
      }
      if (redisRun !== this.knownRedisRun) await this.republishLost(client, redisRun);
      // in each stream's order (a row published again may have a smaller id than rows numbered
      // before it); rows not numbered yet wait for the next round
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, seq, event_id, stream, type, version, payload, trace_context, created_at FROM outbox
          WHERE published_at IS NULL AND seq IS NOT NULL ORDER BY seq, id LIMIT $1`,
        [this.batchSize],
      );
      if (rows.length > 0) {
        await this.publish(rows);
        await client.query('UPDATE outbox SET published_at = now(), published_to = $2 WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id), redisRun]);
      }
      if (Date.now() - this.lastPurgeAt > 60_000) {
        this.lastPurgeAt = Date.now();
        await client.query('DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)', [this.retentionMs / 1000]);
      }
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Numbers the committed rows that have no number yet, per stream, in the order they were written,
   * in a transaction of its own under the relay's lock: the numbers are durable before anything is
   * published, and one relay at a time gives them.
   */
  private async numberNew(): Promise<void> {
    const client = await this.options.db.connect();
    try {
      await untraced(() => client.query('BEGIN'));
      const { rows: lock } = await client.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.outbox-relay')) AS locked",
      );
      if (lock[0]!.locked) {
        const { rows } = await client.query<Pick<OutboxRow, 'id' | 'seq' | 'stream'>>(
          'SELECT id, seq, stream FROM outbox WHERE published_at IS NULL AND seq IS NULL ORDER BY id LIMIT $1',
          [this.batchSize],
        );
        await this.number(client, rows);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private async number(client: Transaction, rows: Array<Pick<OutboxRow, 'id' | 'seq' | 'stream'>>): Promise<void> {
    const counts = new Map<string, number>();
    for (const row of rows) if (row.seq === null) counts.set(row.stream, (counts.get(row.stream) ?? 0) + 1);
    if (counts.size === 0) return;
    const { rows: lasts } = await client.query<{ stream: string; last_seq: string }>(
      `INSERT INTO outbox_sequences (stream, last_seq) SELECT * FROM unnest($1::text[], $2::bigint[])
       ON CONFLICT (stream) DO UPDATE SET last_seq = outbox_sequences.last_seq + EXCLUDED.last_seq
       RETURNING stream, last_seq`,
      [[...counts.keys()], [...counts.values()]],
    );
    const next = new Map(lasts.map((last) => [last.stream, BigInt(last.last_seq) - BigInt(counts.get(last.stream)!) + 1n]));
    for (const row of rows) {
      if (row.seq !== null) continue;
      const seq = next.get(row.stream)!;
      row.seq = String(seq);
      next.set(row.stream, seq + 1n);
    }
    const numbered = rows.filter((row) => counts.has(row.stream) && row.seq !== null);
    await client.query('UPDATE outbox SET seq = v.seq FROM unnest($1::bigint[], $2::bigint[]) AS v(id, seq) WHERE outbox.id = v.id AND outbox.seq IS NULL', [
      numbered.map((row) => row.id),
      numbered.map((row) => row.seq),
    ]);
  }

  /**
   * A consumer found a gap in `stream` (events Redis lost): every event of it from `fromSeq` on is
   * published again, in order, with its number. What the outbox no longer keeps (older than the
   * retention) cannot be sent: the answer says where the kept events begin.
   */
  async replay(stream: string, fromSeq: number): Promise<{ replayed: number; lastSeq: number; firstKeptSeq: number | null }> {
    const { rows } = await this.options.db.query<{ replayed: string; last_seq: string | null; first_kept: string | null }>(
      `WITH again AS (
         UPDATE outbox SET published_at = NULL WHERE stream = $1 AND seq >= $2 AND published_at IS NOT NULL RETURNING 1
       )
       SELECT (SELECT count(*) FROM again) AS replayed,
              (SELECT last_seq FROM outbox_sequences WHERE stream = $1) AS last_seq,
              (SELECT min(seq) FROM outbox WHERE stream = $1 AND seq >= $2) AS first_kept`,
      [stream, fromSeq],
    );
    const row = rows[0]!;
    const answer = {
      replayed: Number(row.replayed),
      lastSeq: Number(row.last_seq ?? 0),
      firstKeptSeq: row.first_kept === null ? null : Number(row.first_kept),
    };
    if (answer.replayed > 0) {
      this.options.logger.warn({ stream, fromSeq, events: answer.replayed }, 'a consumer missed events of this stream: publishing them again');
      replayedEvents.inc({ stream }, answer.replayed);
      this.wake();
    }
    return answer;
  }

  /**
   * Events the outbox no longer keeps, restored from the producer's own journal with the numbers
   * they were first published under, and published again (a consumer asked for them). Restores of
   * one stream take turns, so a number another request restored first is left as it is.
   */
  async restore(stream: string, events: Array<OutboxEvent & { seq: number }>): Promise<number> {
    if (events.length === 0) return 0;
    const restored = await withTransaction(this.options.db, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.outbox-restore'), hashtext($1))", [stream]);
      const { rowCount } = await client.query(
        `INSERT INTO outbox (event_id, stream, type, version, payload, seq)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::jsonb[], $6::bigint[])
         ON CONFLICT (stream, seq) WHERE seq IS NOT NULL DO NOTHING`,
        [
          events.map((event) => event.id ?? randomUUID()),
          events.map(() => stream),
          events.map((event) => event.contract.type),
          events.map((event) => event.contract.version),
          events.map(encode),
          events.map((event) => event.seq),
        ],
      );
      return rowCount ?? 0;
    });
    if (restored > 0) {
      this.options.logger.warn(
        { stream, fromSeq: events[0]!.seq, events: restored },
        'events the outbox no longer kept: restored from the journal and published again',
      );
      replayedEvents.inc({ stream }, restored);
      this.wake();
    }
    return restored;
  }

  /** Events sent to a Redis instance that is gone (restarted without its data) go out again. */
  private async republishLost(client: Transaction, redisRun: string): Promise<void> {
    const { rowCount } = await client.query('UPDATE outbox SET published_at = NULL WHERE published_at IS NOT NULL AND published_to IS DISTINCT FROM $1', [
      redisRun,
    ]);
    if (rowCount) this.options.logger.warn({ events: rowCount }, 'Redis restarted since these events were published: publishing them again');
    this.knownRedisRun = redisRun;
  }

  /**
   * Asked at most once a second, not per batch: events published to a Redis that restarted within
   * that second carry the old run id and so are published again at the next look (at least once).
   */
  private async redisRunId(): Promise<string> {
    if (this.knownRedisRun && Date.now() - this.redisRunCheckedAt < 1000) return this.knownRedisRun;
    this.redisRunCheckedAt = Date.now();
    const info = await this.options.redis.info('server');
    const runId = /^run_id:(\w+)/m.exec(info)?.[1];
    if (!runId) throw new Error('Redis did not report its run_id');
    return runId;
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
        'v',
        String(row.version),
        'seq',
        row.seq ?? '',
        'data',
        JSON.stringify(row.payload),
        'traceparent',
        carrier.traceparent ?? '',
        'tracestate',
        carrier.tracestate ?? '',
        // when the change the event announces was committed (the relay may publish it later)
        'occurredAt',
        row.created_at.toISOString(),
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
