import { randomUUID } from 'node:crypto';
import { WALLET_EVENTS } from '@exchange/contracts';
import { captureTraceContext, context, readEvent, withSpan, type StreamEvent, type Transaction } from '@exchange/platform';
import { planWalletEvent } from '../domain/plan-wallet-event.js';
import { notificationPush, type UserPush } from './notification-deps.js';
import { releaseSettled } from './settlement-gate.js';
import type { NotificationDeps } from './notification-deps.js';

/**
 * Events of `wallet-events`, in order, inside the consumer's transaction: deposits and credits are
 * written to the users' inboxes in one statement; a settled trade lets the fills waiting for it be
 * told (settlement-gate.ts); once committed, each user whose balances changed hears of it, in the
 * trace of the event that changed them.
 */
export async function recordWalletEvents(deps: NotificationDeps, events: StreamEvent[], client: Transaction): Promise<void> {
  const decoded = events.map((event) => readEvent(WALLET_EVENTS, event));
  const plans = decoded.map(planWalletEvent);
  const first = events[0]!.context ?? context.active();
  await context.with(first, () =>
    withSpan(
      'notification write',
      async () => {
        const written = await deps.store.insert(
          client,
          plans.flatMap((plan, index) => plan.notices.map((notice) => ({ ...notice, id: randomUUID(), sourceEventId: events[index]!.id }))),
        );
        // settled trades: the fills waiting for them (and what waits behind them) are told now
        const settled = decoded.flatMap((event, index) =>
          event.type === 'trade_settled' ? [{ index, tradeId: event.data.tradeId, orderIds: [event.data.buyer.orderId, event.data.seller.orderId] }] : [],
        );
        await deps.store.lockOrders(
          client,
          settled.flatMap((trade) => trade.orderIds),
        );
        const waited = await releaseSettled(deps.store, client, settled);
        const toldIn = new Map(waited.map((notice) => [notice.id, notice.traceparent]));
        const released = await deps.store.insert(client, waited);
        const releasedBy = new Map<number, typeof released>();
        for (const notice of released) {
          // pushed with the settlement that released it, in the trace of the execution that told of it
          const index = settled.find((trade) => trade.orderIds.includes(String(notice.notification.data.orderId)))?.index ?? events.length - 1;
          releasedBy.set(index, [...(releasedBy.get(index) ?? []), notice]);
        }
        for (const [index, event] of events.entries()) {
          const traceContext = event.context ?? first;
          const { traceparent } = captureTraceContext(traceContext);
          const pushes: UserPush[] = [
            ...written.filter((row) => row.sourceEventId === event.id).map(({ userId, notification }) => notificationPush(userId, notification, traceparent)),
            ...(releasedBy.get(index) ?? []).map(({ userId, notification }) =>
              notificationPush(userId, notification, toldIn.get(notification.id) ?? traceparent),
            ),
            ...plans[index]!.balances.map(({ userId, asset }) => ({
              userId,
              message: { type: 'balance' as const, balance: { asset, reason: event.type }, traceparent },
            })),
          ];
          deps.pushes.afterCommit(event, pushes, traceContext);
        }
      },
      { 'exchange.batch.size': events.length, 'messaging.message.id': events[0]!.id },
    ),
  );
}

/** One event: the read of one. */
export function recordWalletEvent(deps: NotificationDeps, event: StreamEvent, client: Transaction): Promise<void> {
  return recordWalletEvents(deps, [event], client);
}
