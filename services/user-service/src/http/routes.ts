import { actorOf, type HttpServer, serveApi } from '@exchange/platform';
import { jwksSchema, USER_SERVICE_API } from '@exchange/contracts';
import { findUser, getProfile } from '../app/get-profile.js';
import { logIn } from '../app/log-in.js';
import { registerUser } from '../app/register-user.js';
import type { UserDeps } from '../app/user-deps.js';

/** The user-service's internal API (USER_SERVICE_API); the JWKS is the only open route. */
export function registerRoutes(app: HttpServer, { users, tokens, attempts, apiKeys }: UserDeps): void {
  serveApi(app, USER_SERVICE_API, {
    register: async ({ body, reply }) => {
      reply.status(201);
      return { user: await registerUser(users, body) };
    },
    logIn: ({ body }) => logIn(users, tokens, attempts, body),
    me: async ({ request }) => ({ user: await getProfile(users, actorOf(request).id) }),
    // does a user exist (the gateway's token check, the wallet), and an admin's credit by e-mail
    userById: async ({ params }) => ({ user: await findUser(users, { id: params.id }) }),
    userByEmail: async ({ query }) => ({ user: await findUser(users, { email: query.email }) }),
    createApiKey: async ({ body, request, reply }) => {
      reply.status(201);
      return apiKeys.create(actorOf(request).id, body);
    },
    apiKeys: async ({ request }) => ({ items: await apiKeys.list(actorOf(request).id) }),
    revokeApiKey: async ({ params, request }) => ({ apiKey: await apiKeys.revoke(actorOf(request).id, params.id) }),
    verifyApiKey: ({ body }) => apiKeys.verify(body),
    // the keys are Ed25519 by construction; the contract's schema says so and checks it
    jwks: () => jwksSchema.parse({ keys: tokens.publishedJwks }),
  });
}
