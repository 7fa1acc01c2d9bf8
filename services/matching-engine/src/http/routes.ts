import { AppError, type HttpServer, serveApi } from '@exchange/platform';
import { MATCHING_ENGINE_API } from '@exchange/contracts';
import type { MatchingEngine } from '../app/engine.js';

/** The engine's one route (MATCHING_ENGINE_API): its own book of a symbol, for the operator's audits. */
export function registerRoutes(app: HttpServer, engine: MatchingEngine): void {
  serveApi(app, MATCHING_ENGINE_API, {
    book: ({ params, query }) => {
      const book = engine.book(params.symbol.toUpperCase());
      if (!book) throw new AppError('NOT_FOUND', `This engine does not own ${params.symbol}`);
      return { symbol: book.symbol, stateHash: book.stateHash(), restingOrders: book.restingOrders, ...book.depth(query.depth) };
    },
  });
}
