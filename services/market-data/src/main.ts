import './instrument.js';
import { join } from 'node:path';
import { auditHandler, replayThrough, runService } from '@exchange/platform';
import { MarketDirectory } from '@exchange/markets';
import type { MarketDataDeps } from './app/market-data-deps.js';
import { marketDataConfig } from './config.js';
import { BookFeed } from './events/book-feed.js';
import { executionsConsumers } from './events/executions-consumers.js';
import { MarketDataPublisher } from './events/market-data-publisher.js';
import { auditMarketData } from './app/audit.js';
import { registerRoutes } from './http/routes.js';
import { CandleStore } from './store/candle-store.js';
import { TradeStore } from './store/trade-store.js';

void runService({
  name: 'market-data',
  config: marketDataConfig,
  migrationsDir: join(__dirname, '..', 'migrations'),
  usesPlatformTables: true,
  async setup({ app, db, redis, logger, config, onClose, api }) {
    const publisher = new MarketDataPublisher(redis, logger);
    // subscribed before any kept book is read, so no state announced in between is missed
    const books = new BookFeed({ redis, logger, publisher });
    await books.start();
    onClose(() => books.stop());

    const markets = new MarketDirectory({ risk: api('risk-manager'), logger });
    const deps: MarketDataDeps = {
      trades: new TradeStore(db),
      candles: new CandleStore(db),
      books,
      markets,
      publisher,
      redis,
      logger,
      tickerCacheMs: config.MARKET_DATA_TICKER_CACHE_MS,
    };

    // every market's book and executions, as soon as the risk-manager lists it
    const consumers = executionsConsumers({
      db,
      redis,
      logger,
      consumer: config.MARKET_DATA_CONSUMER_NAME,
      deps,
      replay: replayThrough(api('matching-engine')),
    });
    markets.onNewMarket(async (market) => {
      void books.follow(market);
      await consumers.add(market);
    });
    void markets.start();
    onClose(() => markets.stop());
    onClose(() => consumers.stop());

    registerRoutes(
      app,
      deps,
      auditHandler(db, 'market-data', () => auditMarketData(db)),
    );
  },
});
