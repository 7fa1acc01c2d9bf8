import { AppError, enqueueEvent, requestHash, withSpan, withTransaction } from '@exchange/platform';
import { formatAsset, holdResponseSchema, WALLET_EVENTS, WALLET_EVENTS_STREAM, type BlockFundsRequest, type HoldResponse } from '@exchange/contracts';
import { checkAsset, positiveAmount } from '../domain/amounts.js';
import { insufficient, refuseConcurrentReuse, replayOf } from './references.js';
import { toBalance, toHold, type WalletDeps } from './wallet-deps.js';

/**
 * Sets funds aside for an order: available → held, as a hold named by the caller's reference.
 * Blocking again with the same reference (a retry) holds nothing more and answers as the first time;
 * the same reference for something else is refused. Short of funds: 422 INSUFFICIENT_FUNDS, nothing changes.
 */
export async function blockFunds(deps: WalletDeps, request: BlockFundsRequest): Promise<HoldResponse> {
  await deps.learnAsset?.(request.asset);
  checkAsset(deps.rules, request.asset);
  const amount = positiveAmount(request.asset, request.amount);
  const { ledger } = deps;
  const result = await withSpan('funds blocking', () =>
    withTransaction(ledger.db, async (client) => {
      await ledger.lockReference(client, request.reference);
      const found = await ledger.findAccount(client, request.userId, request.asset);
      if (!found) throw insufficient(request.asset, 0n, amount);
      const account = (await ledger.lockAccounts(client, [found.id])).get(found.id)!;

      const hash = requestHash({ userId: request.userId, asset: request.asset, amount: amount.toString() });
      const prior = await ledger.findEntry(client, 'BLOCK', request.reference);
      if (prior) return replayOf(prior, hash, referenceReused, holdResponseSchema);
      if (await ledger.isVoided(client, request.reference)) {
        throw new AppError('HOLD_CLOSED', `Hold ${request.reference} was released before it was made; nothing is held`, { reference: request.reference });
      }
      if (account.available < amount) throw insufficient(request.asset, account.available, amount);

      const hold = { reference: request.reference, userId: request.userId, walletId: account.id, asset: account.asset, amount, remaining: amount };
      const response: HoldResponse = {
        hold: toHold(hold),
        balance: toBalance(account.asset, { available: account.available - amount, held: account.held + amount }),
      };
      const entry = await ledger.post(
        client,
        { type: 'BLOCK', reference: request.reference, initiatedBy: request.userId, details: { requestHash: hash, response } },
        [{ walletId: account.id, asset: account.asset, availableChange: -amount, heldChange: amount }],
      );
      await ledger.insertHold(client, hold);
      await enqueueEvent(client, {
        stream: WALLET_EVENTS_STREAM,
        contract: WALLET_EVENTS.funds_blocked,
        data: {
          transactionId: entry.id,
          userId: request.userId,
          asset: account.asset,
          amount: formatAsset(amount, account.asset),
          reference: request.reference,
        },
      });
      return response;
    }).catch(refuseConcurrentReuse(referenceReused)),
  );
  // the relay publishes what this committed (a replay committed nothing, and costs one empty look)
  deps.outbox.wake();
  return result;
}

function referenceReused(): AppError {
  return new AppError('IDEMPOTENCY_KEY_REUSED', 'This hold reference is already used for a different hold');
}
