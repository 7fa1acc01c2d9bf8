import { actorOf, type HttpServer } from '@exchange/platform';
import { emailSchema, errorBodySchema, loginRequestSchema, loginResponseSchema, registerRequestSchema, userEnvelopeSchema } from '@exchange/contracts';
import { z } from 'zod';
import { findUser, getProfile } from '../app/get-profile.js';
import { logIn } from '../app/log-in.js';
import { registerUser } from '../app/register-user.js';
import type { TokenIssuer } from '../app/token-issuer.js';
import type { LoginAttempts } from '../store/login-attempts.js';
import type { UsersStore } from '../store/users-store.js';

export function registerRoutes(app: HttpServer, users: UsersStore, tokens: TokenIssuer, attempts: LoginAttempts): void {
  app.post('/register', { schema: { body: registerRequestSchema, response: { 201: userEnvelopeSchema, 409: errorBodySchema } } }, async (request, reply) =>
    reply.status(201).send({ user: await registerUser(users, request.body) }),
  );

  app.post('/auth/login', { schema: { body: loginRequestSchema, response: { 200: loginResponseSchema, 401: errorBodySchema } } }, async (request) =>
    logIn(users, tokens, attempts, request.body),
  );

  app.get('/me', { schema: { response: { 200: userEnvelopeSchema } } }, async (request) => ({
    user: await getProfile(users, actorOf(request).id),
  }));

  // Look-ups: does a user exist (the gateway's token check, the wallet), and an admin's credit by e-mail.
  app.get('/users/:id', { schema: { params: z.object({ id: z.uuid() }), response: { 200: userEnvelopeSchema } } }, async (request) => ({
    user: await findUser(users, { id: request.params.id }),
  }));

  app.get('/users', { schema: { querystring: z.object({ email: emailSchema }), response: { 200: userEnvelopeSchema } } }, async (request) => ({
    user: await findUser(users, { email: request.query.email }),
  }));

  app.get('/.well-known/jwks.json', { schema: { response: { 200: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) } } }, async () => ({
    keys: tokens.publishedJwks,
  }));
}
