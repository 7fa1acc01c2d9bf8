import { AppError, enqueueEvent, requestHash, runIdempotent, withSpan, withTransaction, type Transaction } from '@exchange/platform';
import { formatAsset, WALLET_EVENTS, WALLET_EVENTS_STREAM, type DepositResponse, type UpdateBalanceRequest } from '@exchange/contracts';
import { depositAmount } from '../domain/amounts.js';
import { toBalance, type WalletDeps } from './wallet-deps.js';

/**
 * The add-funds flow inside the wallet-service, in one PostgreSQL transaction: wallet check →
 * wallet creation on first use → balance update (a balanced journal entry from the EXTERNAL account)
 * → `funds_added` in the outbox. With an Idempotency-Key, a retry returns the first answer.
 * `initiatedBy` is the asserted user who asked: the owner for a deposit, an admin for a credit.
 */
export async function deposit(deps: WalletDeps, request: UpdateBalanceRequest, initiatedBy: string): Promise<{ statusCode: number; body: DepositResponse }> {
  await deps.learnAsset?.(request.asset);
  const amount = depositAmount(deps.rules, request.asset, request.amount);
  if (deps.userExists && !(await deps.ledger.hasAccounts(request.userId)) && !(await deps.userExists(request.userId))) {
    throw new AppError('USER_NOT_FOUND', 'No such user: accounts are opened only for registered users');
  }
  const result = await withTransaction(deps.ledger.db, async (client) => {
    const apply = () => post(deps, client, request, amount, initiatedBy);
    if (!request.idempotency) return apply();
    const hash = requestHash({ userId: request.userId, type: request.type, asset: request.asset, amount: amount.toString() });
    return runIdempotent(client, { ...request.idempotency, requestHash: hash, waitMs: deps.idempotencyWaitMs }, apply);
  });
  deps.outbox.wake();
  return { statusCode: result.statusCode, body: result.body };
}

async function post(deps: WalletDeps, client: Transaction, request: UpdateBalanceRequest, amount: bigint, initiatedBy: string) {
  const { ledger } = deps;
  const { userId, asset, type } = request;
  let account = await withSpan('wallet check', () => ledger.findAccount(client, userId, asset));
  account ??= await withSpan('wallet creation', () => ledger.createAccount(client, userId, asset));
  const walletId = account.id;
  return withSpan('balance update', async () => {
    const external = await ledger.systemWalletId(client, 'EXTERNAL', asset);
    const entry = await ledger.post(client, { type, reference: null, initiatedBy, details: {} }, [
      { walletId: external, asset, availableChange: -amount, heldChange: 0n },
      { walletId, asset, availableChange: amount, heldChange: 0n },
    ]);
    const balance = toBalance(asset, entry.balances.get(walletId)!);
    const transaction = { id: entry.id, type, asset, amount: formatAsset(amount, asset), createdAt: entry.createdAt };
    await enqueueEvent(client, {
      stream: WALLET_EVENTS_STREAM,
      contract: WALLET_EVENTS.funds_added,
      data: { transactionId: entry.id, userId, kind: type, asset, amount: transaction.amount, balance },
    });
    return { statusCode: 200, body: { balance, transaction } };
  });
}
