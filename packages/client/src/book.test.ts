import { describe, expect, it } from 'vitest';
import { applySnapshot, applyUpdate, emptyBook, sortedLevels, type BookState } from './book.js';

const snapshot = () =>
  applySnapshot(
    41,
    [
      ['189.81', '10'],
      ['189.80', '5'],
    ],
    [
      ['190.19', '7'],
      ['190.20', '3'],
    ],
  );

function applied(result: ReturnType<typeof applyUpdate>): BookState {
  expect(result.kind).toBe('applied');
  return result.state;
}

describe('book', () => {
  it('waits for a snapshot before applying anything', () => {
    expect(applyUpdate(emptyBook(), { firstSequence: 1, sequence: 1, bids: [], asks: [] }).kind).toBe('waiting');
  });

  it('applies a first update that straddles S+1, then consecutive ones', () => {
    let book = applied(applyUpdate(snapshot(), { firstSequence: 40, sequence: 43, bids: [['189.81', '0']], asks: [] }));
    expect(book.sequence).toBe(43);
    expect(book.bids.has('189.81')).toBe(false);
    book = applied(applyUpdate(book, { firstSequence: 44, sequence: 44, bids: [['189.90', '2']], asks: [['190.19', '4']] }));
    const { bids, asks } = sortedLevels(book);
    expect(bids).toEqual([
      ['189.90', '2'],
      ['189.80', '5'],
    ]);
    expect(asks).toEqual([
      ['190.19', '4'],
      ['190.20', '3'],
    ]);
  });

  it('ignores stale updates at or before the snapshot', () => {
    const book = snapshot();
    const result = applyUpdate(book, { firstSequence: 40, sequence: 41, bids: [['1.00', '1']], asks: [] });
    expect(result.kind).toBe('stale');
    expect(result.state).toBe(book);
  });

  it('reports a gap when the first update starts after S+1', () => {
    const result = applyUpdate(snapshot(), { firstSequence: 43, sequence: 44, bids: [], asks: [] });
    expect(result).toMatchObject({ kind: 'gap', expected: 42, got: 43 });
    expect(result.state.synced).toBe(false);
  });

  it('reports a gap when a later update does not start at previous + 1', () => {
    const book = applied(applyUpdate(snapshot(), { firstSequence: 42, sequence: 42, bids: [], asks: [] }));
    expect(applyUpdate(book, { firstSequence: 44, sequence: 45, bids: [], asks: [] })).toMatchObject({ kind: 'gap', expected: 43 });
    // an overlapping (not stale) later update is a gap as well: it cannot be applied exactly
    expect(applyUpdate(book, { firstSequence: 42, sequence: 43, bids: [], asks: [] }).kind).toBe('gap');
  });

  it('recovers with a new snapshot after a gap', () => {
    const gap = applyUpdate(snapshot(), { firstSequence: 50, sequence: 50, bids: [], asks: [] });
    expect(applyUpdate(gap.state, { firstSequence: 51, sequence: 51, bids: [], asks: [] }).kind).toBe('waiting');
    const fresh = applySnapshot(60, [['100.00', '1']], []);
    expect(applied(applyUpdate(fresh, { firstSequence: 61, sequence: 61, bids: [], asks: [['101.00', '2']] })).asks.get('101.00')).toBe('2');
  });

  it('sorts prices numerically, not as text', () => {
    const book = applySnapshot(
      1,
      [
        ['9.50', '1'],
        ['10.00', '1'],
        ['100.00', '1'],
      ],
      [
        ['100.00', '1'],
        ['9.99', '1'],
      ],
    );
    const { bids, asks } = sortedLevels(book);
    expect(bids.map(([p]) => p)).toEqual(['100.00', '10.00', '9.50']);
    expect(asks.map(([p]) => p)).toEqual(['9.99', '100.00']);
  });
});
