import { formatAsset, type MATCHING_ENGINE_API, OPEN_ORDER_STATUSES, ORDER_COMMANDS, ordersStream, parseAsset, type WALLET_API } from '@exchange/contracts';
import { type ContractClient, enqueueEvents, withTransaction } from '@exchange/platform';
import { Counter, Histogram, type Registry } from 'prom-client';
import { isVisible, orderCreatedOf, stillHeld } from '../domain/order-lifecycle.js';
import { releaseHold } from './release-hold.js';
import type { OrderDeps } from './order-deps.js';

/** Open orders asked about in one round at most, and per request to the engine. */
const ROUND_LIMIT = 5000;
const ASK_LIMIT = 500;

export interface ReconcileMetrics {
  /** what a round found of open orders: `resting` (as it should), `engine-behind` (asked again next round), `resubmitted`, `finished-in-engine` (a divergence) */
  outcomes: Counter<'outcome'>;
  /** what a round found of open holds: `as-needed`, `placement-running`, `released-closed-order`, `released-unknown-order`, `released-excess`, `short` (a divergence) */
  holds: Counter<'outcome'>;
  /** how long a whole round took (engine and wallet asked, repairs made) */
  rounds: Histogram;
}

export function reconcileMetrics(registry: Registry): ReconcileMetrics {
  return {
    outcomes: new Counter({
      name: 'exchange_reconciliation_orders_total',
      help: 'Open orders the reconciliation with the engine checked, by what it found: resting, engine-behind, resubmitted (its command lost: sent again), finished-in-engine (a divergence: the engine closed it, this service never heard)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    holds: new Counter({
      name: 'exchange_reconciliation_holds_total',
      help: 'Open holds the reconciliation with the wallet checked, by what it found: as-needed, placement-running, released-closed-order, released-unknown-order, released-excess (a hold larger than its open order needs), short (a hold smaller than its order needs: a divergence)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    rounds: new Histogram({
      name: 'exchange_reconciliation_round_seconds',
      help: 'How long a reconciliation round took: the open orders asked about at the engine, the open holds compared, repairs made',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

/** One round of both reconciliations, timed. */
export async function reconcile(
  deps: Pick<OrderDeps, 'store' | 'logger' | 'relay'> & { wallet: Pick<ContractClient<typeof WALLET_API>, 'openHolds' | 'releaseFunds'> },
  engine: Pick<ContractClient<typeof MATCHING_ENGINE_API>, 'orderStates'>,
  metrics: ReconcileMetrics,
  olderThanMs: number,
): Promise<void> {
  const end = metrics.rounds.startTimer();
  try {
    await reconcileBooks(deps, engine, metrics, olderThanMs);
    await reconcileHolds(deps, metrics, olderThanMs);
  } finally {
    end();
  }
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

/**
 * Holds that looked wrong in the last round, by reference, with what was seen: a repair or a report
 * is made only when the next round sees the very same (a divergence that lasts, not a settlement
 * or a close caught halfway).
 */
const suspectHolds = new Map<string, string>();

/**
 * The reconciliation of the wallet's holds with the orders they are for: every open hold not
 * changed for `olderThanMs` should be exactly what its order still needs (a hold's reference is
 * its order's id). What is held for nothing is released — the hold of a closed order, of an order
 * that no longer exists (a placement undone), the part of an open order's hold beyond what it
 * needs; a placement still running is the janitor's; a hold smaller than its order needs cannot be
 * made whole by this service and is logged as an error and counted (the audit fails on it).
 *
 * The orders are read before the holds they are compared with: the wallet settles or releases
 * before the order-manager records the fill or the close, so a hold read after its order can be
 * behind it only in the direction that needs no repair. And nothing is done about a hold until two
 * rounds in a row have seen the same: each release is idempotent by its own id. Returns how many
 * holds it released from.
 */
export async function reconcileHolds(
  deps: Pick<OrderDeps, 'store' | 'logger'> & { wallet: Pick<ContractClient<typeof WALLET_API>, 'openHolds' | 'releaseFunds'> },
  metrics: ReconcileMetrics,
  olderThanMs: number,
): Promise<number> {
  let released = 0;
  let after: string | undefined;
  const seenNow = new Map<string, string>();
  for (let page = 0; page < ROUND_LIMIT / ASK_LIMIT; page++) {
    const request = { olderThanMs, limit: ASK_LIMIT, ...(after ? { after } : {}) };
    const found = (await deps.wallet.openHolds({ body: request })).holds;
    if (found.length === 0) break;
    const orders = await deps.store.ordersByIds(found.map((hold) => hold.reference));
    // the same page again, now that the orders are read
    const { holds } = await deps.wallet.openHolds({ body: request });
    after = found.at(-1)!.reference;
    for (const hold of holds) {
      if (!found.some((before) => before.reference === hold.reference)) continue; // its order was not read this round
      const order = orders.get(hold.reference);
      const remaining = parseAsset(hold.remaining, hold.asset);
      if (order && !isVisible(order.status)) {
        metrics.holds.inc({ outcome: 'placement-running' });
        continue;
      }
      const isOpen = order !== undefined && (OPEN_ORDER_STATUSES as readonly string[]).includes(order.status);
      const need = order && isOpen ? stillHeld(order, order.quantity - order.filledQuantity) : 0n;
      if (isOpen && remaining === need) {
        metrics.holds.inc({ outcome: 'as-needed' });
        continue;
      }
      const seen = `${order?.status ?? 'none'}:${order?.filledQuantity ?? ''}:${remaining}:${need}`;
      seenNow.set(hold.reference, seen);
      if (suspectHolds.get(hold.reference) !== seen) continue; // looked at again next round
      if (!isOpen) {
        const outcome = order ? 'released-closed-order' : 'released-unknown-order';
        deps.logger.warn(
          { reference: hold.reference, asset: hold.asset, remaining: hold.remaining, status: order?.status },
          'funds held for no open order: released',
        );
        await releaseHold(deps, hold.reference, `reconcile:${hold.reference}`);
        metrics.holds.inc({ outcome });
        released += 1;
      } else if (remaining > need) {
        deps.logger.warn(
          { orderId: order.id, held: hold.remaining, needs: formatAsset(need, hold.asset) },
          'an open order holds more than it needs: the rest released',
        );
        await deps.wallet.releaseFunds({
          body: {
            reference: order.id,
            amount: formatAsset(remaining - need, hold.asset),
            releaseId: `reconcile:${order.id}:${order.filledQuantity}:${remaining}`,
          },
        });
        metrics.holds.inc({ outcome: 'released-excess' });
        released += 1;
      } else {
        metrics.holds.inc({ outcome: 'short' });
        deps.logger.error(
          { orderId: order.id, held: hold.remaining, needs: formatAsset(need, hold.asset) },
          'an open order holds less than it needs: a divergence to repair by hand',
        );
      }
    }
    if (found.length < ASK_LIMIT) break;
  }
  suspectHolds.clear();
  for (const [reference, seen] of seenNow) suspectHolds.set(reference, seen);
  return released;
}
