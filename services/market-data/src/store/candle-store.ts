import type { Pool, Transaction } from '@exchange/platform';
import type { Candle, CandleInterval } from '@exchange/contracts';
import type { CandleUpdate } from '../domain/candle-buckets.js';
import { usd } from '../domain/units.js';

interface CandleRow {
  interval: CandleInterval;
  open_time: Date;
  open_cents: string;
  high_cents: string;
  low_cents: string;
  close_cents: string;
  volume: string;
}

export interface StoredCandle {
  interval: CandleInterval;
  candle: Candle;
}

function toCandle(row: CandleRow): Candle {
  return {
    openTime: row.open_time.toISOString(),
    open: usd(BigInt(row.open_cents)),
    high: usd(BigInt(row.high_cents)),
    low: usd(BigInt(row.low_cents)),
    close: usd(BigInt(row.close_cents)),
    volume: row.volume,
  };
}

const COLUMNS = 'interval, open_time, open_cents, high_cents, low_cents, close_cents, volume';

/** The `candles` table: OHLCV per symbol, interval and bucket. */
export class CandleStore {
  constructor(readonly db: Pool) {}

  /**
   * Merges the updates into the stored candles in one statement (each bucket at most once): open
   * from whichever side has the lower first sequence, close from the higher last sequence, high and
   * low the extremes, volumes added. Returns the candles as they now are.
   */
  async merge(client: Transaction, symbol: string, updates: CandleUpdate[]): Promise<StoredCandle[]> {
    if (updates.length === 0) return [];
    const column = <T>(pick: (update: CandleUpdate) => T) => updates.map(pick);
    const { rows } = await client.query<CandleRow>(
      `INSERT INTO candles AS c (symbol, interval, open_time, open_cents, high_cents, low_cents, close_cents, volume, first_sequence, last_sequence)
       SELECT $1::text, * FROM unnest($2::text[], $3::timestamptz[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[])
       ON CONFLICT (symbol, interval, open_time) DO UPDATE SET
         open_cents = CASE WHEN excluded.first_sequence < c.first_sequence THEN excluded.open_cents ELSE c.open_cents END,
         first_sequence = least(c.first_sequence, excluded.first_sequence),
         close_cents = CASE WHEN excluded.last_sequence > c.last_sequence THEN excluded.close_cents ELSE c.close_cents END,
         last_sequence = greatest(c.last_sequence, excluded.last_sequence),
         high_cents = greatest(c.high_cents, excluded.high_cents),
         low_cents = least(c.low_cents, excluded.low_cents),
         volume = c.volume + excluded.volume
       RETURNING ${COLUMNS}`,
      [
        symbol,
        column((u) => u.interval),
        column((u) => u.openTime),
        column((u) => u.openCents.toString()),
        column((u) => u.highCents.toString()),
        column((u) => u.lowCents.toString()),
        column((u) => u.closeCents.toString()),
        column((u) => u.volume.toString()),
        column((u) => String(u.firstSequence)),
        column((u) => String(u.lastSequence)),
      ],
    );
    return rows.map((row) => ({ interval: row.interval, candle: toCandle(row) }));
  }

  /** The latest `limit` candles of an interval, oldest first. */
  async latest(symbol: string, interval: CandleInterval, limit: number): Promise<Candle[]> {
    const { rows } = await this.db.query<CandleRow>(
      `SELECT ${COLUMNS} FROM (SELECT ${COLUMNS} FROM candles WHERE symbol = $1 AND interval = $2 ORDER BY open_time DESC LIMIT $3) AS newest ORDER BY open_time`,
      [symbol, interval, limit],
    );
    return rows.map(toCandle);
  }
}
