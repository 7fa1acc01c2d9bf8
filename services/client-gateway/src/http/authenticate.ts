import { createHash } from 'node:crypto';
import { AppError, trace } from '@exchange/platform';
import { type ApiKeyScope, EMPTY_BODY_SHA256, type RouteContract } from '@exchange/contracts';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { type ApiKeyVerifier, apiKeyHeaders } from '../auth/api-key-verifier.js';
import type { AuthenticatedUser, TokenVerifier } from '../auth/token-verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** set by `authenticate` on routes that need a signed-in caller */
    user?: AuthenticatedUser;
    /** a signed request's scope, waiting for its body to be read before its signature is checked */
    pendingApiKey?: { keyId: string; timestamp: string; signature: string; scope: ApiKeyScope };
    /** SHA-256 of the body as it came, for a signed request */
    bodySha256?: string;
  }
}

/**
 * onRequest hook for routes that need a signed-in caller: an access token (`Authorization: Bearer`)
 * or an API key's signature (verified once the body is read: see `verifySignedRequests`); 401
 * UNAUTHENTICATED otherwise. It also sets `request.actor`, the gateway's signed assertion of that
 * user, which internal calls carry.
 */
export function authenticate(verifier: TokenVerifier): onRequestHookHandler {
  return async (request) => {
    const signed = apiKeyHeaders(request.headers);
    if (signed) {
      const contract = (request.routeOptions.config as { contract?: RouteContract }).contract;
      // admin routes do not exist for a key, as for anyone who is not an admin
      if (contract?.path.startsWith('/v1/admin/')) throw new AppError('ROUTE_NOT_FOUND', 'No such route');
      if (!contract?.apiKeyScope) throw new AppError('API_KEY_NOT_ALLOWED', 'This route takes a signed-in session, not an API key');
      if (request.headers.authorization !== undefined) throw new AppError('API_KEY_INVALID', 'Send an access token or an API key signature, not both');
      request.pendingApiKey = { ...signed, scope: contract.apiKeyScope };
      return;
    }
    const user = await verifier.verify(request.headers.authorization);
    // the request's span names its user: whose trace it is (a user may read the traces of their own requests)
    trace.getActiveSpan()?.setAttribute(END_USER_ATTRIBUTE, user.id);
    request.user = user;
    request.actor = user.credential;
  };
}

/**
 * Keeps the SHA-256 of a signed request's JSON body as it came (the signature covers it), and checks
 * every signed request's key, window, signature, address and scope before the route's handler and
 * the per-caller rate limit (which then counts per key) run.
 */
export function verifySignedRequests(app: FastifyInstance, apiKeys: ApiKeyVerifier): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request: FastifyRequest, body: string | Buffer, done) => {
    if (request.headers['x-api-key'] !== undefined) request.bodySha256 = createHash('sha256').update(body).digest('hex');
    parseJson(request, body as string, done);
  });
  app.addHook('preValidation', async (request) => {
    const pending = request.pendingApiKey;
    if (!pending) return;
    const at = request.url.indexOf('?');
    const user = await apiKeys.verify({
      ...pending,
      method: request.method,
      path: at < 0 ? request.url : request.url.slice(0, at),
      query: at < 0 ? '' : request.url.slice(at + 1),
      bodySha256: request.bodySha256 ?? EMPTY_BODY_SHA256,
      ip: request.ip,
    });
    trace.getActiveSpan()?.setAttribute(END_USER_ATTRIBUTE, user.id);
    request.user = user;
    request.actor = user.credential;
  });
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
