import { AppError, enqueueEvent, withSpan, withTransaction } from '@exchange/platform';
import { formatAsset, WALLET_EVENTS_STREAM, type HoldResponse, type ReleaseFundsRequest } from '@exchange/contracts';
import { positiveAmount } from '../domain/amounts.js';
import { insufficient } from './block-funds.js';
import { toBalance, toHold, type WalletDeps } from './wallet-deps.js';

/**
 * Gives held funds back: held → available, part of a hold or all that is left of it. Each release has
 * its own id, so a retry releases once.
 */
export async function releaseFunds(deps: WalletDeps, request: ReleaseFundsRequest): Promise<HoldResponse> {
  const { ledger } = deps;
  const result = await withSpan('funds release', () =>
    withTransaction(ledger.db, async (client) => {
      const peek = await ledger.findHold(client, request.reference);
      if (!peek) throw new AppError('HOLD_NOT_FOUND', `No hold ${request.reference}`);
      const account = (await ledger.lockAccounts(client, [peek.walletId])).get(peek.walletId)!;
      const hold = (await ledger.findHold(client, request.reference, true))!;

      const prior = await ledger.findEntry(client, 'RELEASE', request.releaseId);
      if (prior) {
        if (prior.details.holdReference !== request.reference) {
          throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This releaseId was used to release another hold');
        }
        return { response: { hold: toHold(hold), balance: toBalance(account.asset, account) }, isReplay: true };
      }
      const amount = request.amount === undefined ? hold.remaining : positiveAmount(hold.asset, request.amount);
      if (amount === 0n) return { response: { hold: toHold(hold), balance: toBalance(account.asset, account) }, isReplay: true };
      if (hold.remaining === 0n) throw new AppError('HOLD_CLOSED', `Hold ${hold.reference} has nothing left to release`);
      if (amount > hold.remaining) throw insufficient(hold.asset, hold.remaining, amount);

      const entry = await ledger.post(
        client,
        { type: 'RELEASE', reference: request.releaseId, initiatedBy: hold.userId, details: { holdReference: hold.reference } },
        [{ walletId: account.id, asset: account.asset, availableChange: amount, heldChange: -amount }],
        new Set([account.id]),
      );
      const reduced = await ledger.reduceHold(client, hold.reference, amount);
      await enqueueEvent(client, {
        stream: WALLET_EVENTS_STREAM,
        type: 'funds_released',
        data: {
          transactionId: entry.id,
          userId: hold.userId,
          asset: hold.asset,
          amount: formatAsset(amount, hold.asset),
          reference: hold.reference,
          releaseId: request.releaseId,
        },
      });
      return { response: { hold: toHold(reduced), balance: toBalance(account.asset, entry.balances.get(account.id)!) }, isReplay: false };
    }),
  );
  if (!result.isReplay) deps.outbox.wake();
  return result.response;
}
