import type { Transaction } from '@exchange/platform';
import { derive } from '../domain/derive.js';
import type { RawEvent } from '../domain/derive.js';
import { applyChange, EMPTY_POSITION, type Position } from '../domain/pnl.js';
import { positionKey, type ReportStore } from '../store/report-store.js';

/**
 * Derives the read models' changes from logged events, in their order, and writes them inside the
 * caller's transaction: every position they touch is locked and read once, changed in memory event
 * after event, and written once. The live consumers and the rebuild both come through here, so
 * they agree.
 */
export async function applyLoggedEvents(store: ReportStore, client: Transaction, events: RawEvent[]): Promise<void> {
  if (events.length === 0) return;
  const derived = events.map((event) => ({ event, derivation: derive(event) }));
  const touched = derived.flatMap(({ derivation }) => derivation.positions);
  const unique = [...new Map(touched.map((change) => [positionKey(change.userId, change.symbol), change])).values()];
  const positions = await store.positionsForUpdate(client, unique);
  const changed = new Map<string, Position>();
  for (const change of touched) {
    const key = positionKey(change.userId, change.symbol);
    const before = changed.get(key) ?? positions.get(key) ?? EMPTY_POSITION;
    changed.set(key, applyChange(before, change));
  }
  await store.applyMany(client, derived, changed);
}
