import fc from 'fast-check';
import type { EngineBookState } from '@exchange/contracts';
import { describe, expect, it } from 'vitest';
import { applySideDiff, depthDiff, levelsOf } from './book-diff.js';

const units = { tickSizeCents: 5n, lotSize: 10n };
const state = (sequence: number, bids: Array<[number, number]>, asks: Array<[number, number]>): EngineBookState => ({
  symbol: 'X',
  sequence,
  bids: bids.map(([price, quantity]) => ({ price, quantity, orders: 1 })),
  asks: asks.map(([price, quantity]) => ({ price, quantity, orders: 1 })),
});

describe('depth diffs', () => {
  it('lists changed, added and removed levels best first, in USD and shares', () => {
    const before = state(
      3,
      [
        [2000, 3],
        [1990, 1],
      ],
      [
        [2010, 2],
        [2020, 5],
      ],
    );
    const after = state(
      7,
      [
        [2004, 1],
        [2000, 3],
      ],
      [
        [2010, 4],
        [2030, 1],
      ],
    );
    expect(depthDiff(before, after, units)).toEqual({
      bids: [
        ['100.20', '10'],
        ['99.50', '0'],
      ],
      asks: [
        ['100.50', '40'],
        ['101.00', '0'],
        ['101.50', '10'],
      ],
    });
    expect(levelsOf(after.asks, units, 1)).toEqual([['100.50', '40']]);
  });

  it('says nothing when nothing changed', () => {
    const book = state(1, [[10, 1]], [[11, 1]]);
    expect(depthDiff(book, { ...book, sequence: 2 }, units)).toEqual({ bids: [], asks: [] });
  });

  it('applied to the levels before, gives exactly the levels after (any two books)', () => {
    const side = fc.uniqueArray(fc.record({ price: fc.integer({ min: 1, max: 60 }), quantity: fc.integer({ min: 1, max: 5 }) }), {
      selector: (level) => level.price,
      maxLength: 12,
    });
    const book = fc.record({ bids: side, asks: side }).map(({ bids, asks }) => ({
      symbol: 'X',
      sequence: 1,
      bids: bids.sort((a, b) => b.price - a.price).map((level) => ({ ...level, orders: 1 })),
      asks: asks.sort((a, b) => a.price - b.price).map((level) => ({ ...level, orders: 1 })),
    }));
    fc.assert(
      fc.property(book, book, (before, after) => {
        const diff = depthDiff(before, after, units);
        expect(applySideDiff(levelsOf(before.bids, units), diff.bids, true)).toEqual(levelsOf(after.bids, units));
        expect(applySideDiff(levelsOf(before.asks, units), diff.asks, false)).toEqual(levelsOf(after.asks, units));
      }),
    );
  });
});
