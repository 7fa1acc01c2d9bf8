import { actorOf, callRoute, type HttpServer, serveRoute, type ServiceClient } from '@exchange/platform';
import { CSV_CONTENT_TYPE, PUBLIC_API, REPORTING_API } from '@exchange/contracts';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate, requireAdmin } from './authenticate.js';

export interface ReportRouteOptions {
  /** the reporting-service (the statement's file passes through with its headers) */
  reports: ServiceClient;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

/**
 * Reports: the gateway authenticates and asks the reporting-service for the caller (the user id
 * always from the token); the exchange volumes are for admins only (404 for anyone else, like
 * `/v1/admin/*`). The reporting-service validates the queries.
 */
export function registerReportRoutes(app: HttpServer, options: ReportRouteOptions): void {
  const guarded = { onRequest: authenticate(options.verifier), config: { rateLimit: options.rateLimit } };
  const admin = { onRequest: [authenticate(options.verifier), requireAdmin], config: { rateLimit: options.rateLimit } };
  const { reports } = options;

  serveRoute(
    app,
    PUBLIC_API.statement,
    async ({ query, request, reply }) => {
      const { body, headers } = await callRoute(reports, REPORTING_API.statement, { query }, { actor: actorOf(request) });
      if (typeof body === 'string') {
        // the file passes through with its type and name
        reply
          .header('content-type', String(headers['content-type'] ?? CSV_CONTENT_TYPE))
          .header('content-disposition', String(headers['content-disposition'] ?? 'attachment'));
      }
      return body;
    },
    guarded,
  );
  serveRoute(app, PUBLIC_API.pnl, async ({ request }) => (await callRoute(reports, REPORTING_API.pnl, {}, { actor: actorOf(request) })).body, guarded);
  serveRoute(
    app,
    PUBLIC_API.volume,
    async ({ query, request }) => (await callRoute(reports, REPORTING_API.volume, { query }, { actor: actorOf(request) })).body,
    admin,
  );
}
