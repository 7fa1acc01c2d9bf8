import type { PublicTrade } from '@exchange/contracts';
import type { MarketDataDeps } from './market-data-deps.js';
import { requireMarket } from './require-market.js';

/** The tape, newest first. */
export async function listTrades(deps: MarketDataDeps, symbol: string, limit: number): Promise<{ items: PublicTrade[] }> {
  await requireMarket(deps, symbol);
  return { items: await deps.trades.latest(symbol, limit) };
}
