import { withSpan, type StreamEvent, type Transaction } from '@exchange/platform';
import { CASH_ASSET, formatAsset } from '@exchange/contracts';
import { buyNeedCents, feeCents, fromLots, fromTicks, statusAfterFill } from '../domain/order-math.js';
import type { OrderRow } from '../store/order-store.js';
import type { OrderDeps } from './order-deps.js';
import { releaseHold } from './release-hold.js';

interface TradeEvent {
  symbol: string;
  sequence: number;
  tradeId: number;
  price: number;
  quantity: number;
  takerSide: 'BUY' | 'SELL';
  makerOrderId: string;
  makerRemaining: number;
  takerOrderId: string;
  takerRemaining: number;
}

interface CloseEvent {
  symbol: string;
  orderId: string;
  reason: string;
}

const CLOSING: Record<string, 'CANCELED' | 'EXPIRED' | 'REJECTED'> = {
  order_canceled: 'CANCELED',
  order_expired: 'EXPIRED',
  order_rejected: 'REJECTED',
};

/**
 * Applies one event of `executions:{SYMBOL}` inside the consumer's transaction (which also records
 * the event as processed): a trade is settled by the wallet-service (idempotent by trade id) and
 * recorded on both orders; a cancel, expiry or rejection closes the order and releases its hold.
 * The wallet calls happen before the commit and are safe to repeat, so a crash anywhere in between
 * settles and releases exactly once.
 */
export async function applyExecution(deps: OrderDeps, event: StreamEvent, client: Transaction): Promise<void> {
  if (event.type === 'trade') return applyTrade(deps, event.data as TradeEvent, client);
  const closing = CLOSING[event.type];
  if (closing) return closeOrder(deps, event.data as CloseEvent, closing, client);
  if (event.type === 'cancel_rejected') {
    // the engine no longer had the order (it filled first): nothing is being canceled any more
    const { orderId } = event.data as CloseEvent;
    const order = await deps.store.find(client, orderId, true);
    if (order) await deps.store.clearCancelRequest(client, orderId);
  }
  // order_accepted, order_reduced: the order's state does not change
}

async function closeOrder(deps: OrderDeps, data: CloseEvent, status: 'CANCELED' | 'EXPIRED' | 'REJECTED', client: Transaction): Promise<void> {
  const order = await ownOrder(deps, client, data.orderId);
  if (!order) return;
  await withSpan('funds release', () => releaseHold(deps, order.id, `close:${order.id}`));
  await withSpan('order status update', () => deps.store.close(client, order.id, status, data.reason ?? null));
}

async function applyTrade(deps: OrderDeps, trade: TradeEvent, client: Transaction): Promise<void> {
  // locked in id order, so two trades of the same orders never wait on each other in a circle
  const [first, second] = [trade.makerOrderId, trade.takerOrderId].sort();
  const rows = new Map<string, OrderRow>();
  for (const id of [first!, second!]) {
    const row = await ownOrder(deps, client, id);
    if (!row) throw new Error(`trade ${trade.symbol}:${trade.tradeId} names order ${id}, which this order manager never placed`);
    rows.set(id, row);
  }
  const maker = rows.get(trade.makerOrderId)!;
  const taker = rows.get(trade.takerOrderId)!;
  const units = { tickSizeCents: BigInt(maker.tick_size_cents), lotSize: BigInt(maker.lot_size) };
  const priceCents = fromTicks(trade.price, units);
  const shares = fromLots(trade.quantity, units);
  const notional = priceCents * shares;
  const sides = [
    { order: maker, liquidity: 'MAKER' as const, fee: feeCents(notional, maker.maker_fee_bps), remaining: fromLots(trade.makerRemaining, units) },
    { order: taker, liquidity: 'TAKER' as const, fee: feeCents(notional, taker.taker_fee_bps), remaining: fromLots(trade.takerRemaining, units) },
  ];
  const buyer = sides.find((side) => side.order.side === 'BUY')!;
  const seller = sides.find((side) => side.order.side === 'SELL')!;
  const tradeId = `${trade.symbol}:${trade.tradeId}`;

  await deps.wallet.post('/settle-trade', {
    tradeId,
    symbol: trade.symbol,
    price: formatAsset(priceCents, CASH_ASSET),
    quantity: shares.toString(),
    buyer: { userId: buyer.order.user_id, holdReference: buyer.order.id, fee: formatAsset(buyer.fee, CASH_ASSET), keepHeld: formatAsset(buyerNeeds(buyer.order, buyer.remaining), CASH_ASSET) },
    seller: { userId: seller.order.user_id, holdReference: seller.order.id, fee: formatAsset(seller.fee, CASH_ASSET), keepHeld: seller.remaining.toString() },
  });
  await withSpan('order status update', async () => {
    for (const side of sides) {
      await deps.store.recordFill(
        client,
        {
          id: `${tradeId}:${side.liquidity === 'MAKER' ? 'M' : 'T'}`,
          trade_id: tradeId,
          order_id: side.order.id,
          user_id: side.order.user_id,
          symbol: trade.symbol,
          side: side.order.side,
          price_cents: priceCents.toString(),
          quantity: shares.toString(),
          fee_cents: side.fee.toString(),
          liquidity: side.liquidity,
          sequence: String(trade.sequence),
        },
        statusAfterFill(side.remaining),
      );
    }
  });
}

/** What a buy order must still hold for what is left of it; nothing once it is done. */
function buyerNeeds(order: OrderRow, remainingShares: bigint): bigint {
  if (remainingShares === 0n) return 0n;
  const worstPrice = BigInt(order.price_cents ?? order.protection_price_cents!);
  return buyNeedCents(worstPrice, remainingShares, Math.max(order.maker_fee_bps, order.taker_fee_bps));
}

async function ownOrder(deps: OrderDeps, client: Transaction, orderId: string): Promise<OrderRow | undefined> {
  const row = await deps.store.find(client, orderId, true);
  if (!row) deps.logger.warn({ orderId }, 'an execution names an order this order manager does not know; skipped');
  return row;
}
