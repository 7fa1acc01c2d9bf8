import { describe, expect, it } from 'vitest';
import type { Ticker } from '@exchange/client';
import { matchRank, newerTicker, nextSort, pushRecent, searchMarkets, sortMarkets, toggleFavourite } from './market-list';

const m = (symbol: string, name: string) => ({ symbol, name });
const markets = [
  m('AAPL', 'Apple Inc.'),
  m('MSFT', 'Microsoft Corp.'),
  m('BAC', 'Bank of America'),
  m('FBNK', 'First Bank Corp.'),
  m('PINE', 'Pineapple Farms'),
];

const ticker = (symbol: string, volume24h: string, changePct24h: string | null): Ticker => ({
  symbol,
  last: '1.00',
  bestBid: null,
  bestAsk: null,
  open24h: null,
  high24h: null,
  low24h: null,
  volume24h,
  changePct24h,
});

describe('searching markets', () => {
  it('finds by symbol and by name, case-insensitive, prefix and substring, best matches first', () => {
    expect(searchMarkets(markets, 'aapl').map((x) => x.symbol)).toEqual(['AAPL']);
    expect(searchMarkets(markets, 'APP').map((x) => x.symbol)).toEqual(['AAPL', 'PINE']);
    // symbol prefix, then the start of a word of the name, then a substring of the name
    expect(searchMarkets(markets, 'ba').map((x) => x.symbol)).toEqual(['BAC', 'FBNK']);
    expect(searchMarkets(markets, 'bank').map((x) => x.symbol)).toEqual(['BAC', 'FBNK']);
    expect(searchMarkets(markets, 'soft').map((x) => x.symbol)).toEqual(['MSFT']);
    expect(searchMarkets(markets, 'SF').map((x) => x.symbol)).toEqual(['MSFT']);
    expect(searchMarkets(markets, 'zzz')).toEqual([]);
  });

  it('an empty search keeps every market in its order', () => {
    expect(searchMarkets(markets, '  ').map((x) => x.symbol)).toEqual(['AAPL', 'MSFT', 'BAC', 'FBNK', 'PINE']);
  });

  it('ranks an exact symbol above a prefix, a prefix above a name, a name above a substring', () => {
    expect(matchRank(m('AB', 'x'), 'ab')).toBe(0);
    expect(matchRank(m('ABC', 'x'), 'ab')).toBe(1);
    expect(matchRank(m('X', 'Abacus'), 'ab')).toBe(2);
    expect(matchRank(m('X', 'The Abacus'), 'ab')).toBe(3);
    expect(matchRank(m('XAB', 'x'), 'ab')).toBe(4);
    expect(matchRank(m('X', 'Cabin'), 'ab')).toBe(5);
    expect(matchRank(m('X', 'y'), 'ab')).toBeNull();
  });

  it('stays cheap with many markets: 10 000 searched well under 50 ms', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => m(`S${i}`, `Company number ${i} Holdings`));
    const started = performance.now();
    const found = searchMarkets(many, 'number 9999');
    expect(performance.now() - started).toBeLessThan(50);
    expect(found.map((x) => x.symbol)).toEqual(['S9999']);
  });
});

describe('sorting markets', () => {
  const tickers = new Map([
    ['AAPL', ticker('AAPL', '500', '1.50')],
    ['MSFT', ticker('MSFT', '1200', '-2.25')],
    ['BAC', ticker('BAC', '30', '0.00')],
    ['FBNK', ticker('FBNK', '0', null)],
  ]);
  const of = (symbol: string) => tickers.get(symbol);

  it('by symbol, either way', () => {
    expect(sortMarkets(markets, { key: 'symbol', direction: 'asc' }, of).map((x) => x.symbol)).toEqual(['AAPL', 'BAC', 'FBNK', 'MSFT', 'PINE']);
    expect(sortMarkets(markets, { key: 'symbol', direction: 'desc' }, of).map((x) => x.symbol)).toEqual(['PINE', 'MSFT', 'FBNK', 'BAC', 'AAPL']);
  });

  it('by 24h volume as numbers (1200 above 500), unknown last', () => {
    expect(sortMarkets(markets, { key: 'volume', direction: 'desc' }, of).map((x) => x.symbol)).toEqual(['MSFT', 'AAPL', 'BAC', 'FBNK', 'PINE']);
    expect(sortMarkets(markets, { key: 'volume', direction: 'asc' }, of).map((x) => x.symbol)).toEqual(['FBNK', 'BAC', 'AAPL', 'MSFT', 'PINE']);
  });

  it('by 24h change, negative below zero, a market without a trade or a ticker last either way', () => {
    expect(sortMarkets(markets, { key: 'change', direction: 'desc' }, of).map((x) => x.symbol)).toEqual(['AAPL', 'BAC', 'MSFT', 'FBNK', 'PINE']);
    expect(sortMarkets(markets, { key: 'change', direction: 'asc' }, of).map((x) => x.symbol)).toEqual(['MSFT', 'BAC', 'AAPL', 'FBNK', 'PINE']);
  });

  it('a click on a header: the other direction for the sorted column, the first direction for another', () => {
    expect(nextSort({ key: 'symbol', direction: 'asc' }, 'symbol')).toEqual({ key: 'symbol', direction: 'desc' });
    expect(nextSort({ key: 'symbol', direction: 'asc' }, 'volume')).toEqual({ key: 'volume', direction: 'desc' });
    expect(nextSort({ key: 'volume', direction: 'desc' }, 'volume')).toEqual({ key: 'volume', direction: 'asc' });
    expect(nextSort({ key: 'volume', direction: 'asc' }, 'change')).toEqual({ key: 'change', direction: 'desc' });
  });
});

describe('recent and favourite markets', () => {
  it('recent: the latest first, no repeat, at most five', () => {
    let recent: string[] = [];
    for (const symbol of ['A', 'B', 'C', 'B', 'D', 'E', 'F']) recent = pushRecent(recent, symbol);
    expect(recent).toEqual(['F', 'E', 'D', 'B', 'C']);
  });

  it('favourites: a toggle adds, a second one takes away', () => {
    expect(toggleFavourite(['A'], 'B')).toEqual(['A', 'B']);
    expect(toggleFavourite(['A', 'B'], 'A')).toEqual(['B']);
  });
});

describe('a market’s ticker, its own or from the list of all', () => {
  const own = ticker('AAPL', '10', '1.00');
  const listed = ticker('AAPL', '20', '2.00');
  const all = (dataUpdatedAt: number) => ({ data: [ticker('MSFT', '5', null), listed], dataUpdatedAt });

  it('is the newer of the two, or the one there is', () => {
    expect(newerTicker({ data: own, dataUpdatedAt: 200 }, all(100), 'AAPL')).toBe(own);
    expect(newerTicker({ data: own, dataUpdatedAt: 100 }, all(200), 'AAPL')).toBe(listed);
    expect(newerTicker(undefined, all(100), 'AAPL')).toBe(listed);
    expect(newerTicker({ data: undefined, dataUpdatedAt: 0 }, all(100), 'AAPL')).toBe(listed);
    expect(newerTicker({ data: own, dataUpdatedAt: 100 }, undefined, 'AAPL')).toBe(own);
    expect(newerTicker(undefined, all(100), 'TSLA')).toBeUndefined();
  });
});
