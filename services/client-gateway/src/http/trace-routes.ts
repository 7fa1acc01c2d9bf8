import { AppError, type HttpServer, serveRoute } from '@exchange/platform';
import { PUBLIC_API } from '@exchange/contracts';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { type JaegerQuery, summaryOf } from '../traces/jaeger.js';
import { authenticate, callerOf, END_USER_ATTRIBUTE, requireAdmin } from './authenticate.js';

export interface TraceRouteOptions {
  jaeger: JaegerQuery;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

/** How many recent traces are read to find the slowest among them. */
const SLOWEST_AMONG = 200;

/**
 * Traces from the trace backend, for the front end's trace pages: one trace for its own user (the
 * gateway's request span names the user it authenticated) or an admin; lists of recent and slowest
 * traces per service for admins. Another user's trace is 404, as one that does not exist.
 */
export function registerTraceRoutes(app: HttpServer, options: TraceRouteOptions): void {
  const { jaeger } = options;
  serveRoute(
    app,
    PUBLIC_API.trace,
    async ({ params, request }) => {
      const caller = callerOf(request);
      const found = await jaeger.trace(params.traceId);
      const isOwn = (spans: NonNullable<typeof found>['spans']) =>
        spans.some((span) => span.service === 'client-gateway' && span.kind === 'server' && span.attributes[END_USER_ATTRIBUTE] === caller.id);
      if (!found || (caller.role !== 'admin' && !isOwn(found.spans))) {
        throw new AppError('TRACE_NOT_FOUND', 'No such trace of yours (a new trace takes a second or two to arrive)', { traceId: params.traceId });
      }
      return found;
    },
    { onRequest: [authenticate(options.verifier)], config: { rateLimit: options.rateLimit } },
  );
  serveRoute(
    app,
    PUBLIC_API.traces,
    async ({ query }) => {
      const traces = await jaeger.search(query.service, query.lookbackMinutes, query.order === 'slowest' ? SLOWEST_AMONG : query.limit);
      const summaries = traces.map(summaryOf);
      if (query.order === 'slowest') summaries.sort((a, b) => compareDesc(BigInt(a.durationNano), BigInt(b.durationNano)));
      else summaries.sort((a, b) => compareDesc(BigInt(a.startUnixNano), BigInt(b.startUnixNano)));
      return { service: query.service, order: query.order, traces: summaries.slice(0, query.limit) };
    },
    { onRequest: [authenticate(options.verifier), requireAdmin], config: { rateLimit: options.rateLimit } },
  );
  serveRoute(app, PUBLIC_API.traceServices, async () => ({ services: await jaeger.services() }), {
    onRequest: [authenticate(options.verifier), requireAdmin],
    config: { rateLimit: options.rateLimit },
  });
}

function compareDesc(a: bigint, b: bigint): number {
  return a < b ? 1 : a > b ? -1 : 0;
}
