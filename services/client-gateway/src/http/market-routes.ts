import { actorOf, type ContractClient, type HttpServer, serveRoute } from '@exchange/platform';
import { PUBLIC_API, type RISK_MANAGER_API, type USER_SERVICE_API } from '@exchange/contracts';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate, requireAdmin } from './authenticate.js';

export interface MarketRouteOptions {
  /** the risk-manager, which owns the markets and the users' limits */
  markets: ContractClient<typeof RISK_MANAGER_API>;
  users: ContractClient<typeof USER_SERVICE_API>;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

/**
 * The markets: listed for everyone (no token; limited per client address like every /v1 route),
 * created, halted and tuned by admins, who also set each user's risk limits and kill switch. Admin
 * routes answer 404 to anyone else.
 */
export function registerMarketRoutes(app: HttpServer, options: MarketRouteOptions): void {
  const open = { config: { rateLimit: options.rateLimit } };
  const admin = { onRequest: [authenticate(options.verifier), requireAdmin], config: { rateLimit: options.rateLimit } };
  const { markets, users } = options;

  serveRoute(app, PUBLIC_API.markets, () => markets.listMarkets({}), open);
  serveRoute(app, PUBLIC_API.market, ({ params }) => markets.getMarket({ params }), open);
  serveRoute(
    app,
    PUBLIC_API.createMarket,
    async ({ body, request, reply }) => {
      reply.status(201);
      return markets.createMarket({ body }, { actor: actorOf(request) });
    },
    admin,
  );
  serveRoute(app, PUBLIC_API.updateMarket, ({ params, body, request }) => markets.updateMarket({ params, body }, { actor: actorOf(request) }), admin);
  serveRoute(
    app,
    PUBLIC_API.userLimits,
    async ({ params, request }) => {
      const actor = actorOf(request);
      await users.userById({ params: { id: params.userId } }, { actor }); // 404 USER_NOT_FOUND
      return markets.userLimits({ params }, { actor });
    },
    admin,
  );
  serveRoute(
    app,
    PUBLIC_API.setUserLimits,
    async ({ params, body, request }) => {
      const actor = actorOf(request);
      await users.userById({ params: { id: params.userId } }, { actor }); // 404 USER_NOT_FOUND
      return markets.setUserLimits({ params, body }, { actor });
    },
    admin,
  );
}
