import type { Pool, Transaction } from '@exchange/platform';
import type { MarketStatus } from '@exchange/contracts';
import type { MarketTerms } from '../domain/market-terms.js';
import { toLimits, type StoredLimits } from './limits-store.js';

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

interface MarketWithLimitsRow extends MarketRow {
  limits_user_id: string | null;
  limits_max_open_orders: number | null;
  limits_max_orders_per_minute: number | null;
  limits_max_notional_cents: string | null;
  limits_kill_switch: boolean | null;
  limits_updated_at: Date | null;
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

  /**
   * The market and the user's own limits (if any) in one round trip: a pre-trade check needs both,
   * and reading the row every time is what makes a halt apply to the very next order.
   */
  async findWithLimits(symbol: string, userId: string): Promise<{ market: StoredMarket; limits: StoredLimits | undefined } | undefined> {
    const result = await this.db.query<MarketWithLimitsRow>(
      `SELECT m.*, l.user_id AS limits_user_id, l.max_open_orders AS limits_max_open_orders,
         l.max_orders_per_minute AS limits_max_orders_per_minute, l.max_notional_cents AS limits_max_notional_cents,
         l.kill_switch AS limits_kill_switch, l.updated_at AS limits_updated_at
       FROM markets m LEFT JOIN risk_limits l ON l.user_id = $2
       WHERE m.symbol = $1`,
      [symbol, userId],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    const limits =
      row.limits_user_id === null
        ? undefined
        : toLimits({
            user_id: row.limits_user_id,
            max_open_orders: row.limits_max_open_orders,
            max_orders_per_minute: row.limits_max_orders_per_minute,
            max_notional_cents: row.limits_max_notional_cents,
            kill_switch: row.limits_kill_switch!,
            updated_at: row.limits_updated_at!,
          });
    return { market: toMarket(row), limits };
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
