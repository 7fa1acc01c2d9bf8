import type { Transaction } from '@exchange/platform';
import { derive } from '../domain/derive.js';
import { applyChange, EMPTY_POSITION, type Position } from '../domain/pnl.js';
import type { RawEvent } from '../domain/derive.js';
import { positionKey, type ReportStore } from '../store/report-store.js';

/**
 * Derives the read models' changes from one logged event and writes them, inside the caller's
 * transaction. The live consumers and the rebuild both come through here, so they agree.
 */
export async function applyLoggedEvent(store: ReportStore, client: Transaction, event: RawEvent): Promise<void> {
  const derived = derive(event);
  const positions = await store.positionsForUpdate(client, derived.positions);
  const changed = new Map<string, Position>();
  for (const change of derived.positions) {
    const key = positionKey(change.userId, change.symbol);
    const before = changed.get(key) ?? positions.get(key) ?? EMPTY_POSITION;
    changed.set(key, applyChange(before, change));
  }
  await store.apply(client, event.seq, event.occurredAt, derived, changed);
}
