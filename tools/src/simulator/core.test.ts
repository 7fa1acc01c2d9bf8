import { describe, expect, it } from 'vitest';
import {
  centsOf,
  deriveSeed,
  FairPriceWalk,
  makerLadder,
  momentumOrder,
  momentumSignal,
  nextDelayMs,
  noiseOrder,
  priceText,
  quantityText,
  requotePlan,
  Rng,
  ticksOf,
  type LadderOptions,
  type Quote,
  type TapeTrade,
} from './core.js';

const walkPath = (seed: number, steps: number, startTicks = 19_000, volatilityPerMinute = 0.003) => {
  const walk = new FairPriceWalk({ startTicks, volatilityPerMinute, reversionPerMinute: 0.001 }, new Rng(deriveSeed(seed, 'AAPL')));
  return Array.from({ length: steps }, () => walk.step(0.5));
};

describe('the seeded random numbers', () => {
  it('repeat for a seed and differ between seeds and purposes', () => {
    const draws = (seed: number) =>
      Array.from(
        { length: 20 },
        (
          (rng) => () =>
            rng.next()
        )(new Rng(seed)),
      );
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
    expect(deriveSeed(1, 'AAPL')).toBe(deriveSeed(1, 'AAPL'));
    expect(deriveSeed(1, 'AAPL')).not.toBe(deriveSeed(1, 'MSFT'));
    expect(deriveSeed(1, 'AAPL')).not.toBe(deriveSeed(2, 'AAPL'));
  });

  it('stay in their ranges', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 2000; i++) {
      const x = rng.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      const n = rng.between(-2, 4);
      expect(Number.isInteger(n) && n >= -2 && n <= 4).toBe(true);
    }
  });
});

describe('prices and quantities as the API takes them', () => {
  it('turn decimal strings into ticks and back exactly', () => {
    expect(centsOf('190')).toBe(19_000n);
    expect(centsOf('190.5')).toBe(19_050n);
    expect(centsOf('0.07')).toBe(7n);
    expect(ticksOf('190.25', 1n)).toBe(19_025);
    expect(ticksOf('190.25', 5n)).toBe(3805);
    expect(priceText(3805, 5n)).toBe('190.25');
    expect(priceText(1, 1n)).toBe('0.01');
    expect(priceText(19_000, 1n)).toBe('190.00');
    expect(quantityText(3, 10n)).toBe('30');
  });

  it('refuse what is not a positive whole number of ticks or lots', () => {
    expect(() => priceText(0, 1n)).toThrow();
    expect(() => priceText(1.5, 1n)).toThrow();
    expect(() => quantityText(0, 1n)).toThrow();
    expect(() => centsOf('1.234')).toThrow();
  });
});

describe('the fair price walk', () => {
  it('follows the same path for the same seed, another for another seed', () => {
    expect(walkPath(42, 500)).toEqual(walkPath(42, 500));
    expect(walkPath(42, 500)).not.toEqual(walkPath(43, 500));
  });

  it('stays on the tick grid, positive, and moves', () => {
    const path = walkPath(1, 2000);
    for (const ticks of path) {
      expect(Number.isSafeInteger(ticks)).toBe(true);
      expect(ticks).toBeGreaterThanOrEqual(1);
    }
    expect(new Set(path).size).toBeGreaterThan(20);
  });

  it('never goes below one tick, even from one tick with a wild volatility', () => {
    for (const ticks of walkPath(9, 2000, 1, 0.5)) expect(ticks).toBeGreaterThanOrEqual(1);
    for (const ticks of walkPath(9, 2000, 3, 2)) expect(ticks).toBeGreaterThanOrEqual(1);
  });

  it('has about the volatility asked for', () => {
    // 0.3 % a minute: over 10 minutes (1200 half-second steps) the log move has a standard deviation near 0.3 % × √10 ≈ 0.95 %
    const moves = Array.from({ length: 200 }, (_, seed) => {
      const path = walkPath(seed, 1200, 100_000);
      return Math.log(path[path.length - 1]! / 100_000);
    });
    const sd = Math.sqrt(moves.reduce((sum, m) => sum + m * m, 0) / moves.length);
    expect(sd).toBeGreaterThan(0.006);
    expect(sd).toBeLessThan(0.014);
  });

  it('does not move over no time', () => {
    const walk = new FairPriceWalk({ startTicks: 500, volatilityPerMinute: 0.01, reversionPerMinute: 0 }, new Rng(1));
    expect(walk.step(0)).toBe(500);
    expect(() => new FairPriceWalk({ startTicks: 0, volatilityPerMinute: 0.01, reversionPerMinute: 0 }, new Rng(1))).toThrow();
  });
});

const ladder = (overrides: Partial<LadderOptions> = {}): Quote[] =>
  makerLadder({
    fairTicks: 19_000,
    inventoryLots: 0,
    maxInventoryLots: 100,
    levels: 3,
    lotsPerLevel: 5,
    halfSpreadTicks: 4,
    levelStepTicks: 2,
    maxSkewTicks: 3,
    ...overrides,
  });
const bids = (quotes: Quote[]) => quotes.filter((q) => q.side === 'BUY').map((q) => q.priceTicks);
const asks = (quotes: Quote[]) => quotes.filter((q) => q.side === 'SELL').map((q) => q.priceTicks);

describe("the market maker's ladder", () => {
  it('straddles the fair price, levels apart, every bid below every ask', () => {
    const quotes = ladder();
    expect(bids(quotes)).toEqual([18_996, 18_994, 18_992]);
    expect(asks(quotes)).toEqual([19_004, 19_006, 19_008]);
    expect(quotes.every((q) => q.lots === 5)).toBe(true);
  });

  it('leans against its inventory: long moves the quotes down, short moves them up, the fair price still inside', () => {
    const flat = ladder();
    const long = ladder({ inventoryLots: 60 });
    const short = ladder({ inventoryLots: -60 });
    expect(Math.max(...bids(long))).toBeLessThan(Math.max(...bids(flat)));
    expect(Math.min(...asks(long))).toBeLessThan(Math.min(...asks(flat)));
    expect(Math.max(...bids(short))).toBeGreaterThan(Math.max(...bids(flat)));
    expect(Math.min(...asks(short))).toBeGreaterThan(Math.min(...asks(flat)));
    for (const quotes of [long, short, ladder({ inventoryLots: 99, maxSkewTicks: 50 })]) {
      expect(Math.max(...bids(quotes))).toBeLessThan(19_000);
      expect(Math.min(...asks(quotes))).toBeGreaterThan(19_000);
    }
  });

  it('stops quoting the side that would add to a position past its bound', () => {
    const long = ladder({ inventoryLots: 100 });
    expect(bids(long)).toEqual([]);
    expect(asks(long)).toHaveLength(3);
    const short = ladder({ inventoryLots: -150 });
    expect(asks(short)).toEqual([]);
    expect(bids(short)).toHaveLength(3);
  });

  it('never bids below one tick', () => {
    const quotes = ladder({ fairTicks: 5 });
    expect(bids(quotes).every((price) => price >= 1)).toBe(true);
    expect(asks(quotes)).toHaveLength(3);
  });
});

describe('requoting', () => {
  it('cancels the stalest quote and places the missing one nearest the fair price', () => {
    const wanted = ladder();
    const resting = [
      { id: 'a', side: 'BUY' as const, priceTicks: 18_996 },
      { id: 'b', side: 'BUY' as const, priceTicks: 18_980 },
      { id: 'c', side: 'SELL' as const, priceTicks: 19_006 },
      { id: 'd', side: 'SELL' as const, priceTicks: 19_002 },
    ];
    const plan = requotePlan(wanted, resting, 19_000);
    expect(plan.cancel?.id).toBe('b');
    expect(plan.place).toEqual({ side: 'SELL', priceTicks: 19_004, lots: 5 });
  });

  it('cancels a duplicate first, and does nothing once the book is as wanted', () => {
    const wanted = ladder();
    const exact = wanted.map((q, i) => ({ id: String(i), side: q.side, priceTicks: q.priceTicks }));
    expect(requotePlan(wanted, exact, 19_000)).toEqual({});
    const plan = requotePlan(wanted, [...exact, { id: 'dup', side: 'BUY', priceTicks: 18_996 }], 19_000);
    expect(plan.cancel?.id).toBe('dup');
    expect(plan.place).toBeUndefined();
  });
});

describe("the traders' orders", () => {
  it('are valid: whole lots, prices on the grid, market orders never GTC, and every kind shows up', () => {
    const rng = new Rng(5);
    const kinds = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const order = noiseOrder(rng, { fairTicks: 19_000, restingRangeTicks: 10, crossTicks: 6, maxLots: 4 });
      kinds.add(`${order.type}/${order.timeInForce}/${order.side}`);
      expect(order.lots).toBeGreaterThanOrEqual(1);
      expect(order.lots).toBeLessThanOrEqual(4);
      if (order.type === 'LIMIT') {
        expect(Number.isSafeInteger(order.priceTicks) && order.priceTicks >= 1).toBe(true);
        expect(Math.abs(order.priceTicks - 19_000)).toBeLessThanOrEqual(10);
        // a limit that must trade now reaches past the fair price
        if (order.timeInForce !== 'GTC') expect(order.side === 'BUY' ? order.priceTicks > 19_000 : order.priceTicks < 19_000).toBe(true);
      }
    }
    for (const side of ['BUY', 'SELL'])
      for (const kind of ['LIMIT/GTC', 'LIMIT/IOC', 'LIMIT/FOK', 'MARKET/IOC', 'MARKET/FOK']) expect(kinds).toContain(`${kind}/${side}`);
  });

  it('are the same for the same seed', () => {
    const run = () => {
      const rng = new Rng(11);
      return Array.from({ length: 50 }, () => noiseOrder(rng, { fairTicks: 500, restingRangeTicks: 5, crossTicks: 3, maxLots: 3 }));
    };
    expect(run()).toEqual(run());
  });

  it('never price below a tick near zero', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 500; i++) {
      const order = noiseOrder(rng, { fairTicks: 1, restingRangeTicks: 10, crossTicks: 6, maxLots: 1 });
      if (order.type === 'LIMIT') expect(order.priceTicks).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('momentum', () => {
  const tape = (takerSide: 'BUY' | 'SELL', prices: number[]): TapeTrade[] => prices.map((priceTicks) => ({ priceTicks, lots: 1, takerSide }));

  it('reads the direction of the tape', () => {
    expect(momentumSignal(tape('BUY', [100, 101, 102]))).toBe(1);
    expect(momentumSignal(tape('SELL', [102, 101, 100]))).toBe(-1);
    expect(momentumSignal([])).toBe(0);
    expect(momentumSignal(tape('BUY', [100]))).toBe(0);
    const mixed = [...tape('BUY', [100]), ...tape('SELL', [100])];
    expect(momentumSignal(mixed)).toBe(0);
  });

  it('follows a clear direction and sits out an unclear one', () => {
    const rng = new Rng(4);
    const options = { threshold: 0.3, maxLots: 3, crossTicks: 4 };
    expect(momentumOrder(rng, 0.1, 1000, options)).toBeUndefined();
    for (let i = 0; i < 100; i++) {
      const buy = momentumOrder(rng, 0.8, 1000, options)!;
      expect(buy.side).toBe('BUY');
      if (buy.type === 'LIMIT') expect(buy.priceTicks).toBeGreaterThan(1000);
      const sell = momentumOrder(rng, -0.8, 1000, options)!;
      expect(sell.side).toBe('SELL');
      if (sell.type === 'LIMIT') expect(sell.priceTicks).toBeLessThan(1000);
    }
  });
});

describe('the schedule', () => {
  it('averages the rate asked for and never stalls', () => {
    const rng = new Rng(8);
    const delays = Array.from({ length: 5000 }, () => nextDelayMs(rng, 2));
    const mean = delays.reduce((sum, d) => sum + d, 0) / delays.length;
    expect(mean).toBeGreaterThan(450);
    expect(mean).toBeLessThan(510);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2500);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
  });
});
