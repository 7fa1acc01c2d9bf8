import { AppError, withSpan } from '@exchange/platform';
import type { CreateMarketRequest, Market } from '@exchange/contracts';
import { newMarketTerms } from '../domain/market-terms.js';
import { toMarket, type RiskDeps } from './risk-deps.js';

/** Lists a new instrument; 409 MARKET_EXISTS when the symbol is taken. Unset terms take the defaults. */
export async function createMarket(deps: Pick<RiskDeps, 'markets' | 'defaults' | 'cache'>, request: CreateMarketRequest): Promise<Market> {
  const terms = await withSpan('market validation', () => newMarketTerms(request, deps.defaults));
  const created = await withSpan('market insert', () => deps.markets.insert({ symbol: request.symbol, name: request.name, status: request.status, ...terms }));
  if (!created) throw new AppError('MARKET_EXISTS', `The market ${request.symbol} already exists`, { symbol: request.symbol });
  await deps.cache.marketWritten(created);
  return toMarket(created);
}
