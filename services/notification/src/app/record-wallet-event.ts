import { randomUUID } from 'node:crypto';
import { WALLET_EVENTS } from '@exchange/contracts';
import { captureTraceContext, context, readEvent, withSpan, type StreamEvent, type Transaction } from '@exchange/platform';
import { planWalletEvent } from '../domain/plan-wallet-event.js';
import { notificationPush, type UserPush } from './notification-deps.js';
import type { NotificationDeps } from './notification-deps.js';

/**
 * Events of `wallet-events`, in order, inside the consumer's transaction: deposits and credits are
 * written to the users' inboxes in one statement; once committed, each user whose balances changed
 * hears of it, in the trace of the event that changed them.
 */
export async function recordWalletEvents(deps: NotificationDeps, events: StreamEvent[], client: Transaction): Promise<void> {
  const plans = events.map((event) => planWalletEvent(readEvent(WALLET_EVENTS, event)));
  const first = events[0]!.context ?? context.active();
  await context.with(first, () =>
    withSpan(
      'notification write',
      async () => {
        const written = await deps.store.insert(
          client,
          plans.flatMap((plan, index) => plan.notices.map((notice) => ({ ...notice, id: randomUUID(), sourceEventId: events[index]!.id }))),
        );
        for (const [index, event] of events.entries()) {
          const traceContext = event.context ?? first;
          const { traceparent } = captureTraceContext(traceContext);
          const pushes: UserPush[] = [
            ...written.filter((row) => row.sourceEventId === event.id).map(({ userId, notification }) => notificationPush(userId, notification, traceparent)),
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
