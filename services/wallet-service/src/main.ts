import './instrument.js';
import { join } from 'node:path';
import { BATCH_BODY_LIMIT_BYTES, AppError, OutboxRelay, runService } from '@exchange/platform';
import { MarketDirectory } from '@exchange/markets';
import { parseAsset } from '@exchange/contracts';
import { walletConfig } from './config.js';
import { registerRoutes } from './http/routes.js';
import { LedgerStore } from './store/ledger-store.js';

void runService({
  name: 'wallet-service',
  config: walletConfig,
  migrationsDir: join(__dirname, '..', 'migrations'),
  // batches from the order-manager or the gateway: many items, each with its user's assertion
  http: () => ({ bodyLimit: BATCH_BODY_LIMIT_BYTES }),
  usesPlatformTables: true,
  async setup({ app, db, redis, logger, config, onClose, api }) {
    const ledger = new LedgerStore(db);
    const followsMarkets = config.WALLET_SHARE_ASSETS === '*';
    const shareAssets = new Set(followsMarkets ? [] : config.WALLET_SHARE_ASSETS);
    await ledger.prepareSystemAccounts(['USD', ...shareAssets]);
    const markets = followsMarkets ? new MarketDirectory({ risk: api('risk-manager'), logger }) : undefined;
    if (markets) {
      markets.onNewMarket((market) => void shareAssets.add(market.symbol));
      void markets.start();
      onClose(() => markets.stop());
    }
    const outbox = new OutboxRelay({ db, redis, logger, retentionMs: config.OUTBOX_RETENTION_MS });
    outbox.start();
    onClose(() => outbox.stop());
    const users = api('user-service');
    registerRoutes(app, {
      ledger,
      outbox,
      rules: {
        shareAssets,
        maxCashDeposit: parseAsset(config.WALLET_MAX_DEPOSIT, 'USD'),
        maxShareCredit: parseAsset(config.WALLET_MAX_SHARE_CREDIT, 'SHARES'),
      },
      idempotencyWaitMs: config.IDEMPOTENCY_WAIT_MS,
      learnAsset: markets
        ? async (asset) => {
            if (asset !== 'USD' && !shareAssets.has(asset) && (await markets.get(asset))) shareAssets.add(asset);
          }
        : undefined,
      userExists: async (userId) => {
        try {
          await users.userById({ params: { id: userId } });
          return true;
        } catch (error) {
          if (error instanceof AppError && error.code === 'USER_NOT_FOUND') return false;
          throw error;
        }
      },
    });
  },
});
