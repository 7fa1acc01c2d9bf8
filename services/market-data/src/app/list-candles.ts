import type { Candle, CandleInterval } from '@exchange/contracts';
import type { MarketDataDeps } from './market-data-deps.js';
import { requireMarket } from './require-market.js';

/** The latest `limit` candles of an interval, oldest first; a period without a trade has none. */
export async function listCandles(deps: MarketDataDeps, symbol: string, interval: CandleInterval, limit: number): Promise<{ items: Candle[] }> {
  await requireMarket(deps, symbol);
  return { items: await deps.candles.latest(symbol, interval, limit) };
}
