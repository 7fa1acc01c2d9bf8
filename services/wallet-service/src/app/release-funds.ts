import { AppError, enqueueEvent, requestHash, withSpan, withTransaction } from '@exchange/platform';
import { formatAsset, holdResponseSchema, WALLET_EVENTS, WALLET_EVENTS_STREAM, type HoldResponse, type ReleaseFundsRequest } from '@exchange/contracts';
import { positiveAmount } from '../domain/amounts.js';
import { insufficient, refuseConcurrentReuse, replayOf } from './references.js';
import { toBalance, toHold, type WalletDeps } from './wallet-deps.js';

/**
 * Gives held funds back: held → available, part of a hold or all that is left of it. Each release has
 * its own id, so a retry releases once.
 */
function releaseIdReused(): AppError {
  return new AppError('IDEMPOTENCY_KEY_REUSED', 'This releaseId was used for a different release');
}

export async function releaseFunds(deps: WalletDeps, request: ReleaseFundsRequest): Promise<HoldResponse> {
  const { ledger } = deps;
  const result = await withSpan('funds release', () =>
    withTransaction(ledger.db, async (client) => {
      await ledger.lockReference(client, request.reference);
      const peek = await ledger.findHold(client, request.reference);
      if (!peek) {
        // voided, committed, then refused: a block of this reference arriving later holds nothing
        await ledger.voidReference(client, request.reference);
        return undefined;
      }
      const account = (await ledger.lockAccounts(client, [peek.walletId])).get(peek.walletId)!;
      const hold = (await ledger.findHold(client, request.reference, true))!;

      const hash = requestHash({
        reference: request.reference,
        amount: request.amount === undefined ? 'all' : positiveAmount(hold.asset, request.amount).toString(),
      });
      const prior = await ledger.findEntry(client, 'RELEASE', request.releaseId);
      if (prior) return replayOf(prior, hash, releaseIdReused, holdResponseSchema);
      const amount = request.amount === undefined ? hold.remaining : positiveAmount(hold.asset, request.amount);
      if (amount > hold.remaining) {
        if (hold.remaining === 0n) throw new AppError('HOLD_CLOSED', `Hold ${hold.reference} has nothing left to release`);
        throw insufficient(hold.asset, hold.remaining, amount);
      }

      const response: HoldResponse = {
        hold: toHold({ ...hold, remaining: hold.remaining - amount }),
        balance: toBalance(account.asset, { available: account.available + amount, held: account.held - amount }),
      };
      // Releasing "all" of an empty hold moves nothing but is recorded too, so its retry answers the same.
      const entry = await ledger.post(
        client,
        { type: 'RELEASE', reference: request.releaseId, initiatedBy: hold.userId, details: { holdReference: hold.reference, requestHash: hash, response } },
        amount > 0n ? [{ walletId: account.id, asset: account.asset, availableChange: amount, heldChange: -amount }] : [],
      );
      if (amount === 0n) return response;
      await ledger.reduceHold(client, hold.reference, amount);
      await enqueueEvent(client, {
        stream: WALLET_EVENTS_STREAM,
        contract: WALLET_EVENTS.funds_released,
        data: {
          transactionId: entry.id,
          userId: hold.userId,
          asset: hold.asset,
          amount: formatAsset(amount, hold.asset),
          reference: hold.reference,
          releaseId: request.releaseId,
        },
      });
      return response;
    }).catch(refuseConcurrentReuse(releaseIdReused)),
  );
  if (!result) throw new AppError('HOLD_NOT_FOUND', `No hold ${request.reference}`);
  // the relay publishes what this committed (a replay committed nothing, and costs one empty look)
  deps.outbox.wake();
  return result;
}
