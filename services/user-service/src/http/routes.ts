import { actorOf, type HttpServer, serveApi } from '@exchange/platform';
import { jwksSchema, USER_SERVICE_API } from '@exchange/contracts';
import { findUser, getProfile } from '../app/get-profile.js';
import { logIn } from '../app/log-in.js';
import { registerUser } from '../app/register-user.js';
import type { UserDeps } from '../app/user-deps.js';

/** The user-service's internal API (USER_SERVICE_API); the JWKS is the only open route. */
export function registerRoutes(app: HttpServer, { users, tokens, attempts }: UserDeps): void {
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
    // the keys are Ed25519 by construction; the contract's schema says so and checks it
    jwks: () => jwksSchema.parse({ keys: tokens.publishedJwks }),
  });
}
