import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RouteContract } from '@exchange/contracts';
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { guardRoute, OPERATIONAL_ROUTES } from '../identity/access.js';
import type { ServiceIdentity } from '../identity/tokens.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { currentTraceId } from '../tracing.js';
import { clientErrorResponse, sendError } from './error-handler.js';
import type { HttpMetrics } from './metrics.js';

export type HttpServer = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** A named dependency check for `/readyz`; it throws (or rejects) when the dependency is down. */
export type ReadinessCheck = () => Promise<unknown>;

export interface HttpServerOptions {
  logger: Logger;
  metrics: HttpMetrics;
  readiness: Record<string, ReadinessCheck>;
  /** bytes; bodies above it get 413 PAYLOAD_TOO_LARGE */
  bodyLimit?: number;
  /** forwarded-for handling, as fastify's `trustProxy` */
  trustProxy?: boolean | string | string[];
  readinessTimeoutMs?: number;
  /** false when /metrics is served on a listener of its own (see `createMetricsServer`) */
  serveMetrics?: boolean;
  /** false only in the platform's own tests of this factory: every route of a process has a contract */
  requireContracts?: boolean;
  /** internal routes: each is guarded by its contract's access rule, with this process's identity */
  access?: { identity: ServiceIdentity };
}

/** longer URLs are refused with 414 URI_TOO_LONG before any route reads them */
const MAX_URL_LENGTH = 4096;

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * The Fastify server every process runs: zod validation and serialization, the API's error body,
 * `x-trace-id` on every response, a request-duration histogram per route, and the operational
 * endpoints `/healthz`, `/readyz` and `/metrics`.
 */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // one line per request, written in onResponse below, instead of Fastify's two
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // the router's own refusals (a malformed or over-long URL) go through the error catalogue too
    frameworkErrors: (error, request, reply) => {
      const code = sendError(error, request, reply);
      options.metrics.errors.inc({ method: request.method, route: 'unmatched', code });
    },
    clientErrorHandler: (error, socket) => {
      if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(clientErrorResponse((error as NodeJS.ErrnoException).code));
      socket.destroy(error);
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // every route of ours is registered from a contract (serveRoute): one registered otherwise is a bug
  app.addHook('onRoute', (route) => {
    if (options.requireContracts === false) return;
    // health and metrics, the OpenAPI document and its UI, the CORS preflight: the platform's and plugins' own
    const isOwnInfrastructure = OPERATIONAL_ROUTES.has(route.url) || route.url.startsWith('/docs') || route.url === '*';
    if (!isOwnInfrastructure && !(route.config as { contract?: RouteContract } | undefined)?.contract) {
      throw new Error(`${String(route.method)} ${route.url} is registered without a contract (use serveRoute)`);
    }
  });
  const access = options.access;
  if (access) app.addHook('onRoute', (route) => guardRoute(route, access.identity));

  app.addHook('onRequest', async (request, reply) => {
    // the HTTP server span is named for the route it served ("POST /orders/batch") and carries it
    // as http.route: the one span per request, with no framework spans beside it
    const rpc = getRPCMetadata(context.active());
    if (rpc?.type === RPCType.HTTP && request.routeOptions.url) rpc.route = request.routeOptions.url;
    const traceId = currentTraceId();
    if (traceId) reply.header('x-trace-id', traceId);
    if (request.url.length > MAX_URL_LENGTH) throw new AppError('URI_TOO_LONG', 'The URL is too long');
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    options.metrics.requestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, seconds);
    if (!OPERATIONAL_ROUTES.has(route)) {
      request.log.info(
        { method: request.method, url: request.url, route, statusCode: reply.statusCode, durationMs: Math.round(reply.elapsedTime * 10) / 10 },
        'request completed',
      );
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const code = sendError(error, request, reply);
    options.metrics.errors.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', code });
    return reply;
  });

  app.setNotFoundHandler((request, reply) => {
    options.metrics.errors.inc({ method: request.method, route: 'unmatched', code: 'ROUTE_NOT_FOUND' });
    const traceId = currentTraceId();
    return reply.status(404).send({
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: 'No such route',
        ...(traceId ? { traceId } : {}),
      },
    });
  });

  registerOperationalRoutes(app, options);
  return app;
}

function registerOperationalRoutes(app: HttpServer, options: HttpServerOptions): void {
  const timeoutMs = options.readinessTimeoutMs ?? 2000;
  const hide = { schema: { hide: true } };

  app.get('/healthz', hide, async () => ({ status: 'ok' }));

  app.get('/readyz', hide, async (_request, reply) => {
    const entries = Object.entries(options.readiness);
    const results = await Promise.all(
      entries.map(async ([name, check]) => {
        try {
          await withTimeout(check(), timeoutMs, name);
          return [name, { status: 'up' }] as const;
        } catch (error) {
          return [name, { status: 'down', error: (error as Error).message }] as const;
        }
      }),
    );
    const isReady = results.every(([, result]) => result.status === 'up');
    return reply.status(isReady ? 200 : 503).send({
      status: isReady ? 'ready' : 'not ready',
      checks: Object.fromEntries(results),
    });
  });

  if (options.serveMetrics !== false) app.get('/metrics', hide, metricsHandler(options.metrics));
}

function metricsHandler(metrics: HttpMetrics) {
  return async (_request: unknown, reply: FastifyReply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  };
}

/**
 * `/metrics` on a listener of its own, for a process whose main port is public (the gateway):
 * the scraper reaches it, clients of the API do not.
 */
export function createMetricsServer(metrics: HttpMetrics): FastifyInstance {
  const server = Fastify({ logger: false, return503OnClosing: true, forceCloseConnections: 'idle' });
  server.get('/metrics', metricsHandler(metrics));
  server.setNotFoundHandler((_request, reply) => reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: 'No such route' } }));
  return server;
}
