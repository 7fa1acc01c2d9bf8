import { randomUUID } from 'node:crypto';
import { AppError, enqueueEvents, requestHash, withSpan, withTransaction } from '@exchange/platform';
import {
  CASH_ASSET,
  formatAsset,
  settleTradeResponseSchema,
  WALLET_EVENTS,
  WALLET_EVENTS_STREAM,
  type SettleTradeRequest,
  type SettleTradeResponse,
} from '@exchange/contracts';
import { checkAsset, nonNegativeAmount, positiveAmount } from '../domain/amounts.js';
import { type Movement, netByAccount } from '../domain/movements.js';
import { accountKey, type HoldRow, type PostedLine } from '../store/ledger-store.js';
import { insufficient, refuseConcurrentReuse, replayOf } from './references.js';
import { toHold, type WalletDeps } from './wallet-deps.js';

interface Trade {
  price: bigint;
  quantity: bigint;
  notional: bigint;
  buyerFee: bigint;
  sellerFee: bigint;
  /** what each side's hold keeps after the trade; undefined = all that is left */
  buyerKeeps: bigint | undefined;
  sellerKeeps: bigint | undefined;
}

/** How much of what is left in a hold goes back: whatever is above what the order still needs. */
function excess(left: bigint, keeps: bigint | undefined): bigint {
  return keeps === undefined || keeps >= left ? 0n : left - keeps;
}

function parseTrade(deps: WalletDeps, request: SettleTradeRequest): Trade {
  if (request.symbol === CASH_ASSET) throw new AppError('VALIDATION_FAILED', 'symbol must be a share', { fields: { symbol: ['must be a share, not USD'] } });
  checkAsset(deps.rules, request.symbol, 'symbol');
  const price = positiveAmount(CASH_ASSET, request.price, 'price');
  const quantity = positiveAmount(request.symbol, request.quantity, 'quantity');
  const buyerFee = nonNegativeAmount(CASH_ASSET, request.buyer.fee, 'buyer.fee');
  const sellerFee = nonNegativeAmount(CASH_ASSET, request.seller.fee, 'seller.fee');
  const notional = price * quantity;
  if (sellerFee > notional) {
    throw new AppError('VALIDATION_FAILED', 'the seller fee exceeds the proceeds', { fields: { 'seller.fee': ['must not exceed price × quantity'] } });
  }
  const buyerKeeps = request.buyer.keepHeld === undefined ? undefined : nonNegativeAmount(CASH_ASSET, request.buyer.keepHeld, 'buyer.keepHeld');
  const sellerKeeps = request.seller.keepHeld === undefined ? undefined : nonNegativeAmount(request.symbol, request.seller.keepHeld, 'seller.keepHeld');
  return { price, quantity, notional, buyerFee, sellerFee, buyerKeeps, sellerKeeps };
}

function holdOf(holds: Map<string, HoldRow>, reference: string, userId: string, asset: string, side: string): HoldRow {
  const hold = holds.get(reference);
  if (!hold || hold.userId !== userId || hold.asset !== asset) {
    throw new AppError('HOLD_NOT_FOUND', `No ${asset} hold ${reference} of the ${side}`, { side, reference });
  }
  return hold;
}

function tradeIdReused(): AppError {
  return new AppError('IDEMPOTENCY_KEY_REUSED', 'This tradeId was settled with different terms');
}

/** Settles one trade: the batch of one. */
export async function settleTrade(deps: WalletDeps, request: SettleTradeRequest): Promise<SettleTradeResponse> {
  const [result] = await settleTrades(deps, [request]);
  return result!;
}

/**
 * Settles trades in order, all in one transaction. For each trade the buyer's held cash pays the
 * seller (less the seller's fee) and the fees go to the exchange's revenue account; the seller's
 * held shares go to the buyer; what each order no longer needs is released in the same entry. A
 * trade id settled before changes nothing and answers as the first time. One refused trade refuses
 * the batch; the caller can then settle them one by one.
 *
 * Every step serves the whole batch in one statement: the accounts a trade opens are created (and
 * committed) first; then the holds and accounts are read, the accounts locked in id order and the
 * holds in reference order (the order every writer follows, so batches never deadlock), the entries
 * worked out in memory against the locked balances, and the entries, holds and events written.
 */
export async function settleTrades(deps: WalletDeps, requests: SettleTradeRequest[]): Promise<SettleTradeResponse[]> {
  const { ledger } = deps;
  for (const request of requests) await deps.learnAsset?.(request.symbol);
  const trades = requests.map((request) => parseTrade(deps, request));
  const results = await withSpan(
    'trade settlement',
    async () => {
      const opened = requests.flatMap((r) => [
        { userId: r.buyer.userId, asset: r.symbol },
        { userId: r.seller.userId, asset: CASH_ASSET },
      ]);
      const existing = await ledger.findUserAccounts(ledger.db, opened);
      const missing = opened.filter((pair) => !existing.has(accountKey(pair.userId, pair.asset)));
      // created and committed before anything is locked: creating them inside the locked
      // transaction would take row locks outside the id order every writer follows
      if (missing.length > 0) await withTransaction(ledger.db, (client) => ledger.createUserAccounts(client, missing));

      return withTransaction(ledger.db, async (client) => {
        const references = [...new Set(requests.flatMap((r) => [r.buyer.holdReference, r.seller.holdReference]))];
        const holds = await ledger.findHolds(client, references);
        const sides = requests.map((request) => ({
          buyerHold: holdOf(holds, request.buyer.holdReference, request.buyer.userId, CASH_ASSET, 'buyer'),
          sellerHold: holdOf(holds, request.seller.holdReference, request.seller.userId, request.symbol, 'seller'),
        }));
        const accounts = missing.length > 0 ? await ledger.findUserAccounts(client, opened) : existing;
        const accountOf = (userId: string, asset: string) => accounts.get(accountKey(userId, asset))!.id;
        const fees = await ledger.systemWalletId(client, 'FEES', CASH_ASSET);
        const locked = await ledger.lockAccounts(client, [
          ...sides.flatMap(({ buyerHold, sellerHold }) => [buyerHold.walletId, sellerHold.walletId]),
          ...requests.flatMap((r) => [accountOf(r.buyer.userId, r.symbol), accountOf(r.seller.userId, CASH_ASSET)]),
        ]);
        const lockedHolds = await ledger.lockHolds(client, references);
        const prior = await ledger.findEntries(
          client,
          'TRADE',
          requests.map((r) => r.tradeId),
        );

        const balances = new Map([...locked].map(([id, account]) => [id, { available: account.available, held: account.held }]));
        const remaining = new Map([...lockedHolds].map(([reference, hold]) => [reference, hold.remaining]));
        const settledNow = new Map<string, { hash: string; response: SettleTradeResponse }>();
        const entries: Parameters<typeof ledger.postEntries>[1] = [];
        const events: Parameters<typeof enqueueEvents>[1] = [];
        const answers: SettleTradeResponse[] = [];
        for (const [index, request] of requests.entries()) {
          const trade = trades[index]!;
          const { buyerHold, sellerHold } = sides[index]!;
          const hash = requestHash(request);
          const earlier = prior.get(request.tradeId);
          if (earlier) {
            answers.push(replayOf(earlier, hash, tradeIdReused, settleTradeResponseSchema));
            continue;
          }
          const again = settledNow.get(request.tradeId);
          if (again) {
            if (again.hash !== hash) throw tradeIdReused();
            answers.push(again.response);
            continue;
          }
          const { symbol, buyer, seller } = request;
          const buyerCost = trade.notional + trade.buyerFee;
          const buyerRemaining = remaining.get(buyer.holdReference)!;
          const sellerRemaining = remaining.get(seller.holdReference)!;
          if (buyerRemaining < buyerCost) throw insufficient(CASH_ASSET, buyerRemaining, buyerCost);
          if (sellerRemaining < trade.quantity) throw insufficient(symbol, sellerRemaining, trade.quantity);
          // what each order no longer needs goes back to its owner in the same entry
          const buyerLeft = buyerRemaining - buyerCost;
          const sellerLeft = sellerRemaining - trade.quantity;
          const buyerRelease = excess(buyerLeft, trade.buyerKeeps);
          const sellerRelease = excess(sellerLeft, trade.sellerKeeps);
          remaining.set(buyer.holdReference, buyerLeft - buyerRelease);
          remaining.set(seller.holdReference, sellerLeft - sellerRelease);

          const transactionId = randomUUID();
          const response: SettleTradeResponse = {
            transactionId,
            tradeId: request.tradeId,
            notional: formatAsset(trade.notional, CASH_ASSET),
            buyerHold: toHold({ ...buyerHold, remaining: buyerLeft - buyerRelease }),
            sellerHold: toHold({ ...sellerHold, remaining: sellerLeft - sellerRelease }),
          };
          const movements = [
            { walletId: buyerHold.walletId, asset: CASH_ASSET, availableChange: buyerRelease, heldChange: -buyerCost - buyerRelease },
            { walletId: accountOf(seller.userId, CASH_ASSET), asset: CASH_ASSET, availableChange: trade.notional - trade.sellerFee, heldChange: 0n },
            { walletId: fees, asset: CASH_ASSET, availableChange: trade.buyerFee + trade.sellerFee, heldChange: 0n },
            { walletId: sellerHold.walletId, asset: symbol, availableChange: sellerRelease, heldChange: -trade.quantity - sellerRelease },
            { walletId: accountOf(buyer.userId, symbol), asset: symbol, availableChange: trade.quantity, heldChange: 0n },
          ];
          entries.push({
            entry: { id: transactionId, type: 'TRADE', reference: request.tradeId, initiatedBy: null, details: { requestHash: hash, response } },
            lines: linesAfter(movements, balances),
          });
          events.push({
            stream: WALLET_EVENTS_STREAM,
            contract: WALLET_EVENTS.trade_settled,
            data: {
              transactionId,
              tradeId: request.tradeId,
              symbol,
              price: request.price,
              quantity: formatAsset(trade.quantity, symbol),
              notional: response.notional,
              buyer: {
                userId: buyer.userId,
                orderId: buyer.holdReference,
                fee: formatAsset(trade.buyerFee, CASH_ASSET),
                released: formatAsset(buyerRelease, CASH_ASSET),
              },
              seller: {
                userId: seller.userId,
                orderId: seller.holdReference,
                fee: formatAsset(trade.sellerFee, CASH_ASSET),
                released: formatAsset(sellerRelease, symbol),
              },
            },
          });
          settledNow.set(request.tradeId, { hash, response });
          answers.push(response);
        }
        await ledger.postEntries(client, entries);
        await ledger.setHoldsRemaining(client, new Map([...remaining].filter(([reference, left]) => left !== lockedHolds.get(reference)!.remaining)));
        await enqueueEvents(client, events);
        return answers;
      }).catch(refuseConcurrentReuse(tradeIdReused));
    },
    { 'exchange.batch.size': requests.length },
  );
  // the relay publishes what this committed (a replay committed nothing, and costs one empty look)
  deps.outbox.wake();
  return results;
}

/**
 * The lines of an entry with, on each user account, the balances after it; the running balances
 * move on. A line that moves nothing is left out; lines of one account are summed first.
 */
function linesAfter(movements: Movement[], balances: Map<string, { available: bigint; held: bigint }>): PostedLine[] {
  const lines: PostedLine[] = [];
  for (const line of netByAccount(movements)) {
    const before = balances.get(line.walletId);
    if (!before) {
      // a system account: kept only through its lines
      lines.push(line);
      continue;
    }
    const after = { available: before.available + line.availableChange, held: before.held + line.heldChange };
    balances.set(line.walletId, after);
    lines.push({ ...line, after });
  }
  return lines;
}
