import {
  captureTraceContext,
  context,
  SpanKind,
  trace,
  enqueueEvents,
  restoreTraceContext,
  withTransaction,
  type Logger,
  type OutboxRelay,
  type Pool,
  type Transaction,
} from '@exchange/platform';
import { executionsStream } from '@exchange/contracts';
import { CollectingSink, OrderBook, type BookEvent, type BookSnapshot, type Command, type EventSink } from '../domain/index.js';
import { executionOf, type Inbound } from './commands.js';

export interface EngineOptions {
  db: Pool;
  relay: OutboxRelay;
  logger: Logger;
  symbols: readonly string[];
  snapshotEvery: number;
  /** snapshots kept per symbol */
  snapshotsKept: number;
  /** how long a journaled command stays recognisable as a repeat */
  journalRetentionMs: number;
}

const tracer = trace.getTracer('@exchange/matching-engine');

const ignoreEvents: EventSink = {
  accepted() {},
  trade() {},
  canceled() {},
  expired() {},
  rejected() {},
  reduced() {},
  commandRejected() {},
};

interface Applied {
  inbound: Inbound;
  events: BookEvent[];
  lastSequence: number;
}

/**
 * The books of the symbols this instance owns, made durable LMAX style: a batch of commands is
 * applied in memory, then its commands (the journal), its events (executions) and the events to
 * publish (the outbox) are committed in one transaction; only then are the commands acknowledged.
 * After a crash the books are rebuilt from the latest snapshot and the journal after it, and a
 * command that was journaled but not acknowledged is recognised and not applied again.
 */
export class MatchingEngine {
  private readonly books = new Map<string, OrderBook>();
  private readonly sinceSnapshot = new Map<string, number>();
  private readonly lastPrices = new Map<string, number>();
  /** the trace context of the latest command that changed each book, for the book state it publishes */
  private readonly lastTraceparents = new Map<string, string>();

  constructor(private readonly options: EngineOptions) {}

  book(symbol: string): OrderBook | undefined {
    return this.books.get(symbol);
  }

  /** The price of the latest trade of a symbol, in ticks (for the book state market data and risk read). */
  lastPrice(symbol: string): number | undefined {
    return this.lastPrices.get(symbol);
  }

  lastTraceparent(symbol: string): string | undefined {
    return this.lastTraceparents.get(symbol) || undefined;
  }

  get symbols(): string[] {
    return [...this.books.keys()];
  }

  /** Rebuilds every owned book from its latest snapshot and the journal after it. */
  async recover(): Promise<void> {
    for (const symbol of this.books.size > 0 ? [...this.books.keys()] : this.options.symbols) await this.recoverSymbol(symbol);
  }

  /** Starts owning one more symbol (a market listed while running), recovering what it has journaled. */
  async addSymbol(symbol: string): Promise<void> {
    if (!this.books.has(symbol)) await this.recoverSymbol(symbol);
  }

  private async recoverSymbol(symbol: string): Promise<void> {
    const { rows: snapshots } = await this.options.db.query<{ state: BookSnapshot; position: string }>(
      'SELECT state, position FROM snapshots WHERE symbol = $1 ORDER BY sequence DESC LIMIT 1',
      [symbol],
    );
    const snapshot = snapshots[0];
    const book = snapshot ? OrderBook.restore(snapshot.state) : new OrderBook(symbol);
    const { rows } = await this.options.db.query<{ command: Command | { invalid: true }; last_sequence: string }>(
      'SELECT command, last_sequence FROM journal WHERE symbol = $1 AND position > $2 ORDER BY position',
      [symbol, snapshot?.position ?? 0],
    );
    for (const row of rows) {
      if ('kind' in row.command) book.apply(row.command, ignoreEvents);
      if (book.lastSequence !== Number(row.last_sequence)) {
        throw new Error(`replaying the ${symbol} journal diverged at sequence ${row.last_sequence} (book at ${book.lastSequence})`);
      }
    }
    const { rows: lastTrade } = await this.options.db.query<{ price: string }>(
      "SELECT payload->>'price' AS price FROM executions WHERE symbol = $1 AND type = 'trade' ORDER BY sequence DESC LIMIT 1",
      [symbol],
    );
    if (lastTrade[0]) this.lastPrices.set(symbol, Number(lastTrade[0].price));
    this.books.set(symbol, book);
    this.sinceSnapshot.set(symbol, rows.length);
    this.options.logger.info({ symbol, sequence: book.lastSequence, replayed: rows.length, fromSnapshot: Boolean(snapshot) }, 'book recovered');
  }

  /**
   * Applies and commits one batch; returns the symbols whose books changed. `prune` allows deleting
   * old snapshots and journal rows with a new snapshot: the loop passes it once the commands left
   * pending before a restart are done, so a command journaled long ago is still recognised then.
   */
  async process(batch: Inbound[], { prune = true }: { prune?: boolean } = {}): Promise<Set<string>> {
    const changed = new Set<string>();
    if (batch.length === 0) return changed;
    try {
      await withTransaction(this.options.db, async (client) => {
        const fresh = await this.unjournaled(client, batch);
        const applied = fresh.map((inbound) => this.apply(inbound));
        for (const { inbound } of applied) changed.add(inbound.symbol);
        await this.commit(client, applied, prune);
      });
    } catch (error) {
      // The books ran ahead of what was committed: rebuild them from what was.
      await this.recover();
      throw error;
    }
    this.options.relay.wake();
    return changed;
  }

  /** The batch without commands already journaled (redelivered after a crash) or repeated in it. */
  private async unjournaled(client: Transaction, batch: Inbound[]): Promise<Inbound[]> {
    const { rows } = await client.query<{ symbol: string; command_id: string }>(
      'SELECT symbol, command_id FROM journal WHERE (symbol, command_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))',
      [batch.map((inbound) => inbound.symbol), batch.map((inbound) => inbound.commandId)],
    );
    const seen = new Set(rows.map((row) => `${row.symbol}\u0000${row.command_id}`));
    return batch.filter((inbound) => {
      const key = `${inbound.symbol}\u0000${inbound.commandId}`;
      if (seen.has(key) || !this.books.has(inbound.symbol)) return false;
      seen.add(key);
      return true;
    });
  }

  private apply(inbound: Inbound): Applied {
    const book = this.books.get(inbound.symbol)!;
    const sink = new CollectingSink();
    if (inbound.command) book.apply(inbound.command, sink);
    else this.options.logger.error({ commandId: inbound.commandId, stream: inbound.stream }, 'command not understood; journaled and skipped');
    for (let index = sink.events.length - 1; index >= 0; index--) {
      const event = sink.events[index]!;
      if (event.type === 'trade') {
        this.lastPrices.set(inbound.symbol, event.price);
        break;
      }
    }
    return { inbound, events: sink.events, lastSequence: book.lastSequence };
  }

  private async commit(client: Transaction, applied: Applied[], prune: boolean): Promise<void> {
    if (applied.length === 0) return;
    const outbox: Parameters<typeof enqueueEvents>[1] = [];
    const executions: Array<{ symbol: string; sequence: number; type: string; payload: string }> = [];
    const executedAt = new Date().toISOString();
    for (const { inbound, events } of applied) {
      // each command's events continue the trace of the order that caused them
      const parent = restoreTraceContext({ traceparent: inbound.traceparent, tracestate: inbound.tracestate });
      const span = tracer.startSpan(
        `match ${inbound.symbol}`,
        { kind: SpanKind.INTERNAL, attributes: { 'exchange.symbol': inbound.symbol, 'exchange.events': events.map((e) => e.type).join(',') } },
        parent,
      );
      const traceContext = captureTraceContext(trace.setSpan(context.active(), span));
      span.end();
      if (events.length > 0) this.lastTraceparents.set(inbound.symbol, traceContext.traceparent ?? '');
      for (const event of events) {
        const execution = executionOf(inbound.symbol, event, executedAt);
        executions.push({ symbol: inbound.symbol, sequence: event.sequence, type: execution.contract.type, payload: JSON.stringify(execution.data) });
        outbox.push({ id: execution.id, stream: executionsStream(inbound.symbol), contract: execution.contract, data: execution.data, traceContext });
      }
    }
    await client.query(
      'INSERT INTO journal (symbol, command_id, command, last_sequence) SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::bigint[])',
      [
        applied.map((a) => a.inbound.symbol),
        applied.map((a) => a.inbound.commandId),
        applied.map((a) => JSON.stringify(a.inbound.command ?? { invalid: true })),
        applied.map((a) => a.lastSequence),
      ],
    );
    if (executions.length > 0) {
      await client.query('INSERT INTO executions (symbol, sequence, type, payload) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[])', [
        executions.map((e) => e.symbol),
        executions.map((e) => e.sequence),
        executions.map((e) => e.type),
        executions.map((e) => e.payload),
      ]);
    }
    await enqueueEvents(client, outbox);
    await this.snapshotIfDue(client, applied, prune);
  }

  private async snapshotIfDue(client: Transaction, applied: Applied[], prune: boolean): Promise<void> {
    const counts = new Map<string, number>();
    for (const { inbound } of applied) counts.set(inbound.symbol, (counts.get(inbound.symbol) ?? 0) + 1);
    for (const [symbol, count] of counts) {
      const total = (this.sinceSnapshot.get(symbol) ?? 0) + count;
      if (total < this.options.snapshotEvery) {
        this.sinceSnapshot.set(symbol, total);
        continue;
      }
      const book = this.books.get(symbol)!;
      await client.query(
        `INSERT INTO snapshots (symbol, sequence, position, state)
         SELECT $1, $2, (SELECT max(position) FROM journal WHERE symbol = $1), $3`,
        [symbol, book.lastSequence, JSON.stringify(book.snapshot())],
      );
      this.sinceSnapshot.set(symbol, 0);
      if (prune) await this.prune(client, symbol);
    }
  }

  /**
   * Keeps the newest snapshots and the journal recovery needs: rows after the oldest kept snapshot
   * are kept for replay, older ones until they are too old to be delivered again. Executions are the
   * exchange's record of what happened and are never pruned here.
   */
  private async prune(client: Transaction, symbol: string): Promise<void> {
    const { rows } = await client.query<{ sequence: string; position: string }>(
      'SELECT sequence, position FROM snapshots WHERE symbol = $1 ORDER BY sequence DESC OFFSET $2 - 1 LIMIT 1',
      [symbol, this.options.snapshotsKept],
    );
    const oldestKept = rows[0];
    if (!oldestKept) return;
    await client.query('DELETE FROM snapshots WHERE symbol = $1 AND sequence < $2', [symbol, oldestKept.sequence]);
    await client.query('DELETE FROM journal WHERE symbol = $1 AND position <= $2 AND created_at < now() - make_interval(secs => $3::double precision / 1000)', [
      symbol,
      oldestKept.position,
      this.options.journalRetentionMs,
    ]);
  }
}
