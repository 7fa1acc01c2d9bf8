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
  type ReplayRequest,
  StreamSequence,
  type Transaction,
} from '@exchange/platform';
import { performance } from 'node:perf_hooks';
import { executionsStream, ordersStream } from '@exchange/contracts';
import { CollectingSink, OrderBook, type BookEvent, type EventSink } from '../domain/index.js';
import { journalKey, type BatchRecord, type EngineStore } from '../store/engine-store.js';
import { executionOf, type Inbound } from './commands.js';
import type { EngineMetrics } from './engine-metrics.js';

export interface EngineOptions {
  db: Pool;
  store: EngineStore;
  relay: OutboxRelay;
  logger: Logger;
  symbols: readonly string[];
  snapshotEvery: number;
  /** snapshots kept per symbol */
  snapshotsKept: number;
  /** how long a journaled command stays recognisable as a repeat */
  journalRetentionMs: number;
  /** asks the order-manager to publish a market's commands again from a number on (a gap: commands Redis lost) */
  replay?: ReplayRequest;
  /** the business metrics, counted after each commit */
  metrics?: EngineMetrics;
}

/** The engine's consumer group on every `orders:{SYMBOL}` stream. */
export const ENGINE_GROUP = 'matching-engine';

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
  /** the engine's place in each market's numbered commands, and the repair of gaps in them */
  readonly sequence: StreamSequence;
  private readonly books = new Map<string, OrderBook>();
  private readonly sinceSnapshot = new Map<string, number>();
  private readonly lastPrices = new Map<string, number>();
  /** the trace context of the latest command that changed each book, for the book state it publishes */
  private readonly lastTraceparents = new Map<string, string>();

  constructor(private readonly options: EngineOptions) {
    this.sequence = new StreamSequence({
      db: options.db,
      group: ENGINE_GROUP,
      logger: options.logger,
      ...(options.replay ? { replay: options.replay } : {}),
      retryMs: 2000,
    });
  }

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

  /** How many orders rest in each owned book. */
  *restingOrders(): Iterable<[symbol: string, orders: number]> {
    for (const [symbol, book] of this.books) yield [symbol, book.restingOrders];
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
    const { store } = this.options;
    const snapshot = await store.latestSnapshot(symbol);
    const book = snapshot ? OrderBook.restore(snapshot.state) : new OrderBook(symbol);
    const journal = await store.journalAfter(symbol, snapshot?.position ?? 0n);
    for (const { command, lastSequence } of journal) {
      if (command) book.apply(command, ignoreEvents);
      if (book.lastSequence !== lastSequence) {
        throw new Error(`replaying the ${symbol} journal diverged at sequence ${lastSequence} (book at ${book.lastSequence})`);
      }
    }
    const lastPrice = await store.lastTradePrice(symbol);
    if (lastPrice !== undefined) this.lastPrices.set(symbol, lastPrice);
    this.books.set(symbol, book);
    this.sinceSnapshot.set(symbol, journal.length);
    this.options.logger.info({ symbol, sequence: book.lastSequence, replayed: journal.length, fromSnapshot: Boolean(snapshot) }, 'book recovered');
  }

  /**
   * Applies and commits one batch; returns the symbols whose books changed. `prune` allows deleting
   * old snapshots and journal rows with a new snapshot: the loop passes it once the commands left
   * pending before a restart are done, so a command journaled long ago is still recognised then.
   */
  async process(batch: Inbound[], { prune = true }: { prune?: boolean } = {}): Promise<Set<string>> {
    const changed = new Set<string>();
    if (batch.length === 0) return changed;
    const gaps: Array<[stream: string, fromSeq: number]> = [];
    const startedAt = performance.now();
    let applied: Applied[] = [];
    try {
      await withTransaction(this.options.db, async (client) => {
        const fresh = await this.withoutKnownResubmissions(client, await this.unjournaled(client, await this.inSequence(client, batch, gaps)));
        applied = fresh.map((inbound) => this.apply(inbound));
        for (const { inbound } of applied) changed.add(inbound.symbol);
        await this.commit(client, applied, prune);
      });
    } catch (error) {
      // The books ran ahead of what was committed: rebuild them from what was.
      await this.recover();
      throw error;
    }
    this.options.relay.wake();
    this.options.metrics?.committed(
      applied.map(({ inbound, events }) => ({ symbol: inbound.symbol, kind: inbound.command?.kind ?? 'unreadable', events })),
      startedAt,
    );
    // commands past a gap were left out (acknowledged, not applied): they come again with the
    // replay, asked for without holding up the other markets' commands
    for (const [stream, fromSeq] of gaps) {
      void this.sequence
        .foundGap(stream, fromSeq)
        .catch((error: unknown) => this.options.logger.warn({ err: error, stream }, 'asking for missing commands failed'));
    }
    return changed;
  }

  /** Each market's commands of the batch that come next in its stream's numbering; where one is missing, the gap. */
  private async inSequence(client: Transaction, batch: Inbound[], gaps: Array<[string, number]>): Promise<Inbound[]> {
    const byStream = new Map<string, Inbound[]>();
    for (const inbound of batch) {
      const same = byStream.get(inbound.stream);
      if (same) same.push(inbound);
      else byStream.set(inbound.stream, [inbound]);
    }
    const taken = new Set<Inbound>();
    for (const [stream, inbounds] of byStream) {
      const ordered = await this.sequence.take(client, stream, inbounds);
      for (const inbound of ordered.events) taken.add(inbound);
      if (ordered.gapFrom !== undefined) gaps.push([stream, ordered.gapFrom]);
    }
    return batch.filter((inbound) => taken.has(inbound));
  }

  /**
   * The batch without orders sent again by the order-manager's reconciliation that this engine has
   * seen after all — resting, named by a committed execution, or placed earlier in the same batch
   * (the original command arrived meanwhile): an order is never entered twice.
   */
  private async withoutKnownResubmissions(client: Transaction, batch: Inbound[]): Promise<Inbound[]> {
    if (!batch.some((inbound) => inbound.resubmitted)) return batch;
    const placedBefore = new Set<string>();
    const known = new Set<Inbound>();
    for (const inbound of batch) {
      const command = inbound.command;
      if (command?.kind !== 'new') continue;
      if (inbound.resubmitted && (placedBefore.has(command.orderId) || this.books.get(inbound.symbol)?.has(command.orderId))) known.add(inbound);
      placedBefore.add(command.orderId);
    }
    const bySymbol = new Map<string, string[]>();
    for (const inbound of batch) {
      if (!inbound.resubmitted || known.has(inbound) || inbound.command?.kind !== 'new') continue;
      bySymbol.set(inbound.symbol, [...(bySymbol.get(inbound.symbol) ?? []), inbound.command.orderId]);
    }
    for (const [symbol, ids] of bySymbol) {
      const seen = await this.options.store.ordersSeen(client, symbol, ids);
      for (const inbound of batch) if (inbound.symbol === symbol && inbound.command?.kind === 'new' && seen.has(inbound.command.orderId)) known.add(inbound);
    }
    for (const inbound of known) {
      this.options.logger.info(
        { stream: inbound.stream, commandId: inbound.commandId },
        'an order sent again by reconciliation is known here already: left out',
      );
    }
    return batch.filter((inbound) => !known.has(inbound));
  }

  /**
   * The order-manager's reconciliation asks about open orders of a market: each rests here, was
   * finished here (an execution names it), or was never seen — answered only once this engine has
   * committed the market's commands up to `asOfSeq`, the last the order-manager had numbered.
   */
  async orderStates(
    symbol: string,
    asOfSeq: number,
    orderIds: string[],
  ): Promise<{ caughtUp: boolean; position: number; orders: Array<{ orderId: string; state: 'resting' | 'done' | 'unknown' }> }> {
    const book = this.books.get(symbol);
    const position = await this.options.store.position(ordersStream(symbol), ENGINE_GROUP);
    if (!book || position < asOfSeq) return { caughtUp: false, position, orders: [] };
    const notResting = orderIds.filter((id) => !book.has(id));
    const seen = notResting.length > 0 ? await this.options.store.ordersSeen(this.options.db, symbol, notResting) : new Set<string>();
    return {
      caughtUp: true,
      position,
      orders: orderIds.map((orderId) => ({ orderId, state: book.has(orderId) ? 'resting' : seen.has(orderId) ? 'done' : 'unknown' })),
    };
  }

  /** The batch without commands already journaled (redelivered after a crash) or repeated in it. */
  private async unjournaled(client: Transaction, batch: Inbound[]): Promise<Inbound[]> {
    const seen = await this.options.store.journaled(client, batch);
    return batch.filter((inbound) => {
      const key = journalKey(inbound.symbol, inbound.commandId);
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
    const executions: BatchRecord['executions'] = [];
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
        executions.push({ symbol: inbound.symbol, sequence: event.sequence, type: execution.contract.type, data: execution.data });
        outbox.push({ id: execution.id, stream: executionsStream(inbound.symbol), contract: execution.contract, data: execution.data, traceContext });
      }
    }
    const journal = applied.map(({ inbound, lastSequence }) => ({
      symbol: inbound.symbol,
      commandId: inbound.commandId,
      command: inbound.command,
      lastSequence,
    }));
    await this.options.store.record(client, { journal, executions });
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
      await this.options.store.snapshot(client, symbol, book.lastSequence, book.snapshot());
      this.sinceSnapshot.set(symbol, 0);
      if (prune) await this.options.store.prune(client, symbol, this.options.snapshotsKept, this.options.journalRetentionMs);
    }
  }
}
