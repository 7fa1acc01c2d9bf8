import type pg from 'pg';
import type { Transaction } from '../db/transaction.js';
import type { Logger } from '../logger.js';
import { lostEvents, replayRequests, streamGaps, tailRepairs } from './sequence-metrics.js';

/** What a producer answers when asked for a stream's events again from a number on. */
export interface ReplayAnswer {
  /** events published again */
  replayed: number;
  /** the last number the producer gave in the stream (0: none yet) */
  lastSeq: number;
  /** the first number from the one asked for on that its outbox still keeps (null: none) */
  firstKeptSeq: number | null;
}

/** Asks a stream's producer to publish its events again from a number on (its outbox's replay route). */
export type ReplayRequest = (stream: string, fromSeq: number) => Promise<ReplayAnswer>;

export interface StreamSequenceOptions {
  db: pg.Pool;
  /** the consumer group whose positions these are */
  group: string;
  logger: Logger;
  /** how a gap is repaired; without it a gap is still found, logged and counted */
  replay?: ReplayRequest;
  /** ms between two requests for the same missing events while they have not arrived */
  retryMs: number;
  /**
   * how long a stream may stay quiet before its producer is asked whether it numbered past this
   * group's position (the wait doubles while nothing is missing, up to 16×); 0: never
   */
  tailCheckMs?: number;
}

/** A group's position moves forward, never back: the statement's two halves, around its VALUES or SELECT. */
const POSITION_UPSERT = 'INSERT INTO stream_positions (consumer_group, stream, last_seq)';
const POSITION_CONFLICT =
  'ON CONFLICT (consumer_group, stream) DO UPDATE SET last_seq = GREATEST(stream_positions.last_seq, EXCLUDED.last_seq), updated_at = now()';

/** The default quiet time before a stream's tail is checked. */
export const STREAM_TAIL_CHECK_MS = 30_000;

/**
 * A consumer group's place in the numbering of the streams it reads (the producer's relay numbers
 * each stream's events 1, 2, 3 …), kept in `stream_positions` in the transaction that applies the
 * events: events come in order, duplicates are left out, and a gap — events Redis lost — is asked
 * for again from the producer, which publishes them again from its outbox. Events the producer no
 * longer keeps are counted as lost, logged as an error and stepped over, so the stream does not
 * stop for ever (a divergence for the audit, never hidden).
 */
export class StreamSequence {
  /** per stream: the first number found missing and asked for, until it arrives; asks so far */
  private readonly awaiting = new Map<string, { fromSeq: number; askedAt: number; asks: number }>();
  /** per stream watched: when its tail is next checked, and the wait after that */
  private readonly tails = new Map<string, { dueAt: number; waitMs: number }>();
  private readonly tailCheckMs: number;
  private asking = false;
  /** per stream: the position an exclusive reader of this process last committed (see `take`) */
  private readonly committed = new Map<string, number>();

  constructor(private readonly options: StreamSequenceOptions) {
    this.tailCheckMs = options.tailCheckMs ?? STREAM_TAIL_CHECK_MS;
  }

  /** `stream` is read by this group: its tail is checked whenever it has been quiet for a while. */
  watch(stream: string): void {
    if (this.tailCheckMs > 0 && !this.tails.has(stream)) this.tails.set(stream, { dueAt: Date.now() + this.tailCheckMs, waitMs: this.tailCheckMs });
  }

  /**
   * The events of a read that come next in `stream`'s numbering, inside the transaction that
   * applies them (the group's position is locked, so two instances of a group never both take the
   * same number): those applied before are left out, and at the first number past the next one
   * expected — a gap — the rest wait for the replay. A group with no position yet starts at whatever
   * comes first. Unnumbered events (from before numbers travelled) are taken as they come.
   *
   * With `recordProcessed` (an event's id), the taken events' ids also go into the group's `processed_messages` in
   * the statement that moves the position (one round trip for both), and `fresh` names those
   * recorded for the first time: the others were applied before. `position` is the group's
   * position once the transaction commits; an `exclusive` reader hands it to `remember` then, and
   * its next take starts from it instead of reading it under a lock.
   */
  async take<E extends { seq?: number }>(
    client: Transaction,
    stream: string,
    events: E[],
    options: { recordProcessed?: (event: E) => string; exclusive?: boolean } = {},
  ): Promise<{ events: E[]; gapFrom?: number; fresh?: Set<string>; position?: number }> {
    const { group } = this.options;
    const record = async (taken: E[], moveTo: number | undefined): Promise<Set<string> | undefined> => {
      if (!options.recordProcessed) {
        if (moveTo !== undefined) await this.moveTo(client, stream, moveTo);
        return undefined;
      }
      if (taken.length === 0 && moveTo === undefined) return new Set();
      const { rows } = await client.query<{ event_id: string }>(
        `WITH moved AS (${POSITION_UPSERT} SELECT $1, $2, $3::bigint WHERE $3::bigint IS NOT NULL ${POSITION_CONFLICT})
         INSERT INTO processed_messages (consumer_group, event_id) SELECT $1, unnest($4::text[]) ON CONFLICT DO NOTHING RETURNING event_id`,
        [group, stream, moveTo ?? null, taken.map(options.recordProcessed)],
      );
      return new Set(rows.map((row) => row.event_id));
    };
    const withFresh = (result: { events: E[]; gapFrom?: number }, fresh: Set<string> | undefined) => (fresh ? { ...result, fresh } : result);

    if (!events.some((event) => event.seq !== undefined)) return withFresh({ events }, await record(events, undefined));

    // An exclusive reader's own last committed position stands in for reading it under a lock; the
    // statement that moves it checks that it is still there (another instance moved it: refused,
    // and the transaction rolls back). Only when the read moves the position: otherwise, as below.
    const known = options.exclusive && options.recordProcessed ? this.committed.get(stream) : undefined;
    if (known !== undefined) {
      const planned = this.plan(events, known);
      if (planned.last !== undefined && planned.last !== known) {
        const { rows } = await client.query<{ moved: number; fresh: string[] }>(
          `WITH moved AS (${POSITION_UPSERT} VALUES ($1, $2, $3)
             ON CONFLICT (consumer_group, stream) DO UPDATE SET last_seq = EXCLUDED.last_seq, updated_at = now()
             WHERE stream_positions.last_seq = $5 RETURNING 1),
           fresh AS (INSERT INTO processed_messages (consumer_group, event_id) SELECT $1, unnest($4::text[]) ON CONFLICT DO NOTHING RETURNING event_id)
           SELECT (SELECT count(*) FROM moved)::int AS moved, ARRAY(SELECT event_id FROM fresh) AS fresh`,
          [group, stream, planned.last, planned.taken.map(options.recordProcessed!), known],
        );
        if (rows[0]!.moved !== 1) {
          this.committed.delete(stream);
          throw new Error(`the position of ${group} in ${stream} is no longer ${known}: another instance moved it`);
        }
        this.moved(stream, planned.last);
        const result = planned.gapFrom === undefined ? { events: planned.taken } : { events: planned.taken, gapFrom: planned.gapFrom };
        return { ...result, fresh: new Set(rows[0]!.fresh), position: planned.last };
      }
    }

    const { rows } = await client.query<{ last_seq: string }>('SELECT last_seq FROM stream_positions WHERE consumer_group = $1 AND stream = $2 FOR UPDATE', [
      group,
      stream,
    ]);
    const start = rows[0] ? Number(rows[0].last_seq) : undefined;
    const { taken, last, gapFrom } = this.plan(events, start);
    const moved = last !== undefined && last !== start;
    const fresh = await record(taken, moved ? last : undefined);
    if (moved) this.moved(stream, last);
    const result = withFresh(gapFrom === undefined ? { events: taken } : { events: taken, gapFrom }, fresh);
    return last === undefined ? result : { ...result, position: last };
  }

  /** Which events come next after `start`: in order, duplicates left out, and nothing past the first gap. */
  private plan<E extends { seq?: number }>(events: E[], start: number | undefined): { taken: E[]; last: number | undefined; gapFrom: number | undefined } {
    let last = start;
    let gapFrom: number | undefined;
    const taken: E[] = [];
    for (const event of events) {
      if (event.seq === undefined) {
        if (gapFrom === undefined) taken.push(event);
      } else if (gapFrom !== undefined || (last !== undefined && event.seq <= last)) {
        // past a gap, or applied before
      } else if (last === undefined || event.seq === last + 1) {
        taken.push(event);
        last = event.seq;
      } else {
        gapFrom = last + 1;
      }
    }
    return { taken, last, gapFrom };
  }

  /** The group's position in `stream` moved to `last` in the transaction under way. */
  private moved(stream: string, last: number): void {
    // activity: the tail is checked only after the stream has been quiet again for a while
    if (this.tails.has(stream)) this.tails.set(stream, { dueAt: Date.now() + this.tailCheckMs, waitMs: this.tailCheckMs });
    const waiting = this.awaiting.get(stream);
    if (waiting && last >= waiting.fromSeq) this.awaiting.delete(stream);
  }

  /**
   * An exclusive reader's transaction committed with its position in `stream` at `position`: the
   * next `take` may start from there without reading it (undefined: it reads it).
   */
  remember(stream: string, position: number | undefined): void {
    if (position === undefined) this.committed.delete(stream);
    else this.committed.set(stream, position);
  }

  /** The position in `stream` is read again at the next `take` (the reader's lock was taken anew, or it moved elsewhere). */
  forget(stream: string): void {
    this.committed.delete(stream);
  }

  /** The group's position in `stream` moves forward to `last` (never back). */
  private async moveTo(queryable: Pick<pg.Pool, 'query'>, stream: string, last: number): Promise<void> {
    this.committed.delete(stream);
    await queryable.query(`${POSITION_UPSERT} VALUES ($1, $2, $3) ${POSITION_CONFLICT}`, [this.options.group, stream, last]);
  }

  /** A read found a gap from `fromSeq` on: asked for (once; again later if it does not come). */
  async foundGap(stream: string, fromSeq: number): Promise<void> {
    if (this.awaiting.get(stream)?.fromSeq === fromSeq) return;
    streamGaps.inc({ stream, group: this.options.group });
    this.options.logger.warn(
      { stream, group: this.options.group, fromSeq },
      'events of this stream are missing (a gap in its numbers): asking the producer for them again',
    );
    await this.requestReplay(stream, fromSeq);
  }

  /** Redis no longer had the group (it lost the stream): whatever followed this group's position is asked for. */
  async groupLost(stream: string): Promise<void> {
    streamGaps.inc({ stream, group: this.options.group });
    await this.askForMissed(stream);
  }

  /** Everything past this group's position in `stream` is asked for again (nothing, if it has no position). */
  async askForMissed(stream: string): Promise<void> {
    const { rows } = await this.options.db.query<{ last_seq: string }>('SELECT last_seq FROM stream_positions WHERE consumer_group = $1 AND stream = $2', [
      this.options.group,
      stream,
    ]);
    if (rows[0]) await this.requestReplay(stream, Number(rows[0].last_seq) + 1);
  }

  /**
   * Asks again for missing events that have not arrived (the producer was down, the replay was lost
   * too, or this consumer is still reading towards it): after `retryMs`, then twice as long each
   * time up to a minute, so a consumer far behind does not have the same tail sent again and again.
   */
  async askAgainIfDue(): Promise<void> {
    // one round at a time, however often a busy loop calls this
    if (this.asking) return;
    this.asking = true;
    try {
      for (const [stream, waiting] of [...this.awaiting]) {
        const waitMs = Math.min(60_000, this.options.retryMs * 2 ** Math.max(0, waiting.asks - 1));
        if (Date.now() - waiting.askedAt >= waitMs) await this.requestReplay(stream, waiting.fromSeq);
      }
      for (const [stream, tail] of [...this.tails]) {
        if (Date.now() >= tail.dueAt && !this.awaiting.has(stream)) await this.checkTail(stream, tail);
      }
    } finally {
      this.asking = false;
    }
  }

  /**
   * The tail of a quiet stream: events lost after the last one this group received leave no gap to
   * find, since nothing comes after them (a failover to a replica that lagged, entries deleted).
   * So the producer is asked, through the same replay route, for what it numbered past this
   * group's position: nothing (the usual answer) makes the next check wait twice as long, up to 16×
   * the quiet time; anything is published again and awaited like a gap.
   */
  private async checkTail(stream: string, tail: { dueAt: number; waitMs: number }): Promise<void> {
    const { replay, group, logger, db } = this.options;
    if (!replay) return;
    const { rows } = await db.query<{ last_seq: string }>('SELECT last_seq FROM stream_positions WHERE consumer_group = $1 AND stream = $2', [group, stream]);
    // a group that never applied an event of the stream starts wherever it is told to: nothing to check
    const fromSeq = rows[0] ? Number(rows[0].last_seq) + 1 : undefined;
    let answer: ReplayAnswer | undefined;
    if (fromSeq !== undefined) {
      try {
        answer = await replay(stream, fromSeq);
      } catch (error) {
        logger.warn({ err: error, stream, group }, 'asking the producer about the tail of a quiet stream failed; asking again later');
      }
    }
    if (fromSeq === undefined || !answer || answer.lastSeq < fromSeq) {
      tail.waitMs = Math.min(tail.waitMs * 2, this.tailCheckMs * 16);
      tail.dueAt = Date.now() + tail.waitMs;
      return;
    }
    tailRepairs.inc({ stream, group });
    replayRequests.inc({ stream, group });
    logger.warn(
      { stream, group, fromSeq, lastSeq: answer.lastSeq },
      'the last events of a quiet stream never arrived (lost with nothing after them): asked the producer for them again',
    );
    this.awaiting.set(stream, { fromSeq, askedAt: Date.now(), asks: 1 });
    await this.settleAnswer(stream, fromSeq, answer);
    tail.waitMs = this.tailCheckMs;
    tail.dueAt = Date.now() + this.tailCheckMs;
  }

  /**
   * An event this group will never apply (dead-lettered: outside its contract, or failing every
   * time) is passed over in the numbering, so the events after it are not taken for a gap.
   */
  async passOver(stream: string, seq: number): Promise<void> {
    this.committed.delete(stream);
    await this.options.db.query(
      `INSERT INTO stream_positions (consumer_group, stream, last_seq) VALUES ($1, $2, $3)
       ON CONFLICT (consumer_group, stream) DO UPDATE SET last_seq = EXCLUDED.last_seq, updated_at = now()
       WHERE stream_positions.last_seq = EXCLUDED.last_seq - 1`,
      [this.options.group, stream, seq],
    );
  }

  private async requestReplay(stream: string, asked: number): Promise<void> {
    const { replay, group, logger, db } = this.options;
    // what this group has applied by now (another instance, or the events having come after all)
    const { rows } = await db.query<{ last_seq: string }>('SELECT last_seq FROM stream_positions WHERE consumer_group = $1 AND stream = $2', [group, stream]);
    const fromSeq = Math.max(asked, rows[0] ? Number(rows[0].last_seq) + 1 : 1);
    const before = this.awaiting.get(stream);
    this.awaiting.set(stream, { fromSeq, askedAt: Date.now(), asks: before?.fromSeq === fromSeq ? before.asks + 1 : 1 });
    if (!replay) {
      logger.error({ stream, group, fromSeq }, 'events of this stream are missing and this consumer has no way to ask for them again');
      return;
    }
    replayRequests.inc({ stream, group });
    let answer: ReplayAnswer;
    try {
      answer = await replay(stream, fromSeq);
    } catch (error) {
      logger.warn({ err: error, stream, group, fromSeq }, 'asking the producer for missing events failed; asking again shortly');
      return;
    }
    await this.settleAnswer(stream, fromSeq, answer);
  }

  /** What the producer's answer means for missing events from `fromSeq`: none after all, on their way again, or lost for good. */
  private async settleAnswer(stream: string, fromSeq: number, answer: ReplayAnswer): Promise<void> {
    const { group, logger, db } = this.options;
    if (answer.lastSeq < fromSeq) {
      // the producer has given no number that far yet: nothing is missing
      this.awaiting.delete(stream);
      return;
    }
    const keptFrom = answer.firstKeptSeq ?? answer.lastSeq + 1;
    if (keptFrom > fromSeq) {
      const lostTo = keptFrom - 1;
      lostEvents.inc({ stream, group }, lostTo - fromSeq + 1);
      logger.error(
        { stream, group, fromSeq, toSeq: lostTo },
        'events of this stream were lost and the producer no longer keeps them: stepping over them (a divergence to repair by hand)',
      );
      await this.moveTo(db, stream, lostTo);
      if (lostTo < answer.lastSeq) this.awaiting.set(stream, { fromSeq: lostTo + 1, askedAt: Date.now(), asks: 1 });
      else this.awaiting.delete(stream);
    }
  }
}
