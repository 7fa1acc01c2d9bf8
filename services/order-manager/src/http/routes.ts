import {
  actorOf,
  AppError,
  context,
  type HttpServer,
  itemActorsOf,
  itemRefusal,
  type OutboxRelay,
  outboxReplayHandler,
  restoreTraceContext,
  serveApi,
} from '@exchange/platform';
import { ORDER_MANAGER_API, type ServiceAudit } from '@exchange/contracts';
import { cancelOrder } from '../app/cancel-order.js';
import type { OrderDeps } from '../app/order-deps.js';
import { placeMany, placeOrder } from '../app/place-order.js';
import { getOrder, listFills, listOrders } from '../app/read-orders.js';

/** The order-manager's internal API (ORDER_MANAGER_API), called by the gateway for the user it asserts (never a user id of the caller's choosing). */
export function registerRoutes(app: HttpServer, deps: OrderDeps, relay: Pick<OutboxRelay, 'replay' | 'restore'>, audit: () => Promise<ServiceAudit>): void {
  serveApi(app, ORDER_MANAGER_API, {
    audit,
    // the engine found a gap in a market's commands: they are published again from the outbox
    replayOutbox: outboxReplayHandler(relay, 'order-manager'),
    placeOrder: async ({ body, request, reply }) => {
      const placed = await placeOrder(deps, actorOf(request), body);
      reply.status(placed.statusCode);
      return { order: placed.order };
    },
    // each order's user was checked against its own assertion by the access guard; each continues its own trace
    placeOrders: async ({ body, request }) => {
      const actors = itemActorsOf(request);
      const placing = placeMany(
        deps,
        body.orders.map((item, index) => ({
          actor: actors[index]!,
          request: item.order,
          context: item.traceparent ? restoreTraceContext({ traceparent: item.traceparent }) : context.active(),
        })),
      );
      const results = await Promise.all(
        placing.map(async (placed) => {
          try {
            return { ok: true as const, value: await placed };
          } catch (error) {
            if (error instanceof AppError) return itemRefusal(error);
            request.log.error({ err: error }, 'a placement of a batch failed');
            return itemRefusal(new AppError('INTERNAL_ERROR', 'Something went wrong on our side'));
          }
        }),
      );
      return { results };
    },
    listOrders: ({ query, request }) => listOrders(deps, actorOf(request).id, query),
    getOrder: async ({ params, request }) => ({ order: await getOrder(deps, actorOf(request).id, params.id) }),
    cancelOrder: async ({ params, request }) => ({ order: await cancelOrder(deps, actorOf(request).id, params.id) }),
    listFills: ({ query, request }) => listFills(deps, actorOf(request).id, query),
  });
}
