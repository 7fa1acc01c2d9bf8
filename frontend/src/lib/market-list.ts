/**
 * Finding and ordering markets when there are hundreds of them: search by symbol or name,
 * sort by symbol, 24h volume or 24h change, and the user's favourite and recent markets
 * (kept in localStorage, followed by components through useSyncExternalStore).
 */
import { useSyncExternalStore } from 'react';
import type { Market, Ticker } from '@exchange/client';

/** How well a market matches a search: lower is better, null is no match. */
export function matchRank(market: Pick<Market, 'symbol' | 'name'>, query: string): number | null {
  const q = query.trim().toLowerCase();
  if (!q) return 0;
  const symbol = market.symbol.toLowerCase();
  const name = market.name.toLowerCase();
  if (symbol === q) return 0;
  if (symbol.startsWith(q)) return 1;
  if (name.startsWith(q)) return 2;
  // the start of any word of the name: "bank" finds "First Bank Corp."
  if (name.split(/[\s.,&()-]+/).some((word) => word.startsWith(q))) return 3;
  if (symbol.includes(q)) return 4;
  if (name.includes(q)) return 5;
  return null;
}

/** The markets that match `query`, best matches first, then by symbol; every market, in its order, for an empty query. */
export function searchMarkets<M extends Pick<Market, 'symbol' | 'name'>>(markets: readonly M[], query: string): M[] {
  if (!query.trim()) return markets.slice();
  const ranked: Array<{ market: M; rank: number }> = [];
  for (const market of markets) {
    const rank = matchRank(market, query);
    if (rank !== null) ranked.push({ market, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank || compareText(a.market.symbol, b.market.symbol));
  return ranked.map((entry) => entry.market);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type SortKey = 'symbol' | 'volume' | 'change';
export type SortDirection = 'asc' | 'desc';
export type MarketSort = { key: SortKey; direction: SortDirection };

/** The direction a column sorts in when first chosen: symbols A→Z, the biggest volumes and changes first. */
export const FIRST_DIRECTION: Record<SortKey, SortDirection> = { symbol: 'asc', volume: 'desc', change: 'desc' };

/** A click on a column header: the other direction for the sorted column, else that column's first direction. */
export function nextSort(current: MarketSort, key: SortKey): MarketSort {
  if (current.key === key) return { key, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  return { key, direction: FIRST_DIRECTION[key] };
}

function sortValue(ticker: Ticker | undefined, key: SortKey): number | null {
  if (!ticker) return null;
  const raw = key === 'volume' ? ticker.volume24h : ticker.changePct24h;
  if (raw === null || raw === undefined) return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}

/**
 * The markets in the chosen order. A market whose value is not known (no ticker yet, no trade in
 * 24 h) goes last whatever the direction; ties and unknowns are by symbol.
 */
export function sortMarkets<M extends Pick<Market, 'symbol'>>(markets: readonly M[], sort: MarketSort, tickerOf: (symbol: string) => Ticker | undefined): M[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  if (sort.key === 'symbol') return markets.slice().sort((a, b) => sign * compareText(a.symbol, b.symbol));
  const values = new Map(markets.map((market) => [market.symbol, sortValue(tickerOf(market.symbol), sort.key)]));
  return markets.slice().sort((a, b) => {
    const va = values.get(a.symbol) ?? null;
    const vb = values.get(b.symbol) ?? null;
    if (va === null && vb === null) return compareText(a.symbol, b.symbol);
    if (va === null) return 1;
    if (vb === null) return -1;
    return sign * (va - vb) || compareText(a.symbol, b.symbol);
  });
}

/** The newer of a market's own cached ticker (useTicker, useLiveTicker) and its item of GET /v1/tickers. */
export function newerTicker(
  own: { data: Ticker | undefined; dataUpdatedAt: number } | undefined,
  all: { data: Ticker[] | undefined; dataUpdatedAt: number } | undefined,
  symbol: string,
): Ticker | undefined {
  const fromAll = all?.data?.find((t) => t.symbol === symbol);
  if (!own?.data) return fromAll;
  if (!fromAll) return own.data;
  return own.dataUpdatedAt >= (all?.dataUpdatedAt ?? 0) ? own.data : fromAll;
}

/** The latest `symbol` first, no repeat, at most `limit`. */
export function pushRecent(recent: readonly string[], symbol: string, limit = RECENT_LIMIT): string[] {
  return [symbol, ...recent.filter((s) => s !== symbol)].slice(0, limit);
}

/** `symbol` added to the favourites, or taken out if it was one. */
export function toggleFavourite(favourites: readonly string[], symbol: string): string[] {
  return favourites.includes(symbol) ? favourites.filter((s) => s !== symbol) : [...favourites, symbol];
}

export const RECENT_LIMIT = 5;
export const FAVOURITES_KEY = 'exchange.favouriteMarkets';
export const RECENT_KEY = 'exchange.recentMarkets';

/** A list of symbols in localStorage; anything unreadable counts as an empty list. */
function readList(key: string): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

const listeners = new Set<() => void>();
// one snapshot per key, replaced on every write, so useSyncExternalStore sees a stable value between writes
const snapshots = new Map<string, string[]>();

function snapshot(key: string): string[] {
  let list = snapshots.get(key);
  if (!list) {
    list = readList(key);
    snapshots.set(key, list);
  }
  return list;
}

function writeList(key: string, list: string[]): void {
  snapshots.set(key, list);
  try {
    localStorage.setItem(key, JSON.stringify(list));
  } catch {
    // storage full or refused: the list still holds for this page's life
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // another tab changed the lists
  const onStorage = (event: StorageEvent) => {
    if (event.key !== FAVOURITES_KEY && event.key !== RECENT_KEY) return;
    snapshots.delete(event.key);
    listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** Forgets what was read, so the next read comes from localStorage again (for tests). */
export function resetMarketPrefsCache(): void {
  snapshots.clear();
}

export function useFavouriteMarkets(): string[] {
  return useSyncExternalStore(subscribe, () => snapshot(FAVOURITES_KEY));
}

export function useRecentMarkets(): string[] {
  return useSyncExternalStore(subscribe, () => snapshot(RECENT_KEY));
}

export function toggleFavouriteMarket(symbol: string): void {
  writeList(FAVOURITES_KEY, toggleFavourite(snapshot(FAVOURITES_KEY), symbol));
}

export function recordRecentMarket(symbol: string): void {
  const current = snapshot(RECENT_KEY);
  if (current[0] === symbol) return;
  writeList(RECENT_KEY, pushRecent(current, symbol));
}
