import type { HttpServer } from '@exchange/platform';
import { fillListQuerySchema, fillListSchema, internalPlaceOrderSchema, orderEnvelopeSchema, orderListQuerySchema, orderListSchema } from '@exchange/contracts';
import { z } from 'zod';
import { cancelOrder } from '../app/cancel-order.js';
import type { OrderDeps } from '../app/order-deps.js';
import { placeOrder } from '../app/place-order.js';
import { getOrder, listFills, listOrders } from '../app/read-orders.js';

const userQuery = z.object({ userId: z.uuid() });
const orderParams = z.object({ id: z.uuid() });

/** The order-manager's internal API, called by the gateway on behalf of an authenticated user. */
export function registerRoutes(app: HttpServer, deps: OrderDeps): void {
  app.post(
    '/order',
    { schema: { body: internalPlaceOrderSchema, response: { 200: orderEnvelopeSchema, 201: orderEnvelopeSchema } } },
    async (request, reply) => {
      const placed = await placeOrder(deps, request.body.userId, request.body.order);
      return reply.status(placed.statusCode).send({ order: placed.order });
    },
  );

  app.get('/orders', { schema: { querystring: orderListQuerySchema.extend(userQuery.shape), response: { 200: orderListSchema } } }, async (request) => {
    const { userId, ...query } = request.query;
    return listOrders(deps, userId, query);
  });

  app.get('/orders/:id', { schema: { params: orderParams, querystring: userQuery, response: { 200: orderEnvelopeSchema } } }, async (request) => ({
    order: await getOrder(deps, request.query.userId, request.params.id),
  }));

  app.delete('/orders/:id', { schema: { params: orderParams, querystring: userQuery, response: { 200: orderEnvelopeSchema } } }, async (request) => ({
    order: await cancelOrder(deps, request.query.userId, request.params.id),
  }));

  app.get('/trades', { schema: { querystring: fillListQuerySchema.extend(userQuery.shape), response: { 200: fillListSchema } } }, async (request) => {
    const { userId, ...query } = request.query;
    return listFills(deps, userId, query);
  });
}
