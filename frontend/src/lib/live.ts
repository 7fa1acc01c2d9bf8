/** Streams that keep TanStack's cache current: ticker, candles and the public tape. */
import { useQueryClient } from '@tanstack/react-query';
import type { Candle, PublicTrade } from '@exchange/client';
import { keys } from './queries';
import { useChannel } from './stream';

export function useLiveTicker(symbol: string) {
  const queryClient = useQueryClient();
  useChannel(`ticker:${symbol}`, (event) => {
    if (event.type === 'snapshot' || event.type === 'update') queryClient.setQueryData(keys.ticker(symbol), event.data);
  });
}

/** Replaces the candle with the same openTime or appends a newer one (oldest first). */
export function mergeCandle(candles: Candle[] | undefined, candle: Candle): Candle[] {
  const list = candles ?? [];
  const last = list[list.length - 1];
  if (!last || candle.openTime > last.openTime) return [...list, candle];
  if (candle.openTime === last.openTime) return [...list.slice(0, -1), candle];
  const index = list.findIndex((c) => c.openTime === candle.openTime);
  if (index < 0) return list;
  const copy = list.slice();
  copy[index] = candle;
  return copy;
}

export function useLiveCandles(symbol: string, interval: string) {
  const queryClient = useQueryClient();
  useChannel(`candles:${symbol}:${interval}`, (event) => {
    const key = keys.candles(symbol, interval);
    if (event.type === 'snapshot') queryClient.setQueryData(key, event.data.items);
    else if (event.type === 'update') queryClient.setQueryData<Candle[]>(key, (old) => mergeCandle(old, event.data));
  });
}

export function useLiveTrades(symbol: string) {
  const queryClient = useQueryClient();
  useChannel(`trades:${symbol}`, (event) => {
    const key = keys.marketTrades(symbol);
    if (event.type === 'snapshot') queryClient.setQueryData(key, event.data.items);
    else if (event.type === 'update') {
      const trade = event.data;
      queryClient.setQueryData<PublicTrade[]>(key, (old) => [trade, ...(old ?? []).filter((t) => t.id !== trade.id)].slice(0, 50));
    }
  });
}
