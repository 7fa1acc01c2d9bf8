/**
 * The order book from the sequenced stream `book:SYMBOL` (Binance's procedure):
 * keep the snapshot's sequence S; the first update applied has firstSequence ≤ S+1 ≤ sequence;
 * each later one has firstSequence = previous sequence + 1. Anything else is a gap: resubscribe
 * for a fresh snapshot. Updates at or below the book's sequence are stale and ignored.
 * A level with quantity "0" is gone. Pure: every function returns a new state.
 */
import { compareDecimal } from './money.js';

export type Level = [price: string, quantity: string];

export interface BookState {
  /** false until a snapshot arrives, and again after a gap until the next one */
  synced: boolean;
  /** the sequence the book is valid at (null before a snapshot) */
  sequence: number | null;
  /** whether an update has been applied since the snapshot (the first one may straddle S+1) */
  updated: boolean;
  bids: ReadonlyMap<string, string>;
  asks: ReadonlyMap<string, string>;
}

export interface BookUpdate {
  firstSequence: number;
  sequence: number;
  bids: Level[];
  asks: Level[];
}

export type ApplyResult =
  | { kind: 'applied'; state: BookState }
  | { kind: 'stale'; state: BookState }
  | { kind: 'waiting'; state: BookState }
  | { kind: 'gap'; state: BookState; expected: number; got: number };

export const emptyBook = (): BookState => ({ synced: false, sequence: null, updated: false, bids: new Map(), asks: new Map() });

function isZero(quantity: string): boolean {
  return /^0*(\.0*)?$/.test(quantity);
}

function levels(source: Level[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const [price, quantity] of source) if (!isZero(quantity)) map.set(price, quantity);
  return map;
}

export function applySnapshot(sequence: number, bids: Level[], asks: Level[]): BookState {
  return { synced: true, sequence, updated: false, bids: levels(bids), asks: levels(asks) };
}

function merge(side: ReadonlyMap<string, string>, changes: Level[]): Map<string, string> {
  const next = new Map(side);
  for (const [price, quantity] of changes) {
    if (isZero(quantity)) next.delete(price);
    else next.set(price, quantity);
  }
  return next;
}

export function applyUpdate(state: BookState, update: BookUpdate): ApplyResult {
  if (!state.synced || state.sequence === null) return { kind: 'waiting', state };
  const expected = state.sequence + 1;
  if (update.sequence < expected) return { kind: 'stale', state };
  const fits = state.updated ? update.firstSequence === expected : update.firstSequence <= expected && expected <= update.sequence;
  if (!fits) return { kind: 'gap', state: { ...state, synced: false }, expected, got: update.firstSequence };
  return {
    kind: 'applied',
    state: { synced: true, sequence: update.sequence, updated: true, bids: merge(state.bids, update.bids), asks: merge(state.asks, update.asks) },
  };
}

/** Marks the book as waiting for a new snapshot (after a gap or a reconnect); keeps showing the old levels meanwhile. */
export function desync(state: BookState): BookState {
  return { ...state, synced: false };
}

/** Bids best (highest) first, asks best (lowest) first, at most `depth` levels each. */
export function sortedLevels(state: BookState, depth = 20): { bids: Level[]; asks: Level[] } {
  const bids = [...state.bids].sort((a, b) => compareDecimal(b[0], a[0])).slice(0, depth);
  const asks = [...state.asks].sort((a, b) => compareDecimal(a[0], b[0])).slice(0, depth);
  return { bids, asks };
}
