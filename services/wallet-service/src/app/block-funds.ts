import { randomUUID } from 'node:crypto';
import { AppError, enqueueEvents, itemRefusal, refusalError, requestHash, withSpan, withTransaction } from '@exchange/platform';
import {
  formatAsset,
  holdResponseSchema,
  WALLET_EVENTS,
  WALLET_EVENTS_STREAM,
  type BatchResult,
  type BlockFundsRequest,
  type HoldResponse,
} from '@exchange/contracts';
import { checkAsset, positiveAmount } from '../domain/amounts.js';
import { accountKey, type Account } from '../store/ledger-store.js';
import { insufficient, refuseConcurrentReuse, replayOf } from './references.js';
import { toBalance, toHold, type WalletDeps } from './wallet-deps.js';

/**
 * Sets funds aside for orders: available → held, as a hold named by the caller's reference, many
 * holds in one transaction (one round trip per step for all of them, one commit). Each hold is
 * answered on its own: short of funds is 422 INSUFFICIENT_FUNDS for that one, and the holds of a
 * batch draw on a user's balance in the order they come. Blocking again with the same reference (a
 * retry) holds nothing more and answers as the first time; the same reference for something else is
 * refused.
 */
export async function blockFundsMany(deps: WalletDeps, requests: BlockFundsRequest[]): Promise<Array<BatchResult<HoldResponse>>> {
  const results: Array<BatchResult<HoldResponse> | undefined> = requests.map(() => undefined);
  // what can be refused without reading anything: an unknown asset, a malformed amount
  const valid: Array<{ index: number; request: BlockFundsRequest; amount: bigint; hash: string }> = [];
  for (const [index, request] of requests.entries()) {
    try {
      await deps.learnAsset?.(request.asset);
      checkAsset(deps.rules, request.asset);
      const amount = positiveAmount(request.asset, request.amount);
      valid.push({ index, request, amount, hash: requestHash({ userId: request.userId, asset: request.asset, amount: amount.toString() }) });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      results[index] = itemRefusal(error);
    }
  }
  if (valid.length > 0) {
    const { ledger } = deps;
    const decided = await withSpan(
      'funds blocking',
      () =>
        withTransaction(ledger.db, async (client) => {
          const references = valid.map((item) => item.request.reference);
          await ledger.lockReferences(client, references);
          const accounts = await ledger.lockUserAccounts(
            client,
            valid.map(({ request }) => ({ userId: request.userId, asset: request.asset })),
          );
          const prior = await ledger.findEntries(client, 'BLOCK', references);
          const voided = await ledger.voidedAmong(client, references);

          const balances = new Map<string, Account>(accounts);
          const made = new Map<string, { hash: string; response: HoldResponse }>();
          const posts: Parameters<typeof ledger.postEntries>[1] = [];
          const holds: Parameters<typeof ledger.insertHolds>[1] = [];
          const events: Parameters<typeof enqueueEvents>[1] = [];
          const answers = new Map<number, BatchResult<HoldResponse>>();
          for (const { index, request, amount, hash } of valid) {
            const { reference } = request;
            const answer = (response: HoldResponse) => answers.set(index, { ok: true, value: response });
            const refuse = (error: AppError) => answers.set(index, itemRefusal(error));
            const earlier = prior.get(reference);
            const sameBatch = made.get(reference);
            if (earlier) {
              try {
                answer(replayOf(earlier, hash, referenceReused, holdResponseSchema));
              } catch (error) {
                if (!(error instanceof AppError)) throw error;
                refuse(error);
              }
              continue;
            }
            if (sameBatch) {
              if (sameBatch.hash === hash) answer(sameBatch.response);
              else refuse(referenceReused());
              continue;
            }
            if (voided.has(reference)) {
              refuse(new AppError('HOLD_CLOSED', `Hold ${reference} was released before it was made; nothing is held`, { reference }));
              continue;
            }
            const account = balances.get(accountKey(request.userId, request.asset));
            if (!account || account.available < amount) {
              refuse(insufficient(request.asset, account?.available ?? 0n, amount));
              continue;
            }
            const after = { ...account, available: account.available - amount, held: account.held + amount };
            balances.set(accountKey(request.userId, request.asset), after);
            const hold = { reference, userId: request.userId, walletId: account.id, asset: account.asset, amount, remaining: amount };
            const response: HoldResponse = { hold: toHold(hold), balance: toBalance(account.asset, after) };
            const id = randomUUID();
            posts.push({
              entry: { id, type: 'BLOCK', reference, initiatedBy: request.userId, details: { requestHash: hash, response } },
              lines: [
                {
                  walletId: account.id,
                  asset: account.asset,
                  availableChange: -amount,
                  heldChange: amount,
                  after: { available: after.available, held: after.held },
                },
              ],
            });
            holds.push(hold);
            events.push({
              stream: WALLET_EVENTS_STREAM,
              contract: WALLET_EVENTS.funds_blocked,
              data: { transactionId: id, userId: request.userId, asset: account.asset, amount: formatAsset(amount, account.asset), reference },
            });
            made.set(reference, { hash, response });
            answer(response);
          }
          await ledger.postEntries(client, posts);
          await ledger.insertHolds(client, holds);
          await enqueueEvents(client, events);
          return { answers, wrote: posts.length > 0 };
        }),
      { 'exchange.batch.size': valid.length },
    ).catch(refuseConcurrentReuse(referenceReused));
    for (const [index, answer] of decided.answers) results[index] = answer;
    // the relay publishes what this committed (replays and refusals committed nothing)
    if (decided.wrote) deps.outbox.wake();
  }
  return results.map((result, index) => {
    if (!result) throw new Error(`hold ${index} of a batch was left unanswered`);
    return result;
  });
}

/** One hold: the batch of one, its refusal thrown as a single request's error. */
export async function blockFunds(deps: WalletDeps, request: BlockFundsRequest): Promise<HoldResponse> {
  const [result] = await blockFundsMany(deps, [request]);
  if (!result!.ok) throw refusalError(result!);
  return result!.value;
}

function referenceReused(): AppError {
  return new AppError('IDEMPOTENCY_KEY_REUSED', 'This hold reference is already used for a different hold');
}
