import type { Pool, Transaction } from '@exchange/platform';
import type { PublicTrade } from '@exchange/contracts';
import type { TapeTrade } from '../domain/candle-buckets.js';
import { usd } from '../domain/units.js';

interface TradeRow {
  symbol: string;
  trade_id: string;
  price_cents: string;
  quantity: string;
  taker_side: 'BUY' | 'SELL';
  executed_at: Date;
}

interface WindowRow {
  last_cents: string | null;
  open_cents: string | null;
  high_cents: string | null;
  low_cents: string | null;
  volume: string;
}

/** What the ticker needs from the tape: the latest price, and the trades since `since`. */
export interface TapeWindow {
  lastCents: bigint | undefined;
  openCents: bigint | undefined;
  highCents: bigint | undefined;
  lowCents: bigint | undefined;
  volume: bigint;
}

type Queryable = Pool | Transaction;

function toPublicTrade(row: TradeRow): PublicTrade {
  return {
    id: `${row.symbol}:${row.trade_id}`,
    price: usd(BigInt(row.price_cents)),
    quantity: row.quantity,
    takerSide: row.taker_side,
    executedAt: row.executed_at.toISOString(),
  };
}

const optional = (value: string | null) => (value === null ? undefined : BigInt(value));
const toWindow = (row: WindowRow): TapeWindow => ({
  lastCents: optional(row.last_cents),
  openCents: optional(row.open_cents),
  highCents: optional(row.high_cents),
  lowCents: optional(row.low_cents),
  volume: BigInt(row.volume),
});

/** The `trades` table: the tape. */
export class TradeStore {
  constructor(readonly db: Pool) {}

  /** Records a trade; false when the tape already has it (the same trade id of the same symbol). */
  async insert(client: Transaction, trade: TapeTrade): Promise<boolean> {
    const { rowCount } = await client.query(
      `INSERT INTO trades (symbol, trade_id, sequence, price_cents, quantity, taker_side, executed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (symbol, trade_id) DO NOTHING`,
      [trade.symbol, trade.tradeId, trade.sequence, trade.priceCents.toString(), trade.quantity.toString(), trade.takerSide, trade.executedAt],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The newest trades first. */
  async latest(symbol: string, limit: number): Promise<PublicTrade[]> {
    const { rows } = await this.db.query<TradeRow>(
      'SELECT symbol, trade_id, price_cents, quantity, taker_side, executed_at FROM trades WHERE symbol = $1 ORDER BY trade_id DESC LIMIT $2',
      [symbol, limit],
    );
    return rows.map(toPublicTrade);
  }

  /** The latest trade's price, and open (first trade by time), high, low and volume of the trades since `since`. */
  async window(db: Queryable, symbol: string, since: Date): Promise<TapeWindow> {
    const { rows } = await db.query<WindowRow>(
      `SELECT (SELECT price_cents FROM trades WHERE symbol = $1 ORDER BY trade_id DESC LIMIT 1) AS last_cents,
              (SELECT price_cents FROM trades WHERE symbol = $1 AND executed_at >= $2 ORDER BY executed_at, trade_id LIMIT 1) AS open_cents,
              max(price_cents) AS high_cents, min(price_cents) AS low_cents, coalesce(sum(quantity), 0) AS volume
         FROM trades WHERE symbol = $1 AND executed_at >= $2`,
      [symbol, since],
    );
    return toWindow(rows[0]!);
  }

  /** `window` of several symbols in one query (each over the primary key's range of its symbol); every symbol asked is answered. */
  async windows(db: Queryable, symbols: readonly string[], since: Date): Promise<Map<string, TapeWindow>> {
    if (symbols.length === 0) return new Map();
    const { rows } = await db.query<WindowRow & { symbol: string }>(
      `SELECT s.symbol,
              (SELECT price_cents FROM trades WHERE symbol = s.symbol ORDER BY trade_id DESC LIMIT 1) AS last_cents,
              (SELECT price_cents FROM trades WHERE symbol = s.symbol AND executed_at >= $2 ORDER BY executed_at, trade_id LIMIT 1) AS open_cents,
              w.high_cents, w.low_cents, w.volume
         FROM unnest($1::text[]) AS s(symbol)
         CROSS JOIN LATERAL (
           SELECT max(price_cents) AS high_cents, min(price_cents) AS low_cents, coalesce(sum(quantity), 0) AS volume
             FROM trades WHERE symbol = s.symbol AND executed_at >= $2
         ) AS w`,
      [symbols, since],
    );
    return new Map(rows.map((row) => [row.symbol, toWindow(row)]));
  }
}
