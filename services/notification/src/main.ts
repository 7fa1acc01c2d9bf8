import './instrument.js';
import { join } from 'node:path';
import { auditHandler, replayThrough, runService } from '@exchange/platform';
import { MarketDirectory } from '@exchange/markets';
import type { NotificationDeps } from './app/notification-deps.js';
import { notificationConfig } from './config.js';
import { executionsConsumers } from './events/executions-consumers.js';
import { UserPushes } from './events/user-pushes.js';
import { walletEventsConsumer } from './events/wallet-events-consumer.js';
import { auditNotifications } from './app/audit.js';
import { registerRoutes } from './http/routes.js';
import { NotificationStore } from './store/notification-store.js';

/** A closed order is remembered this long: a late `cancel_rejected` still finds its owner. */
const CLOSED_ORDER_RETENTION_MS = 86_400_000;
/** A settlement is remembered this long: the fill it settles comes long before (a week covers any replay). */
const SETTLED_TRADE_RETENTION_MS = 7 * 86_400_000;

void runService({
  name: 'notification',
  config: notificationConfig,
  migrationsDir: join(__dirname, '..', 'migrations'),
  usesPlatformTables: true,
  async setup({ app, db, redis, logger, config, onClose, api }) {
    const markets = new MarketDirectory({ risk: api('risk-manager'), logger });
    const deps: NotificationDeps = { store: new NotificationStore(db), markets, pushes: new UserPushes({ redis, logger }), logger };
    const consumer = config.NOTIFICATION_CONSUMER_NAME;

    const wallet = walletEventsConsumer({ db, redis, logger, consumer, deps, replay: replayThrough(api('wallet-service')) });
    await wallet.start();
    onClose(() => wallet.stop());

    // every market's executions, as soon as the risk-manager lists it
    const executions = executionsConsumers({ db, redis, logger, consumer, deps, replay: replayThrough(api('matching-engine')) });
    markets.onNewMarket(executions.add);
    void markets.start();
    onClose(() => markets.stop());
    onClose(() => executions.stop());

    const janitor = setInterval(() => {
      deps.store.purgeClosedOrders(CLOSED_ORDER_RETENTION_MS).catch((error) => logger.warn({ err: error }, 'forgetting closed orders failed'));
      deps.store.purgeSettledTrades(SETTLED_TRADE_RETENTION_MS).catch((error) => logger.warn({ err: error }, 'forgetting settled trades failed'));
    }, 3_600_000);
    janitor.unref();
    onClose(() => clearInterval(janitor));

    registerRoutes(
      app,
      deps,
      auditHandler(db, 'notification', () => auditNotifications(db)),
    );
  },
});
