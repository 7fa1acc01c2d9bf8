import { randomUUID } from 'node:crypto';
import { type ActorCredential, AppError, enqueueEvent, requestHash, withSpan, withTransaction } from '@exchange/platform';
import {
  CASH_ASSET,
  formatAsset,
  ordersStream,
  parseAsset,
  type Order,
  type OrderCreated,
  type PlaceOrderRequest,
  type RiskCheckResponse,
  ORDER_COMMANDS,
} from '@exchange/contracts';
import { buyNeedCents, toLots, toTicks } from '../domain/order-math.js';
import { toOrder, type NewOrder, type OrderRow } from '../store/order-store.js';
import type { OrderDeps } from './order-deps.js';
import { releaseHold } from './release-hold.js';

export interface Placed {
  statusCode: 200 | 201;
  order: Order;
}

/**
 * Order placement: validate → risk-manager → wallet `block-funds` → INSERT the order and
 * its `order_created` outbox row in one transaction → the relay publishes it to `orders:{SYMBOL}`.
 * A failure after the hold releases it (and a placement that dies there is undone by the janitor).
 * A retry with the same clientOrderId and body answers with the order it placed.
 */
export async function placeOrder(deps: OrderDeps, actor: ActorCredential, request: PlaceOrderRequest): Promise<Placed> {
  const userId = actor.id;
  const hash = requestHash(request);
  if (request.clientOrderId) {
    const replay = await earlierAnswer(deps, userId, request.clientOrderId, hash);
    if (replay) return replay;
  }
  const orderId = randomUUID();
  const openOrders = await deps.store.countOpen(userId);
  const risk = await deps.risk.check(
    { body: { orderId, userId, symbol: request.symbol, side: request.side, type: request.type, price: request.price, quantity: request.quantity, openOrders } },
    { actor },
  );
  const order = newOrder(orderId, userId, hash, request, risk);

  let pending: OrderRow;
  try {
    pending = await withSpan('INSERT order', () => deps.store.insertPending(deps.store.db, order));
  } catch (error) {
    if ((error as { code?: string }).code !== '23505' || !request.clientOrderId) throw error;
    // a concurrent request with the same clientOrderId got there first: its answer, or (if it was
    // undone meanwhile) this request places the order after all
    const replay = await earlierAnswer(deps, userId, request.clientOrderId, hash);
    if (replay) return replay;
    pending = await withSpan('INSERT order', () => deps.store.insertPending(deps.store.db, order));
  }

  // the count before the risk check raced with this user's other placements: count again, now that
  // this order is written (PENDING counts); several racing ones may all be refused, never all pass
  if (risk.maxOpenOrders !== undefined && (await deps.store.countOpen(userId)) > risk.maxOpenOrders) {
    await deps.store.claimForAbort(pending.id);
    await deps.store.deleteAborting(pending.id);
    throw new AppError('RISK_REJECTED', `You have ${risk.maxOpenOrders} open orders, the most allowed`, {
      rule: 'MAX_OPEN_ORDERS',
      maxOpenOrders: risk.maxOpenOrders,
    });
  }

  try {
    await withSpan('funds blocking', () =>
      deps.wallet.blockFunds(
        { body: { userId, asset: order.hold_asset, amount: formatAsset(BigInt(order.hold_amount), order.hold_asset), reference: orderId } },
        { actor },
      ),
    );
  } catch (error) {
    await undo(deps, pending, error);
    throw error;
  }

  try {
    const published = await withTransaction(deps.store.db, async (client) => {
      const row = await deps.store.markPublished(client, orderId);
      if (!row) throw new AppError('SERVICE_UNAVAILABLE', 'The order could not be placed in time; nothing was placed');
      await withSpan('publish order_created', () =>
        enqueueEvent(client, {
          id: `order_created:${orderId}`,
          stream: ordersStream(row.symbol),
          contract: ORDER_COMMANDS.order_created,
          data: orderCreated(row),
        }),
      );
      return row;
    });
    deps.relay.wake();
    deps.metrics.orderStatus(published.symbol, 'NEW');
    return { statusCode: 201, order: toOrder(published) };
  } catch (error) {
    await undo(deps, pending, error);
    throw error;
  }
}

/**
 * The first answer for a repeated request, a refusal for a different order under an open
 * clientOrderId, or undefined when a new order may be placed. An earlier request that is still
 * being placed is waited for: its outcome is the answer (it may yet be undone, then this one places
 * the order); if it does not finish in time, 409 REQUEST_IN_PROGRESS tells the client to retry.
 */
async function earlierAnswer(deps: OrderDeps, userId: string, clientOrderId: string, hash: string): Promise<Placed | undefined> {
  const deadline = Date.now() + deps.inProgressWaitMs;
  for (;;) {
    const earlier = await deps.store.findByClientOrderId(userId, clientOrderId, deps.clientOrderIdWindowMs);
    if (!earlier) return undefined;
    if (earlier.request_hash !== hash) {
      if (['PENDING', 'ABORTING', 'NEW', 'PARTIALLY_FILLED'].includes(earlier.status)) throw duplicateClientOrderId(clientOrderId);
      return undefined; // a finished order's clientOrderId may be used again for a new order
    }
    if (earlier.status !== 'PENDING' && earlier.status !== 'ABORTING') return { statusCode: 201, order: toOrder(earlier) };
    if (Date.now() > deadline) {
      throw new AppError('REQUEST_IN_PROGRESS', `The order with clientOrderId ${clientOrderId} is still being placed; retry shortly`, { clientOrderId });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function duplicateClientOrderId(clientOrderId: string): AppError {
  return new AppError('DUPLICATE_CLIENT_ORDER_ID', `You have an open order with clientOrderId ${clientOrderId}`, { clientOrderId });
}

/**
 * Compensation: claim the row (so a publish that got through is never undone), give the hold back
 * (if it may have been made) and forget the order. What fails here the janitor finishes.
 */
async function undo(deps: OrderDeps, pending: OrderRow, cause: unknown): Promise<void> {
  const isRefusal = cause instanceof AppError && cause.statusCode < 500;
  try {
    if (!(await deps.store.claimForAbort(pending.id))) return;
    // a refused hold was never made; anything else may have made it, or may still (the wallet then refuses it)
    if (!isRefusal) await releaseHold(deps, pending.id, `abort:${pending.id}`);
    await deps.store.deleteAborting(pending.id);
  } catch (error) {
    deps.logger.warn({ err: error, orderId: pending.id }, 'undoing a failed placement failed; the janitor will finish it');
  }
}

function newOrder(id: string, userId: string, hash: string, request: PlaceOrderRequest, risk: RiskCheckResponse): NewOrder {
  const { market } = risk;
  const quantity = parseAsset(request.quantity, request.symbol);
  const priceCents = request.price === undefined ? undefined : parseAsset(request.price, CASH_ASSET);
  const protectionCents = risk.protectionPrice === undefined ? undefined : parseAsset(risk.protectionPrice, CASH_ASSET);
  const worstPrice = priceCents ?? protectionCents;
  if (worstPrice === undefined) throw new AppError('INTERNAL_ERROR', 'the risk-manager gave a market order no protection price');
  const maxFeeBps = Math.max(market.makerFeeBps, market.takerFeeBps);
  const isBuy = request.side === 'BUY';
  return {
    id,
    user_id: userId,
    client_order_id: request.clientOrderId ?? null,
    request_hash: hash,
    symbol: request.symbol,
    side: request.side,
    type: request.type,
    time_in_force: request.timeInForce ?? (request.type === 'MARKET' ? 'IOC' : 'GTC'),
    post_only: request.postOnly,
    price_cents: priceCents?.toString() ?? null,
    protection_price_cents: protectionCents?.toString() ?? null,
    quantity: quantity.toString(),
    tick_size_cents: parseAsset(market.tickSize, CASH_ASSET).toString(),
    lot_size: parseAsset(market.lotSize, market.symbol).toString(),
    maker_fee_bps: market.makerFeeBps,
    taker_fee_bps: market.takerFeeBps,
    hold_asset: isBuy ? CASH_ASSET : request.symbol,
    hold_amount: (isBuy ? buyNeedCents(worstPrice, quantity, maxFeeBps) : quantity).toString(),
  };
}

/** `order_created` for the engine: prices in ticks, quantities in lots. */
function orderCreated(row: OrderRow): OrderCreated {
  const units = { tickSizeCents: BigInt(row.tick_size_cents), lotSize: BigInt(row.lot_size) };
  const worstPrice = row.price_cents ?? row.protection_price_cents!;
  return {
    orderId: row.id,
    userId: row.user_id,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    priceTicks: toTicks(BigInt(worstPrice), units).toString(),
    quantityLots: toLots(BigInt(row.quantity), units).toString(),
    timeInForce: row.time_in_force,
    postOnly: row.post_only,
    selfTradePrevention: 'CANCEL_NEWEST',
  };
}
