import { AppError } from '@exchange/platform';
import { formatAsset, type Wallet, type WalletTransactions } from '@exchange/contracts';
import type { LedgerStore } from '../store/ledger-store.js';
import { toBalance } from './wallet-deps.js';

/** The balance look-up: 404 WALLET_NOT_FOUND for a user who never had a wallet. */
export async function getBalances(ledger: LedgerStore, userId: string): Promise<Wallet> {
  const accounts = await ledger.accounts(ledger.db, userId);
  if (accounts.length === 0) throw new AppError('WALLET_NOT_FOUND', 'This user has no wallet yet');
  return { balances: accounts.map((account) => toBalance(account.asset, account)) };
}

function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,18}$/.test(decoded))
    throw new AppError('VALIDATION_FAILED', 'cursor is not valid', { fields: { cursor: ['is not a cursor this API gave out'] } });
  return decoded;
}

/** A user's ledger lines, newest first, a page at a time. */
export async function listTransactions(ledger: LedgerStore, userId: string, limit: number, cursor: string | undefined): Promise<WalletTransactions> {
  const rows = await ledger.statement(userId, limit + 1, decodeCursor(cursor));
  const page = rows.slice(0, limit);
  const items = page.map((row) => {
    const availableChange = BigInt(row.available_change);
    const heldChange = BigInt(row.held_change);
    const availableAfter = BigInt(row.available_after);
    const heldAfter = BigInt(row.held_after);
    const format = (value: bigint) => formatAsset(value, row.asset);
    return {
      id: row.id,
      transactionId: row.transaction_id,
      type: row.type,
      asset: row.asset,
      amount: format(availableChange + heldChange),
      availableChange: format(availableChange),
      heldChange: format(heldChange),
      balanceAfter: format(availableAfter + heldAfter),
      availableAfter: format(availableAfter),
      heldAfter: format(heldAfter),
      reference: row.reference,
      createdAt: row.created_at.toISOString(),
    };
  });
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last ? Buffer.from(last.id, 'utf8').toString('base64url') : null;
  return { items, nextCursor };
}
