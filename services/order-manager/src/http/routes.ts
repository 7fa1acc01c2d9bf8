import { actorOf, type HttpServer } from '@exchange/platform';
import { fillListQuerySchema, fillListSchema, orderEnvelopeSchema, orderListQuerySchema, orderListSchema, placeOrderRequestSchema } from '@exchange/contracts';
import { z } from 'zod';
import { cancelOrder } from '../app/cancel-order.js';
import type { OrderDeps } from '../app/order-deps.js';
import { placeOrder } from '../app/place-order.js';
import { getOrder, listFills, listOrders } from '../app/read-orders.js';

const orderParams = z.object({ id: z.uuid() });

/** The order-manager's internal API, called by the gateway for the user it asserts (never a user id of the caller's choosing). */
export function registerRoutes(app: HttpServer, deps: OrderDeps): void {
  app.post(
    '/order',
    { schema: { body: placeOrderRequestSchema, response: { 200: orderEnvelopeSchema, 201: orderEnvelopeSchema } } },
    async (request, reply) => {
      const placed = await placeOrder(deps, actorOf(request), request.body);
      return reply.status(placed.statusCode).send({ order: placed.order });
    },
  );

  app.get('/orders', { schema: { querystring: orderListQuerySchema, response: { 200: orderListSchema } } }, async (request) =>
    listOrders(deps, actorOf(request).id, request.query),
  );

  app.get('/orders/:id', { schema: { params: orderParams, response: { 200: orderEnvelopeSchema } } }, async (request) => ({
    order: await getOrder(deps, actorOf(request).id, request.params.id),
  }));

  app.delete('/orders/:id', { schema: { params: orderParams, response: { 200: orderEnvelopeSchema } } }, async (request) => ({
    order: await cancelOrder(deps, actorOf(request).id, request.params.id),
  }));

  app.get('/trades', { schema: { querystring: fillListQuerySchema, response: { 200: fillListSchema } } }, async (request) =>
    listFills(deps, actorOf(request).id, request.query),
  );
}
