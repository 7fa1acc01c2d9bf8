import { type MATCHING_ENGINE_API, OPEN_ORDER_STATUSES, ORDER_COMMANDS, ordersStream } from '@exchange/contracts';
import { type ContractClient, enqueueEvents, withTransaction } from '@exchange/platform';
import { Counter, type Registry } from 'prom-client';
import { orderCreatedOf } from '../domain/order-lifecycle.js';
import type { OrderDeps } from './order-deps.js';

/** Open orders asked about in one round at most, and per request to the engine. */
const ROUND_LIMIT = 5000;
const ASK_LIMIT = 500;

export interface ReconcileMetrics {
  /** what a round found: `resting` (as it should), `engine-behind` (asked again next round), `resubmitted`, `finished-in-engine` (a divergence) */
  outcomes: Counter<'outcome'>;
}

export function reconcileMetrics(registry: Registry): ReconcileMetrics {
  return {
    outcomes: new Counter({
      name: 'exchange_reconciliation_orders_total',
      help: 'Open orders the reconciliation with the engine checked, by what it found: resting, engine-behind, resubmitted (its command lost: sent again), finished-in-engine (a divergence: the engine closed it, this service never heard)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

/**
 * The reconciliation of the engine's books with the open orders: every open order older than
 * `olderThanMs` should rest in its market's book. The engine is asked about them, once it has
 * applied every command numbered in that market when the question was put, so an answer never
 * races a command still on its way:
 * - resting: as it should be;
 * - never seen: its command was lost for good (Redis lost it and the outbox no longer kept it) —
 *   the order is sent again (`order_resubmitted`), which the engine applies only if it still has
 *   never seen the order: an accepted order reaches the book, never twice;
 * - finished in the engine (an execution names it) while still open here: the executions that
 *   closed it never arrived and cannot be had again — a divergence, logged as an error and counted,
 *   never "repaired" by cancelling anything.
 * Safe at any time and idempotent; returns how many orders were sent again.
 */
export async function reconcileBooks(
  deps: Pick<OrderDeps, 'store' | 'logger' | 'relay'>,
  engine: Pick<ContractClient<typeof MATCHING_ENGINE_API>, 'orderStates'>,
  metrics: ReconcileMetrics,
  olderThanMs: number,
): Promise<number> {
  const { orders, lastSeqs } = await deps.store.reconcileCandidates(olderThanMs, ROUND_LIMIT);
  const bySymbol = new Map<string, typeof orders>();
  for (const order of orders) bySymbol.set(order.symbol, [...(bySymbol.get(order.symbol) ?? []), order]);
  let resubmitted = 0;
  for (const [symbol, open] of bySymbol) {
    const asOfSeq = lastSeqs.get(ordersStream(symbol)) ?? 0;
    for (let from = 0; from < open.length; from += ASK_LIMIT) {
      const chunk = open.slice(from, from + ASK_LIMIT);
      const answer = await engine.orderStates({ body: { symbol, asOfSeq, orderIds: chunk.map((order) => order.id) } });
      if (!answer.caughtUp) {
        metrics.outcomes.inc({ outcome: 'engine-behind' }, chunk.length);
        break;
      }
      const states = new Map(answer.orders.map((state) => [state.orderId, state.state]));
      for (const order of chunk) {
        const state = states.get(order.id);
        if (state === 'resting') metrics.outcomes.inc({ outcome: 'resting' });
        else if (state === 'done') {
          metrics.outcomes.inc({ outcome: 'finished-in-engine' });
          deps.logger.error(
            { orderId: order.id, symbol },
            'the engine finished this order but its executions never arrived here and cannot be had again: a divergence to repair by hand',
          );
        } else if (state === 'unknown' && (await resubmit(deps, order.id))) {
          resubmitted += 1;
          metrics.outcomes.inc({ outcome: 'resubmitted' });
        }
      }
    }
  }
  if (resubmitted > 0) deps.relay.wake();
  return resubmitted;
}

/** Sends an open order to the engine again, if it is still open (one transaction: the row locked, the command written). */
async function resubmit(deps: Pick<OrderDeps, 'store' | 'logger'>, orderId: string): Promise<boolean> {
  return withTransaction(deps.store.db, async (client) => {
    const order = await deps.store.find(client, orderId, true);
    if (!order || !(OPEN_ORDER_STATUSES as readonly string[]).includes(order.status)) return false;
    deps.logger.warn({ orderId, symbol: order.symbol }, 'the engine never got this open order (its command was lost for good): sending it again');
    await enqueueEvents(client, [
      {
        id: `order_resubmitted:${order.id}:${Date.now()}`,
        stream: ordersStream(order.symbol),
        contract: ORDER_COMMANDS.order_resubmitted,
        data: orderCreatedOf(order),
      },
    ]);
    return true;
  });
}
