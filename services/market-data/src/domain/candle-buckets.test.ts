import { describe, expect, it } from 'vitest';
import { candleUpdates, openTimeOf, type TapeTrade } from './candle-buckets.js';

const trade = (sequence: number, priceCents: number, quantity: number, at: string): TapeTrade => ({
  symbol: 'X',
  tradeId: sequence,
  sequence,
  priceCents: BigInt(priceCents),
  quantity: BigInt(quantity),
  takerSide: 'BUY',
  executedAt: new Date(at),
});

describe('candle buckets', () => {
  it('floors a time to its interval in UTC', () => {
    const at = new Date('2024-03-09T23:58:40.123Z');
    expect(openTimeOf(at, '1m').toISOString()).toBe('2024-03-09T23:58:00.000Z');
    expect(openTimeOf(at, '5m').toISOString()).toBe('2024-03-09T23:55:00.000Z');
    expect(openTimeOf(at, '1h').toISOString()).toBe('2024-03-09T23:00:00.000Z');
    expect(openTimeOf(at, '1d').toISOString()).toBe('2024-03-09T00:00:00.000Z');
    expect(openTimeOf(new Date('2024-03-10T00:00:00.000Z'), '1d').toISOString()).toBe('2024-03-10T00:00:00.000Z');
  });

  it('opens with the first trade and closes with the last by sequence, whatever the order they come in', () => {
    const updates = candleUpdates([
      trade(9, 105, 2, '2024-03-09T10:00:30Z'),
      trade(4, 100, 1, '2024-03-09T10:00:10Z'),
      trade(6, 98, 3, '2024-03-09T10:00:20Z'),
      trade(12, 101, 4, '2024-03-09T10:01:00Z'),
    ]);
    const minute = updates.filter((update) => update.interval === '1m');
    expect(minute).toEqual([
      {
        interval: '1m',
        openTime: new Date('2024-03-09T10:00:00Z'),
        openCents: 100n,
        highCents: 105n,
        lowCents: 98n,
        closeCents: 105n,
        volume: 6n,
        firstSequence: 4,
        lastSequence: 9,
      },
      {
        interval: '1m',
        openTime: new Date('2024-03-09T10:01:00Z'),
        openCents: 101n,
        highCents: 101n,
        lowCents: 101n,
        closeCents: 101n,
        volume: 4n,
        firstSequence: 12,
        lastSequence: 12,
      },
    ]);
    expect(updates.find((update) => update.interval === '1h')).toMatchObject({
      openCents: 100n,
      highCents: 105n,
      lowCents: 98n,
      closeCents: 101n,
      volume: 10n,
      firstSequence: 4,
      lastSequence: 12,
    });
    expect(updates).toHaveLength(5);
  });
});
