import './instrument.js';
import { join } from 'node:path';
import { BATCH_BODY_LIMIT_BYTES, runService } from '@exchange/platform';
import { seedDemoMarkets } from './app/seed-demo-markets.js';
import { riskConfig } from './config.js';
import { registerRoutes } from './http/routes.js';
import { LimitsStore } from './store/limits-store.js';
import { MarketsStore } from './store/markets-store.js';
import { OrderFlowStore } from './store/order-flow-store.js';
import { RiskCache } from './app/risk-cache.js';
import { RedisRiskChanges } from './events/risk-changes.js';

void runService({
  name: 'risk-manager',
  config: riskConfig,
  migrationsDir: join(__dirname, '..', 'migrations'),
  // batches from the order-manager or the gateway: many items, each with its user's assertion
  http: () => ({ bodyLimit: BATCH_BODY_LIMIT_BYTES }),
  async setup({ app, db, redis, logger, config, onClose }) {
    if (config.NODE_ENV === 'production' && config.SEED_DEMO_MARKETS)
      throw new Error('SEED_DEMO_MARKETS (the demo markets) is refused when NODE_ENV=production');
    if (config.RISK_DEFAULT_MIN_QUANTITY > config.RISK_DEFAULT_MAX_QUANTITY)
      throw new Error('RISK_DEFAULT_MIN_QUANTITY must not exceed RISK_DEFAULT_MAX_QUANTITY');
    const markets = new MarketsStore(db);
    const limits = new LimitsStore(db);
    const cache = new RiskCache({ markets, limits }, new RedisRiskChanges({ redis, logger }), { refreshMs: config.RISK_CACHE_REFRESH_MS });
    const deps = {
      markets,
      limits,
      cache,
      orderFlow: new OrderFlowStore(redis),
      defaults: {
        makerFeeBps: config.RISK_DEFAULT_MAKER_FEE_BPS,
        takerFeeBps: config.RISK_DEFAULT_TAKER_FEE_BPS,
        priceCollarBps: config.RISK_DEFAULT_PRICE_COLLAR_BPS,
        minQuantity: config.RISK_DEFAULT_MIN_QUANTITY,
        maxQuantity: config.RISK_DEFAULT_MAX_QUANTITY,
        maxNotionalCents: config.RISK_DEFAULT_MAX_NOTIONAL,
        maxOpenOrders: config.RISK_DEFAULT_MAX_OPEN_ORDERS,
        maxOrdersPerMinute: config.RISK_DEFAULT_MAX_ORDERS_PER_MINUTE,
      },
      now: Date.now,
    };
    if (config.SEED_DEMO_MARKETS) await seedDemoMarkets(deps, logger);
    await cache.start();
    onClose(() => cache.stop());
    registerRoutes(app, deps);
  },
});
