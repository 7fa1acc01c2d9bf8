import { type ActorCredential, captureTraceContext, context, type Context, type ContractClient, MicroBatcher, refusalError, trace } from '@exchange/platform';
import type { ORDER_MANAGER_API, PlaceOrderRequest } from '@exchange/contracts';

interface Forwarded {
  order: PlaceOrderRequest;
  actor: ActorCredential;
  /** the trace context of the request that placed it */
  context: Context;
}

type Placed = { statusCode: 200 | 201; order: Awaited<ReturnType<ContractClient<typeof ORDER_MANAGER_API>['placeOrder']>>['order'] };

const tracer = trace.getTracer('@exchange/client-gateway');

/**
 * The gateway's side of the batched order path: the orders it receives while earlier calls to the
 * order-manager run go together in one `POST /orders/batch`, each with its user's assertion. A lone
 * order goes at once. Past its bounded queue an order is refused at once (503 with Retry-After),
 * before anything is done for it.
 *
 * Each order keeps its own trace: an "order forward" span in its request's trace, linked to the
 * batch's "orders forward" span (traced under the first order's request), whose context the
 * order-manager continues for that order.
 */
export function orderForwarder(
  orders: Pick<ContractClient<typeof ORDER_MANAGER_API>, 'placeOrders'>,
  limits: { maxItems: number; maxInFlight: number; maxQueued: number; maxWaitMs?: number },
): { place(order: PlaceOrderRequest, actor: ActorCredential): Promise<Placed> } {
  const batcher = new MicroBatcher<Forwarded, Placed>({
    ...limits,
    what: 'orders',
    run: (items) =>
      context.with(items[0]!.context, () =>
        tracer.startActiveSpan(
          'orders forward',
          {
            attributes: { 'exchange.batch.size': items.length },
            links: items.flatMap((item) => {
              const linked = trace.getSpanContext(item.context);
              return linked ? [{ context: linked }] : [];
            }),
          },
          async (batch) => {
            const own = items.map((item) => tracer.startSpan('order forward', { links: [{ context: batch.spanContext() }] }, item.context));
            try {
              const { results } = await orders.placeOrders({
                body: {
                  orders: items.map((item, index) => {
                    const { traceparent } = captureTraceContext(trace.setSpan(item.context, own[index]!));
                    return { assertion: item.actor.assertion, order: item.order, ...(traceparent ? { traceparent } : {}) };
                  }),
                },
              });
              return results.map((result) => (result.ok ? result.value : refusalError(result)));
            } finally {
              for (const span of own) span.end();
              batch.end();
            }
          },
        ),
      ),
  });
  return {
    place: (order, actor) => batcher.submit({ order, actor, context: context.active() }),
  };
}
