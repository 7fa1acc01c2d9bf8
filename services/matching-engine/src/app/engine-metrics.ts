import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type HttpMetrics } from '@exchange/platform';
import type { BookEvent } from '../domain/index.js';

/**
 * The matching engine's business metrics on /metrics, counted once a batch is committed: commands
 * per kind, trades and matched quantity per market, batch sizes and how long a batch took from
 * reading to commit, and the orders resting in each book (read from the books when scraped).
 */
export class EngineMetrics {
  private readonly commands: Counter<'symbol' | 'kind'>;
  private readonly trades: Counter<'symbol'>;
  private readonly matched: Counter<'symbol'>;
  private readonly batchSize: Histogram;
  private readonly batchSeconds: Histogram;

  constructor(registry: HttpMetrics['registry'], restingOrders: () => Iterable<[symbol: string, orders: number]>) {
    this.commands = new Counter({
      name: 'exchange_engine_commands_total',
      help: 'Commands applied to the books, per symbol and kind (new, cancel, reduce, unreadable)',
      labelNames: ['symbol', 'kind'] as const,
      registers: [registry],
    });
    this.trades = new Counter({
      name: 'exchange_engine_trades_total',
      help: 'Trades the books made, per symbol (before settlement: see exchange_trades_total on the order-manager)',
      labelNames: ['symbol'] as const,
      registers: [registry],
    });
    this.matched = new Counter({
      name: 'exchange_engine_matched_shares_total',
      help: 'Shares matched, per symbol',
      labelNames: ['symbol'] as const,
      registers: [registry],
    });
    this.batchSize = new Histogram({
      name: 'exchange_engine_batch_commands',
      help: 'Commands in one batch (one transaction journals them with their executions)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    });
    this.batchSeconds = new Histogram({
      name: 'exchange_engine_batch_seconds',
      help: 'One batch from the start of its processing to its commit (matching, journal, executions, outbox)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    });
    new Gauge({
      name: 'exchange_engine_resting_orders',
      help: 'Orders resting in each book',
      labelNames: ['symbol'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [symbol, orders] of restingOrders()) this.set({ symbol }, orders);
      },
    });
  }

  /** Records one committed batch that started at `startedAt` (`performance.now()`). */
  committed(applied: ReadonlyArray<{ symbol: string; kind: string; events: readonly BookEvent[] }>, startedAt: number): void {
    this.batchSeconds.observe((performance.now() - startedAt) / 1000);
    if (applied.length === 0) return;
    this.batchSize.observe(applied.length);
    for (const { symbol, kind, events } of applied) {
      this.commands.inc({ symbol, kind });
      for (const event of events) {
        if (event.type !== 'trade') continue;
        this.trades.inc({ symbol });
        this.matched.inc({ symbol }, event.quantity);
      }
    }
  }
}
