import { actorOf, type HttpServer, serveApi } from '@exchange/platform';
import { CSV_CONTENT_TYPE, REPORTING_API, type ServiceAudit } from '@exchange/contracts';
import { getPnl } from '../app/get-pnl.js';
import { getStatement } from '../app/get-statement.js';
import { getVolume } from '../app/get-volume.js';
import type { ReportDeps } from '../app/report-deps.js';

/**
 * The reporting-service's internal API (REPORTING_API), called by the gateway for the user it
 * asserts (the volume report only for an asserted admin). The use-cases check the dates themselves,
 * so every refusal carries the same `details.fields`.
 */
export function registerRoutes(app: HttpServer, deps: ReportDeps, audit: () => Promise<ServiceAudit>): void {
  serveApi(app, REPORTING_API, {
    audit,
    statement: async ({ query, request, reply }) => {
      const answer = await getStatement(deps, actorOf(request).id, query);
      if (answer.format === 'json') return answer.statement;
      reply.header('content-type', CSV_CONTENT_TYPE).header('content-disposition', `attachment; filename="${answer.filename}"`);
      return answer.csv;
    },
    pnl: ({ request }) => getPnl(deps, actorOf(request).id),
    volume: ({ query }) => getVolume(deps, query),
  });
}
