import { AppError, type HttpServer } from '@exchange/platform';
import { z } from 'zod';
import type { MatchingEngine } from '../app/engine.js';

export function registerRoutes(app: HttpServer, engine: MatchingEngine): void {
  app.get(
    '/books/:symbol',
    {
      schema: {
        params: z.object({ symbol: z.string().min(1).max(12) }),
        querystring: z.object({ depth: z.coerce.number().int().min(1).max(1000).default(20) }),
      },
    },
    async (request) => {
      const book = engine.book(request.params.symbol.toUpperCase());
      if (!book) throw new AppError('NOT_FOUND', `This engine does not own ${request.params.symbol}`);
      return { symbol: book.symbol, stateHash: book.stateHash(), restingOrders: book.restingOrders, ...book.depth(request.query.depth) };
    },
  );
}
