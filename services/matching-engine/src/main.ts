import './instrument.js';
import { join } from 'node:path';
import { OutboxRelay, replayThrough, runService } from '@exchange/platform';
import { MarketDirectory } from '@exchange/markets';
import { EngineLoop } from './app/engine-loop.js';
import { executionsJournal } from './app/commands.js';
import { MatchingEngine } from './app/engine.js';
import { EngineMetrics } from './app/engine-metrics.js';
import { engineConfig } from './config.js';
import { registerRoutes } from './http/routes.js';
import { EngineStore } from './store/engine-store.js';

void runService({
  name: 'matching-engine',
  config: engineConfig,
  migrationsDir: join(__dirname, '..', 'migrations'),
  usesPlatformTables: true,
  async setup({ app, db, redis, logger, config, onClose, api, metrics }) {
    const owned = config.ENGINE_SYMBOLS === '*' ? [] : config.ENGINE_SYMBOLS;
    const relay = new OutboxRelay({ db, redis, logger, retentionMs: config.OUTBOX_RETENTION_MS });
    const store = new EngineStore(db);
    const engine: MatchingEngine = new MatchingEngine({
      db,
      store,
      relay,
      logger,
      symbols: owned,
      snapshotEvery: config.ENGINE_SNAPSHOT_EVERY,
      snapshotsKept: config.ENGINE_SNAPSHOTS_KEPT,
      journalRetentionMs: Math.max(config.ENGINE_JOURNAL_RETENTION_MS, config.OUTBOX_RETENTION_MS),
      replay: replayThrough(api('order-manager')),
      metrics: new EngineMetrics(metrics.registry, () => engine.restingOrders()),
    });
    await engine.recover();
    const loop = new EngineLoop({ engine, redis, logger, symbols: owned, consumer: config.ENGINE_CONSUMER_NAME, batchSize: config.ENGINE_BATCH_SIZE });
    relay.start();
    await loop.start();
    if (config.ENGINE_SYMBOLS === '*') {
      // every listed market, as soon as the risk-manager lists it
      const markets = new MarketDirectory({ risk: api('risk-manager'), logger });
      markets.onNewMarket((market) => loop.addSymbol(market.symbol));
      void markets.start();
      onClose(() => markets.stop());
    }
    onClose(() => relay.stop());
    onClose(() => loop.stop());
    registerRoutes(app, engine, relay, db, executionsJournal(store));
  },
});
