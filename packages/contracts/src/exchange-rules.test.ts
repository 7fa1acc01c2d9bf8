import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centsOf, sharesOf, toLots, toTicks } from './markets.js';
import { buyNeedCents, feeCents } from './money.js';

describe('the exchange’s fee, hold and unit rules', () => {
  it('fees round down to the cent', () => {
    expect(feeCents(100_00n, 10)).toBe(10n); // 10 bp of 100.00 = 0.10
    expect(feeCents(99_99n, 10)).toBe(9n); // 0.09999 → 0.09
    expect(feeCents(12_345_67n, 0)).toBe(0n);
  });

  it('a buy holds its cost plus the largest fee', () => {
    expect(buyNeedCents(150_25n, 10n, 10)).toBe(1502_50n + 1_50n);
  });

  it('what a buy holds always covers the fills and fees it can make, and what it still needs after them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.record({ shares: fc.integer({ min: 1, max: 500 }), improvement: fc.integer({ min: 0, max: 1000 }) }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (limit, fills, makerBps, takerBps) => {
          const maxBps = Math.max(makerBps, takerBps);
          const total = fills.reduce((sum, fill) => sum + BigInt(fill.shares), 0n);
          let held = buyNeedCents(BigInt(limit), total, maxBps);
          let left = total;
          for (const [index, fill] of fills.entries()) {
            const price = BigInt(Math.max(1, limit - fill.improvement));
            const notional = price * BigInt(fill.shares);
            const cost = notional + feeCents(notional, index % 2 === 0 ? makerBps : takerBps);
            expect(held).toBeGreaterThanOrEqual(cost);
            held -= cost;
            left -= BigInt(fill.shares);
            const need = buyNeedCents(BigInt(limit), left, maxBps);
            expect(held).toBeGreaterThanOrEqual(need);
            held = need; // the excess is released after each fill
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('converts between cents and ticks, shares and lots', () => {
    const units = { tickSizeCents: 5n, lotSize: 10n };
    expect(toTicks(150_25n, units)).toBe(3005n);
    expect(centsOf(3005, units)).toBe(150_25n);
    expect(toLots(120n, units)).toBe(12n);
    expect(sharesOf(12, units)).toBe(120n);
    // a price off the tick or a quantity off the lot is never rounded into another order
    expect(() => toTicks(150_27n, units)).toThrow(RangeError);
    expect(() => toLots(125n, units)).toThrow(RangeError);
  });
});
