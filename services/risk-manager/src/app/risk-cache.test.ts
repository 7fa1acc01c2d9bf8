import { describe, expect, it } from 'vitest';
import type { RiskChange } from '@exchange/contracts';
import type { StoredLimits } from '../store/limits-store.js';
import type { StoredMarket } from '../store/markets-store.js';
import { RiskCache, type RiskChanges } from './risk-cache.js';

const market = (symbol: string, status: 'TRADING' | 'HALTED' = 'TRADING'): StoredMarket => ({
  symbol,
  name: symbol,
  status,
  tickSizeCents: 1n,
  lotSize: 1n,
  referencePriceCents: 100_00n,
  makerFeeBps: 0,
  takerFeeBps: 10,
  minQuantity: 1n,
  maxQuantity: 1000n,
  maxNotionalCents: 1_000_000_00n,
  priceCollarBps: 1000,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});
const limits = (userId: string, killSwitch = false): StoredLimits => ({
  userId,
  maxOpenOrders: 5,
  maxOrdersPerMinute: null,
  maxNotionalCents: null,
  killSwitch,
  updatedAt: new Date(0),
});

/** The stores as recorded reads, and a bus that delivers every change to every subscriber. */
function world() {
  const rows = { markets: new Map([['AAA', market('AAA')]]), limits: new Map<string, StoredLimits>() };
  const reads = { market: [] as string[], limits: [] as string[][] };
  const listeners: Array<(change: RiskChange) => void> = [];
  const missed: Array<() => void> = [];
  const bus: RiskChanges = {
    publish: async (change) => {
      for (const listener of listeners) listener(change);
    },
    subscribe: async (listener, onMissed) => {
      listeners.push(listener);
      missed.push(onMissed);
      return async () => {};
    },
  };
  /** the subscription was cut and made again: what was published meanwhile is lost */
  const resubscribe = () => {
    for (const onMissed of missed) onMissed();
  };
  const sources = {
    markets: {
      list: async () => [...rows.markets.values()],
      find: async (symbol: string) => {
        reads.market.push(symbol);
        return rows.markets.get(symbol);
      },
    },
    limits: {
      findMany: async (userIds: string[]) => {
        reads.limits.push(userIds);
        return new Map(userIds.filter((id) => rows.limits.has(id)).map((id) => [id, rows.limits.get(id)!]));
      },
    },
  };
  return { rows, reads, bus, sources, resubscribe };
}

describe('the risk-manager’s cache of markets and limits', () => {
  it('serves markets from memory, reading an unknown symbol once it exists', async () => {
    const { rows, reads, bus, sources } = world();
    const cache = new RiskCache(sources, bus, { refreshMs: 0 });
    await cache.start();
    expect([...(await cache.marketsOf(['AAA', 'AAA'])).keys()]).toEqual(['AAA']);
    expect(reads.market).toEqual([]);
    expect((await cache.marketsOf(['BBB'])).size).toBe(0);
    rows.markets.set('BBB', market('BBB'));
    expect((await cache.marketsOf(['BBB'])).get('BBB')?.symbol).toBe('BBB');
    await cache.marketsOf(['BBB']);
    expect(reads.market).toEqual(['BBB', 'BBB']);
  });

  it('reads the limits it does not keep in one query, remembering who has none', async () => {
    const { rows, reads, bus, sources } = world();
    rows.limits.set('u1', limits('u1'));
    const cache = new RiskCache(sources, bus, { refreshMs: 0 });
    await cache.start();
    const first = await cache.limitsOf(['u1', 'u2', 'u1']);
    expect([first.get('u1')?.maxOpenOrders, first.get('u2')]).toEqual([5, undefined]);
    await cache.limitsOf(['u2', 'u1', 'u3']);
    expect(reads.limits).toEqual([['u1', 'u2'], ['u3']]);
  });

  it('applies its own writes at once, and another instance’s as soon as it hears of them', async () => {
    const { rows, bus, sources } = world();
    const [here, there] = [new RiskCache(sources, bus, { refreshMs: 0 }), new RiskCache(sources, bus, { refreshMs: 0 })];
    await here.start();
    await there.start();
    await there.marketsOf(['AAA']);
    // a halt written here: this instance uses it at once; the other drops its copy and reads the row
    rows.markets.set('AAA', market('AAA', 'HALTED'));
    await here.marketWritten(market('AAA', 'HALTED'));
    expect((await here.marketsOf(['AAA'])).get('AAA')?.status).toBe('HALTED');
    expect((await there.marketsOf(['AAA'])).get('AAA')?.status).toBe('HALTED');
    // a kill switch
    await there.limitsOf(['u9']);
    rows.limits.set('u9', limits('u9', true));
    await here.limitsWritten(limits('u9', true));
    expect((await there.limitsOf(['u9'])).get('u9')?.killSwitch).toBe(true);
  });

  it('keeps at most its bound of users, forgetting the least recently read', async () => {
    const { reads, bus, sources } = world();
    const cache = new RiskCache(sources, bus, { maxUsers: 2 });
    await cache.start();
    await cache.limitsOf(['a', 'b']);
    await cache.limitsOf(['a']);
    await cache.limitsOf(['c']); // b is forgotten, a was read more recently
    await cache.limitsOf(['a', 'b']);
    expect(reads.limits).toEqual([['a', 'b'], ['c'], ['b']]);
  });

  it('sees a change whose message was lost at its next refresh', async () => {
    const { rows, bus, sources } = world();
    const cache = new RiskCache(sources, bus, { refreshMs: 0 });
    await cache.start();
    await cache.limitsOf(['u1']);
    // written by another instance whose message never arrived
    rows.markets.set('AAA', market('AAA', 'HALTED'));
    rows.limits.set('u1', limits('u1', true));
    expect((await cache.marketsOf(['AAA'])).get('AAA')?.status).toBe('TRADING');
    expect((await cache.limitsOf(['u1'])).get('u1')).toBeUndefined();
    await cache.refresh();
    expect((await cache.marketsOf(['AAA'])).get('AAA')?.status).toBe('HALTED');
    expect((await cache.limitsOf(['u1'])).get('u1')?.killSwitch).toBe(true);
  });

  it('reads everything again at once when its subscription was cut and made again (changes may have been lost)', async () => {
    const { rows, bus, sources, resubscribe } = world();
    const cache = new RiskCache(sources, bus, { refreshMs: 0 });
    await cache.start();
    rows.markets.set('AAA', market('AAA', 'HALTED'));
    expect((await cache.marketsOf(['AAA'])).get('AAA')?.status).toBe('TRADING');
    resubscribe();
    // the reload reads in-memory stand-ins: done within one turn of the event loop
    await new Promise((resolve) => setImmediate(resolve));
    expect((await cache.marketsOf(['AAA'])).get('AAA')?.status).toBe('HALTED');
  });
});
