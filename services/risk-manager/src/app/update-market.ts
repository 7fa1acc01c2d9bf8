import { withSpan, withTransaction } from '@exchange/platform';
import type { Market, UpdateMarketRequest } from '@exchange/contracts';
import { changedMarketTerms } from '../domain/market-terms.js';
import { toMarket, unknownSymbol, type RiskDeps } from './risk-deps.js';

/**
 * Halts or resumes a market, or changes its reference price, fees or limits (never its tick or lot
 * size). The row is locked while the new terms are checked against the current ones, so two
 * concurrent changes (a new minimum and a new maximum) cannot together break min ≤ max.
 */
export async function updateMarket(deps: Pick<RiskDeps, 'markets' | 'cache'>, symbol: string, changes: UpdateMarketRequest): Promise<Market> {
  const updated = await withTransaction(deps.markets.db, async (client) => {
    const current = await deps.markets.findForUpdate(client, symbol);
    if (!current) throw unknownSymbol(symbol);
    const terms = await withSpan('market validation', () => changedMarketTerms(current, changes));
    return deps.markets.update(client, { ...current, ...terms, status: changes.status ?? current.status });
  });
  // committed: the checks of every instance use it from the next order on
  await deps.cache.marketWritten(updated);
  return toMarket(updated);
}
