import { actorOf, type HttpServer, type ServiceClient } from '@exchange/platform';
import {
  errorBodySchema,
  loginRequestSchema,
  loginResponseSchema,
  registerRequestSchema,
  userEnvelopeSchema,
  type LoginResponse,
  type UserEnvelope,
} from '@exchange/contracts';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate } from './authenticate.js';

export interface AuthRouteOptions {
  users: ServiceClient;
  verifier: TokenVerifier;
  /** strict per-IP limit on the routes that guess passwords or create accounts */
  authRateLimit: { max: number; timeWindow: number };
  rateLimit: { max: number; timeWindow: number };
}

const errors = { 400: errorBodySchema, 401: errorBodySchema, 409: errorBodySchema, 429: errorBodySchema };

export function registerAuthRoutes(app: HttpServer, options: AuthRouteOptions): void {
  app.post(
    '/v1/auth/register',
    {
      config: { rateLimit: options.authRateLimit },
      schema: {
        tags: ['auth'],
        summary: 'Create an account',
        body: registerRequestSchema,
        response: { 201: userEnvelopeSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { body } = await options.users.post<UserEnvelope>('/register', request.body);
      return reply.status(201).send(body);
    },
  );

  app.post(
    '/v1/auth/login',
    {
      config: { rateLimit: options.authRateLimit },
      schema: {
        tags: ['auth'],
        summary: 'Exchange e-mail and password for an access token',
        body: loginRequestSchema,
        response: { 200: loginResponseSchema, ...errors },
      },
    },
    async (request) => (await options.users.post<LoginResponse>('/auth/login', request.body)).body,
  );

  app.get(
    '/v1/me',
    {
      onRequest: authenticate(options.verifier),
      config: { rateLimit: options.rateLimit },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user',
        security: [{ bearerAuth: [] }],
        response: { 200: userEnvelopeSchema, 401: errorBodySchema, 429: errorBodySchema },
      },
    },
    async (request) => (await options.users.get<UserEnvelope>('/me', { actor: actorOf(request) })).body,
  );
}
