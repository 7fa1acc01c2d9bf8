import { AppError, trace } from '@exchange/platform';
import type { onRequestHookHandler } from 'fastify';
import type { AuthenticatedUser, TokenVerifier } from '../auth/token-verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** set by `authenticate` on routes that need a signed-in caller */
    user?: AuthenticatedUser;
  }
}

/**
 * onRequest hook for routes that need a signed-in caller: 401 UNAUTHENTICATED otherwise. It also
 * sets `request.actor`, the gateway's signed assertion of that user, which internal calls carry.
 */
export function authenticate(verifier: TokenVerifier): onRequestHookHandler {
  return async (request) => {
    const user = await verifier.verify(request.headers.authorization);
    // the request's span names its user: whose trace it is (a user may read the traces of their own requests)
    trace.getActiveSpan()?.setAttribute(END_USER_ATTRIBUTE, user.id);
    request.user = user;
    request.actor = user.credential;
  };
}

/** OpenTelemetry's attribute for the end user a request acts for. */
export const END_USER_ATTRIBUTE = 'enduser.id';

/** The caller of a route guarded by `authenticate`. */
export function callerOf(request: { user?: AuthenticatedUser }): AuthenticatedUser {
  if (!request.user) throw new Error('route is missing the authenticate hook');
  return request.user;
}

/**
 * Admin routes do not exist for anyone else: 404, checked right after authentication, before the
 * body is even read, so their existence and shape do not leak.
 */
export const requireAdmin: onRequestHookHandler = async (request) => {
  if (callerOf(request).role !== 'admin') throw new AppError('ROUTE_NOT_FOUND', 'No such route');
};
