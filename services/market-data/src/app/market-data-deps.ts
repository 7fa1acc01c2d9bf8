import type { Book, Market, MarketDataMessage } from '@exchange/contracts';
import type { Logger, Redis } from '@exchange/platform';
import type { MarketDirectory } from '@exchange/markets';
import type { CandleStore } from '../store/candle-store.js';
import type { TradeStore } from '../store/trade-store.js';

/** The books as the engine last published them (events/book-feed.ts follows them). */
export interface BookSource {
  book(market: Pick<Market, 'symbol' | 'tickSize' | 'lotSize'>, depth?: number): Promise<Book>;
}

/** Where the use-cases announce trades, candles and tickers (events/market-data-publisher.ts, on `md:{SYMBOL}`). */
export interface MarketDataAnnouncer {
  publish(message: MarketDataMessage): Promise<void>;
}

/** What the market-data use-cases need. */
export interface MarketDataDeps {
  trades: TradeStore;
  candles: CandleStore;
  books: BookSource;
  markets: MarketDirectory;
  publisher: MarketDataAnnouncer;
  redis: Redis;
  logger: Logger;
  /** how long the 24 h statistics of a ticker are served from Redis before being computed again */
  tickerCacheMs: number;
}
