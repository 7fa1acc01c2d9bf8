import { actorOf, type HttpServer, type ServiceClient } from '@exchange/platform';
import {
  CSV_CONTENT_TYPE,
  errorBodySchema,
  pnlReportSchema,
  statementQuerySchema,
  statementSchema,
  volumeQuerySchema,
  volumeReportSchema,
  type PnlReport,
  type Statement,
  type VolumeReport,
} from '@exchange/contracts';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate, requireAdmin } from './authenticate.js';

export interface ReportRouteOptions {
  reports: ServiceClient;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 429: errorBodySchema };

/**
 * Reports: the gateway authenticates and asks the reporting-service for the caller (the user id
 * always from the token); the exchange volumes are for admins only (404 for anyone else, like
 * `/v1/admin/*`). The reporting-service validates the queries.
 */
export function registerReportRoutes(app: HttpServer, options: ReportRouteOptions): void {
  const guarded = { onRequest: authenticate(options.verifier), config: { rateLimit: options.rateLimit } };
  const admin = { onRequest: [authenticate(options.verifier), requireAdmin], config: { rateLimit: options.rateLimit } };
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/reports/statement',
    {
      ...guarded,
      schema: {
        tags: ['reports'],
        summary:
          'Your statement for [from, to): per asset the opening balance, every entry with the balance after it, the closing balance; and your fills (format=csv: a spreadsheet file)',
        security,
        querystring: statementQuerySchema,
        response: { 200: statementSchema.or(z.string().meta({ description: 'format=csv: text/csv, one header row, RFC 4180' })), ...errors },
      },
    },
    async (request, reply) => {
      const { body, headers } = await options.reports.get<Statement | string>('/reports/statement', { query: request.query, actor: actorOf(request) });
      if (request.query.format !== 'csv') return body;
      // the file passes through with its type and name
      return reply
        .header('content-type', String(headers['content-type'] ?? CSV_CONTENT_TYPE))
        .header('content-disposition', String(headers['content-disposition'] ?? 'attachment'))
        .send(body);
    },
  );

  app.get(
    '/v1/reports/pnl',
    {
      ...guarded,
      schema: {
        tags: ['reports'],
        summary: 'Your positions: average cost, realized and unrealized P&L at the last trade price',
        security,
        response: { 200: pnlReportSchema, ...errors },
      },
    },
    async (request) => (await options.reports.get<PnlReport>('/reports/pnl', { actor: actorOf(request) })).body,
  );

  app.get(
    '/v1/reports/volume',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Exchange volumes per symbol and UTC day (admins only)',
        security,
        querystring: volumeQuerySchema,
        response: { 200: volumeReportSchema, ...errors },
      },
    },
    async (request) => (await options.reports.get<VolumeReport>('/reports/volume', { query: request.query, actor: actorOf(request) })).body,
  );
}
