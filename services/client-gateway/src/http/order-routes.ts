import { actorOf, type ContractClient, type HttpServer, serveRoute } from '@exchange/platform';
import { type ORDER_MANAGER_API, PUBLIC_API } from '@exchange/contracts';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate } from './authenticate.js';
import type { orderForwarder } from './order-forwarder.js';

export interface OrderRouteOptions {
  orders: ContractClient<typeof ORDER_MANAGER_API>;
  /** new orders, sent to the order-manager in batches */
  placements: ReturnType<typeof orderForwarder>;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

/** Orders and fills: the gateway authenticates and hands each call to the order-manager for the caller. */
export function registerOrderRoutes(app: HttpServer, options: OrderRouteOptions): void {
  const guarded = { onRequest: authenticate(options.verifier), config: { rateLimit: options.rateLimit } };
  const { orders } = options;

  for (const route of [PUBLIC_API.placeOrder, PUBLIC_API.placeOrderAlias]) {
    serveRoute(
      app,
      route,
      async ({ body, request, reply }) => {
        const placed = await options.placements.place(body, actorOf(request));
        reply.status(placed.statusCode);
        return { order: placed.order };
      },
      guarded,
    );
  }
  serveRoute(app, PUBLIC_API.orders, ({ query, request }) => orders.listOrders({ query }, { actor: actorOf(request) }), guarded);
  serveRoute(app, PUBLIC_API.order, ({ params, request }) => orders.getOrder({ params }, { actor: actorOf(request) }), guarded);
  serveRoute(app, PUBLIC_API.cancelOrder, ({ params, request }) => orders.cancelOrder({ params }, { actor: actorOf(request) }), guarded);
  serveRoute(app, PUBLIC_API.fills, ({ query, request }) => orders.listFills({ query }, { actor: actorOf(request) }), guarded);
}
