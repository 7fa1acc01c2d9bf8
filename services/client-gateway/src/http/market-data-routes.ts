import { type ContractClient, type HttpServer, serveRoute } from '@exchange/platform';
import { type MARKET_DATA_API, PUBLIC_API } from '@exchange/contracts';

export interface MarketDataRouteOptions {
  /** the market-data service, which holds the books, the tape, the candles and the tickers */
  marketData: ContractClient<typeof MARKET_DATA_API>;
  rateLimit: { max: number; timeWindow: number };
}

/** Public market data (no token; limited per client address like every /v1 route), served by the market-data service. */
export function registerMarketDataRoutes(app: HttpServer, options: MarketDataRouteOptions): void {
  const open = { config: { rateLimit: options.rateLimit } };
  const { marketData } = options;
  serveRoute(app, PUBLIC_API.book, ({ params, query }) => marketData.book({ params, query }), open);
  serveRoute(app, PUBLIC_API.trades, ({ params, query }) => marketData.trades({ params, query }), open);
  serveRoute(app, PUBLIC_API.candles, ({ params, query }) => marketData.candles({ params, query }), open);
  serveRoute(app, PUBLIC_API.ticker, ({ params }) => marketData.ticker({ params }), open);
  serveRoute(app, PUBLIC_API.tickers, () => marketData.tickers({}), open);
}
