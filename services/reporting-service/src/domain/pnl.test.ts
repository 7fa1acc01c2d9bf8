import { describe, expect, it } from 'vitest';
import { applyChange, divideRoundHalfUp, EMPTY_POSITION, pnlReport, type Position } from './pnl.js';

const buy = (quantity: bigint, notionalCents: bigint, feeCents = 0n) => ({
  userId: 'u',
  symbol: 'ACME',
  kind: 'BUY' as const,
  quantity,
  notionalCents,
  feeCents,
});
const sell = (quantity: bigint, notionalCents: bigint, feeCents = 0n) => ({
  userId: 'u',
  symbol: 'ACME',
  kind: 'SELL' as const,
  quantity,
  notionalCents,
  feeCents,
});

describe('weighted-average P&L', () => {
  it('rounds half up', () => {
    expect(divideRoundHalfUp(5n, 2n)).toBe(3n);
    expect(divideRoundHalfUp(4n, 3n)).toBe(1n);
    expect(divideRoundHalfUp(5n, 3n)).toBe(2n);
    expect(() => divideRoundHalfUp(1n, 0n)).toThrow(RangeError);
  });

  it('adds buys with their fees to the cost basis and realizes sells against the average', () => {
    // buy 10 @ 100.00 + 1.00 fee → basis 1001.00; buy 5 @ 106.00 + 0.53 fee → basis 1531.53 for 15
    let position = applyChange(EMPTY_POSITION, buy(10n, 100_000n, 100n));
    position = applyChange(position, buy(5n, 53_000n, 53n));
    expect(position).toEqual({ quantity: 15n, costCents: 153_153n, realizedCents: 0n });
    // sell 4 @ 110.00, fee 0.44: cost out = 153153 × 4 / 15 = 40840.8 → 40841; realized = 44000 − 44 − 40841 = 3115
    position = applyChange(position, sell(4n, 44_000n, 44n));
    expect(position).toEqual({ quantity: 11n, costCents: 112_312n, realizedCents: 3_115n });
    // selling the rest takes all the basis out, so nothing is left behind by rounding
    position = applyChange(position, sell(11n, 99_000n, 0n));
    expect(position).toEqual({ quantity: 0n, costCents: 0n, realizedCents: 3_115n + 99_000n - 112_312n });
  });

  it('takes credited shares in at zero cost, and a sell beyond the known position closes it', () => {
    let position = applyChange(EMPTY_POSITION, { userId: 'u', symbol: 'ACME', kind: 'CREDIT', quantity: 10n });
    position = applyChange(position, buy(10n, 100_000n));
    expect(position).toEqual({ quantity: 20n, costCents: 100_000n, realizedCents: 0n });
    position = applyChange(position, sell(25n, 250_000n, 250n));
    expect(position).toEqual({ quantity: 0n, costCents: 0n, realizedCents: 250_000n - 250n - 100_000n });
  });

  it('reports average cost, market value, unrealized P&L and totals as exact decimals', () => {
    const positions = new Map<string, Position>([
      ['ACME', { quantity: 3n, costCents: 1_000n, realizedCents: -5n }],
      ['ZED', { quantity: 2n, costCents: 400n, realizedCents: 7n }],
    ]);
    const report = pnlReport(positions, new Map([['ACME', 350n]]));
    // average 1000 / 3 = 333.33… → 3.33; market value 3 × 3.50 = 10.50; unrealized 10.50 − 10.00
    expect(report.positions[0]).toEqual({
      symbol: 'ACME',
      quantity: '3',
      averageCost: '3.33',
      costBasis: '10.00',
      marketPrice: '3.50',
      marketValue: '10.50',
      unrealizedPnl: '0.50',
      realizedPnl: '-0.05',
    });
    expect(report.positions[1]).toMatchObject({
      symbol: 'ZED',
      averageCost: '2.00',
      marketPrice: null,
      marketValue: null,
      unrealizedPnl: null,
      realizedPnl: '0.07',
    });
    expect(report.totals).toEqual({ costBasis: '14.00', marketValue: '10.50', unrealizedPnl: '0.50', realizedPnl: '0.02' });
  });
});
