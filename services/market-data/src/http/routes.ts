import { type HttpServer, serveApi } from '@exchange/platform';
import { MARKET_DATA_API, type ServiceAudit } from '@exchange/contracts';
import { getBook } from '../app/get-book.js';
import { getTicker, getTickers } from '../app/get-ticker.js';
import { listCandles } from '../app/list-candles.js';
import { listTrades } from '../app/list-trades.js';
import type { MarketDataDeps } from '../app/market-data-deps.js';

/** Public market data (MARKET_DATA_API), proxied by the gateway under /v1/markets/:symbol/… and /v1/tickers. */
export function registerRoutes(app: HttpServer, deps: MarketDataDeps, audit: () => Promise<ServiceAudit>): void {
  serveApi(app, MARKET_DATA_API, {
    audit,
    book: ({ params, query }) => getBook(deps, params.symbol, query.depth),
    trades: ({ params, query }) => listTrades(deps, params.symbol, query.limit),
    candles: ({ params, query }) => listCandles(deps, params.symbol, query.interval, query.limit),
    ticker: ({ params }) => getTicker(deps, params.symbol),
    tickers: async () => ({ items: await getTickers(deps) }),
  });
}
