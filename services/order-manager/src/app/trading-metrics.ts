import { Counter, Histogram, type HttpMetrics } from '@exchange/platform';

/**
 * Business metrics on /metrics: orders entering each status per symbol, trades, shares
 * and notional per symbol. Counted after the commit that made the change, once per change (a
 * redelivered event changes nothing, so counts nothing).
 */
export class TradingMetrics {
  private readonly orders: Counter<'symbol' | 'status'>;
  private readonly trades: Counter<'symbol'>;
  private readonly shares: Counter<'symbol'>;
  private readonly notional: Counter<'symbol'>;
  private readonly batches: Histogram;

  constructor(registry: HttpMetrics['registry']) {
    this.orders = new Counter({
      name: 'exchange_orders_total',
      help: 'Orders entering a status (NEW at placement, then PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, REJECTED), per symbol',
      labelNames: ['symbol', 'status'] as const,
      registers: [registry],
    });
    this.trades = new Counter({ name: 'exchange_trades_total', help: 'Trades settled, per symbol', labelNames: ['symbol'] as const, registers: [registry] });
    this.shares = new Counter({
      name: 'exchange_traded_shares_total',
      help: 'Shares traded, per symbol',
      labelNames: ['symbol'] as const,
      registers: [registry],
    });
    this.notional = new Counter({
      name: 'exchange_traded_notional_cents_total',
      help: 'Traded notional (price × quantity) in US cents, per symbol',
      labelNames: ['symbol'] as const,
      registers: [registry],
    });
    this.batches = new Histogram({
      name: 'exchange_placement_batch_size',
      help: 'Orders placed together in one batch (one risk call, one wallet call, two transactions)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200],
      registers: [registry],
    });
  }

  placementBatch(size: number): void {
    this.batches.observe(size);
  }

  orderStatus(symbol: string, status: string): void {
    this.orders.inc({ symbol, status });
  }

  trade(symbol: string, shares: bigint, notionalCents: bigint): void {
    this.trades.inc({ symbol });
    this.shares.inc({ symbol }, Number(shares));
    this.notional.inc({ symbol }, Number(notionalCents));
  }
}
