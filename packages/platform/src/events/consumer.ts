import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';
import { trackConsumerGroup } from './backlog.js';
import { GroupReader, type RawEntry } from './group-reader.js';
import { type DecodedEvent, decodeEvent, type EventFamily } from '@exchange/contracts';
import { withTransaction, type Transaction } from '../db/transaction.js';
import { AppError } from '../errors.js';
import { type ReplayRequest, STREAM_TAIL_CHECK_MS, StreamSequence } from './sequence.js';
import { restoreTraceContext } from './trace-context.js';

export interface StreamEvent<T = unknown> {
  /** the producer's event id (deduplication key) */
  id: string;
  type: string;
  data: T;
  /** the Redis stream entry id */
  entryId: string;
  /** the event's number in its stream, given by the producer's relay (absent on entries from before numbers travelled) */
  seq?: number;
  stream: string;
  /** when the producer wrote the event (its outbox row), when the producer said so */
  occurredAt?: string;
  /** the version of the event's contract (`v`; 1 for entries written before versions travelled) */
  version: number;
  /** the context of this event's consume span (a child of the producer's), for work done on its behalf */
  context?: Context;
  /**
   * runs `work` once the transaction applying this event has committed, never if it rolls back:
   * for what must not announce a change that could still be undone (live pushes). A failing hook is
   * logged; the event stays applied.
   */
  afterCommit?: (work: () => unknown) => void;
}

export interface StreamConsumerOptions {
  db: pg.Pool;
  redis: Redis;
  logger: Logger;
  stream: string;
  group: string;
  /** this instance's name in the group */
  consumer: string;
  /** applies one event inside the transaction that also records it as processed */
  handle(event: StreamEvent, client: Transaction): Promise<void>;
  /**
   * applies several events, in order, inside one transaction that also records them all as processed:
   * what one read gave, minus those processed before. If it fails for another reason than an outage
   * of a service it calls, the events are applied one by one with `handle`, so a bad one is isolated.
   */
  handleBatch?(events: StreamEvent[], client: Transaction): Promise<void>;
  batchSize?: number;
  blockMs?: number;
  /** entries another consumer has held this long without acking are taken over */
  claimIdleMs?: number;
  /** after this many failed deliveries an entry goes to `<stream>:dead-letter` */
  maxDeliveries?: number;
  /**
   * only one instance in the whole system consumes this stream for this group at a time (a
   * PostgreSQL advisory lock held on a connection of its own): for streams whose events must be
   * applied strictly in order, such as a market's executions. Others wait and take over when the
   * holder dies.
   */
  exclusive?: boolean;
  /** how long processed event ids are kept to recognise a redelivery (longer than any republish window) */
  dedupeWindowMs?: number;
  /**
   * asks the stream's producer to publish its events again from a number on (its outbox's replay
   * route): how a gap is repaired. Without it a gap is still found, logged and counted.
   */
  replay?: ReplayRequest;
  /** ms between two requests for the same missing events while they have not arrived */
  replayRetryMs?: number;
  /** how long the stream may stay quiet before its producer is asked whether this group missed its last events (0: never) */
  tailCheckMs?: number;
}

const tracer = trace.getTracer('@exchange/platform/consumer');

/**
 * Creates the group (and the stream) if missing; the group reads from the stream's beginning. True
 * when it had to be created. ioredis does not apply its key prefix to XGROUP, so the prefix is added here.
 */
export async function createConsumerGroup(redis: Redis, stream: string, group: string): Promise<boolean> {
  const key = `${redis.options.keyPrefix ?? ''}${stream}`;
  try {
    await redis.call('XGROUP', 'CREATE', key, group, '0', 'MKSTREAM');
    return true;
  } catch (error) {
    if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    return false;
  }
}

/**
 * An idempotent Redis Streams consumer in a consumer group. Each event is applied in one
 * PostgreSQL transaction together with a `processed_messages` row, and acked only after that commit:
 * a redelivered event (crash before the ack, a retried publish) is recognised and skipped. On start
 * it first re-reads its own pending entries; it takes over entries a dead consumer left pending; an
 * event that keeps failing is moved to a dead-letter stream and logged.
 */
export class StreamConsumer {
  private isRunning = false;
  private loop: Promise<void> | undefined;
  /** the process's one blocking read for this group, shared with its other streams */
  private readonly reader: GroupReader;
  private readonly options: Required<Omit<StreamConsumerOptions, 'handle' | 'handleBatch' | 'replay'>> &
    Pick<StreamConsumerOptions, 'handle' | 'handleBatch' | 'replay'>;
  private readonly failures = new Map<string, number>();
  private lastClaimAt = 0;
  private lastPruneAt = Date.now();
  /** the session holding this consumer's lock (exclusive consumers): losing it loses the lock */
  private lockSession: LockSession | undefined;
  private untrack: (() => void) | undefined;
  /** the stream's numbering: what comes next, and the repair of gaps */
  private readonly sequence: StreamSequence;

  constructor(options: StreamConsumerOptions) {
    this.options = {
      batchSize: 100,
      blockMs: 1000,
      claimIdleMs: 30_000,
      maxDeliveries: 5,
      exclusive: false,
      dedupeWindowMs: 86_400_000,
      replayRetryMs: 2000,
      tailCheckMs: STREAM_TAIL_CHECK_MS,
      ...options,
    };
    this.sequence = new StreamSequence({
      db: options.db,
      group: options.group,
      logger: options.logger,
      ...(options.replay ? { replay: options.replay } : {}),
      retryMs: this.options.replayRetryMs,
      tailCheckMs: this.options.tailCheckMs,
    });
    this.reader = GroupReader.of(options.redis, options.group, options.consumer, this.options.blockMs);
  }

  async start(): Promise<void> {
    const { redis, stream, group } = this.options;
    // a group this service had read with (it has a position) but Redis no longer has was lost with
    // what it held: asked for again (a group new to the stream has no position and asks nothing)
    if (await createConsumerGroup(redis, stream, group)) await this.sequence.askForMissed(stream).catch(() => {});
    this.sequence.watch(stream);
    this.untrack = trackConsumerGroup(redis, stream, group);
    if (this.options.exclusive) runningExclusive.set(this, this.options.db);
    this.isRunning = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.untrack?.();
    this.isRunning = false;
    await this.reader.unsubscribe(this.options.stream);
    await this.loop;
    runningExclusive.delete(this);
    const session = this.lockSession;
    this.lockSession = undefined;
    if (session?.isOpen) {
      const key = `${this.options.group}:${this.options.stream}`;
      await session.client.query("SELECT pg_advisory_unlock(hashtext('stream-consumer'), hashtext($1))", [key]).catch(() => {});
      session.held.delete(key);
    }
    await releaseLockSession(this.options.db);
  }

  /** For an exclusive consumer: true while this instance holds the stream's lock (taking it if free). */
  private async holdsLock(): Promise<boolean> {
    if (!this.options.exclusive) return true;
    const { group, stream, logger, db } = this.options;
    const session = await lockSessionOf(db);
    if (this.lockSession === session && session.isOpen) return true;
    this.lockSession = undefined;
    const key = `${group}:${stream}`;
    if (session.held.has(key)) return false;
    session.held.add(key);
    const { rows } = await session.client
      .query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext('stream-consumer'), hashtext($1)) AS locked", [key])
      .catch((error: unknown) => {
        session.held.delete(key);
        throw error;
      });
    if (!rows[0]!.locked) {
      session.held.delete(key);
      return false;
    }
    this.lockSession = session;
    // another instance may have moved the position while this one did not hold the lock
    this.sequence.forget(stream);
    logger.info({ stream, group }, 'this instance now consumes the stream');
    return true;
  }

  /** Forgets processed event ids older than the dedupe window, now and then. */
  private async pruneProcessed(): Promise<void> {
    if (Date.now() - this.lastPruneAt < 600_000) return;
    this.lastPruneAt = Date.now();
    await this.options.db.query(
      'DELETE FROM processed_messages WHERE consumer_group = $1 AND processed_at < now() - make_interval(secs => $2::double precision / 1000)',
      [this.options.group, this.options.dedupeWindowMs],
    );
  }

  private async run(): Promise<void> {
    // First whatever this consumer had taken but not acked before it stopped.
    let backlog = true;
    let troubles = 0;
    while (this.isRunning) {
      try {
        if (!(await this.holdsLock())) {
          await this.reader.unsubscribe(this.options.stream);
          await new Promise((resolve) => setTimeout(resolve, 2000));
          backlog = true;
          continue;
        }
        await this.pruneProcessed();
        await this.sequence.askAgainIfDue();
        if (backlog) {
          // the pending list holds what the shared reader had read ahead for this stream as well
          this.reader.clear(this.options.stream);
          const pending = await this.readPending();
          backlog = pending.length > 0;
          await this.processAll(pending);
        } else {
          if (Date.now() - this.lastClaimAt > this.options.claimIdleMs / 2) await this.claimAbandoned();
          this.reader.subscribe(this.options.stream, this.options.batchSize);
          await this.processAll(await this.withFields(await this.reader.take(this.options.stream, this.options.blockMs)));
        }
        troubles = 0;
      } catch (error) {
        if (!this.isRunning) break;
        troubles += 1;
        if (error instanceof RetryLater) {
          // already logged with the event that failed
        } else if (String((error as Error).message).includes('NOGROUP')) {
          // Redis lost the stream (a restart without persistence, the key deleted, a failover to a
          // replica that lagged): the group starts over on the new stream, and whatever the old one
          // held past this group's position — delivered or not — is asked for again
          this.options.logger.warn({ stream: this.options.stream }, 'consumer group is gone; creating it again and asking for what it may have missed');
          await createConsumerGroup(this.options.redis, this.options.stream, this.options.group).catch(() => {});
          await this.sequence.groupLost(this.options.stream).catch(() => {});
        } else {
          this.options.logger.warn({ err: error, stream: this.options.stream }, 'stream consumer failed; retrying');
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** troubles, 5000)));
        backlog = true;
      }
    }
  }

  /** This consumer's entries read before and not yet acknowledged, oldest first (a batch of them). */
  private async readPending(): Promise<RawEntry[]> {
    const { group, consumer, batchSize, stream, redis } = this.options;
    const result = (await (redis.xreadgroup as (...a: Array<string | number>) => Promise<unknown>)(
      'GROUP',
      group,
      consumer,
      'COUNT',
      batchSize,
      'STREAMS',
      stream,
      '0',
    )) as Array<[string, RawEntry[]]> | null;
    return this.withFields(result?.[0]?.[1] ?? []);
  }

  /** The entries that still have their fields; a pending entry trimmed or deleted from the stream has none, and nothing to apply. */
  private async withFields(entries: RawEntry[]): Promise<RawEntry[]> {
    const gone = entries.filter((entry) => !entry[1]).map(([id]) => id);
    if (gone.length > 0) await this.options.redis.xack(this.options.stream, this.options.group, ...gone);
    return entries.filter((entry) => entry[1]);
  }

  private async claimAbandoned(): Promise<void> {
    this.lastClaimAt = Date.now();
    const { redis, stream, group, consumer, claimIdleMs, batchSize } = this.options;
    const [, entries] = (await redis.xautoclaim(stream, group, consumer, claimIdleMs, '0-0', 'COUNT', batchSize)) as [string, RawEntry[]];
    if (entries.length > 0) this.options.logger.info({ stream, count: entries.length }, 'took over abandoned stream entries');
    await this.processAll(entries.filter((entry) => entry?.[1]));
  }

  private async processAll(entries: RawEntry[]): Promise<void> {
    if (this.options.handleBatch && entries.length > 1 && (await this.processBatch(entries))) return;
    for (const entry of entries) {
      if (!this.isRunning) return;
      await this.processOne(entry);
    }
  }

  /** All entries in one transaction; false when they must be applied one by one instead. */
  private async processBatch(entries: RawEntry[]): Promise<boolean> {
    const { stream, group, db, redis, logger } = this.options;
    const events = entries.map(([entryId, flat]) => this.toEvent(entryId, flat));
    const spans = events.map((event) => this.startSpan(event.event, event.parent));
    const hooks = new AfterCommitHooks(logger, stream);
    for (const [index, { event }] of events.entries()) {
      event.context = trace.setSpan(events[index]!.parent, spans[index]!);
      event.afterCommit = hooks.add;
    }
    let gapFrom: number | undefined;
    let position: number | undefined;
    try {
      await withTransaction(db, async (client) => {
        // the events next in the numbering, recorded as processed in the statement that moves the position
        const ordered = await this.sequence.take(
          client,
          stream,
          events.map(({ event }) => event),
          { recordProcessed: (event) => event.id, exclusive: this.options.exclusive },
        );
        gapFrom = ordered.gapFrom;
        position = ordered.position;
        const fresh = ordered.fresh!;
        const seen = new Set<string>();
        const todo = ordered.events.filter((event) => fresh.has(event.id) && !seen.has(event.id) && seen.add(event.id));
        for (const [index, span] of spans.entries()) span.setAttribute('exchange.duplicate', !todo.includes(events[index]!.event));
        if (todo.length > 0) {
          try {
            await this.options.handleBatch!(todo, client);
          } catch (error) {
            throw new HandlerError(error);
          }
        }
      });
      if (this.options.exclusive) this.sequence.remember(stream, position);
      await hooks.run();
      // events past a gap are acknowledged without being applied: they come again with the replay
      await redis.xack(stream, group, ...events.map(({ event }) => event.entryId));
      for (const { event } of events) this.failures.delete(event.entryId);
      if (gapFrom !== undefined) await this.sequence.foundGap(stream, gapFrom);
      return true;
    } catch (caught) {
      for (const span of spans) span.recordException(caught as Error);
      if (!(caught instanceof HandlerError)) throw caught;
      if (isDependencyOutage(caught.cause)) {
        logger.warn({ err: caught.cause, stream, count: events.length }, 'a service these events need is unavailable; retrying');
        throw new RetryLater();
      }
      logger.warn({ err: caught.cause, stream, count: events.length }, 'a batch of events failed; applying them one by one');
      return false;
    } finally {
      for (const span of spans) span.end();
    }
  }

  private toEvent(entryId: string, flat: string[]): { event: StreamEvent; parent: Context } {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    const event: StreamEvent = {
      id: fields.id ?? entryId,
      type: fields.type ?? 'unknown',
      data: safeJson(fields.data),
      entryId,
      stream: this.options.stream,
      occurredAt: fields.occurredAt,
      version: Number(fields.v ?? 1) || 1,
      ...(fields.seq && /^[1-9]\d*$/.test(fields.seq) ? { seq: Number(fields.seq) } : {}),
    };
    return { event, parent: restoreTraceContext({ traceparent: fields.traceparent ?? '', tracestate: fields.tracestate ?? '' }) };
  }

  private startSpan(event: StreamEvent, parent: Context): Span {
    const { stream, group } = this.options;
    return tracer.startSpan(
      `consume ${stream} ${event.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'redis',
          'messaging.destination.name': stream,
          'messaging.consumer.group.name': group,
          'messaging.message.id': event.id,
        },
      },
      parent,
    );
  }

  private async processOne([entryId, flat]: RawEntry): Promise<void> {
    const { stream, group, db, redis, logger } = this.options;
    const { event, parent } = this.toEvent(entryId, flat);
    const span = this.startSpan(event, parent);
    event.context = trace.setSpan(parent, span);
    const hooks = new AfterCommitHooks(logger, stream);
    event.afterCommit = hooks.add;
    let gapFrom: number | undefined;
    let position: number | undefined;
    try {
      await context.with(trace.setSpan(parent, span), () =>
        withTransaction(db, async (client) => {
          const ordered = await this.sequence.take(client, stream, [event], { recordProcessed: (event) => event.id, exclusive: this.options.exclusive });
          gapFrom = ordered.gapFrom;
          position = ordered.position;
          if (ordered.events.length === 0) {
            span.setAttribute(gapFrom === undefined ? 'exchange.duplicate' : 'exchange.past_gap', true);
            return;
          }
          if (!ordered.fresh!.has(event.id)) {
            span.setAttribute('exchange.duplicate', true);
            return;
          }
          try {
            await this.options.handle(event, client);
          } catch (error) {
            throw new HandlerError(error);
          }
        }),
      );
      if (this.options.exclusive) this.sequence.remember(stream, position);
      await hooks.run();
      await redis.xack(stream, group, entryId);
      this.failures.delete(entryId);
      if (gapFrom !== undefined) await this.sequence.foundGap(stream, gapFrom);
    } catch (caught) {
      span.recordException(caught as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (caught as Error).message });
      // Our own trouble (PostgreSQL or Redis unreachable) says nothing about the event: stop here,
      // back off, and read it again, without counting it towards the dead-letter stream.
      if (!(caught instanceof HandlerError)) throw caught;
      const error = caught.cause;
      if (error instanceof EventNotUnderstood && !error.retry) {
        // data outside its contract will not fit on a second try: set it aside at once, loudly
        await this.deadLetter(flat, entryId, error, event.id, event.seq);
        return;
      }
      if (isDependencyOutage(error) || error instanceof EventNotUnderstood) {
        // another service is down or slow: that says nothing about the event either; it is retried
        // (after a back-off) for as long as the outage lasts and never dead-lettered for it
        logger.warn({ err: error, stream, entryId, eventId: event.id }, 'a service this event needs is unavailable; retrying');
        throw new RetryLater();
      }
      const failures = (this.failures.get(entryId) ?? 0) + 1;
      this.failures.set(entryId, failures);
      if (failures >= this.options.maxDeliveries) {
        await this.deadLetter(flat, entryId, error, event.id, event.seq);
      } else {
        logger.warn({ err: error, stream, entryId, eventId: event.id, failures }, 'event failed; it stays pending and is retried');
        // Nothing after it is applied first: the loop backs off and reads this consumer's pending
        // entries again, oldest first.
        throw new RetryLater();
      }
    } finally {
      span.end();
    }
  }

  private async deadLetter(flat: string[], entryId: string, error: unknown, eventId: string, seq?: number): Promise<void> {
    const { stream, group, redis, logger } = this.options;
    await redis.xadd(`${stream}:dead-letter`, '*', ...flat, 'error', String((error as Error).message), 'group', group);
    if (seq !== undefined) await this.sequence.passOver(stream, seq);
    await redis.xack(stream, group, entryId);
    this.failures.delete(entryId);
    logger.error({ err: error, stream, entryId, eventId }, 'event moved to the dead-letter stream');
  }
}

/**
 * One PostgreSQL session per process (per pool) holds the advisory locks of all its exclusive
 * consumers — a session can hold many — so a service reading a hundred markets exclusively needs one
 * connection for its locks, not a hundred. If the session ends, every lock on it is gone: each
 * consumer notices at its next read and takes its lock again on a new session.
 */
interface LockSession {
  client: pg.Client;
  isOpen: boolean;
  /** the locks taken on it, by key: a session's advisory locks are re-entrant, so two consumers of one process must not both take the same */
  held: Set<string>;
}

const lockSessions = new Map<pg.Pool, Promise<LockSession>>();

function lockSessionOf(db: pg.Pool): Promise<LockSession> {
  let session = lockSessions.get(db);
  if (!session) {
    session = (async () => {
      const client = new (db as unknown as { Client: typeof pg.Client }).Client((db as unknown as { options: pg.ClientConfig }).options);
      const opened: LockSession = { client, isOpen: true, held: new Set() };
      client.on('error', () => {});
      client.on('end', () => {
        opened.isOpen = false;
        if (lockSessions.get(db) === session) lockSessions.delete(db);
      });
      try {
        await client.connect();
      } catch (error) {
        lockSessions.delete(db);
        throw error;
      }
      return opened;
    })();
    lockSessions.set(db, session);
  }
  return session;
}

/** Closes the pool's lock session once no exclusive consumer of that pool runs any more. */
async function releaseLockSession(db: pg.Pool): Promise<void> {
  if ([...runningExclusive.values()].some((pool) => pool === db)) return;
  const session = await lockSessions.get(db)?.catch(() => undefined);
  if (!session) return;
  lockSessions.delete(db);
  await session.client.end().catch(() => {});
}

/** Exclusive consumers running, with the pool their locks' session belongs to. */
const runningExclusive = new Map<StreamConsumer, pg.Pool>();

class RetryLater extends Error {}

/**
 * An event the handler cannot read: outside its contract (dead-lettered at once) or of a newer
 * version than this process knows (`retry`: it stays pending until a process that reads it comes).
 */
export class EventNotUnderstood extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
    this.name = 'EventNotUnderstood';
  }
}

/** The event as its family's contract reads it; throws EventNotUnderstood otherwise. */
export function readEvent<F extends EventFamily>(family: F, event: StreamEvent): DecodedEvent<F> {
  const decoding = decodeEvent(family, event.type, event.version, event.data);
  if (!decoding.ok) throw new EventNotUnderstood(decoding.reason, decoding.retry);
  return decoding.event;
}

/** Work registered by handlers during one transaction, run in order after its commit. */
class AfterCommitHooks {
  private readonly hooks: Array<() => unknown> = [];

  constructor(
    private readonly logger: Logger,
    private readonly stream: string,
  ) {}

  readonly add = (work: () => unknown): void => {
    this.hooks.push(work);
  };

  async run(): Promise<void> {
    for (const work of this.hooks.splice(0)) {
      try {
        await work();
      } catch (error) {
        this.logger.warn({ err: error, stream: this.stream }, 'work after a commit failed');
      }
    }
  }
}

/**
 * A service the handler called is unreachable, too slow or failing (any 5xx, from ServiceClient):
 * nothing is known to be wrong with the event, so it waits rather than being dead-lettered — a trade
 * must never be skipped because the wallet had a bad minute.
 */
function isDependencyOutage(error: unknown): boolean {
  return error instanceof AppError && error.statusCode >= 500;
}

/** An error thrown by the event's handler, as opposed to the infrastructure around it. */
class HandlerError extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}

function safeJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
