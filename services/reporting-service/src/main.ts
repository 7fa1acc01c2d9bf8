import './instrument.js';
import { join } from 'node:path';
import { auditHandler, replayThrough, runService } from '@exchange/platform';
import { MarketDirectory } from '@exchange/markets';
import type { ReportDeps } from './app/report-deps.js';
import { reportingConfig } from './config.js';
import { executionsConsumers, walletEventsConsumer } from './events/report-consumers.js';
import { auditReports } from './app/audit.js';
import { registerRoutes } from './http/routes.js';
import { ReportStore } from './store/report-store.js';

void runService({
  name: 'reporting-service',
  config: reportingConfig,
  migrationsDir: join(__dirname, '..', 'migrations'),
  usesPlatformTables: true,
  async setup({ app, db, redis, logger, config, onClose, api }) {
    const markets = new MarketDirectory({ risk: api('risk-manager'), logger });
    const deps: ReportDeps = { store: new ReportStore(db), markets, logger, maxRangeDays: config.REPORT_MAX_RANGE_DAYS };
    const options = { db, redis, logger, consumer: config.REPORTING_CONSUMER_NAME, deps };
    const wallet = walletEventsConsumer({ ...options, replay: replayThrough(api('wallet-service')) });
    await wallet.start();
    onClose(() => wallet.stop());
    // every market's executions, as soon as the risk-manager lists it
    const executions = executionsConsumers({ ...options, replay: replayThrough(api('matching-engine')) });
    markets.onNewMarket(executions.add);
    void markets.start();
    onClose(() => markets.stop());
    onClose(() => executions.stop());
    registerRoutes(
      app,
      deps,
      auditHandler(db, 'reporting-service', () => auditReports(db)),
    );
  },
});
