import type { Market, MarketList } from '@exchange/contracts';
import { toMarket, unknownSymbol, type RiskDeps } from './risk-deps.js';

/** Every market, by symbol. */
export async function listMarkets(deps: Pick<RiskDeps, 'markets'>): Promise<MarketList> {
  return { items: (await deps.markets.list()).map(toMarket) };
}

/** One market; 404 UNKNOWN_SYMBOL when there is none. */
export async function getMarket(deps: Pick<RiskDeps, 'markets'>, symbol: string): Promise<Market> {
  const market = await deps.markets.find(symbol);
  if (!market) throw unknownSymbol(symbol);
  return toMarket(market);
}
