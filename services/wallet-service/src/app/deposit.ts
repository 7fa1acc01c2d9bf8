import { enqueueEvent, requestHash, runIdempotent, withSpan, withTransaction, type Transaction } from '@exchange/platform';
import { formatAsset, WALLET_EVENTS_STREAM, type DepositResponse, type UpdateBalanceRequest } from '@exchange/contracts';
import { depositAmount } from '../domain/amounts.js';
import { toBalance, type WalletDeps } from './wallet-deps.js';

/**
 * The add-funds flow inside the wallet-service, in one PostgreSQL transaction: wallet check →
 * wallet creation on first use → balance update (a balanced journal entry from the EXTERNAL account)
 * → `funds_added` in the outbox. With an Idempotency-Key, a retry returns the first answer.
 */
export async function deposit(deps: WalletDeps, request: UpdateBalanceRequest): Promise<{ statusCode: number; body: DepositResponse }> {
  await deps.learnAsset?.(request.asset);
  const amount = depositAmount(deps.rules, request.asset, request.amount);
  const result = await withTransaction(deps.ledger.db, async (client) => {
    const apply = () => post(deps, client, request, amount);
    if (!request.idempotency) return apply();
    const hash = requestHash({ userId: request.userId, type: request.type, asset: request.asset, amount: amount.toString() });
    return runIdempotent(client, { ...request.idempotency, requestHash: hash, waitMs: deps.idempotencyWaitMs }, apply);
  });
  deps.outbox.wake();
  return { statusCode: result.statusCode, body: result.body };
}

async function post(deps: WalletDeps, client: Transaction, request: UpdateBalanceRequest, amount: bigint) {
  const { ledger } = deps;
  const { userId, asset, type } = request;
  let account = await withSpan('wallet check', () => ledger.findAccount(client, userId, asset));
  account ??= await withSpan('wallet creation', () => ledger.createAccount(client, userId, asset));
  const walletId = account.id;
  return withSpan('balance update', async () => {
    const external = await ledger.systemWalletId(client, 'EXTERNAL', asset);
    const entry = await ledger.post(client, { type, reference: null, initiatedBy: request.initiatedBy ?? userId, details: {} }, [
      { walletId: external, asset, availableChange: -amount, heldChange: 0n },
      { walletId, asset, availableChange: amount, heldChange: 0n },
    ]);
    const balance = toBalance(asset, entry.balances.get(walletId)!);
    const transaction = { id: entry.id, type, asset, amount: formatAsset(amount, asset), createdAt: entry.createdAt };
    await enqueueEvent(client, {
      stream: WALLET_EVENTS_STREAM,
      type: 'funds_added',
      data: { transactionId: entry.id, userId, kind: type, asset, amount: transaction.amount, balance },
    });
    return { statusCode: 200, body: { balance, transaction } };
  });
}
