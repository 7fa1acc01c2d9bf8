import { OPEN_ORDER_STATUSES, toLots, toTicks } from '@exchange/contracts';
import { auditSets, auditSetsFromSql, countCheck, type OwnAudit } from '@exchange/platform';
import { stillHeld, worstPriceCents } from '../domain/order-lifecycle.js';
import type { OrderStore } from '../store/order-store.js';

/**
 * The order-manager's answer to the audit: its own invariants, and the sets the engine (the open
 * orders it must rest), the wallet (what their holds must be), the notification service (the
 * filled orders) and every holder of the trades must agree with.
 */
export async function auditOrders(store: OrderStore, pendingTimeoutMs: number): Promise<OwnAudit> {
  // a placement runs for at most the pending timeout; the janitor takes what is left within another
  const counts = await store.auditCounts(pendingTimeoutMs * 2);
  const holding = await store.ordersHoldingFunds();
  const open = holding.filter((order) => (OPEN_ORDER_STATUSES as readonly string[]).includes(order.status));
  const resting = open.map((order) => ({
    symbol: order.symbol,
    member: `${order.id}:${order.side}:${toTicks(worstPriceCents(order), order.units)}:${toLots(order.quantity - order.filledQuantity, order.units)}`,
  }));
  const holds = holding.flatMap((order) => {
    const need = stillHeld(order, order.quantity - order.filledQuantity);
    return need === 0n ? [] : [{ symbol: null, member: `${order.id}:${order.hold.asset}:${need}` }];
  });
  const numbers = { orders: String(counts.orders), fills: String(counts.fills), open: String(open.length) };
  return {
    checks: [
      countCheck('filled quantity = sum of fills', counts.wrongFilled, 'orders whose filled quantity is not the sum of their fills', numbers),
      countCheck('FILLED exactly when nothing is left', counts.wrongStatus, 'orders whose status disagrees with what is left of them'),
      countCheck('every trade has its two fills', counts.oddTrades, 'trades without exactly one buy fill and one sell fill'),
      countCheck('no placement stuck', counts.stuck, `placements still running or being undone after ${(pendingTimeoutMs * 2) / 1000} s`),
    ],
    sets: [
      ...(await auditSetsFromSql(store.db, 'trades', 'SELECT DISTINCT symbol, trade_id AS member FROM fills')),
      ...(await auditSetsFromSql(store.db, 'filled-orders', "SELECT symbol, id::text AS member FROM orders WHERE status = 'FILLED'")),
      ...auditSets('resting', resting),
      ...auditSets('holds', holds),
    ],
  };
}
