/** Streams that keep TanStack's cache current: ticker, candles and the public tape. */
import { useQueryClient } from '@tanstack/react-query';
import { keys } from './queries';
import { useChannel } from './stream';
import type { Candle, PublicTrade, Ticker } from './types';

export function useLiveTicker(symbol: string) {
  const queryClient = useQueryClient();
  useChannel(`ticker:${symbol}`, (frame) => {
    if (frame.type === 'snapshot' || frame.type === 'update') queryClient.setQueryData(keys.ticker(symbol), frame.data as Ticker);
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
  useChannel(`candles:${symbol}:${interval}`, (frame) => {
    const key = keys.candles(symbol, interval);
    if (frame.type === 'snapshot') queryClient.setQueryData(key, (frame.data as { items: Candle[] }).items);
    else if (frame.type === 'update') queryClient.setQueryData<Candle[]>(key, (old) => mergeCandle(old, frame.data as Candle));
  });
}

export function useLiveTrades(symbol: string) {
  const queryClient = useQueryClient();
  useChannel(`trades:${symbol}`, (frame) => {
    const key = keys.marketTrades(symbol);
    if (frame.type === 'snapshot') queryClient.setQueryData(key, (frame.data as { items: PublicTrade[] }).items);
    else if (frame.type === 'update') {
      const trade = frame.data as PublicTrade;
      queryClient.setQueryData<PublicTrade[]>(key, (old) => [trade, ...(old ?? []).filter((t) => t.id !== trade.id)].slice(0, 50));
    }
  });
}
