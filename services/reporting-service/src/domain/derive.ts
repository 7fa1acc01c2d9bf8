import { CASH_ASSET, parseAsset, type ExecutionEvent, type FundsAdded, type TradeSettled, type WalletEvent } from '@exchange/contracts';
import type { MarketUnits, Side } from './events.js';

/** One event of the raw log, decoded by its contract, with what is needed to read it. */
export type RawEvent = { seq: bigint; occurredAt: Date } & (
  | { source: 'wallet'; event: WalletEvent }
  /** an execution of `symbol`, read in the market's units */
  | { source: 'executions'; event: ExecutionEvent; symbol: string; units: MarketUnits }
);

export interface LedgerEntry {
  entryNo: number;
  userId: string;
  asset: string;
  kind: 'DEPOSIT' | 'CREDIT' | 'TRADE' | 'FEE';
  /** signed minor units */
  amount: bigint;
  reference: string;
  symbol?: string;
  side?: Side;
}

export interface FillRow {
  tradeId: string;
  side: Side;
  userId: string;
  orderId: string;
  symbol: string;
  priceCents: bigint;
  quantity: bigint;
  notionalCents: bigint;
  feeCents: bigint;
}

/** A change to a user's position in a symbol, applied with the weighted-average rules of pnl.ts. */
export type PositionChange =
  | { userId: string; symbol: string; kind: 'BUY' | 'SELL'; quantity: bigint; notionalCents: bigint; feeCents: bigint }
  | { userId: string; symbol: string; kind: 'CREDIT'; quantity: bigint };

export interface TradeRow {
  symbol: string;
  tradeNo: number;
  priceCents: bigint;
  quantity: bigint;
  notionalCents: bigint;
  takerSide: Side;
}

export type VolumeCounter = 'accepted' | 'filled' | 'canceled' | 'expired' | 'rejected';

export interface VolumeDelta {
  symbol: string;
  /** UTC day, YYYY-MM-DD */
  day: string;
  counts: Partial<Record<VolumeCounter, number>>;
  trades: number;
  quantity: bigint;
  notionalCents: bigint;
}

export interface Derivation {
  ledger: LedgerEntry[];
  fills: FillRow[];
  positions: PositionChange[];
  trade?: TradeRow;
  volume?: VolumeDelta;
}

const NOTHING: Derivation = { ledger: [], fills: [], positions: [] };

/**
 * What one event changes in the read models. Pure: the same events in the same order always give
 * the same read models, which is what makes a rebuild from the raw log identical. Holds and
 * releases (`funds_blocked`, `funds_released`) move funds between available and held only: they
 * change no balance total, no position and no volume.
 */
export function derive(raw: RawEvent): Derivation {
  if (raw.source === 'wallet') {
    if (raw.event.type === 'funds_added') return fundsAdded(raw.event.data);
    if (raw.event.type === 'trade_settled') return tradeSettled(raw.event.data);
    return NOTHING;
  }
  return execution(raw.event, raw.occurredAt, raw.symbol, raw.units);
}

function fundsAdded(added: FundsAdded): Derivation {
  const amount = parseAsset(added.amount, added.asset);
  const ledger: LedgerEntry[] = [{ entryNo: 0, userId: added.userId, asset: added.asset, kind: added.kind, amount, reference: added.transactionId }];
  const positions: PositionChange[] = added.asset === CASH_ASSET ? [] : [{ userId: added.userId, symbol: added.asset, kind: 'CREDIT', quantity: amount }];
  return { ledger, fills: [], positions };
}

/**
 * A settled trade: the buyer pays price × quantity and a fee and receives the shares; the seller
 * delivers the shares and receives price × quantity less a fee.
 */
function tradeSettled(trade: TradeSettled): Derivation {
  const { symbol, tradeId } = trade;
  const priceCents = parseAsset(trade.price, CASH_ASSET);
  const quantity = parseAsset(trade.quantity, symbol);
  const notionalCents = parseAsset(trade.notional, CASH_ASSET);
  const buyerFee = parseAsset(trade.buyer.fee, CASH_ASSET);
  const sellerFee = parseAsset(trade.seller.fee, CASH_ASSET);
  const ledger: LedgerEntry[] = [];
  const add = (entry: Omit<LedgerEntry, 'entryNo' | 'reference' | 'symbol'>) => {
    if (entry.amount !== 0n) ledger.push({ ...entry, entryNo: ledger.length, reference: tradeId, symbol });
  };
  add({ userId: trade.buyer.userId, asset: CASH_ASSET, kind: 'TRADE', amount: -notionalCents, side: 'BUY' });
  add({ userId: trade.buyer.userId, asset: CASH_ASSET, kind: 'FEE', amount: -buyerFee, side: 'BUY' });
  add({ userId: trade.buyer.userId, asset: symbol, kind: 'TRADE', amount: quantity, side: 'BUY' });
  add({ userId: trade.seller.userId, asset: symbol, kind: 'TRADE', amount: -quantity, side: 'SELL' });
  add({ userId: trade.seller.userId, asset: CASH_ASSET, kind: 'TRADE', amount: notionalCents, side: 'SELL' });
  add({ userId: trade.seller.userId, asset: CASH_ASSET, kind: 'FEE', amount: -sellerFee, side: 'SELL' });
  const fill = (side: Side, who: { userId: string; orderId: string }, feeCents: bigint): FillRow => ({
    tradeId,
    side,
    userId: who.userId,
    orderId: who.orderId,
    symbol,
    priceCents,
    quantity,
    notionalCents,
    feeCents,
  });
  return {
    ledger,
    fills: [fill('BUY', trade.buyer, buyerFee), fill('SELL', trade.seller, sellerFee)],
    positions: [
      { userId: trade.buyer.userId, symbol, kind: 'BUY', quantity, notionalCents, feeCents: buyerFee },
      { userId: trade.seller.userId, symbol, kind: 'SELL', quantity, notionalCents, feeCents: sellerFee },
    ],
  };
}

const COUNTED_EVENTS: Partial<Record<ExecutionEvent['type'], VolumeCounter>> = {
  order_canceled: 'canceled',
  order_expired: 'expired',
  order_rejected: 'rejected',
  order_accepted: 'accepted',
};

function execution(event: ExecutionEvent, occurredAt: Date, symbol: string, units: MarketUnits): Derivation {
  const day = occurredAt.toISOString().slice(0, 10);
  const empty = { symbol, day, trades: 0, quantity: 0n, notionalCents: 0n };
  const counter = COUNTED_EVENTS[event.type];
  if (counter) return { ...NOTHING, volume: { ...empty, counts: { [counter]: 1 } } };
  if (event.type !== 'trade') return NOTHING;
  const trade = event.data;
  const priceCents = BigInt(trade.price) * units.tickSizeCents;
  const quantity = BigInt(trade.quantity) * units.lotSize;
  const notionalCents = priceCents * quantity;
  // an order whose remaining quantity reached zero in this trade is filled
  const filled = (trade.makerRemaining === 0 ? 1 : 0) + (trade.takerRemaining === 0 ? 1 : 0);
  return {
    ...NOTHING,
    trade: { symbol, tradeNo: trade.tradeId, priceCents, quantity, notionalCents, takerSide: trade.takerSide },
    volume: { ...empty, counts: filled > 0 ? { filled } : {}, trades: 1, quantity, notionalCents },
  };
}
