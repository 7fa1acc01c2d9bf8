import type { Transaction } from '@exchange/platform';
import type { NotificationDraft } from '../domain/notices.js';
import type { NotificationStore, WaitingNotice } from '../store/notification-store.js';

export type NoticeToWrite = NotificationDraft & { id: string; sourceEventId: string; traceparent?: string };

/**
 * A fill is told only once the wallet has settled its trade, and an order's later notices wait
 * behind a fill still waiting, so an owner never reads of a fill that was not settled, and reads
 * each order's story in order. Of `notices` (an execution read's, in order, the orders already
 * locked), returns those to write now; the others wait for their settlement.
 */
export async function admitNotices(store: NotificationStore, client: Transaction, notices: NoticeToWrite[]): Promise<NoticeToWrite[]> {
  const about = notices.flatMap((notice) => (notice.about ? [notice.about] : []));
  if (about.length === 0) return notices;
  const settled = await store.settledAmong(
    client,
    about.flatMap((subject) => (subject.tradeId ? [subject.tradeId] : [])),
  );
  const waiting = await store.ordersWaiting(client, [...new Set(about.map((subject) => subject.orderId))]);
  const now: NoticeToWrite[] = [];
  const later: WaitingNotice[] = [];
  for (const notice of notices) {
    const subject = notice.about;
    if (subject && (waiting.has(subject.orderId) || (subject.tradeId !== undefined && !settled.has(subject.tradeId)))) {
      later.push({ ...notice, about: subject });
      waiting.add(subject.orderId);
    } else now.push(notice);
  }
  await store.wait(client, later);
  return now;
}

/** The wallet settled these trades: what their orders' waiting notices can now tell (the orders already locked). */
export async function releaseSettled(
  store: NotificationStore,
  client: Transaction,
  settled: Array<{ tradeId: string; orderIds: string[] }>,
): Promise<WaitingNotice[]> {
  if (settled.length === 0) return [];
  await store.markSettled(
    client,
    settled.map((trade) => trade.tradeId),
  );
  return store.releaseWaiting(client, [...new Set(settled.flatMap((trade) => trade.orderIds))]);
}
