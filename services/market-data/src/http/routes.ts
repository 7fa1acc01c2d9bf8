import type { HttpServer } from '@exchange/platform';
import { bookQuerySchema, bookSchema, candlesQuerySchema, candlesSchema, publicTradesSchema, tickerSchema, tradesQuerySchema } from '@exchange/contracts';
import { z } from 'zod';
import { getBook } from '../app/get-book.js';
import { getTicker } from '../app/get-ticker.js';
import { listCandles } from '../app/list-candles.js';
import { listTrades } from '../app/list-trades.js';
import type { MarketDataDeps } from '../app/market-data-deps.js';

// any text: a symbol that is not listed, well-formed or not, is 404 UNKNOWN_SYMBOL
const symbolParams = z.object({ symbol: z.string().min(1).max(40) });

/** Public market data, proxied by the gateway under /v1/markets/:symbol/…. */
export function registerRoutes(app: HttpServer, deps: MarketDataDeps): void {
  app.get(
    '/markets/:symbol/book',
    {
      schema: {
        description: 'The aggregated book, best first, valid at `sequence`; depth updates on md:{SYMBOL} continue from it',
        params: symbolParams,
        querystring: bookQuerySchema,
        response: { 200: bookSchema },
      },
    },
    async (request) => getBook(deps, request.params.symbol, request.query.depth),
  );

  app.get(
    '/markets/:symbol/trades',
    { schema: { description: 'The latest trades, newest first', params: symbolParams, querystring: tradesQuerySchema, response: { 200: publicTradesSchema } } },
    async (request) => listTrades(deps, request.params.symbol, request.query.limit),
  );

  app.get(
    '/markets/:symbol/candles',
    {
      schema: {
        description: 'The latest OHLCV candles of an interval (UTC buckets), oldest first. A period without a trade has no candle.',
        params: symbolParams,
        querystring: candlesQuerySchema,
        response: { 200: candlesSchema },
      },
    },
    async (request) => listCandles(deps, request.params.symbol, request.query.interval, request.query.limit),
  );

  app.get(
    '/markets/:symbol/ticker',
    {
      schema: {
        description: 'Last price, best bid and ask, and the last 24 h: open, high, low, volume, change',
        params: symbolParams,
        response: { 200: tickerSchema },
      },
    },
    async (request) => getTicker(deps, request.params.symbol),
  );
}
