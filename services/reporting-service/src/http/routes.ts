import { actorOf, type HttpServer } from '@exchange/platform';
import { CSV_CONTENT_TYPE } from '@exchange/contracts';
import type { ReportDeps } from '../app/report-deps.js';
import { getPnl } from '../app/get-pnl.js';
import { getStatement } from '../app/get-statement.js';
import { getVolume } from '../app/get-volume.js';

type Query = Record<string, unknown>;

/**
 * The reporting-service's internal API, called by the gateway for the user it asserts (the volume
 * report only for an asserted admin). The use-cases validate the query themselves, so every refusal
 * carries the same `details.fields`.
 */
export function registerRoutes(app: HttpServer, deps: ReportDeps): void {
  app.get('/reports/statement', async (request, reply) => {
    const answer = await getStatement(deps, actorOf(request).id, request.query as Query);
    if (answer.format === 'json') return answer.statement;
    return reply.header('content-type', CSV_CONTENT_TYPE).header('content-disposition', `attachment; filename="${answer.filename}"`).send(answer.csv);
  });

  app.get('/reports/pnl', async (request) => getPnl(deps, actorOf(request).id));

  app.get('/reports/volume', async (request) => getVolume(deps, request.query as Query));
}
