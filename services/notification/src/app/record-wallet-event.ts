import { randomUUID } from 'node:crypto';
import { WALLET_EVENTS } from '@exchange/contracts';
import { captureTraceContext, context, readEvent, withSpan, type StreamEvent, type Transaction } from '@exchange/platform';
import { planWalletEvent } from '../domain/plan-wallet-event.js';
import { notificationPush, type UserPush } from './notification-deps.js';
import type { NotificationDeps } from './notification-deps.js';

/**
 * One event of `wallet-events`, inside the consumer's transaction: a deposit or credit is written to
 * the user's inbox; once committed, each user whose balances changed hears of it.
 */
export async function recordWalletEvent(deps: NotificationDeps, event: StreamEvent, client: Transaction): Promise<void> {
  await context.with(event.context ?? context.active(), () =>
    withSpan(
      'notification write',
      async () => {
        const plan = planWalletEvent(readEvent(WALLET_EVENTS, event));
        const written = await deps.store.insert(
          client,
          event.id,
          plan.notices.map((notice) => ({ ...notice, id: randomUUID() })),
        );
        const { traceparent } = captureTraceContext();
        const pushes: UserPush[] = [
          ...written.map(({ userId, notification }) => notificationPush(userId, notification, traceparent)),
          ...plan.balances.map(({ userId, asset }) => ({ userId, message: { type: 'balance' as const, balance: { asset, reason: event.type }, traceparent } })),
        ];
        deps.pushes.afterCommit(event, pushes);
      },
      { 'messaging.message.id': event.id, 'exchange.event': event.type },
    ),
  );
}
