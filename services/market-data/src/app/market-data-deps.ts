import type { Logger, MarketDirectory, Redis } from '@exchange/platform';
import type { CandleStore } from '../store/candle-store.js';
import type { TradeStore } from '../store/trade-store.js';
import type { BookFeed } from '../events/book-feed.js';
import type { MarketDataPublisher } from '../events/market-data-publisher.js';

/** What the market-data use-cases need. */
export interface MarketDataDeps {
  trades: TradeStore;
  candles: CandleStore;
  books: BookFeed;
  markets: MarketDirectory;
  publisher: MarketDataPublisher;
  redis: Redis;
  logger: Logger;
  /** how long the 24 h statistics of a ticker are served from Redis before being computed again */
  tickerCacheMs: number;
}
