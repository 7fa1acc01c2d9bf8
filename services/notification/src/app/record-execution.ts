import { randomUUID } from 'node:crypto';
import { EXECUTION_EVENTS } from '@exchange/contracts';
import { captureTraceContext, context, readEvent, withSpan, type StreamEvent, type Transaction } from '@exchange/platform';
import { unitsOf } from '../domain/execution-events.js';
import type { KnownOrder } from '../domain/notices.js';
import { ordersNamedBy, planExecution, type ExecutionPlan } from '../domain/plan-execution.js';
import { notificationPush, type UserPush } from './notification-deps.js';
import { admitNotices } from './settlement-gate.js';
import type { NotificationDeps } from './notification-deps.js';

/**
 * Events of `executions:{symbol}`, in order, inside the consumer's transaction (which also records
 * them as processed): the owners' notifications are written (a fill, and what follows it for its
 * order, once the wallet has settled the trade: settlement-gate.ts), orders are remembered or closed, and
 * once the transaction commits each owner hears of the notification and of the change of their
 * order. Each step serves the whole read in one statement; the work is traced under the first
 * event's trace, linked to the others', and each owner's pushes go out in their event's trace.
 */
export async function recordExecutions(deps: NotificationDeps, symbol: string, events: StreamEvent[], client: Transaction): Promise<void> {
  const executions = events.map((event) => readEvent(EXECUTION_EVENTS, event));
  const first = events[0]!.context ?? context.active();
  await context.with(first, () =>
    withSpan(
      'notification write',
      async () => {
        const market = await deps.markets.get(symbol);
        if (!market) throw new Error(`executions of ${symbol}, a market the risk-manager does not list`);
        const units = unitsOf(market);
        const known = new Map<string, KnownOrder>(await deps.store.trackedOrders(client, [...new Set(executions.flatMap(ordersNamedBy))]));
        const accepted: KnownOrder[] = [];
        const plans: ExecutionPlan[] = [];
        for (const [index, execution] of executions.entries()) {
          const plan = planExecution(symbol, execution, units, known);
          if (plan.ignoredOwners.length > 0)
            deps.logger.warn({ eventId: events[index]!.id, owners: plan.ignoredOwners }, 'an execution names owners that are not user ids; nobody told');
          // an order accepted earlier in this read is known to the events after it
          if (plan.accepted) {
            known.set(plan.accepted.orderId, plan.accepted);
            accepted.push(plan.accepted);
          }
          plans.push(plan);
        }
        const notices = plans.flatMap((plan, index) =>
          plan.notices.map((notice) => ({
            ...notice,
            id: randomUUID(),
            sourceEventId: events[index]!.id,
            traceparent: captureTraceContext(events[index]!.context ?? first).traceparent,
          })),
        );
        // the orders' waiting notices change one transaction at a time (see settlement-gate.ts)
        await deps.store.lockOrders(client, [...new Set(notices.flatMap((notice) => (notice.about ? [notice.about.orderId] : [])))]);
        await deps.store.trackOrders(client, accepted);
        await deps.store.closeOrders(
          client,
          plans.flatMap((plan) => plan.closed),
        );
        const written = await deps.store.insert(client, await admitNotices(deps.store, client, notices));
        for (const [index, event] of events.entries()) {
          const traceContext = event.context ?? first;
          const { traceparent } = captureTraceContext(traceContext);
          const execution = executions[index]!;
          const pushes: UserPush[] = [
            ...written.filter((row) => row.sourceEventId === event.id).map(({ userId, notification }) => notificationPush(userId, notification, traceparent)),
            ...plans[index]!.signals.map(({ userId, orderId }) => ({
              userId,
              message: {
                type: 'order' as const,
                order: { orderId, symbol, event: execution.type, sequence: execution.data.sequence },
                traceparent,
              },
            })),
          ];
          deps.pushes.afterCommit(event, pushes, traceContext);
        }
      },
      { 'exchange.symbol': symbol, 'exchange.batch.size': events.length, 'messaging.message.id': events[0]!.id },
    ),
  );
}

/** One event: the read of one. */
export function recordExecution(deps: NotificationDeps, symbol: string, event: StreamEvent, client: Transaction): Promise<void> {
  return recordExecutions(deps, symbol, [event], client);
}
