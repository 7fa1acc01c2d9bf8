import type { Logger } from '@exchange/platform';
import { newMarketTerms } from '../domain/market-terms.js';
import type { RiskDeps } from './risk-deps.js';

export const DEMO_MARKETS = [
  { symbol: 'AAPL', name: 'Apple Inc.', referencePrice: '190.00' },
  { symbol: 'MSFT', name: 'Microsoft Corporation', referencePrice: '420.00' },
  { symbol: 'GOOGL', name: 'Alphabet Inc. Class A', referencePrice: '170.00' },
  { symbol: 'AMZN', name: 'Amazon.com, Inc.', referencePrice: '185.00' },
  { symbol: 'TSLA', name: 'Tesla, Inc.', referencePrice: '250.00' },
] as const;

/**
 * Lists the demo markets that are missing (local start only). A market that exists is left exactly
 * as it is, halted or re-priced, so restarts never undo an admin's change.
 */
export async function seedDemoMarkets(deps: Pick<RiskDeps, 'markets' | 'defaults'>, logger: Logger): Promise<void> {
  const created: string[] = [];
  for (const demo of DEMO_MARKETS) {
    const terms = newMarketTerms({ ...demo, tickSize: '0.01', lotSize: '1', status: 'TRADING' }, deps.defaults);
    if (await deps.markets.insert({ symbol: demo.symbol, name: demo.name, status: 'TRADING', ...terms })) created.push(demo.symbol);
  }
  logger.info({ created, kept: DEMO_MARKETS.length - created.length }, 'demo markets ready');
}
