import { actorOf, type HttpServer, type ServiceClient } from '@exchange/platform';
import {
  errorBodySchema,
  fillListQuerySchema,
  fillListSchema,
  orderEnvelopeSchema,
  orderListQuerySchema,
  orderListSchema,
  placeOrderRequestSchema,
  type FillList,
  type OrderEnvelope,
  type OrderList,
} from '@exchange/contracts';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate } from './authenticate.js';

export interface OrderRouteOptions {
  orders: ServiceClient;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

const orderParams = z.object({ id: z.uuid() });
const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema, 429: errorBodySchema };

/** Orders and fills: the gateway authenticates and hands each call to the order-manager for the caller. */
export function registerOrderRoutes(app: HttpServer, options: OrderRouteOptions): void {
  const guarded = { onRequest: authenticate(options.verifier), config: { rateLimit: options.rateLimit } };
  const security = [{ bearerAuth: [] }];

  for (const [path, summary] of [
    ['/v1/orders', 'Place an order'],
    ['/v1/order', 'Place an order (the singular path, same as POST /v1/orders)'],
  ] as const) {
    app.post(
      path,
      {
        ...guarded,
        schema: { tags: ['orders'], summary, security, body: placeOrderRequestSchema, response: { 201: orderEnvelopeSchema, ...errors } },
      },
      async (request, reply) => {
        const { statusCode, body } = await options.orders.post<OrderEnvelope>('/order', request.body, { actor: actorOf(request) });
        return reply.status(statusCode as 201).send(body);
      },
    );
  }

  app.get(
    '/v1/orders',
    {
      ...guarded,
      schema: {
        tags: ['orders'],
        summary: 'Your orders, newest first',
        security,
        querystring: orderListQuerySchema,
        response: { 200: orderListSchema, ...errors },
      },
    },
    async (request) => (await options.orders.get<OrderList>('/orders', { query: request.query, actor: actorOf(request) })).body,
  );

  app.get(
    '/v1/orders/:id',
    {
      ...guarded,
      schema: { tags: ['orders'], summary: 'One of your orders', security, params: orderParams, response: { 200: orderEnvelopeSchema, ...errors } },
    },
    async (request) => (await options.orders.get<OrderEnvelope>(`/orders/${request.params.id}`, { actor: actorOf(request) })).body,
  );

  app.delete(
    '/v1/orders/:id',
    {
      ...guarded,
      schema: {
        tags: ['orders'],
        summary: 'Cancel an open order (it stays open with cancelRequested until the engine confirms)',
        security,
        params: orderParams,
        response: { 200: orderEnvelopeSchema, ...errors },
      },
    },
    async (request) => (await options.orders.request<OrderEnvelope>({ method: 'DELETE', path: `/orders/${request.params.id}`, actor: actorOf(request) })).body,
  );

  app.get(
    '/v1/trades',
    {
      ...guarded,
      schema: {
        tags: ['orders'],
        summary: 'Your fills, newest first',
        security,
        querystring: fillListQuerySchema,
        response: { 200: fillListSchema, ...errors },
      },
    },
    async (request) => (await options.orders.get<FillList>('/trades', { query: request.query, actor: actorOf(request) })).body,
  );
}
