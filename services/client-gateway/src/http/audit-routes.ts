import { auditThrough, type HttpServer, serveRoute, type ServiceClient, type ServiceName } from '@exchange/platform';
import { PUBLIC_API } from '@exchange/contracts';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate, requireAdmin } from './authenticate.js';

export interface AuditRouteOptions {
  clientOf: (service: ServiceName) => ServiceClient;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

/**
 * The audit of the running system for an admin (404 for anyone else, like every `/v1/admin/*`
 * route): the gateway asks each service for its own answer and combines them, as `npm run audit`
 * does for the operator. A failed audit is still a 200: the report says what is wrong.
 */
export function registerAuditRoutes(app: HttpServer, options: AuditRouteOptions): void {
  serveRoute(app, PUBLIC_API.audit, ({ query }) => auditThrough(options.clientOf, query.settleMs), {
    onRequest: [authenticate(options.verifier), requireAdmin],
    config: { rateLimit: options.rateLimit },
  });
}
