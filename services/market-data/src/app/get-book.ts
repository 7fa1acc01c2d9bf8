import type { Book } from '@exchange/contracts';
import type { MarketDataDeps } from './market-data-deps.js';
import { requireMarket } from './require-market.js';

/** The held book, best first, with the sequence its depth updates continue from (0 and empty before the engine's first state). */
export async function getBook(deps: MarketDataDeps, symbol: string, depth: number): Promise<Book> {
  const market = await requireMarket(deps, symbol);
  return deps.books.book(market, depth);
}
