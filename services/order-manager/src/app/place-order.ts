import { randomUUID } from 'node:crypto';
import {
  type ActorCredential,
  AppError,
  captureTraceContext,
  context,
  type Context,
  enqueueEvents,
  refusalError,
  requestHash,
  SpanStatusCode,
  trace,
  withSpan,
  withTransaction,
} from '@exchange/platform';
import {
  CASH_ASSET,
  formatAsset,
  ORDER_COMMANDS,
  ordersStream,
  parseAsset,
  timeInForceOf,
  unitsOf,
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
import type { OrderDeps, Placed, Placement } from './order-deps.js';
import { releaseHold } from './release-hold.js';

const tracer = trace.getTracer('@exchange/order-manager');

/**
 * Order placement. A retry under the same clientOrderId gets the order it placed (an earlier one
 * still being placed is waited for); new orders go to the placement batcher, which places every
 * order that arrives while earlier batches run together (`placeOrders`). Orders that arrive together
 * (a batch from the gateway) are handed to it together. Each order runs in its own trace context.
 */
export function placeMany(deps: OrderDeps, orders: Array<{ actor: ActorCredential; request: PlaceOrderRequest; context: Context }>): Array<Promise<Placed>> {
  const answers: Array<Promise<Placed>> = [];
  const fresh: Array<{ position: number; placement: Placement }> = [];
  const carrier = context.active();
  for (const [position, { actor, request, context: parent }] of orders.entries()) {
    const hash = requestHash(request);
    const placement = { actor, request, hash, context: parent, carrier, submittedAt: Date.now() };
    const clientOrderId = request.clientOrderId;
    if (clientOrderId) {
      answers[position] = context.with(parent, async () => (await earlierAnswer(deps, actor.id, clientOrderId, hash)) ?? deps.placements.submit(placement));
    } else fresh.push({ position, placement });
  }
  const submitted = deps.placements.submitMany(fresh.map(({ placement }) => placement));
  for (const [index, { position }] of fresh.entries()) answers[position] = submitted[index]!;
  return answers;
}

export function placeOrder(deps: OrderDeps, actor: ActorCredential, request: PlaceOrderRequest): Promise<Placed> {
  return placeMany(deps, [{ actor, request, context: context.active() }])[0]!;
}

/**
 * Placement of a batch of orders, a saga of four steps; each step that takes something has its
 * undo, and the undo is one function (`undoPlacement`), used both when a step fails here and by the
 * janitor for a placement that died halfway. Each step serves the whole batch with one call or one
 * transaction, and answers each order on its own:
 *
 * 1. the risk-manager's checks (take nothing; answer the market's terms and each user's limits);
 * 2. the orders are written PENDING, each inside its user's open-order limit (undo: forget the row);
 * 3. the wallet holds what each order needs (undo: release the hold);
 * 4. PENDING → NEW and the `order_created` commands, in one transaction: past this, nothing is
 *    undone (the relay publishes the commands to `orders:{SYMBOL}` and the engine's events close
 *    the orders).
 *
 * Each order keeps its own trace: a span of its placement in its request's trace, linked to the
 * batch's span, where the batch's calls and queries are.
 */
export async function placeOrders(deps: OrderDeps, placements: Placement[]): Promise<Array<Placed | Error | Promise<Placed>>> {
  const answers: Array<Placed | Error | Promise<Placed> | undefined> = placements.map(() => undefined);
  deps.metrics.placementBatch(placements.length);
  const links = placements.map((placement) => ({ context: trace.getSpanContext(placement.context) })).filter((link) => link.context !== undefined);
  await tracer.startActiveSpan(
    'order placement batch',
    { links: links.map((link) => ({ context: link.context! })), attributes: { 'exchange.batch.size': placements.length } },
    placements[0]!.carrier,
    async (span) => {
      try {
        await runSaga(deps, placements, answers);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        for (const [index] of placements.entries()) answers[index] ??= error as Error;
      } finally {
        span.end();
        const batch = span.spanContext();
        const ended = Date.now();
        // each order's own span, in its request's trace, linked to the batch that placed it
        for (const [index, placement] of placements.entries()) {
          const own = tracer.startSpan(
            'order placement',
            { startTime: placement.submittedAt, links: [{ context: batch }], attributes: { 'exchange.symbol': placement.request.symbol } },
            placement.context,
          );
          const answer = answers[index];
          if (answer instanceof AppError) own.setAttribute('exchange.error.code', answer.code);
          else if (answer && !(answer instanceof Error) && !(answer instanceof Promise)) own.setAttribute('exchange.order.id', answer.order.id);
          own.end(ended);
        }
      }
    },
  );
  return answers.map((answer, index) => answer ?? new Error(`placement ${index} of a batch was left unanswered`));
}

async function runSaga(deps: OrderDeps, placements: Placement[], answers: Array<Placed | Error | Promise<Placed> | undefined>): Promise<void> {
  // 1. the risk checks
  const ids = placements.map(() => randomUUID());
  const { results: checks } = await deps.risk.checkBatch({
    body: {
      orders: placements.map(({ actor, request }, index) => ({
        orderId: ids[index]!,
        userId: actor.id,
        symbol: request.symbol,
        side: request.side,
        type: request.type,
        price: request.price,
        quantity: request.quantity,
        assertion: actor.assertion,
      })),
    },
  });
  const approved: Array<{ index: number; order: NewOrder; maxOpenOrders: number }> = [];
  for (const [index, check] of checks.entries()) {
    if (!check.ok) answers[index] = refusalError(check);
    else {
      const { actor, request, hash } = placements[index]!;
      approved.push({ index, order: newOrder(ids[index]!, actor.id, hash, request, check.value), maxOpenOrders: check.value.maxOpenOrders });
    }
  }
  if (approved.length === 0) return;

  // 2. the PENDING rows, each user's within their open-order limit
  const { written, taken, overLimit } = await writePending(deps, approved);
  for (const [index, refusal] of overLimit) answers[index] = refusal;
  for (const { index } of approved.filter(({ order }) => taken.has(order.id))) {
    // a request with the same clientOrderId got there first: its answer, or (if it is undone) a placement after all
    const { actor, request } = placements[index]!;
    answers[index] = placeOrder(deps, actor, request);
  }
  if (written.length === 0) return;

  // 3. the holds
  let holds: Awaited<ReturnType<OrderDeps['wallet']['blockFundsBatch']>>['results'];
  try {
    ({ results: holds } = await withSpan('funds blocking', () =>
      deps.wallet.blockFundsBatch({
        body: {
          holds: written.map(({ index, order }) => ({
            userId: order.userId,
            asset: order.hold.asset,
            amount: formatAsset(order.hold.amount, order.hold.asset),
            reference: order.id,
            assertion: placements[index]!.actor.assertion,
          })),
        },
      }),
    ));
  } catch (error) {
    // the call failed as a whole (a timeout may still have held): undo every one
    await Promise.all(written.map(({ order }) => undoPlacement(deps, order, { holdMayExist: true })));
    for (const { index } of written) answers[index] = error as Error;
    return;
  }
  const held: typeof written = [];
  for (const [position, hold] of holds.entries()) {
    const placed = written[position]!;
    if (hold.ok) held.push(placed);
    else {
      // a refused hold was never made
      await undoPlacement(deps, placed.order, { holdMayExist: false });
      answers[placed.index] = refusalError(hold);
    }
  }
  if (held.length === 0) return;

  // 4. publish: PENDING → NEW and the engine's commands, in one transaction
  let published: StoredOrder[];
  try {
    published = await withTransaction(deps.store.db, async (client) => {
      const rows = await deps.store.publishMany(
        client,
        held.map(({ order }) => order.id),
      );
      await withSpan('publish order_created', () =>
        enqueueEvents(
          client,
          rows.map((row) => ({
            id: `order_created:${row.id}`,
            stream: ordersStream(row.symbol),
            contract: ORDER_COMMANDS.order_created,
            data: orderCreatedOf(row),
            traceContext: captureTraceContext(placements[held.find(({ order }) => order.id === row.id)!.index]!.context),
          })),
        ),
      );
      return rows;
    });
  } catch (error) {
    await Promise.all(held.map(({ order }) => undoPlacement(deps, order, { holdMayExist: true })));
    for (const { index } of held) answers[index] = error as Error;
    return;
  }
  deps.relay.wake();
  const byId = new Map(published.map((row) => [row.id, row]));
  for (const { index, order } of held) {
    const row = byId.get(order.id);
    if (row) {
      deps.metrics.orderStatus(row.symbol, 'NEW');
      answers[index] = { statusCode: 201, order: publicOrder(row) };
    } else {
      // claimed by an undo (the janitor) before the publish: undone, never published
      await undoPlacement(deps, order, { holdMayExist: true });
      answers[index] = new AppError('SERVICE_UNAVAILABLE', 'The order could not be placed in time; nothing was placed');
    }
  }
}

/**
 * Step 2: the PENDING rows, each user's placements serialised and counted in one transaction, so
 * an order is written only if its user's open orders (this batch's before it included) stay within
 * the limit. Orders whose clientOrderId another open order holds are not written (`taken`).
 */
async function writePending(
  deps: OrderDeps,
  approved: Array<{ index: number; order: NewOrder; maxOpenOrders: number }>,
): Promise<{ written: Array<{ index: number; order: StoredOrder }>; taken: Set<string>; overLimit: Map<number, AppError> }> {
  return withSpan('INSERT orders', () =>
    withTransaction(deps.store.db, async (client) => {
      const users = approved.map(({ order }) => order.userId);
      await deps.store.lockOwners(client, users);
      const { written, taken } = await deps.store.insertPendingMany(
        client,
        approved.map(({ order }) => order),
      );
      const open = await deps.store.countOpenMany(client, users);
      const ownedByBatch = new Map<string, number>();
      for (const order of written) ownedByBatch.set(order.userId, (ownedByBatch.get(order.userId) ?? 0) + 1);
      // the user's orders before this batch, then this batch's in order, one by one against the limit
      const seen = new Map<string, number>();
      const overLimit = new Map<number, AppError>();
      const kept: Array<{ index: number; order: StoredOrder }> = [];
      const byId = new Map(written.map((order) => [order.id, order]));
      for (const { index, order, maxOpenOrders } of approved) {
        const stored = byId.get(order.id);
        if (!stored) continue;
        const before = (open.get(order.userId) ?? 0) - ownedByBatch.get(order.userId)!;
        const position = (seen.get(order.userId) ?? 0) + 1;
        try {
          checkOpenOrderLimit(before + position, maxOpenOrders);
          seen.set(order.userId, position);
          kept.push({ index, order: stored });
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          overLimit.set(index, error);
        }
      }
      await deps.store.discard(
        client,
        written.filter((order) => !kept.some((k) => k.order.id === order.id)).map((order) => order.id),
      );
      return { written: kept, taken, overLimit };
    }),
  );
}

/**
 * The compensation of a placement, whatever step it reached: claim the row (PENDING → ABORTING, so
 * a publish that got through is never undone), give the hold back if it may have been made, and
 * forget the order. A placement already claimed (an undo that died halfway) is finished. False when
 * the placement was published, or another undo has it. An undo that fails (the wallet or the
 * database briefly down) is retried soon, with backoff (`deps.undoRetries`), until it is done.
 */
export async function undoPlacement(deps: OrderDeps, placement: Pick<StoredOrder, 'id' | 'status'>, options: { holdMayExist: boolean }): Promise<boolean> {
  try {
    if (placement.status !== 'ABORTING' && !(await deps.store.transition(deps.store.db, placement.id, 'claimUndo'))) return false;
    // idempotent by releaseId; a hold never made (or refused) needs no release
    if (options.holdMayExist || placement.status === 'ABORTING') await releaseHold(deps, placement.id, `abort:${placement.id}`);
    await deps.store.forget(placement.id);
    return true;
  } catch (error) {
    deps.logger.warn({ err: error, orderId: placement.id }, 'undoing a placement failed; retrying it shortly');
    retryUndo(deps, placement.id);
    return false;
  }
}

/**
 * Hands a placement whose undo has not finished to the retries (once per order): each attempt reads
 * the row as it is now and finishes the undo from there; it is done when nothing is left to undo.
 */
export function retryUndo(deps: OrderDeps, orderId: string): void {
  deps.undoRetries.schedule(orderId, async () => {
    const row = await deps.store.find(deps.store.db, orderId);
    if (!row || (row.status !== 'PENDING' && row.status !== 'ABORTING')) return true;
    if (row.status === 'PENDING' && !(await deps.store.transition(deps.store.db, orderId, 'claimUndo'))) return true;
    // whether the hold was made is not known here: a release of a hold never made is a no-op
    await releaseHold(deps, orderId, `abort:${orderId}`);
    await deps.store.forget(orderId);
    return true;
  });
}

/**
 * The first answer for a repeated request, a refusal for a different order under an open
 * clientOrderId, or undefined when a new order may be placed. An earlier request that is still
 * being placed is waited for: its outcome is the answer (it may yet be undone, then this one places
 * the order); if it does not finish in time, 409 REQUEST_IN_PROGRESS tells the client to retry.
 */
async function earlierAnswer(deps: OrderDeps, userId: string, clientOrderId: string, hash: string): Promise<Placed | undefined> {
  const deadline = Date.now() + deps.inProgressWaitMs;
  let helped = false;
  for (;;) {
    const earlier = await deps.store.findByClientOrderId(userId, clientOrderId, deps.clientOrderIdWindowMs);
    if (!earlier) return undefined;
    if (earlier.requestHash !== hash) {
      if (holdsClientOrderId(earlier.status)) throw duplicateClientOrderId(clientOrderId);
      return undefined; // a finished order's clientOrderId may be used again for a new order
    }
    if (isVisible(earlier.status)) return { statusCode: 201, order: publicOrder(earlier) };
    if (earlier.status === 'ABORTING' && !helped) {
      // the earlier request failed and its undo has not finished (a dependency was down): try to
      // finish it now rather than wait for its next retry — once undone, this request places it
      helped = true;
      retryUndo(deps, earlier.id);
      if (await deps.undoRetries.attemptNow(earlier.id)) continue;
    }
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
