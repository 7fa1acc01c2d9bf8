import type { HttpServer, ServiceClient } from '@exchange/platform';
import {
  bookQuerySchema,
  bookSchema,
  candlesQuerySchema,
  candlesSchema,
  errorBodySchema,
  publicTradesSchema,
  tickerSchema,
  tradesQuerySchema,
  type Book,
  type Candle,
  type PublicTrade,
  type Ticker,
} from '@exchange/contracts';
import { z } from 'zod';

export interface MarketDataRouteOptions {
  /** the market-data service, which holds the books, the tape, the candles and the tickers */
  marketData: ServiceClient;
  rateLimit: { max: number; timeWindow: number };
}

// any text: a symbol that is not listed is 404 UNKNOWN_SYMBOL, as the market-data service answers
const symbolParams = z.object({ symbol: z.string().min(1).max(40) });
const errors = { 400: errorBodySchema, 404: errorBodySchema, 429: errorBodySchema };
const tags = ['market data'];

const marketPath = (symbol: string, what: string) => `/markets/${encodeURIComponent(symbol)}/${what}`;

/** Public market data (no token; limited per client address like every /v1 route), served by the market-data service. */
export function registerMarketDataRoutes(app: HttpServer, options: MarketDataRouteOptions): void {
  const open = { config: { rateLimit: options.rateLimit } };
  const { marketData } = options;

  app.get(
    '/v1/markets/:symbol/book',
    {
      ...open,
      schema: {
        tags,
        summary: 'The order book: aggregated price levels, best first',
        description:
          "Valid at `sequence`, the engine's. The live channel `book:{SYMBOL}` sends depth updates with `firstSequence`/`sequence`: after a snapshot at S, apply the first update with firstSequence ≤ S+1 ≤ sequence and each next one; a gap means a new snapshot.",
        params: symbolParams,
        querystring: bookQuerySchema,
        response: { 200: bookSchema, ...errors },
      },
    },
    async (request) => (await marketData.get<Book>(marketPath(request.params.symbol, 'book'), { query: request.query })).body,
  );

  app.get(
    '/v1/markets/:symbol/trades',
    {
      ...open,
      schema: {
        tags,
        summary: 'The latest trades of the market, newest first',
        params: symbolParams,
        querystring: tradesQuerySchema,
        response: { 200: publicTradesSchema, ...errors },
      },
    },
    async (request) => (await marketData.get<{ items: PublicTrade[] }>(marketPath(request.params.symbol, 'trades'), { query: request.query })).body,
  );

  app.get(
    '/v1/markets/:symbol/candles',
    {
      ...open,
      schema: {
        tags,
        summary: 'OHLCV candles of an interval, oldest first',
        description:
          'The latest `limit` candles; `openTime` is the start of the interval in UTC (days start at midnight UTC). A period without a trade has no candle: the list skips it rather than repeating the previous close.',
        params: symbolParams,
        querystring: candlesQuerySchema,
        response: { 200: candlesSchema, ...errors },
      },
    },
    async (request) => (await marketData.get<{ items: Candle[] }>(marketPath(request.params.symbol, 'candles'), { query: request.query })).body,
  );

  app.get(
    '/v1/markets/:symbol/ticker',
    {
      ...open,
      schema: {
        tags,
        summary: 'Last price, best bid and ask, and the last 24 hours',
        description:
          'open24h is the price of the first trade of the last 24 h; changePct24h = (last − open24h) / open24h in percent, two decimals, rounded half away from zero. Null before a trade.',
        params: symbolParams,
        response: { 200: tickerSchema, ...errors },
      },
    },
    async (request) => (await marketData.get<Ticker>(marketPath(request.params.symbol, 'ticker'))).body,
  );
}
