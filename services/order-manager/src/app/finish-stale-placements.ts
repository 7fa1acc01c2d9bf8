import type { OrderDeps } from './order-deps.js';
import { retryUndo } from './place-order.js';

/**
 * The janitor of placements that died halfway (a `kill -9` between the funds hold and the commit,
 * or during an undo): a row still PENDING long after any placement could still be running, or left
 * ABORTING, is undone by the placement's own compensation, so nothing stays held for an order that
 * was never published. Each is handed to the undo retries, which run one attempt at a time per
 * order: a placement whose undo is already being retried is not undone twice.
 */
export async function finishStalePlacements(deps: OrderDeps, olderThanMs: number): Promise<number> {
  const stale = await deps.store.unfinishedPlacements(olderThanMs);
  for (const placement of stale) {
    deps.logger.warn({ orderId: placement.id, status: placement.status }, 'a placement that never finished is undone (its hold released)');
    retryUndo(deps, placement.id);
    await deps.undoRetries.attemptNow(placement.id);
  }
  return stale.length;
}
