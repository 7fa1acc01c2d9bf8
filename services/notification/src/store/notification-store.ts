import type { Pool, Transaction } from '@exchange/platform';
import type { Notification, NotificationData, NotificationType } from '@exchange/contracts';
import type { KnownOrder, NotificationDraft } from '../domain/notices.js';

/** A row of `notifications` as PostgreSQL returns it; never leaves this file. */
interface NotificationRow {
  id: string;
  seq: string;
  user_id: string;
  type: NotificationType;
  title: string;
  body: string;
  data: NotificationData;
  read: boolean;
  read_at: Date | null;
  created_at: Date;
  source_event_id: string;
  dedupe_key: string;
}

interface TrackedOrderRow {
  order_id: string;
  user_id: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  price_cents: string | null;
  quantity: string;
}

/** A notification written for a user. */
export interface StoredNotification {
  userId: string;
  notification: Notification;
}

function toNotification(row: NotificationRow): Notification {
  return { id: row.id, type: row.type, title: row.title, body: row.body, data: row.data, read: row.read, createdAt: row.created_at.toISOString() };
}

/** A notice waiting for its trade's settlement, or behind one of its order's that waits. */
export type WaitingNotice = NotificationDraft & { id: string; sourceEventId: string; traceparent?: string; about: { orderId: string; tradeId?: string } };

/** Orders are locked in this many buckets (by a hash of the id), always in the same order. */
const ORDER_LOCK_BUCKETS = 64;

function bucketOf(orderId: string): number {
  let hash = 0;
  for (let index = 0; index < orderId.length; index++) hash = (hash * 31 + orderId.charCodeAt(index)) | 0;
  return Math.abs(hash) % ORDER_LOCK_BUCKETS;
}

/** SQL for the `notifications`, `tracked_orders`, `waiting_notices` and `settled_trades` tables; nothing else touches them. */
export class NotificationStore {
  constructor(readonly db: Pool) {}

  /**
   * Writes notifications of several events in one statement; one already written for the same
   * event, user, type and subject is left alone. Answers those written now, each with its event.
   */
  async insert(
    client: Transaction,
    drafts: Array<NotificationDraft & { id: string; sourceEventId: string }>,
  ): Promise<Array<StoredNotification & { sourceEventId: string }>> {
    if (drafts.length === 0) return [];
    const { rows } = await client.query<NotificationRow>(
      `INSERT INTO notifications (id, user_id, type, title, body, data, source_event_id, dedupe_key)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[])
       ON CONFLICT ON CONSTRAINT notifications_once DO NOTHING
       RETURNING *`,
      [
        drafts.map((d) => d.id),
        drafts.map((d) => d.userId),
        drafts.map((d) => d.type),
        drafts.map((d) => d.title),
        drafts.map((d) => d.body),
        drafts.map((d) => JSON.stringify(d.data)),
        drafts.map((d) => d.sourceEventId),
        drafts.map((d) => d.dedupeKey),
      ],
    );
    // in the drafts' order, as the events told them
    const byId = new Map(rows.map((row) => [row.id, row]));
    return drafts.flatMap((draft) => {
      const row = byId.get(draft.id);
      return row ? [{ userId: row.user_id, notification: toNotification(row), sourceEventId: row.source_event_id }] : [];
    });
  }

  /**
   * Takes the locks of these orders for the rest of the transaction: what the executions and the
   * wallet's settlements do to an order's waiting notices happens one transaction at a time.
   */
  async lockOrders(client: Transaction, orderIds: string[]): Promise<void> {
    const buckets = [...new Set(orderIds.map(bucketOf))].sort((a, b) => a - b);
    if (buckets.length === 0) return;
    await client.query("SELECT pg_advisory_xact_lock(hashtext('notification-orders'), bucket) FROM unnest($1::int[]) AS bucket ORDER BY bucket", [buckets]);
  }

  /** Which of these trades the wallet has settled. */
  async settledAmong(client: Transaction, tradeIds: string[]): Promise<Set<string>> {
    if (tradeIds.length === 0) return new Set();
    const { rows } = await client.query<{ trade_id: string }>('SELECT trade_id FROM settled_trades WHERE trade_id = ANY($1::text[])', [tradeIds]);
    return new Set(rows.map((row) => row.trade_id));
  }

  /** Which of these orders have notices waiting. */
  async ordersWaiting(client: Transaction, orderIds: string[]): Promise<Set<string>> {
    if (orderIds.length === 0) return new Set();
    const { rows } = await client.query<{ order_id: string }>('SELECT DISTINCT order_id FROM waiting_notices WHERE order_id = ANY($1::text[])', [orderIds]);
    return new Set(rows.map((row) => row.order_id));
  }

  /** Sets notices aside until their trade is settled (once each, like a notification). */
  async wait(client: Transaction, notices: WaitingNotice[]): Promise<void> {
    if (notices.length === 0) return;
    await client.query(
      `INSERT INTO waiting_notices (id, order_id, trade_id, user_id, type, title, body, data, source_event_id, dedupe_key, traceparent)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::text[], $10::text[], $11::text[])
       ON CONFLICT ON CONSTRAINT waiting_notices_once DO NOTHING`,
      [
        notices.map((n) => n.id),
        notices.map((n) => n.about.orderId),
        notices.map((n) => n.about.tradeId ?? null),
        notices.map((n) => n.userId),
        notices.map((n) => n.type),
        notices.map((n) => n.title),
        notices.map((n) => n.body),
        notices.map((n) => JSON.stringify(n.data)),
        notices.map((n) => n.sourceEventId),
        notices.map((n) => n.dedupeKey),
        notices.map((n) => n.traceparent ?? null),
      ],
    );
  }

  /** Records trades the wallet settled. */
  async markSettled(client: Transaction, tradeIds: string[]): Promise<void> {
    if (tradeIds.length === 0) return;
    await client.query('INSERT INTO settled_trades (trade_id) SELECT * FROM unnest($1::text[]) ON CONFLICT DO NOTHING', [tradeIds]);
  }

  /**
   * Takes out of waiting what of these orders can now be told: each order's waiting notices in the
   * order they came, up to the first fill whose trade is not settled yet.
   */
  async releaseWaiting(client: Transaction, orderIds: string[]): Promise<WaitingNotice[]> {
    if (orderIds.length === 0) return [];
    const { rows } = await client.query<{
      seq: string;
      id: string;
      order_id: string;
      trade_id: string | null;
      user_id: string;
      type: NotificationType;
      title: string;
      body: string;
      data: NotificationData;
      source_event_id: string;
      dedupe_key: string;
      traceparent: string | null;
      settled: boolean;
    }>(
      `SELECT w.*, (w.trade_id IS NULL OR s.trade_id IS NOT NULL) AS settled
         FROM waiting_notices w LEFT JOIN settled_trades s ON s.trade_id = w.trade_id
        WHERE w.order_id = ANY($1::text[]) ORDER BY w.seq`,
      [orderIds],
    );
    const blocked = new Set<string>();
    const released = rows.filter((row) => {
      if (blocked.has(row.order_id) || !row.settled) {
        blocked.add(row.order_id);
        return false;
      }
      return true;
    });
    if (released.length === 0) return [];
    await client.query('DELETE FROM waiting_notices WHERE seq = ANY($1::bigint[])', [released.map((row) => row.seq)]);
    return released.map((row) => ({
      id: row.id,
      userId: row.user_id,
      type: row.type,
      title: row.title,
      body: row.body,
      data: row.data,
      dedupeKey: row.dedupe_key,
      sourceEventId: row.source_event_id,
      ...(row.traceparent ? { traceparent: row.traceparent } : {}),
      about: { orderId: row.order_id, ...(row.trade_id ? { tradeId: row.trade_id } : {}) },
    }));
  }

  /** Forgets settlements older than `olderThanMs`: a fill comes long before that. */
  async purgeSettledTrades(olderThanMs: number): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM settled_trades WHERE settled_at < now() - make_interval(secs => $1::double precision / 1000)', [
      olderThanMs,
    ]);
    return rowCount ?? 0;
  }

  /** The user's notifications, newest first. */
  async list(userId: string, filter: { isUnreadOnly: boolean; limit: number }): Promise<Notification[]> {
    const { rows } = await this.db.query<NotificationRow>(
      `SELECT * FROM notifications WHERE user_id = $1 AND (NOT $2::boolean OR NOT read) ORDER BY seq DESC LIMIT $3`,
      [userId, filter.isUnreadOnly, filter.limit],
    );
    return rows.map(toNotification);
  }

  async countUnread(userId: string): Promise<number> {
    const { rows } = await this.db.query<{ count: string }>('SELECT count(*) FROM notifications WHERE user_id = $1 AND NOT read', [userId]);
    return Number(rows[0]!.count);
  }

  /** Marks the user's notification read (once: a second call keeps the first read time); undefined when the user has no such notification. */
  async markRead(userId: string, id: string): Promise<Notification | undefined> {
    const { rows } = await this.db.query<NotificationRow>(
      'UPDATE notifications SET read = true, read_at = COALESCE(read_at, now()) WHERE id = $1 AND user_id = $2 RETURNING *',
      [id, userId],
    );
    return rows[0] && toNotification(rows[0]);
  }

  async trackOrders(client: Transaction, orders: KnownOrder[]): Promise<void> {
    if (orders.length === 0) return;
    await client.query(
      `INSERT INTO tracked_orders (order_id, user_id, symbol, side, price_cents, quantity)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
       ON CONFLICT (order_id) DO NOTHING`,
      [
        orders.map((o) => o.orderId),
        orders.map((o) => o.userId),
        orders.map((o) => o.symbol),
        orders.map((o) => o.side),
        orders.map((o) => o.priceCents?.toString() ?? null),
        orders.map((o) => o.quantity.toString()),
      ],
    );
  }

  async trackedOrders(client: Transaction, orderIds: string[]): Promise<Map<string, KnownOrder>> {
    const known = new Map<string, KnownOrder>();
    if (orderIds.length === 0) return known;
    const { rows } = await client.query<TrackedOrderRow>('SELECT * FROM tracked_orders WHERE order_id = ANY($1::text[])', [orderIds]);
    for (const row of rows) {
      known.set(row.order_id, {
        orderId: row.order_id,
        userId: row.user_id,
        symbol: row.symbol,
        side: row.side,
        priceCents: row.price_cents === null ? null : BigInt(row.price_cents),
        quantity: BigInt(row.quantity),
      });
    }
    return known;
  }

  async closeOrders(client: Transaction, orderIds: string[]): Promise<void> {
    if (orderIds.length === 0) return;
    await client.query('UPDATE tracked_orders SET closed_at = now() WHERE order_id = ANY($1::text[]) AND closed_at IS NULL', [orderIds]);
  }

  /** Forgets orders closed longer than `olderThanMs` ago; returns how many. */
  async purgeClosedOrders(olderThanMs: number): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM tracked_orders WHERE closed_at < now() - make_interval(secs => $1::double precision / 1000)', [
      olderThanMs,
    ]);
    return rowCount ?? 0;
  }
}
