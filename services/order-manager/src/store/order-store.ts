import { AppError, type Pool, type Transaction } from '@exchange/platform';
import { formatAmount, type Fill, type Order, type OrderStatus } from '@exchange/contracts';
import { averagePriceCents } from '../domain/order-math.js';

export interface OrderRow {
  id: string;
  seq: string;
  user_id: string;
  client_order_id: string | null;
  request_hash: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'LIMIT' | 'MARKET';
  time_in_force: 'GTC' | 'IOC' | 'FOK';
  post_only: boolean;
  price_cents: string | null;
  protection_price_cents: string | null;
  quantity: string;
  filled_quantity: string;
  filled_notional_cents: string;
  fees_cents: string;
  status: OrderStatus | 'PENDING' | 'ABORTING';
  reject_reason: string | null;
  cancel_requested: boolean;
  tick_size_cents: string;
  lot_size: string;
  maker_fee_bps: number;
  taker_fee_bps: number;
  hold_asset: string;
  hold_amount: string;
  created_at: Date;
  updated_at: Date;
}

export type NewOrder = Omit<
  OrderRow,
  'seq' | 'filled_quantity' | 'filled_notional_cents' | 'fees_cents' | 'status' | 'reject_reason' | 'cancel_requested' | 'created_at' | 'updated_at'
>;

export interface FillRow {
  id: string;
  seq: string;
  trade_id: string;
  order_id: string;
  user_id: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  price_cents: string;
  quantity: string;
  fee_cents: string;
  liquidity: 'MAKER' | 'TAKER';
  sequence: string;
  executed_at: Date;
}

export const OPEN_STATUSES = ['NEW', 'PARTIALLY_FILLED'];
const CLOSED_STATUSES = ['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'];
const cents = (value: string | bigint) => formatAmount(BigInt(value), 2);

export function toOrder(row: OrderRow): Order {
  const average = averagePriceCents(BigInt(row.filled_notional_cents), BigInt(row.filled_quantity));
  return {
    id: row.id,
    clientOrderId: row.client_order_id,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    timeInForce: row.time_in_force,
    postOnly: row.post_only,
    price: row.price_cents === null ? null : cents(row.price_cents),
    quantity: row.quantity,
    filledQuantity: row.filled_quantity,
    averagePrice: average === undefined ? null : cents(average),
    fees: cents(row.fees_cents),
    // a placement still running is NEW to its owner: it is being published
    status: row.status === 'PENDING' || row.status === 'ABORTING' ? 'NEW' : row.status,
    rejectReason: row.reject_reason,
    cancelRequested: row.cancel_requested,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toFill(row: FillRow): Fill {
  return {
    id: row.id,
    tradeId: row.trade_id,
    orderId: row.order_id,
    symbol: row.symbol,
    side: row.side,
    price: cents(row.price_cents),
    quantity: row.quantity,
    fee: cents(row.fee_cents),
    liquidity: row.liquidity,
    executedAt: row.executed_at.toISOString(),
  };
}

export function encodeCursor(seq: string): string {
  return Buffer.from(seq, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,18}$/.test(decoded))
    throw new AppError('VALIDATION_FAILED', 'cursor is not valid', { fields: { cursor: ['is not a cursor this API gave out'] } });
  return decoded;
}

/** SQL for the `orders` and `fills` tables; nothing else touches them. */
export class OrderStore {
  constructor(readonly db: Pool) {}

  async insertPending(client: Transaction | Pool, order: NewOrder): Promise<OrderRow> {
    const { rows } = await client.query<OrderRow>(
      `INSERT INTO orders (id, user_id, client_order_id, request_hash, symbol, side, type, time_in_force, post_only, price_cents,
                           protection_price_cents, quantity, status, tick_size_cents, lot_size, maker_fee_bps, taker_fee_bps, hold_asset, hold_amount)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'PENDING', $13, $14, $15, $16, $17, $18)
       RETURNING *`,
      [
        order.id,
        order.user_id,
        order.client_order_id,
        order.request_hash,
        order.symbol,
        order.side,
        order.type,
        order.time_in_force,
        order.post_only,
        order.price_cents,
        order.protection_price_cents,
        order.quantity,
        order.tick_size_cents,
        order.lot_size,
        order.maker_fee_bps,
        order.taker_fee_bps,
        order.hold_asset,
        order.hold_amount,
      ],
    );
    return rows[0]!;
  }

  /** PENDING → NEW; undefined when the row is no longer pending (the janitor undid it). */
  async markPublished(client: Transaction, id: string): Promise<OrderRow | undefined> {
    const { rows } = await client.query<OrderRow>("UPDATE orders SET status = 'NEW', updated_at = now() WHERE id = $1 AND status = 'PENDING' RETURNING *", [
      id,
    ]);
    return rows[0];
  }

  /** PENDING → ABORTING: this caller, and no publish, decides the placement's fate. False when it was published (or claimed) first. */
  async claimForAbort(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query("UPDATE orders SET status = 'ABORTING', updated_at = now() WHERE id = $1 AND status = 'PENDING'", [id]);
    return (rowCount ?? 0) > 0;
  }

  async deleteAborting(id: string): Promise<void> {
    await this.db.query("DELETE FROM orders WHERE id = $1 AND status = 'ABORTING'", [id]);
  }

  /** Placements that died halfway: PENDING for longer than any placement runs, or left ABORTING. */
  async unfinishedPlacements(olderThanMs: number): Promise<OrderRow[]> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT * FROM orders
        WHERE (status = 'PENDING' AND created_at < now() - make_interval(secs => $1::double precision / 1000))
           OR (status = 'ABORTING' AND updated_at < now() - interval '5 seconds')
        LIMIT 100`,
      [olderThanMs],
    );
    return rows;
  }

  /** The latest order of the user with this clientOrderId placed within `windowMs`, open or not. */
  async findByClientOrderId(userId: string, clientOrderId: string, windowMs: number): Promise<OrderRow | undefined> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT * FROM orders WHERE user_id = $1 AND client_order_id = $2
         AND (status IN ('PENDING', 'ABORTING', 'NEW', 'PARTIALLY_FILLED') OR created_at > now() - make_interval(secs => $3::double precision / 1000))
       ORDER BY seq DESC LIMIT 1`,
      [userId, clientOrderId, windowMs],
    );
    return rows[0];
  }

  async countOpen(userId: string): Promise<number> {
    const { rows } = await this.db.query<{ count: string }>(
      "SELECT count(*) FROM orders WHERE user_id = $1 AND status IN ('PENDING', 'NEW', 'PARTIALLY_FILLED')",
      [userId],
    );
    return Number(rows[0]!.count);
  }

  async find(client: Transaction | Pool, id: string, forUpdate = false): Promise<OrderRow | undefined> {
    const { rows } = await client.query<OrderRow>(`SELECT * FROM orders WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  async list(userId: string, filter: { status: 'open' | 'closed' | 'all'; symbol?: string; limit: number; beforeSeq?: string }): Promise<OrderRow[]> {
    const statuses = filter.status === 'open' ? OPEN_STATUSES : filter.status === 'closed' ? CLOSED_STATUSES : [...OPEN_STATUSES, ...CLOSED_STATUSES];
    const { rows } = await this.db.query<OrderRow>(
      `SELECT * FROM orders
        WHERE user_id = $1 AND status = ANY($2::text[]) AND ($3::text IS NULL OR symbol = $3) AND ($4::bigint IS NULL OR seq < $4::bigint)
        ORDER BY seq DESC LIMIT $5`,
      [userId, statuses, filter.symbol ?? null, filter.beforeSeq ?? null, filter.limit],
    );
    return rows;
  }

  async requestCancel(client: Transaction, id: string): Promise<OrderRow> {
    const { rows } = await client.query<OrderRow>('UPDATE orders SET cancel_requested = true, updated_at = now() WHERE id = $1 RETURNING *', [id]);
    return rows[0]!;
  }

  async clearCancelRequest(client: Transaction, id: string): Promise<void> {
    await client.query('UPDATE orders SET cancel_requested = false, updated_at = now() WHERE id = $1', [id]);
  }

  /** True when the order was open and is now closed. */
  async close(client: Transaction, id: string, status: 'CANCELED' | 'EXPIRED' | 'REJECTED', reason: string | null): Promise<boolean> {
    const { rowCount } = await client.query(
      "UPDATE orders SET status = $2, reject_reason = COALESCE($3, reject_reason), cancel_requested = false, updated_at = now() WHERE id = $1 AND status IN ('NEW', 'PARTIALLY_FILLED')",
      [id, status, reason],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Records one side of a trade on its order; the status follows from what is now filled. Returns it (undefined: already recorded). */
  async recordFill(client: Transaction, fill: Omit<FillRow, 'seq' | 'executed_at'>): Promise<'FILLED' | 'PARTIALLY_FILLED' | undefined> {
    const inserted = await client.query(
      `INSERT INTO fills (id, trade_id, order_id, user_id, symbol, side, price_cents, quantity, fee_cents, liquidity, sequence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
      [
        fill.id,
        fill.trade_id,
        fill.order_id,
        fill.user_id,
        fill.symbol,
        fill.side,
        fill.price_cents,
        fill.quantity,
        fill.fee_cents,
        fill.liquidity,
        fill.sequence,
      ],
    );
    if ((inserted.rowCount ?? 0) === 0) return undefined;
    const { rows } = await client.query<{ status: 'FILLED' | 'PARTIALLY_FILLED' }>(
      `UPDATE orders SET filled_quantity = filled_quantity + $2, filled_notional_cents = filled_notional_cents + $3, fees_cents = fees_cents + $4,
              status = CASE WHEN filled_quantity + $2 = quantity THEN 'FILLED' ELSE 'PARTIALLY_FILLED' END,
              cancel_requested = cancel_requested AND filled_quantity + $2 < quantity, updated_at = now()
        WHERE id = $1 AND status IN ('NEW', 'PARTIALLY_FILLED')
        RETURNING status`,
      [fill.order_id, fill.quantity, (BigInt(fill.price_cents) * BigInt(fill.quantity)).toString(), fill.fee_cents],
    );
    return rows[0]?.status;
  }

  async fills(userId: string, filter: { symbol?: string; limit: number; beforeSeq?: string }): Promise<FillRow[]> {
    const { rows } = await this.db.query<FillRow>(
      `SELECT * FROM fills WHERE user_id = $1 AND ($2::text IS NULL OR symbol = $2) AND ($3::bigint IS NULL OR seq < $3::bigint)
        ORDER BY seq DESC LIMIT $4`,
      [userId, filter.symbol ?? null, filter.beforeSeq ?? null, filter.limit],
    );
    return rows;
  }
}
