import { type HttpServer, serveApi } from '@exchange/platform';
import { RISK_MANAGER_API } from '@exchange/contracts';
import { checkOrder, checkOrders } from '../app/check-order.js';
import { createMarket } from '../app/create-market.js';
import { getUserLimits } from '../app/get-user-limits.js';
import { getMarket, listMarkets } from '../app/read-markets.js';
import type { RiskDeps } from '../app/risk-deps.js';
import { updateMarket } from '../app/update-market.js';
import { updateUserLimits } from '../app/update-user-limits.js';

/** The risk-manager's internal API (RISK_MANAGER_API): the markets (instrument registry), per-user limits and the pre-trade check. */
export function registerRoutes(app: HttpServer, deps: RiskDeps): void {
  serveApi(app, RISK_MANAGER_API, {
    listMarkets: () => listMarkets(deps),
    getMarket: async ({ params }) => ({ market: await getMarket(deps, params.symbol) }),
    createMarket: async ({ body, reply }) => {
      reply.status(201);
      return { market: await createMarket(deps, body) };
    },
    updateMarket: async ({ params, body }) => ({ market: await updateMarket(deps, params.symbol, body) }),
    userLimits: ({ params }) => getUserLimits(deps, params.userId),
    setUserLimits: ({ params, body }) => updateUserLimits(deps, params.userId, body),
    check: ({ body }) => checkOrder(deps, body),
    // each order's user was checked against its own assertion by the access guard
    checkBatch: async ({ body }) => ({
      results: await checkOrders(
        deps,
        body.orders.map(({ assertion: _assertion, ...order }) => order),
      ),
    }),
  });
}
