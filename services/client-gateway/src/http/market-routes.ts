import { actorOf, type HttpServer, type ServiceClient } from '@exchange/platform';
import {
  createMarketRequestSchema,
  errorBodySchema,
  marketEnvelopeSchema,
  marketListSchema,
  updateMarketRequestSchema,
  updateUserRiskLimitsSchema,
  userRiskLimitsSchema,
  type MarketEnvelope,
  type MarketList,
  type UserEnvelope,
  type UserRiskLimits,
} from '@exchange/contracts';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate, requireAdmin } from './authenticate.js';

export interface MarketRouteOptions {
  /** the risk-manager, which owns the markets and the users' limits */
  markets: ServiceClient;
  users: ServiceClient;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

// any text: a symbol that is not listed is 404 UNKNOWN_SYMBOL, as the risk-manager answers
const symbolParams = z.object({ symbol: z.string().min(1).max(40) });
const userParams = z.object({ userId: z.uuid() });
const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 429: errorBodySchema };

const marketPath = (symbol: string) => `/markets/${encodeURIComponent(symbol)}`;

/**
 * The markets: listed for everyone (no token; limited per client address like every /v1 route),
 * created, halted and tuned by admins, who also set each user's risk limits and kill switch. Admin
 * routes answer 404 to anyone else.
 */
export function registerMarketRoutes(app: HttpServer, options: MarketRouteOptions): void {
  const open = { config: { rateLimit: options.rateLimit } };
  const admin = { onRequest: [authenticate(options.verifier), requireAdmin], config: { rateLimit: options.rateLimit } };
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/markets',
    { ...open, schema: { tags: ['markets'], summary: 'Every market, by symbol', response: { 200: marketListSchema, 429: errorBodySchema } } },
    async () => (await options.markets.get<MarketList>('/markets')).body,
  );

  app.get(
    '/v1/markets/:symbol',
    {
      ...open,
      schema: {
        tags: ['markets'],
        summary: 'One market',
        params: symbolParams,
        response: { 200: marketEnvelopeSchema, 404: errorBodySchema, 429: errorBodySchema },
      },
    },
    async (request) => (await options.markets.get<MarketEnvelope>(marketPath(request.params.symbol))).body,
  );

  app.post(
    '/v1/admin/markets',
    {
      ...admin,
      schema: { tags: ['admin'], summary: 'List a new market', security, body: createMarketRequestSchema, response: { 201: marketEnvelopeSchema, ...errors } },
    },
    async (request, reply) => reply.status(201).send((await options.markets.post<MarketEnvelope>('/markets', request.body, { actor: actorOf(request) })).body),
  );

  app.patch(
    '/v1/admin/markets/:symbol',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Halt or resume a market, or change its reference price, fees or limits',
        security,
        params: symbolParams,
        body: updateMarketRequestSchema,
        response: { 200: marketEnvelopeSchema, ...errors },
      },
    },
    async (request) =>
      (await options.markets.request<MarketEnvelope>({ method: 'PATCH', path: marketPath(request.params.symbol), body: request.body, actor: actorOf(request) }))
        .body,
  );

  app.get(
    '/v1/admin/users/:userId/risk-limits',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'The risk limits that apply to a user',
        security,
        params: userParams,
        response: { 200: userRiskLimitsSchema, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await options.users.get<UserEnvelope>(`/users/${request.params.userId}`, { actor }); // 404 USER_NOT_FOUND
      return (await options.markets.get<UserRiskLimits>(`/users/${request.params.userId}/limits`, { actor })).body;
    },
  );

  app.put(
    '/v1/admin/users/:userId/risk-limits',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Set a user’s own risk limits or kill switch (null: back to the default)',
        security,
        params: userParams,
        body: updateUserRiskLimitsSchema,
        response: { 200: userRiskLimitsSchema, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await options.users.get<UserEnvelope>(`/users/${request.params.userId}`, { actor }); // 404 USER_NOT_FOUND
      return (await options.markets.request<UserRiskLimits>({ method: 'PUT', path: `/users/${request.params.userId}/limits`, body: request.body, actor })).body;
    },
  );
}
