import type { onRequestHookHandler } from 'fastify';
import type { AuthenticatedUser, TokenVerifier } from '../auth/token-verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** set by `authenticate` on routes that need a signed-in caller */
    user?: AuthenticatedUser;
  }
}

/** onRequest hook for routes that need a signed-in caller: 401 UNAUTHENTICATED otherwise. */
export function authenticate(verifier: TokenVerifier): onRequestHookHandler {
  return async (request) => {
    request.user = await verifier.verify(request.headers.authorization);
  };
}

/** The caller of a route guarded by `authenticate`. */
export function callerOf(request: { user?: AuthenticatedUser }): AuthenticatedUser {
  if (!request.user) throw new Error('route is missing the authenticate hook');
  return request.user;
}
