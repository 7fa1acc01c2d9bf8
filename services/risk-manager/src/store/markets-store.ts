import type { Pool, Transaction } from '@exchange/platform';
import type { MarketStatus } from '@exchange/contracts';
import type { MarketTerms } from '../domain/market-terms.js';

export interface NewMarket extends MarketTerms {
  symbol: string;
  name: string;
  status: MarketStatus;
}

export interface StoredMarket extends NewMarket {
  createdAt: Date;
  updatedAt: Date;
}

interface MarketRow {
  symbol: string;
  name: string;
  tick_size_cents: string;
  lot_size: string;
  reference_price_cents: string;
  status: MarketStatus;
  maker_fee_bps: number;
  taker_fee_bps: number;
  min_quantity: string;
  max_quantity: string;
  max_notional_cents: string;
  price_collar_bps: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `symbol, name, tick_size_cents, lot_size, reference_price_cents, status, maker_fee_bps, taker_fee_bps,
  min_quantity, max_quantity, max_notional_cents, price_collar_bps, created_at, updated_at`;

function toMarket(row: MarketRow): StoredMarket {
  return {
    symbol: row.symbol,
    name: row.name,
    status: row.status,
    tickSizeCents: BigInt(row.tick_size_cents),
    lotSize: BigInt(row.lot_size),
    referencePriceCents: BigInt(row.reference_price_cents),
    makerFeeBps: row.maker_fee_bps,
    takerFeeBps: row.taker_fee_bps,
    minQuantity: BigInt(row.min_quantity),
    maxQuantity: BigInt(row.max_quantity),
    maxNotionalCents: BigInt(row.max_notional_cents),
    priceCollarBps: row.price_collar_bps,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

type Queryable = Pick<Pool, 'query'> | Transaction;

/** SQL for `markets`, the instrument registry. */
export class MarketsStore {
  constructor(readonly db: Pool) {}

  async list(): Promise<StoredMarket[]> {
    const result = await this.db.query<MarketRow>(`SELECT ${COLUMNS} FROM markets ORDER BY symbol`);
    return result.rows.map(toMarket);
  }

  async find(symbol: string): Promise<StoredMarket | undefined> {
    const result = await this.db.query<MarketRow>(`SELECT ${COLUMNS} FROM markets WHERE symbol = $1`, [symbol]);
    return result.rows[0] ? toMarket(result.rows[0]) : undefined;
  }

  async findForUpdate(client: Transaction, symbol: string): Promise<StoredMarket | undefined> {
    const result = await client.query<MarketRow>(`SELECT ${COLUMNS} FROM markets WHERE symbol = $1 FOR UPDATE`, [symbol]);
    return result.rows[0] ? toMarket(result.rows[0]) : undefined;
  }

  /** Inserts a market; undefined when the symbol is taken. */
  async insert(market: NewMarket, client: Queryable = this.db): Promise<StoredMarket | undefined> {
    const result = await client.query<MarketRow>(
      `INSERT INTO markets (symbol, name, status, tick_size_cents, lot_size, reference_price_cents, maker_fee_bps, taker_fee_bps,
         min_quantity, max_quantity, max_notional_cents, price_collar_bps)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (symbol) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        market.symbol,
        market.name,
        market.status,
        market.tickSizeCents.toString(),
        market.lotSize.toString(),
        market.referencePriceCents.toString(),
        market.makerFeeBps,
        market.takerFeeBps,
        market.minQuantity.toString(),
        market.maxQuantity.toString(),
        market.maxNotionalCents.toString(),
        market.priceCollarBps,
      ],
    );
    return result.rows[0] ? toMarket(result.rows[0]) : undefined;
  }

  /** Writes everything that may change; symbol, tick and lot size stay (a trigger refuses a change). */
  async update(client: Transaction, market: NewMarket): Promise<StoredMarket> {
    const result = await client.query<MarketRow>(
      `UPDATE markets SET status = $2, reference_price_cents = $3, maker_fee_bps = $4, taker_fee_bps = $5, min_quantity = $6,
         max_quantity = $7, max_notional_cents = $8, price_collar_bps = $9, updated_at = now()
       WHERE symbol = $1
       RETURNING ${COLUMNS}`,
      [
        market.symbol,
        market.status,
        market.referencePriceCents.toString(),
        market.makerFeeBps,
        market.takerFeeBps,
        market.minQuantity.toString(),
        market.maxQuantity.toString(),
        market.maxNotionalCents.toString(),
        market.priceCollarBps,
      ],
    );
    return toMarket(result.rows[0]!);
  }
}
