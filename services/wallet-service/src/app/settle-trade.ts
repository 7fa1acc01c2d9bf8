import { randomUUID } from 'node:crypto';
import { AppError, enqueueEvent, requestHash, withSpan, withTransaction, type Transaction } from '@exchange/platform';
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
import type { HoldRow, LedgerStore } from '../store/ledger-store.js';
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

async function holdFor(ledger: LedgerStore, client: Transaction, reference: string, userId: string, asset: string, side: string): Promise<HoldRow> {
  const hold = await ledger.findHold(client, reference);
  if (!hold || hold.userId !== userId || hold.asset !== asset) {
    throw new AppError('HOLD_NOT_FOUND', `No ${asset} hold ${reference} of the ${side}`, { side, reference });
  }
  return hold;
}

function tradeIdReused(): AppError {
  return new AppError('IDEMPOTENCY_KEY_REUSED', 'This tradeId was settled with different terms');
}

interface Prepared {
  request: SettleTradeRequest;
  trade: Trade;
  buyerHold: HoldRow;
  sellerHold: HoldRow;
  buyerSharesId: string;
  sellerCashId: string;
}

/** Validates a trade and finds (or opens) the four accounts it moves, without locking them yet. */
async function prepare(deps: WalletDeps, client: Transaction, request: SettleTradeRequest): Promise<Prepared> {
  await deps.learnAsset?.(request.symbol);
  const trade = parseTrade(deps, request);
  const { ledger } = deps;
  const { symbol, buyer, seller } = request;
  const buyerHold = await holdFor(ledger, client, buyer.holdReference, buyer.userId, CASH_ASSET, 'buyer');
  const sellerHold = await holdFor(ledger, client, seller.holdReference, seller.userId, symbol, 'seller');
  const buyerShares = (await ledger.findAccount(client, buyer.userId, symbol))!;
  const sellerCash = (await ledger.findAccount(client, seller.userId, CASH_ASSET))!;
  return { request, trade, buyerHold, sellerHold, buyerSharesId: buyerShares.id, sellerCashId: sellerCash.id };
}

const walletsOf = (p: Prepared) => [p.buyerHold.walletId, p.sellerHold.walletId, p.buyerSharesId, p.sellerCashId];

/**
 * Settles one trade whose accounts this transaction has locked: the buyer's held cash pays the
 * seller (less the seller's fee) and the fees go to the exchange's revenue account; the seller's
 * held shares go to the buyer; what each order no longer needs is released in the same entry.
 * A trade id settled before changes nothing and returns the first answer.
 */
async function settleLocked(deps: WalletDeps, client: Transaction, prepared: Prepared): Promise<SettleTradeResponse> {
  const { ledger } = deps;
  const { request, trade, buyerHold, sellerHold } = prepared;
  const { symbol, buyer, seller } = request;
  const hash = requestHash(request);
  const prior = await ledger.findEntry(client, 'TRADE', request.tradeId);
  if (prior) return replayOf(prior, hash, tradeIdReused, settleTradeResponseSchema);

  const [lockedBuyerHold, lockedSellerHold] = await Promise.all([
    ledger.findHold(client, buyer.holdReference, true),
    ledger.findHold(client, seller.holdReference, true),
  ]).then((holds) => holds.map((hold) => hold!));
  const buyerCost = trade.notional + trade.buyerFee;
  if (lockedBuyerHold!.remaining < buyerCost) throw insufficient(CASH_ASSET, lockedBuyerHold!.remaining, buyerCost);
  if (lockedSellerHold!.remaining < trade.quantity) throw insufficient(symbol, lockedSellerHold!.remaining, trade.quantity);

  // what each order no longer needs goes back to its owner in the same entry
  const buyerLeft = lockedBuyerHold!.remaining - buyerCost;
  const sellerLeft = lockedSellerHold!.remaining - trade.quantity;
  const buyerRelease = excess(buyerLeft, trade.buyerKeeps);
  const sellerRelease = excess(sellerLeft, trade.sellerKeeps);
  const fees = await ledger.systemWalletId(client, 'FEES', CASH_ASSET);
  const transactionId = randomUUID();
  const response: SettleTradeResponse = {
    transactionId,
    tradeId: request.tradeId,
    notional: formatAsset(trade.notional, CASH_ASSET),
    buyerHold: toHold({ ...lockedBuyerHold!, remaining: buyerLeft - buyerRelease }),
    sellerHold: toHold({ ...lockedSellerHold!, remaining: sellerLeft - sellerRelease }),
  };
  await ledger.post(client, { id: transactionId, type: 'TRADE', reference: request.tradeId, initiatedBy: null, details: { requestHash: hash, response } }, [
    { walletId: buyerHold.walletId, asset: CASH_ASSET, availableChange: buyerRelease, heldChange: -buyerCost - buyerRelease },
    { walletId: prepared.sellerCashId, asset: CASH_ASSET, availableChange: trade.notional - trade.sellerFee, heldChange: 0n },
    { walletId: fees, asset: CASH_ASSET, availableChange: trade.buyerFee + trade.sellerFee, heldChange: 0n },
    { walletId: sellerHold.walletId, asset: symbol, availableChange: sellerRelease, heldChange: -trade.quantity - sellerRelease },
    { walletId: prepared.buyerSharesId, asset: symbol, availableChange: trade.quantity, heldChange: 0n },
  ]);
  await ledger.reduceHold(client, buyer.holdReference, buyerCost + buyerRelease);
  await ledger.reduceHold(client, seller.holdReference, trade.quantity + sellerRelease);
  await enqueueEvent(client, {
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
  return response;
}

/** Settles one trade in one transaction (see settleLocked). */
export async function settleTrade(deps: WalletDeps, request: SettleTradeRequest): Promise<SettleTradeResponse> {
  const [result] = await settleTrades(deps, [request]);
  return result!;
}

/**
 * Settles trades in order, all in one transaction: every account any of them moves is locked first,
 * in id order (as every writer here locks), so a batch never deadlocks with other writers. One
 * refused trade refuses the batch; the caller can then settle them one by one.
 */
export async function settleTrades(deps: WalletDeps, requests: SettleTradeRequest[]): Promise<SettleTradeResponse[]> {
  const { ledger } = deps;
  const results = await withSpan('trade settlement', async () => {
    // accounts a trade opens are created and committed first: creating them inside the locked
    // transaction would take row locks outside the id order every writer follows
    const accounts = [...new Set(requests.flatMap((r) => [`${r.buyer.userId} ${r.symbol}`, `${r.seller.userId} ${CASH_ASSET}`]))].sort();
    await withTransaction(ledger.db, async (client) => {
      for (const account of accounts) {
        const [userId, asset] = account.split(' ') as [string, string];
        await ledger.createAccount(client, userId, asset);
      }
    });
    return withTransaction(ledger.db, async (client) => {
      const prepared: Prepared[] = [];
      for (const request of requests) prepared.push(await prepare(deps, client, request));
      await ledger.lockAccounts(client, prepared.flatMap(walletsOf));
      const answers: SettleTradeResponse[] = [];
      for (const one of prepared) answers.push(await settleLocked(deps, client, one));
      return answers;
    }).catch(refuseConcurrentReuse(tradeIdReused));
  });
  // the relay publishes what this committed (a replay committed nothing, and costs one empty look)
  deps.outbox.wake();
  return results;
}
