/**
 * Tickers of many markets at once, for ordering a list by 24h volume or change. The API has a
 * ticker per symbol only, so they are fetched through a small pool (a few requests in flight,
 * never one burst per market), each kept in the same cache entry as useTicker's, and fetched
 * again only once older than TICKER_FRESH_MS.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { Ticker } from '@exchange/client';
import { exchange } from './api';
import { keys } from './queries';

/** requests in flight at once */
export const TICKER_CONCURRENCY = 6;
/** a ticker younger than this is not fetched again for sorting */
export const TICKER_FRESH_MS = 60_000;

/** Runs `task` over `items`, at most `limit` at a time; starts no new one once `signal` is aborted. A failed task does not stop the others. */
export async function runPool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch {
        // one market's ticker missing leaves that market unranked, no more
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export type TickerBatch = {
  /** the cached ticker of a symbol, if any */
  tickerOf: (symbol: string) => Ticker | undefined;
  /** how many of the symbols have a ticker */
  loaded: number;
  total: number;
  /** changes whenever a ticker came in: a dependency for whatever is computed from them */
  version: number;
};

/** The tickers of `symbols`, fetched (when `enabled`) TICKER_CONCURRENCY at a time. */
export function useTickerBatch(symbols: readonly string[], enabled: boolean): TickerBatch {
  const queryClient = useQueryClient();
  const [version, setVersion] = useState(0);
  const joined = symbols.join(',');

  useEffect(() => {
    if (!enabled || !joined) return;
    const now = Date.now();
    const wanted = joined.split(',').filter((symbol) => {
      const state = queryClient.getQueryState(keys.ticker(symbol));
      return !state?.data || now - state.dataUpdatedAt > TICKER_FRESH_MS;
    });
    if (wanted.length === 0) return;
    const abort = new AbortController();
    void runPool(
      wanted,
      TICKER_CONCURRENCY,
      async (symbol) => {
        await queryClient.fetchQuery({
          queryKey: keys.ticker(symbol),
          queryFn: () => exchange.ticker({ params: { symbol } }),
          staleTime: TICKER_FRESH_MS,
        });
        if (!abort.signal.aborted) setVersion((v) => v + 1);
      },
      abort.signal,
    );
    return () => abort.abort();
  }, [enabled, joined, queryClient]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: version says the cache has new tickers
  return useMemo(() => {
    const tickerOf = (symbol: string) => queryClient.getQueryData<Ticker>(keys.ticker(symbol));
    let loaded = 0;
    for (const symbol of symbols) if (tickerOf(symbol)) loaded++;
    return { tickerOf, loaded, total: symbols.length, version };
  }, [joined, version, queryClient]);
}
