import './instrument.js';
import { join } from 'node:path';
import { auditHandler, BATCH_BODY_LIMIT_BYTES, MicroBatcher, OutboxRelay, replayThrough, Retries, runPeriodically, runService } from '@exchange/platform';
import { MarketDirectory } from '@exchange/markets';
import { finishStalePlacements } from './app/finish-stale-placements.js';
import type { OrderDeps, Placed, Placement } from './app/order-deps.js';
import { placeOrders } from './app/place-order.js';
import { OrderUpdates } from './app/order-updates.js';
import { TradingMetrics } from './app/trading-metrics.js';
import { orderManagerConfig } from './config.js';
import { executionsConsumers } from './events/executions-consumers.js';
import { auditOrders } from './app/audit.js';
import { reconcile, reconcileMetrics } from './app/reconciliation.js';
import { registerRoutes } from './http/routes.js';
import { OrderStore } from './store/order-store.js';

void runService({
  name: 'order-manager',
  config: orderManagerConfig,
  migrationsDir: join(__dirname, '..', 'migrations'),
  // batches from the order-manager or the gateway: many items, each with its user's assertion
  http: () => ({ bodyLimit: BATCH_BODY_LIMIT_BYTES }),
  usesPlatformTables: true,
  async setup({ app, db, redis, logger, config, onClose, api, metrics }) {
    const relay = new OutboxRelay({ db, redis, logger, retentionMs: config.OUTBOX_RETENTION_MS });
    const placements = new MicroBatcher<Placement, Placed>({
      run: (items) => placeOrders(deps, items),
      maxItems: config.ORDER_BATCH_MAX,
      maxInFlight: config.ORDER_BATCHES_IN_FLIGHT,
      maxQueued: config.ORDER_QUEUE_MAX,
      maxWaitMs: config.ORDER_QUEUE_MAX_WAIT_MS,
      what: 'orders',
    });
    // an undo that failed is retried soon, and given up on only after the janitor would take it anyway
    const undoRetries = new Retries({
      firstDelayMs: config.ORDER_UNDO_RETRY_FIRST_MS,
      maxDelayMs: config.ORDER_UNDO_RETRY_MAX_MS,
      giveUpAfterMs: config.ORDER_PENDING_TIMEOUT_MS,
      onFailure: (orderId, error, gaveUp) =>
        logger.warn({ err: error, orderId }, gaveUp ? 'undoing a placement still fails; the janitor will take it' : 'undoing a placement failed again'),
    });
    onClose(() => undoRetries.stop());
    const wallet = api('wallet-service');
    const deps: OrderDeps = {
      placements,
      undoRetries,
      store: new OrderStore(db),
      risk: api('risk-manager'),
      wallet,
      relay,
      logger,
      clientOrderIdWindowMs: config.ORDER_CLIENT_ID_WINDOW_MS,
      inProgressWaitMs: config.IDEMPOTENCY_WAIT_MS,
      metrics: new TradingMetrics(metrics.registry),
      updates: new OrderUpdates({ redis, logger }),
    };
    relay.start();
    onClose(() => relay.stop());

    const engine = api('matching-engine');
    // every market's executions, as soon as the risk-manager lists it
    const consumers = executionsConsumers({
      db,
      redis,
      logger,
      consumer: config.ORDER_MANAGER_CONSUMER_NAME,
      deps,
      replay: replayThrough(engine),
    });
    const markets = new MarketDirectory({ risk: api('risk-manager'), logger });
    markets.onNewMarket(consumers.add);
    void markets.start();
    onClose(() => markets.stop());
    onClose(() => consumers.stop());

    // the janitor of placements that died halfway, one run at a time
    onClose(
      runPeriodically(
        Math.max(1000, config.ORDER_PENDING_TIMEOUT_MS / 3),
        () => finishStalePlacements(deps, config.ORDER_PENDING_TIMEOUT_MS),
        (error) => logger.warn({ err: error }, 'undoing unfinished placements failed'),
      ),
    );
    // the reconciliation of the engine's books with the open orders
    const reconciliation = reconcileMetrics(metrics.registry);
    onClose(
      runPeriodically(
        config.ORDER_RECONCILE_INTERVAL_MS,
        () => reconcile({ ...deps, wallet }, engine, reconciliation, config.ORDER_RECONCILE_AGE_MS),
        (error) => logger.warn({ err: error }, 'reconciling the open orders with the engine failed; trying again next round'),
      ),
    );

    registerRoutes(
      app,
      deps,
      relay,
      auditHandler(db, 'order-manager', () => auditOrders(deps.store, config.ORDER_PENDING_TIMEOUT_MS)),
    );
  },
});
