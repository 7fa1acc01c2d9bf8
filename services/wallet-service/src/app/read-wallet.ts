import { AppError, decodePageCursor, encodePageCursor } from '@exchange/platform';
import { formatAsset, type Wallet, type WalletTransactions } from '@exchange/contracts';
import type { LedgerStore } from '../store/ledger-store.js';
import { toBalance } from './wallet-deps.js';

/** The balance look-up: 404 WALLET_NOT_FOUND for a user who never had a wallet. */
export async function getBalances(ledger: LedgerStore, userId: string): Promise<Wallet> {
  const accounts = await ledger.accounts(ledger.db, userId);
  if (accounts.length === 0) throw new AppError('WALLET_NOT_FOUND', 'This user has no wallet yet');
  return { balances: accounts.map((account) => toBalance(account.asset, account)) };
}

/** A user's ledger lines, newest first, a page at a time. */
export async function listTransactions(ledger: LedgerStore, userId: string, limit: number, cursor: string | undefined): Promise<WalletTransactions> {
  const lines = await ledger.statement(userId, limit + 1, decodePageCursor(cursor));
  const page = lines.slice(0, limit);
  const items = page.map((line) => {
    const format = (value: bigint) => formatAsset(value, line.asset);
    return {
      id: line.id.toString(),
      transactionId: line.transactionId,
      type: line.type,
      asset: line.asset,
      amount: format(line.availableChange + line.heldChange),
      availableChange: format(line.availableChange),
      heldChange: format(line.heldChange),
      balanceAfter: format(line.availableAfter + line.heldAfter),
      availableAfter: format(line.availableAfter),
      heldAfter: format(line.heldAfter),
      reference: line.reference,
      createdAt: line.createdAt.toISOString(),
    };
  });
  const last = page.at(-1);
  const nextCursor = lines.length > limit && last ? encodePageCursor(last.id) : null;
  return { items, nextCursor };
}
