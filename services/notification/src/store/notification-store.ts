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

/** SQL for the `notifications` and `tracked_orders` tables; nothing else touches them. */
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
