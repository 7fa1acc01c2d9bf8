import { AppError } from '@exchange/platform';
import type { Market } from '@exchange/contracts';
import type { MarketDataDeps } from './market-data-deps.js';

/**
 * The listed market of that symbol; 404 UNKNOWN_SYMBOL otherwise. A symbol this process does not
 * know yet is looked up at the risk-manager once more (the directory alone may skip that for 200 ms
 * after its last poll), so a market is served as soon as it is listed: clients subscribe right after
 * listing one.
 */
export async function requireMarket(deps: MarketDataDeps, symbol: string): Promise<Market> {
  let market = await deps.markets.get(symbol);
  if (!market) {
    await deps.markets.refresh();
    market = deps.markets.list().find((listed) => listed.symbol === symbol);
  }
  if (!market) throw new AppError('UNKNOWN_SYMBOL', `There is no market ${symbol}`, { symbol });
  return market;
}
