import type { OrderDeps } from './order-deps.js';
import { undoPlacement } from './place-order.js';

/**
 * The janitor of placements that died halfway (a `kill -9` between the funds hold and the commit,
 * or during an undo): a row still PENDING long after any placement could still be running, or left
 * ABORTING, is undone by the placement's own compensation, so nothing stays held for an order that
 * was never published.
 */
export async function finishStalePlacements(deps: OrderDeps, olderThanMs: number): Promise<number> {
  const stale = await deps.store.unfinishedPlacements(olderThanMs);
  for (const placement of stale) {
    // whether the hold was made is unknown: release it (a release of a hold never made is a no-op)
    if (await undoPlacement(deps, placement, { holdMayExist: true })) {
      deps.logger.warn({ orderId: placement.id }, 'a placement that never finished was undone (hold released)');
    }
  }
  return stale.length;
}
