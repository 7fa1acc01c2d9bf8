import type { HttpServer } from '@exchange/platform';
import {
  createMarketRequestSchema,
  errorBodySchema,
  marketEnvelopeSchema,
  marketListSchema,
  riskCheckRequestSchema,
  riskCheckResponseSchema,
  updateMarketRequestSchema,
  updateUserRiskLimitsSchema,
  userRiskLimitsSchema,
} from '@exchange/contracts';
import { z } from 'zod';
import { checkOrder } from '../app/check-order.js';
import { createMarket } from '../app/create-market.js';
import { getUserLimits } from '../app/get-user-limits.js';
import { getMarket, listMarkets } from '../app/read-markets.js';
import type { RiskDeps } from '../app/risk-deps.js';
import { updateMarket } from '../app/update-market.js';
import { updateUserLimits } from '../app/update-user-limits.js';

// any text: a symbol that is not listed, well-formed or not, is 404 UNKNOWN_SYMBOL
const symbolParams = z.object({ symbol: z.string().min(1).max(40) });
const userParams = z.object({ userId: z.uuid() });

/** The risk-manager's internal API: the markets (instrument registry), per-user limits and the pre-trade check. */
export function registerRoutes(app: HttpServer, deps: RiskDeps): void {
  app.get('/markets', { schema: { response: { 200: marketListSchema } } }, async () => listMarkets(deps));

  app.get('/markets/:symbol', { schema: { params: symbolParams, response: { 200: marketEnvelopeSchema, 404: errorBodySchema } } }, async (request) => ({
    market: await getMarket(deps, request.params.symbol),
  }));

  app.post('/markets', { schema: { body: createMarketRequestSchema, response: { 201: marketEnvelopeSchema, 409: errorBodySchema } } }, async (request, reply) =>
    reply.status(201).send({ market: await createMarket(deps, request.body) }),
  );

  app.patch(
    '/markets/:symbol',
    { schema: { params: symbolParams, body: updateMarketRequestSchema, response: { 200: marketEnvelopeSchema, 404: errorBodySchema } } },
    async (request) => ({ market: await updateMarket(deps, request.params.symbol, request.body) }),
  );

  app.get('/users/:userId/limits', { schema: { params: userParams, response: { 200: userRiskLimitsSchema } } }, async (request) =>
    getUserLimits(deps, request.params.userId),
  );

  app.put(
    '/users/:userId/limits',
    { schema: { params: userParams, body: updateUserRiskLimitsSchema, response: { 200: userRiskLimitsSchema } } },
    async (request) => updateUserLimits(deps, request.params.userId, request.body),
  );

  app.post('/check', { schema: { body: riskCheckRequestSchema, response: { 200: riskCheckResponseSchema } } }, async (request) =>
    checkOrder(deps, request.body),
  );
}
