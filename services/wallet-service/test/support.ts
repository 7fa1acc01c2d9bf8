import { join } from 'node:path';
import { createLogger, createPostgresPool, createRedis, OutboxRelay, PLATFORM_MIGRATIONS_DIR, runMigrations, type Pool } from '@exchange/platform';
import { createTestDatabase, type TestDatabase } from '@exchange/platform/testing';
import type { WalletDeps } from '../src/app/wallet-deps.js';
import { LedgerStore } from '../src/store/ledger-store.js';

export interface LedgerTestContext {
  database: TestDatabase;
  db: Pool;
  deps: WalletDeps;
  close(): Promise<void>;
}

/**
 * A fresh database with the wallet-service's schema, and the use-cases' dependencies. The outbox
 * relay is not started: events stay in the outbox, where tests can count them.
 */
export async function createLedgerTestContext(options: { poolSize: number; preparedAssets: string[]; idempotencyWaitMs?: number }): Promise<LedgerTestContext> {
  const logger = createLogger('test', 'silent');
  const database = await createTestDatabase();
  await runMigrations({ url: database.url, schema: 'wallet_service', dir: PLATFORM_MIGRATIONS_DIR, logger, migrationsTable: 'pgmigrations_platform' });
  await runMigrations({ url: database.url, schema: 'wallet_service', dir: join(__dirname, '..', 'migrations'), logger });
  const db = createPostgresPool({ url: database.url, schema: 'wallet_service', max: options.poolSize, applicationName: 'wallet-test' });
  const ledger = new LedgerStore(db);
  await ledger.prepareSystemAccounts(options.preparedAssets);
  const unusedRedis = createRedis({ url: 'redis://127.0.0.1:6379', keyPrefix: 'unused:', connectionName: 'unused' });
  unusedRedis.disconnect();
  const deps: WalletDeps = {
    ledger,
    outbox: new OutboxRelay({ db, redis: unusedRedis, logger }),
    rules: { shareAssets: new Set(['AAPL']), maxCashDeposit: 100_000_000n, maxShareCredit: 1_000_000n },
    idempotencyWaitMs: options.idempotencyWaitMs ?? 2000,
  };
  return {
    database,
    db,
    deps,
    async close() {
      await db.end();
      await database.drop();
    },
  };
}
