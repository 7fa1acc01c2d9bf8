import { context, readEvent, withSpan, type Context, type StreamEvent, type Transaction } from '@exchange/platform';
import {
  CASH_ASSET,
  centsOf,
  EXECUTION_EVENTS,
  feeCents,
  type ExecutionEvent,
  formatAsset,
  type SettleTradeRequest,
  sharesOf,
  type TradeExecution,
} from '@exchange/contracts';
import { closingTransition, stillHeld, TRANSITIONS, type FillRecord, type StoredOrder } from '../domain/order-lifecycle.js';
import type { OrderDeps } from './order-deps.js';
import { releaseHold } from './release-hold.js';

type TradeEvent = TradeExecution;
/** canceled, expired and rejected all name the order and why */
type CloseEvent = Extract<ExecutionEvent, { type: 'order_canceled' | 'order_expired' | 'order_rejected' }>;

const isClosing = (execution: ExecutionEvent): execution is CloseEvent => closingTransition(execution.type) !== undefined;

/**
 * Applies one event of `executions:{SYMBOL}` inside the consumer's transaction (which also records
 * the event as processed): a trade is settled by the wallet-service (idempotent by trade id) and
 * recorded on both orders; a cancel, expiry or rejection closes the order and releases its hold.
 * The wallet calls happen before the commit and are safe to repeat, so a crash anywhere in between
 * settles and releases exactly once.
 */
export async function applyExecution(deps: OrderDeps, event: StreamEvent, client: Transaction): Promise<void> {
  const execution = readEvent(EXECUTION_EVENTS, event);
  if (execution.type === 'trade') return applyTrades(deps, [{ trade: execution.data, context: event.context, afterCommit: event.afterCommit }], client);
  if (isClosing(execution)) return closeOrder(deps, event, execution, client);
  if (execution.type === 'cancel_rejected') {
    // the engine no longer had the order (it filled first): nothing is being canceled any more
    const { orderId } = execution.data;
    const order = await deps.store.find(client, orderId, true);
    if (order) await deps.store.clearCancelRequest(client, orderId);
  }
  // order_accepted, order_reduced: the order's state does not change
}

/** Closes the order (cancel, expire or reject): everything it still holds is released. */
async function closeOrder(deps: OrderDeps, event: StreamEvent, execution: CloseEvent, client: Transaction): Promise<void> {
  const { data } = execution;
  const transition = closingTransition(execution.type)!;
  const status = TRANSITIONS[transition].to;
  const order = await ownOrder(deps, client, data.orderId);
  if (!order) return;
  await withSpan('funds release', () => releaseHold(deps, order.id, `close:${order.id}`));
  const closed = await withSpan('order status update', () => deps.store.transition(client, order.id, transition, data.reason ?? null));
  if (closed) {
    event.afterCommit?.(async () => {
      deps.metrics.orderStatus(order.symbol, status);
      await deps.updates.publish(order.userId, { orderId: order.id, symbol: order.symbol, event: event.type, status });
    });
  }
}

interface SettledTrade {
  trade: TradeEvent;
  /** the context of the event's consume span */
  context?: Context;
  /** the consumer's hook for work after the commit (metrics) */
  afterCommit?: (work: () => unknown) => void;
}

/**
 * Settles trades through the wallet-service in one call (one ledger transaction, idempotent per
 * trade id), then records each one's fills and order statuses. Orders are read once per batch:
 * what matters of them (side, owner, price, fees, units) never changes.
 */
async function applyTrades(deps: OrderDeps, trades: SettledTrade[], client: Transaction): Promise<void> {
  const ids = [...new Set(trades.flatMap(({ trade }) => [trade.makerOrderId, trade.takerOrderId]))];
  const orders = await deps.store.lockOrders(client, ids);
  for (const id of ids) {
    if (!orders.has(id)) {
      deps.logger.warn({ orderId: id }, 'an execution names an order this order manager does not know');
      throw new Error(`a trade names order ${id}, which this order manager never placed`);
    }
  }
  const settlements = trades.map(({ trade, context: eventContext, afterCommit }) => ({ ...settlementOf(trade, orders), context: eventContext, afterCommit }));
  const first = settlements[0]!.context ?? context.active();
  await context.with(first, () => deps.wallet.settleTrades({ body: { trades: settlements.map((s) => s.request) } }));
  // every fill of the batch in one statement, in the first trade's trace (the others' settle spans show theirs)
  await context.with(first, () =>
    withSpan(
      'order status update',
      async () => {
        const { written, statuses } = await deps.store.recordFills(
          client,
          settlements.flatMap((settlement) => settlement.fills),
        );
        for (const settlement of settlements) {
          if (!settlement.fills.some((fill) => written.has(fill.id))) continue; // recorded before
          const { symbol, quantity, priceCents } = settlement.fills[0]!;
          const changed = settlement.fills.flatMap((fill) => {
            const status = statuses.get(fill.orderId);
            return status && written.has(fill.id) ? [{ userId: fill.userId, orderId: fill.orderId, status }] : [];
          });
          settlement.afterCommit?.(async () => {
            deps.metrics.trade(symbol, quantity, priceCents * quantity);
            for (const { userId, orderId, status } of changed) {
              deps.metrics.orderStatus(symbol, status);
              await deps.updates.publish(userId, { orderId, symbol, event: 'trade', status });
            }
          });
        }
      },
      { 'exchange.batch.size': settlements.length },
    ),
  );
}

/**
 * One trade as the wallet settles it and as each side's fill is recorded. Each side keeps held what
 * the rest of its order needs (the lifecycle's `settle`); the wallet releases the rest.
 */
function settlementOf(trade: TradeEvent, orders: Map<string, StoredOrder>): { request: SettleTradeRequest; fills: FillRecord[] } {
  const maker = orders.get(trade.makerOrderId)!;
  const taker = orders.get(trade.takerOrderId)!;
  const units = maker.units;
  const priceCents = centsOf(trade.price, units);
  const shares = sharesOf(trade.quantity, units);
  const notional = priceCents * shares;
  const sides = [
    { order: maker, liquidity: 'MAKER' as const, fee: feeCents(notional, maker.makerFeeBps), remaining: sharesOf(trade.makerRemaining, units) },
    { order: taker, liquidity: 'TAKER' as const, fee: feeCents(notional, taker.takerFeeBps), remaining: sharesOf(trade.takerRemaining, units) },
  ];
  const buyer = sides.find((side) => side.order.side === 'BUY')!;
  const seller = sides.find((side) => side.order.side === 'SELL')!;
  const tradeId = `${trade.symbol}:${trade.tradeId}`;
  const request = {
    tradeId,
    symbol: trade.symbol,
    price: formatAsset(priceCents, CASH_ASSET),
    quantity: shares.toString(),
    buyer: {
      userId: buyer.order.userId,
      holdReference: buyer.order.id,
      fee: formatAsset(buyer.fee, CASH_ASSET),
      keepHeld: formatAsset(stillHeld(buyer.order, buyer.remaining), CASH_ASSET),
    },
    seller: {
      userId: seller.order.userId,
      holdReference: seller.order.id,
      fee: formatAsset(seller.fee, CASH_ASSET),
      keepHeld: formatAsset(stillHeld(seller.order, seller.remaining), seller.order.symbol),
    },
  };
  const fills = sides.map(
    (side): FillRecord => ({
      id: `${tradeId}:${side.liquidity === 'MAKER' ? 'M' : 'T'}`,
      tradeId,
      orderId: side.order.id,
      userId: side.order.userId,
      symbol: trade.symbol,
      side: side.order.side,
      priceCents,
      quantity: shares,
      feeCents: side.fee,
      liquidity: side.liquidity,
      sequence: BigInt(trade.sequence),
    }),
  );
  return { request, fills };
}

/**
 * Applies the events of one read in the consumer's one transaction: the trades are settled together
 * (one wallet call), in order; an event that closes an order waits only for the trades of that
 * order before it; events that change nothing (accepted, reduced) are passed over.
 */
export async function applyExecutions(deps: OrderDeps, events: StreamEvent[], client: Transaction): Promise<void> {
  let trades: SettledTrade[] = [];
  const involved = new Set<string>();
  const flush = async () => {
    if (trades.length > 0) await applyTrades(deps, trades, client);
    trades = [];
    involved.clear();
  };
  for (const event of events) {
    const execution = readEvent(EXECUTION_EVENTS, event);
    if (execution.type === 'trade') {
      const trade = execution.data;
      trades.push({ trade, context: event.context, afterCommit: event.afterCommit });
      involved.add(trade.makerOrderId).add(trade.takerOrderId);
      continue;
    }
    if (!isClosing(execution) && execution.type !== 'cancel_rejected') continue;
    if (involved.has(execution.data.orderId)) await flush();
    await context.with(event.context ?? context.active(), () => applyExecution(deps, event, client));
  }
  await flush();
}

async function ownOrder(deps: OrderDeps, client: Transaction, orderId: string): Promise<StoredOrder | undefined> {
  const row = await deps.store.find(client, orderId, true);
  if (!row) deps.logger.warn({ orderId }, 'an execution names an order this order manager does not know; skipped');
  return row;
}
