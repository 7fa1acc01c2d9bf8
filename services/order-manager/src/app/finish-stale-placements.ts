import type { OrderDeps } from './order-deps.js';
import { releaseHold } from './release-hold.js';

/**
 * The janitor of placements that died halfway (a `kill -9` between the funds hold and the commit):
 * a row still PENDING long after any placement could still be running has its hold released and is
 * deleted, so nothing stays held for an order that was never published.
 */
export async function finishStalePlacements(deps: OrderDeps, olderThanMs: number): Promise<number> {
  const stale = await deps.store.unfinishedPlacements(olderThanMs);
  for (const order of stale) {
    // claimed first: a placement that publishes now keeps its hold
    if (order.status === 'PENDING' && !(await deps.store.claimForAbort(order.id))) continue;
    await releaseHold(deps, order.id, `abort:${order.id}`);
    await deps.store.deleteAborting(order.id);
    deps.logger.warn({ orderId: order.id }, 'a placement that never finished was undone (hold released)');
  }
  return stale.length;
}
