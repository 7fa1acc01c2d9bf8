import { randomUUID } from 'node:crypto';
import { EXECUTION_EVENTS } from '@exchange/contracts';
import { captureTraceContext, context, readEvent, withSpan, type StreamEvent, type Transaction } from '@exchange/platform';
import { unitsOf } from '../domain/execution-events.js';
import { ordersNamedBy, planExecution } from '../domain/plan-execution.js';
import { notificationPush, type UserPush } from './notification-deps.js';
import type { NotificationDeps } from './notification-deps.js';

/**
 * One event of `executions:{symbol}`, inside the consumer's transaction (which also records it as
 * processed): the owners' notifications are written, the order is remembered or closed, and once
 * the transaction commits each owner hears of the notification and of the change of their order.
 * The work joins the event's trace, so an order's trace reaches the notification.
 */
export async function recordExecution(deps: NotificationDeps, symbol: string, event: StreamEvent, client: Transaction): Promise<void> {
  await context.with(event.context ?? context.active(), () =>
    withSpan(
      'notification write',
      async () => {
        const execution = readEvent(EXECUTION_EVENTS, event);
        const market = await deps.markets.get(symbol);
        if (!market) throw new Error(`executions of ${symbol}, a market the risk-manager does not list`);
        const known = await deps.store.trackedOrders(client, ordersNamedBy(execution));
        const plan = planExecution(symbol, execution, unitsOf(market), known);
        if (plan.ignoredOwners.length > 0)
          deps.logger.warn({ eventId: event.id, owners: plan.ignoredOwners }, 'an execution names owners that are not user ids; nobody told');
        if (plan.accepted) await deps.store.trackOrder(client, plan.accepted);
        await deps.store.closeOrders(client, plan.closed);
        const written = await deps.store.insert(
          client,
          event.id,
          plan.notices.map((notice) => ({ ...notice, id: randomUUID() })),
        );

        const { traceparent } = captureTraceContext();
        const pushes: UserPush[] = [
          ...written.map(({ userId, notification }) => notificationPush(userId, notification, traceparent)),
          ...plan.signals.map(({ userId, orderId }) => ({
            userId,
            message: {
              type: 'order' as const,
              order: { orderId, symbol, event: execution.type, sequence: execution.data.sequence },
              traceparent,
            },
          })),
        ];
        deps.pushes.afterCommit(event, pushes);
      },
      { 'exchange.symbol': symbol, 'messaging.message.id': event.id, 'exchange.event': event.type },
    ),
  );
}
