import { actorOf, type ContractClient, type HttpServer, serveRoute } from '@exchange/platform';
import { PUBLIC_API, type USER_SERVICE_API } from '@exchange/contracts';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate } from './authenticate.js';

export interface AuthRouteOptions {
  users: ContractClient<typeof USER_SERVICE_API>;
  verifier: TokenVerifier;
  /** strict per-IP limit on the routes that guess passwords or create accounts */
  authRateLimit: { max: number; timeWindow: number };
  rateLimit: { max: number; timeWindow: number };
}

export function registerAuthRoutes(app: HttpServer, options: AuthRouteOptions): void {
  const { users } = options;
  serveRoute(
    app,
    PUBLIC_API.register,
    async ({ body, reply }) => {
      reply.status(201);
      return users.register({ body });
    },
    { config: { rateLimit: options.authRateLimit } },
  );
  serveRoute(app, PUBLIC_API.logIn, ({ body }) => users.logIn({ body }), { config: { rateLimit: options.authRateLimit } });
  serveRoute(app, PUBLIC_API.me, ({ request }) => users.me({}, { actor: actorOf(request) }), {
    onRequest: authenticate(options.verifier),
    config: { rateLimit: options.rateLimit },
  });
  // a user's API keys: managed with a session only (a key cannot make or revoke keys)
  const guarded = { onRequest: authenticate(options.verifier), config: { rateLimit: options.rateLimit } };
  serveRoute(
    app,
    PUBLIC_API.createApiKey,
    async ({ body, request, reply }) => {
      reply.status(201);
      return users.createApiKey({ body }, { actor: actorOf(request) });
    },
    guarded,
  );
  serveRoute(app, PUBLIC_API.apiKeys, ({ request }) => users.apiKeys({}, { actor: actorOf(request) }), guarded);
  serveRoute(app, PUBLIC_API.revokeApiKey, ({ params, request }) => users.revokeApiKey({ params }, { actor: actorOf(request) }), guarded);
}
