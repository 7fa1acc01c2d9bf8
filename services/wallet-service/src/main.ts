import './instrument.js';
import { join } from 'node:path';
import { OutboxRelay, runService } from '@exchange/platform';
import { parseAsset } from '@exchange/contracts';
import { walletConfig } from './config.js';
import { registerRoutes } from './http/routes.js';
import { LedgerStore } from './store/ledger-store.js';

void runService({
  name: 'wallet-service',
  config: walletConfig,
  migrationsDir: join(__dirname, '..', 'migrations'),
  usesPlatformTables: true,
  async setup({ app, db, redis, logger, config, onClose }) {
    const ledger = new LedgerStore(db);
    await ledger.prepareSystemAccounts(['USD', ...config.WALLET_SHARE_ASSETS]);
    const outbox = new OutboxRelay({ db, redis, logger, retentionMs: config.OUTBOX_RETENTION_MS });
    outbox.start();
    onClose(() => outbox.stop());
    registerRoutes(app, {
      ledger,
      outbox,
      rules: {
        shareAssets: new Set(config.WALLET_SHARE_ASSETS),
        maxCashDeposit: parseAsset(config.WALLET_MAX_DEPOSIT, 'USD'),
        maxShareCredit: parseAsset(config.WALLET_MAX_SHARE_CREDIT, 'SHARES'),
      },
      idempotencyWaitMs: config.IDEMPOTENCY_WAIT_MS,
    });
  },
});
