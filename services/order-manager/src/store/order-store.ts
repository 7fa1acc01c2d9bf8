import { ordersStream } from '@exchange/contracts';
import type { Pool, Transaction } from '@exchange/platform';
import {
  COUNTED_AS_OPEN,
  TRANSITIONS,
  type FillRecord,
  type LifecycleStatus,
  type NewOrder,
  type StoredFill,
  type StoredOrder,
  type TransitionName,
} from '../domain/order-lifecycle.js';

/** A row of `orders` as PostgreSQL returns it; never leaves this file. */
interface OrderRow {
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
  status: LifecycleStatus;
  reject_reason: string | null;
  cancel_requested: boolean;
  cancel_requests: number;
  tick_size_cents: string;
  lot_size: string;
  maker_fee_bps: number;
  taker_fee_bps: number;
  hold_asset: string;
  hold_amount: string;
  created_at: Date;
  updated_at: Date;
}

interface FillRow {
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

const bigintOrNull = (value: string | null) => (value === null ? null : BigInt(value));

function toStoredOrder(row: OrderRow): StoredOrder {
  return {
    id: row.id,
    seq: BigInt(row.seq),
    userId: row.user_id,
    clientOrderId: row.client_order_id,
    requestHash: row.request_hash,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    timeInForce: row.time_in_force,
    postOnly: row.post_only,
    priceCents: bigintOrNull(row.price_cents),
    protectionPriceCents: bigintOrNull(row.protection_price_cents),
    quantity: BigInt(row.quantity),
    filledQuantity: BigInt(row.filled_quantity),
    filledNotionalCents: BigInt(row.filled_notional_cents),
    feesCents: BigInt(row.fees_cents),
    status: row.status,
    rejectReason: row.reject_reason,
    cancelRequested: row.cancel_requested,
    units: { tickSizeCents: BigInt(row.tick_size_cents), lotSize: BigInt(row.lot_size) },
    makerFeeBps: row.maker_fee_bps,
    takerFeeBps: row.taker_fee_bps,
    hold: { asset: row.hold_asset, amount: BigInt(row.hold_amount) },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toStoredFill(row: FillRow): StoredFill {
  return {
    id: row.id,
    seq: BigInt(row.seq),
    tradeId: row.trade_id,
    orderId: row.order_id,
    userId: row.user_id,
    symbol: row.symbol,
    side: row.side,
    priceCents: BigInt(row.price_cents),
    quantity: BigInt(row.quantity),
    feeCents: BigInt(row.fee_cents),
    liquidity: row.liquidity,
    sequence: BigInt(row.sequence),
    executedAt: row.executed_at,
  };
}

/** The statuses a transition leaves, for `status = ANY($n)`. */
const from = (transition: TransitionName): string[] => [...TRANSITIONS[transition].from];

export type OrderFilter = { status: 'open' | 'closed' | 'all'; symbol?: string; limit: number; beforeSeq?: bigint };

const LISTED: Record<OrderFilter['status'], readonly string[]> = {
  open: ['NEW', 'PARTIALLY_FILLED'],
  closed: ['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'],
  all: ['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'],
};

/**
 * The `orders` and `fills` tables; nothing else touches them. Every change of status is one of the
 * lifecycle's transitions, applied only from the statuses it allows.
 */
export class OrderStore {
  constructor(readonly db: Pool) {}

  /** Serialises the placements of these users until the transaction ends, always locked in the same order. */
  async lockOwners(client: Transaction, userIds: string[]): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (SELECT DISTINCT k FROM unnest($1::text[]) AS k ORDER BY k) AS sorted', [
      userIds.map((userId) => `orders:${userId}`),
    ]);
  }

  /** How many orders each of these users has open or being placed. */
  async countOpenMany(client: Transaction, userIds: string[]): Promise<Map<string, number>> {
    const { rows } = await client.query<{ user_id: string; count: string }>(
      'SELECT user_id, count(*) FROM orders WHERE user_id = ANY($1::uuid[]) AND status = ANY($2::text[]) GROUP BY user_id',
      [userIds, COUNTED_AS_OPEN],
    );
    return new Map(rows.map((row) => [row.user_id, Number(row.count)]));
  }

  /**
   * Writes many PENDING orders in one statement. An order whose clientOrderId is taken by another
   * open order of its user (a request racing this one) is not written: its id is in `taken`.
   */
  async insertPendingMany(client: Transaction, orders: NewOrder[]): Promise<{ written: StoredOrder[]; taken: Set<string> }> {
    const column = <T>(pick: (order: NewOrder) => T) => orders.map(pick);
    const { rows } = await client.query<OrderRow>(
      `INSERT INTO orders (id, user_id, client_order_id, request_hash, symbol, side, type, time_in_force, post_only, price_cents,
                           protection_price_cents, quantity, status, tick_size_cents, lot_size, maker_fee_bps, taker_fee_bps, hold_asset, hold_amount)
       SELECT id, user_id, client_order_id, request_hash, symbol, side, type, time_in_force, post_only, price_cents,
              protection_price_cents, quantity, 'PENDING', tick_size_cents, lot_size, maker_fee_bps, taker_fee_bps, hold_asset, hold_amount
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[], $10::bigint[],
                     $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::int[], $16::int[], $17::text[], $18::bigint[])
           AS o(id, user_id, client_order_id, request_hash, symbol, side, type, time_in_force, post_only, price_cents,
                protection_price_cents, quantity, tick_size_cents, lot_size, maker_fee_bps, taker_fee_bps, hold_asset, hold_amount)
       ON CONFLICT (user_id, client_order_id) WHERE client_order_id IS NOT NULL AND status IN ('PENDING', 'NEW', 'PARTIALLY_FILLED') DO NOTHING
       RETURNING *`,
      [
        column((o) => o.id),
        column((o) => o.userId),
        column((o) => o.clientOrderId),
        column((o) => o.requestHash),
        column((o) => o.symbol),
        column((o) => o.side),
        column((o) => o.type),
        column((o) => o.timeInForce),
        column((o) => o.postOnly),
        column((o) => o.priceCents?.toString() ?? null),
        column((o) => o.protectionPriceCents?.toString() ?? null),
        column((o) => o.quantity.toString()),
        column((o) => o.units.tickSizeCents.toString()),
        column((o) => o.units.lotSize.toString()),
        column((o) => o.makerFeeBps),
        column((o) => o.takerFeeBps),
        column((o) => o.hold.asset),
        column((o) => o.hold.amount.toString()),
      ],
    );
    const written = rows.map(toStoredOrder);
    const ids = new Set(written.map((order) => order.id));
    return { written, taken: new Set(orders.filter((order) => !ids.has(order.id)).map((order) => order.id)) };
  }

  /** Removes orders written in this same transaction (a placement refused before it committed). */
  async discard(client: Transaction, ids: string[]): Promise<void> {
    if (ids.length > 0) await client.query("DELETE FROM orders WHERE id = ANY($1::uuid[]) AND status = 'PENDING'", [ids]);
  }

  /** `publish` for many orders at once; answers the ones it published (a placement claimed by an undo is not). */
  async publishMany(client: Transaction, ids: string[]): Promise<StoredOrder[]> {
    if (ids.length === 0) return [];
    const { rows } = await client.query<OrderRow>(
      'UPDATE orders SET status = $2, updated_at = now() WHERE id = ANY($1::uuid[]) AND status = ANY($3::text[]) RETURNING *',
      [ids, TRANSITIONS.publish.to, from('publish')],
    );
    return rows.map(toStoredOrder);
  }

  /**
   * Makes a transition that changes only the status (publish, claimUndo; cancel, expire, reject
   * with the engine's reason). The order after it, or undefined when its status did not allow it.
   */
  async transition(
    client: Transaction | Pool,
    id: string,
    transition: Exclude<TransitionName, 'forget' | 'fill' | 'partialFill'>,
    reason: string | null = null,
  ): Promise<StoredOrder | undefined> {
    const { rows } = await client.query<OrderRow>(
      `UPDATE orders SET status = $2, reject_reason = COALESCE($3, reject_reason), cancel_requested = cancel_requested AND $2 = ANY($5::text[]), updated_at = now()
        WHERE id = $1 AND status = ANY($4::text[]) RETURNING *`,
      [id, TRANSITIONS[transition].to, reason, from(transition), ['NEW', 'PARTIALLY_FILLED']],
    );
    return rows[0] && toStoredOrder(rows[0]);
  }

  /** `forget`: deletes a placement being undone. */
  async forget(id: string): Promise<void> {
    await this.db.query('DELETE FROM orders WHERE id = $1 AND status = ANY($2::text[])', [id, from('forget')]);
  }

  /**
   * For the reconciliation with the engine: open orders older than `olderThanMs` (at most `limit`),
   * leaving out those whose command has no number in its stream yet (not yet sent); and the last
   * number given in each of their markets' streams, read after them.
   */
  async reconcileCandidates(olderThanMs: number, limit: number): Promise<{ orders: StoredOrder[]; lastSeqs: Map<string, number> }> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT * FROM orders o
        WHERE o.status IN ('NEW', 'PARTIALLY_FILLED') AND o.updated_at < now() - make_interval(secs => $1::double precision / 1000)
          AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.published_at IS NULL AND x.seq IS NULL AND x.payload->>'orderId' = o.id::text)
        ORDER BY o.symbol, o.seq LIMIT $2`,
      [olderThanMs, limit],
    );
    const orders = rows.map(toStoredOrder);
    const streams = [...new Set(orders.map((order) => order.symbol))].map(ordersStream);
    const { rows: sequences } = await this.db.query<{ stream: string; last_seq: string }>(
      'SELECT stream, last_seq::text FROM outbox_sequences WHERE stream = ANY($1::text[])',
      [streams],
    );
    return { orders, lastSeqs: new Map(sequences.map((row) => [row.stream, Number(row.last_seq)])) };
  }

  /** Orders by id, as they are now (no lock): what the reconciliation compares holds with. */
  async ordersByIds(ids: string[]): Promise<Map<string, StoredOrder>> {
    const uuids = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
    const { rows } = await this.db.query<OrderRow>('SELECT * FROM orders WHERE id = ANY($1::uuid[])', [uuids]);
    return new Map(rows.map((row) => [row.id, toStoredOrder(row)]));
  }

  /** Every order that holds or may hold funds: open, or a placement still running or being undone (for the audit). */
  async ordersHoldingFunds(): Promise<StoredOrder[]> {
    const { rows } = await this.db.query<OrderRow>("SELECT * FROM orders WHERE status IN ('PENDING', 'ABORTING', 'NEW', 'PARTIALLY_FILLED')");
    return rows.map(toStoredOrder);
  }

  /**
   * The order-manager's own invariants, as counts of what breaks each (for the audit): an order's
   * filled quantity is the sum of its fills; FILLED exactly when nothing is left; every trade has
   * its two fills; no placement older than `stuckAfterMs` still running or being undone.
   */
  async auditCounts(
    stuckAfterMs: number,
  ): Promise<{ orders: number; fills: number; wrongFilled: number; wrongStatus: number; oddTrades: number; stuck: number }> {
    const { rows } = await this.db.query(
      `SELECT (SELECT count(*) FROM orders)::int AS orders,
              (SELECT count(*) FROM fills)::int AS fills,
              (SELECT count(*) FROM orders o LEFT JOIN (SELECT order_id, sum(quantity) AS filled FROM fills GROUP BY order_id) f ON f.order_id = o.id
                WHERE o.filled_quantity <> coalesce(f.filled, 0))::int AS wrong_filled,
              (SELECT count(*) FROM orders WHERE (status = 'FILLED') <> (filled_quantity = quantity))::int AS wrong_status,
              (SELECT count(*) FROM (SELECT trade_id FROM fills GROUP BY trade_id HAVING count(*) <> 2 OR count(DISTINCT side) <> 2) t)::int AS odd_trades,
              (SELECT count(*) FROM orders WHERE status IN ('PENDING', 'ABORTING')
                  AND updated_at < now() - make_interval(secs => $1::double precision / 1000))::int AS stuck`,
      [stuckAfterMs],
    );
    const row = rows[0];
    return { orders: row.orders, fills: row.fills, wrongFilled: row.wrong_filled, wrongStatus: row.wrong_status, oddTrades: row.odd_trades, stuck: row.stuck };
  }

  /** Placements that died halfway: PENDING for longer than any placement runs, or left ABORTING by an undo that died. */
  async unfinishedPlacements(olderThanMs: number): Promise<StoredOrder[]> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT * FROM orders
        WHERE (status = 'PENDING' AND created_at < now() - make_interval(secs => $1::double precision / 1000))
           OR (status = 'ABORTING' AND updated_at < now() - interval '5 seconds')
        LIMIT 100`,
      [olderThanMs],
    );
    return rows.map(toStoredOrder);
  }

  /** The latest order of the user with this clientOrderId placed within `windowMs`, open or not. */
  async findByClientOrderId(userId: string, clientOrderId: string, windowMs: number): Promise<StoredOrder | undefined> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT * FROM orders WHERE user_id = $1 AND client_order_id = $2
         AND (status IN ('PENDING', 'ABORTING', 'NEW', 'PARTIALLY_FILLED') OR created_at > now() - make_interval(secs => $3::double precision / 1000))
       ORDER BY seq DESC LIMIT 1`,
      [userId, clientOrderId, windowMs],
    );
    return rows[0] && toStoredOrder(rows[0]);
  }

  async find(client: Transaction | Pool, id: string, forUpdate = false): Promise<StoredOrder | undefined> {
    const { rows } = await client.query<OrderRow>(`SELECT * FROM orders WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] && toStoredOrder(rows[0]);
  }

  async list(userId: string, filter: OrderFilter): Promise<StoredOrder[]> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT * FROM orders
        WHERE user_id = $1 AND status = ANY($2::text[]) AND ($3::text IS NULL OR symbol = $3) AND ($4::bigint IS NULL OR seq < $4::bigint)
        ORDER BY seq DESC LIMIT $5`,
      [userId, LISTED[filter.status], filter.symbol ?? null, filter.beforeSeq?.toString() ?? null, filter.limit],
    );
    return rows.map(toStoredOrder);
  }

  /** Marks an open order as being canceled (the engine's answer closes it). */
  /** Marks an open order's cancel as requested; answers it and which request of its owner's this is (1, 2, …). */
  async requestCancel(client: Transaction, id: string): Promise<{ order: StoredOrder; request: number } | undefined> {
    const { rows } = await client.query<OrderRow>(
      `UPDATE orders SET cancel_requested = true, cancel_requests = cancel_requests + 1, updated_at = now()
        WHERE id = $1 AND status IN ('NEW', 'PARTIALLY_FILLED') RETURNING *`,
      [id],
    );
    return rows[0] && { order: toStoredOrder(rows[0]), request: rows[0].cancel_requests };
  }

  async clearCancelRequest(client: Transaction, id: string): Promise<void> {
    await client.query('UPDATE orders SET cancel_requested = false, updated_at = now() WHERE id = $1', [id]);
  }

  /** Orders by id, row-locked in id order (so two batches touching the same orders never wait on each other in a circle). */
  async lockOrders(client: Transaction, ids: string[]): Promise<Map<string, StoredOrder>> {
    const { rows } = await client.query<OrderRow>('SELECT * FROM orders WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [ids]);
    return new Map(rows.map((row) => [row.id, toStoredOrder(row)]));
  }

  /**
   * Records many sides of trades on their orders in one statement: the fills not recorded before
   * are written, and each order they name makes `fill` or `partialFill` once, as what is now filled
   * says (the CHECK filled_quantity <= quantity refuses an overfill). Answers the fills written now
   * and each changed order's status.
   */
  async recordFills(client: Transaction, fills: FillRecord[]): Promise<{ written: Set<string>; statuses: Map<string, 'FILLED' | 'PARTIALLY_FILLED'> }> {
    const written = new Set<string>();
    const statuses = new Map<string, 'FILLED' | 'PARTIALLY_FILLED'>();
    if (fills.length === 0) return { written, statuses };
    const column = <T>(pick: (fill: FillRecord) => T) => fills.map(pick);
    const { rows } = await client.query<{ fill_id: string | null; order_id: string | null; status: 'FILLED' | 'PARTIALLY_FILLED' | null }>(
      `WITH inserted AS (
         INSERT INTO fills (id, trade_id, order_id, user_id, symbol, side, price_cents, quantity, fee_cents, liquidity, sequence)
         SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[], $11::bigint[])
         ON CONFLICT (id) DO NOTHING
         RETURNING id, order_id, quantity, price_cents, fee_cents
       ), per_order AS (
         SELECT order_id, sum(quantity) AS quantity, sum(price_cents * quantity) AS notional, sum(fee_cents) AS fees FROM inserted GROUP BY order_id
       ), updated AS (
         UPDATE orders o SET filled_quantity = o.filled_quantity + p.quantity, filled_notional_cents = o.filled_notional_cents + p.notional,
                fees_cents = o.fees_cents + p.fees,
                status = CASE WHEN o.filled_quantity + p.quantity = o.quantity THEN $12 ELSE $13 END,
                cancel_requested = o.cancel_requested AND o.filled_quantity + p.quantity < o.quantity, updated_at = now()
           FROM per_order p WHERE o.id = p.order_id AND o.status = ANY($14::text[])
         RETURNING o.id, o.status
       )
       SELECT NULL::text AS fill_id, id::text AS order_id, status FROM updated
       UNION ALL SELECT id, NULL, NULL FROM inserted`,
      [
        column((f) => f.id),
        column((f) => f.tradeId),
        column((f) => f.orderId),
        column((f) => f.userId),
        column((f) => f.symbol),
        column((f) => f.side),
        column((f) => f.priceCents.toString()),
        column((f) => f.quantity.toString()),
        column((f) => f.feeCents.toString()),
        column((f) => f.liquidity),
        column((f) => f.sequence.toString()),
        TRANSITIONS.fill.to,
        TRANSITIONS.partialFill.to,
        from('fill'),
      ],
    );
    for (const row of rows) {
      if (row.fill_id) written.add(row.fill_id);
      else if (row.order_id && row.status) statuses.set(row.order_id, row.status);
    }
    return { written, statuses };
  }

  async fills(userId: string, filter: { symbol?: string; limit: number; beforeSeq?: bigint }): Promise<StoredFill[]> {
    const { rows } = await this.db.query<FillRow>(
      `SELECT * FROM fills WHERE user_id = $1 AND ($2::text IS NULL OR symbol = $2) AND ($3::bigint IS NULL OR seq < $3::bigint)
        ORDER BY seq DESC LIMIT $4`,
      [userId, filter.symbol ?? null, filter.beforeSeq?.toString() ?? null, filter.limit],
    );
    return rows.map(toStoredFill);
  }
}
