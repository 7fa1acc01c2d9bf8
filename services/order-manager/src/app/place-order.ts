import { randomUUID } from 'node:crypto';
import { type ActorCredential, AppError, enqueueEvent, requestHash, SQL_UNIQUE_VIOLATION, sqlState, withSpan, withTransaction } from '@exchange/platform';
import {
  CASH_ASSET,
  formatAsset,
  ORDER_COMMANDS,
  ordersStream,
  parseAsset,
  timeInForceOf,
  unitsOf,
  type Order,
  type PlaceOrderRequest,
  type RiskCheckResponse,
} from '@exchange/contracts';
import {
  checkOpenOrderLimit,
  holdOf,
  holdsClientOrderId,
  isVisible,
  orderCreatedOf,
  publicOrder,
  type NewOrder,
  type StoredOrder,
} from '../domain/order-lifecycle.js';
import type { OrderDeps } from './order-deps.js';
import { releaseHold } from './release-hold.js';

export interface Placed {
  statusCode: 200 | 201;
  order: Order;
}

/**
 * Order placement, a saga of four steps; each step that takes something has its undo, and the
 * undo is one function (`undoPlacement`), used both when a step fails here and by the janitor for a
 * placement that died halfway:
 *
 * 1. the risk-manager's check (takes nothing; answers the market's terms and the user's limits);
 * 2. the order is written PENDING, inside the user's open-order limit (undo: forget the row);
 * 3. the wallet holds what the order needs (undo: release the hold);
 * 4. PENDING → NEW and its `order_created` command, in one transaction: past this, nothing is undone
 *    (the relay publishes the command to `orders:{SYMBOL}` and the engine's events close the order).
 *
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
  const risk = await deps.risk.check(
    { body: { orderId, userId, symbol: request.symbol, side: request.side, type: request.type, price: request.price, quantity: request.quantity } },
    { actor },
  );
  const order = newOrder(orderId, userId, hash, request, risk);

  let pending: StoredOrder;
  try {
    pending = await writePending(deps, order, risk.maxOpenOrders);
  } catch (error) {
    if (sqlState(error) !== SQL_UNIQUE_VIOLATION || !request.clientOrderId) throw error;
    // a concurrent request with the same clientOrderId got there first: its answer, or (if it was
    // undone meanwhile) this request places the order after all
    const replay = await earlierAnswer(deps, userId, request.clientOrderId, hash);
    if (replay) return replay;
    pending = await writePending(deps, order, risk.maxOpenOrders);
  }

  try {
    await withSpan('funds blocking', () =>
      deps.wallet.blockFunds(
        { body: { userId, asset: pending.hold.asset, amount: formatAsset(pending.hold.amount, pending.hold.asset), reference: orderId } },
        { actor },
      ),
    );
  } catch (error) {
    // a refused hold was never made; anything else (a timeout) may have made it, or may still
    await undoPlacement(deps, pending, { holdMayExist: !isRefusal(error) });
    throw error;
  }

  try {
    const published = await withTransaction(deps.store.db, async (client) => {
      const row = await deps.store.transition(client, orderId, 'publish');
      if (!row) throw new AppError('SERVICE_UNAVAILABLE', 'The order could not be placed in time; nothing was placed');
      await withSpan('publish order_created', () =>
        enqueueEvent(client, {
          id: `order_created:${orderId}`,
          stream: ordersStream(row.symbol),
          contract: ORDER_COMMANDS.order_created,
          data: orderCreatedOf(row),
        }),
      );
      return row;
    });
    deps.relay.wake();
    deps.metrics.orderStatus(published.symbol, 'NEW');
    return { statusCode: 201, order: publicOrder(published) };
  } catch (error) {
    await undoPlacement(deps, pending, { holdMayExist: true });
    throw error;
  }
}

/** Step 2: the PENDING row, written only if the user's open orders (this one included) stay within the limit. */
function writePending(deps: OrderDeps, order: NewOrder, maxOpenOrders: number): Promise<StoredOrder> {
  return withSpan('INSERT order', () =>
    withTransaction(deps.store.db, async (client) => {
      await deps.store.lockOwner(client, order.userId);
      const written = await deps.store.insertPending(client, order);
      checkOpenOrderLimit(await deps.store.countOpen(client, order.userId), maxOpenOrders);
      return written;
    }),
  );
}

const isRefusal = (error: unknown) => error instanceof AppError && error.statusCode < 500;

/**
 * The compensation of a placement, whatever step it reached: claim the row (PENDING → ABORTING, so
 * a publish that got through is never undone), give the hold back if it may have been made, and
 * forget the order. A placement already claimed (an undo that died halfway) is finished. False when
 * the placement was published, or another undo has it. Failures are left to the janitor, which
 * calls this again.
 */
export async function undoPlacement(deps: OrderDeps, placement: Pick<StoredOrder, 'id' | 'status'>, options: { holdMayExist: boolean }): Promise<boolean> {
  try {
    if (placement.status !== 'ABORTING' && !(await deps.store.transition(deps.store.db, placement.id, 'claimUndo'))) return false;
    // idempotent by releaseId; a hold never made (or refused) needs no release
    if (options.holdMayExist || placement.status === 'ABORTING') await releaseHold(deps, placement.id, `abort:${placement.id}`);
    await deps.store.forget(placement.id);
    return true;
  } catch (error) {
    deps.logger.warn({ err: error, orderId: placement.id }, 'undoing a placement failed; the janitor will finish it');
    return false;
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
    if (earlier.requestHash !== hash) {
      if (holdsClientOrderId(earlier.status)) throw duplicateClientOrderId(clientOrderId);
      return undefined; // a finished order's clientOrderId may be used again for a new order
    }
    if (isVisible(earlier.status)) return { statusCode: 201, order: publicOrder(earlier) };
    if (Date.now() > deadline) {
      throw new AppError('REQUEST_IN_PROGRESS', `The order with clientOrderId ${clientOrderId} is still being placed; retry shortly`, { clientOrderId });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function duplicateClientOrderId(clientOrderId: string): AppError {
  return new AppError('DUPLICATE_CLIENT_ORDER_ID', `You have an open order with clientOrderId ${clientOrderId}`, { clientOrderId });
}

function newOrder(id: string, userId: string, hash: string, request: PlaceOrderRequest, risk: RiskCheckResponse): NewOrder {
  const { market } = risk;
  const priced = {
    side: request.side,
    symbol: request.symbol,
    priceCents: request.price === undefined ? null : parseAsset(request.price, CASH_ASSET),
    protectionPriceCents: risk.protectionPrice === undefined ? null : parseAsset(risk.protectionPrice, CASH_ASSET),
    makerFeeBps: market.makerFeeBps,
    takerFeeBps: market.takerFeeBps,
  };
  if (priced.priceCents === null && priced.protectionPriceCents === null) {
    throw new AppError('INTERNAL_ERROR', 'the risk-manager gave a market order no protection price');
  }
  const quantity = parseAsset(request.quantity, request.symbol);
  return {
    ...priced,
    id,
    userId,
    clientOrderId: request.clientOrderId ?? null,
    requestHash: hash,
    type: request.type,
    timeInForce: timeInForceOf(request.type, request.timeInForce),
    postOnly: request.postOnly,
    quantity,
    units: unitsOf(market),
    hold: holdOf({ ...priced, quantity }),
  };
}
