import type { OutboxRelay } from '@exchange/platform';
import { formatAsset, type Balance, type Hold } from '@exchange/contracts';
import type { AmountRules } from '../domain/amounts.js';
import type { HoldRow, LedgerStore } from '../store/ledger-store.js';

/** What the wallet use-cases need. */
export interface WalletDeps {
  ledger: LedgerStore;
  outbox: OutboxRelay;
  rules: AmountRules;
  /** how long a request waits for a concurrent one with the same Idempotency-Key */
  idempotencyWaitMs: number;
  /** adds a share asset to `rules.shareAssets` if it was listed since (a market created while running) */
  learnAsset?: (asset: string) => Promise<void>;
  /** whether the user-service knows this user: accounts are never opened for anyone else */
  userExists?: (userId: string) => Promise<boolean>;
}

export function toBalance(asset: string, balance: { available: bigint; held: bigint }): Balance {
  return {
    asset,
    available: formatAsset(balance.available, asset),
    held: formatAsset(balance.held, asset),
    total: formatAsset(balance.available + balance.held, asset),
  };
}

export function toHold(hold: HoldRow): Hold {
  return {
    reference: hold.reference,
    userId: hold.userId,
    asset: hold.asset,
    amount: formatAsset(hold.amount, hold.asset),
    remaining: formatAsset(hold.remaining, hold.asset),
    status: hold.remaining > 0n ? 'OPEN' : 'CLOSED',
  };
}
