import './instrument.js';
import { join } from 'node:path';
import { OutboxRelay, runService } from '@exchange/platform';
import { EngineLoop } from './app/engine-loop.js';
import { MatchingEngine } from './app/engine.js';
import { engineConfig } from './config.js';
import { registerRoutes } from './http/routes.js';

void runService({
  name: 'matching-engine',
  config: engineConfig,
  migrationsDir: join(__dirname, '..', 'migrations'),
  usesPlatformTables: true,
  async setup({ app, db, redis, logger, config, onClose }) {
    const relay = new OutboxRelay({ db, redis, logger, retentionMs: config.OUTBOX_RETENTION_MS });
    const engine = new MatchingEngine({ db, relay, logger, symbols: config.ENGINE_SYMBOLS, snapshotEvery: config.ENGINE_SNAPSHOT_EVERY,
      snapshotsKept: config.ENGINE_SNAPSHOTS_KEPT,
      journalRetentionMs: Math.max(config.ENGINE_JOURNAL_RETENTION_MS, config.OUTBOX_RETENTION_MS),
    });
    await engine.recover();
    const loop = new EngineLoop({ engine, redis, logger, symbols: config.ENGINE_SYMBOLS, consumer: config.ENGINE_CONSUMER_NAME, batchSize: config.ENGINE_BATCH_SIZE });
    relay.start();
    await loop.start();
    onClose(() => relay.stop());
    onClose(() => loop.stop());
    registerRoutes(app, engine);
  },
});
