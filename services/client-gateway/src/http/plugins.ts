import cors from '@fastify/cors';
import underPressure from '@fastify/under-pressure';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swaggerUi from '@fastify/swagger-ui';
import type { RouteContract } from '@exchange/contracts';
import { type AdmissionLimit, AppError, type HttpServer, type Redis } from '@exchange/platform';
import { registerOpenApi } from './openapi.js';

const OVERLOAD_RETRY_AFTER_SECONDS = 1;

/** The refusal of a request the gateway is too busy to take, in the error catalogue. */
class Overloaded extends AppError {
  constructor() {
    super('SERVICE_UNAVAILABLE', 'The exchange is busy; retry shortly', { retryAfterSeconds: OVERLOAD_RETRY_AFTER_SECONDS });
  }
}

export interface PluginOptions {
  corsOrigins: string[];
  /** ms of event-loop lag past which requests are refused at once (0: never) */
  maxEventLoopDelayMs: number;
  redis: Redis;
  /** every request from one client address, signed in or not, valid or not */
  addressRateLimit: { max: number; timeWindow: number };
  /** routes whose requests in flight are bounded by an adaptive limit (the order placements) */
  admission?: { limit: AdmissionLimit; routes: RouteContract[] };
}

/** CORS, security headers, the Redis-backed rate limiter and the OpenAPI document with its UI at /docs. */
export async function registerPlugins(app: HttpServer, options: PluginOptions): Promise<void> {
  // first: an overloaded gateway refuses before it spends anything on a request (no auth, no body)
  if (options.maxEventLoopDelayMs > 0) {
    await app.register(underPressure, {
      maxEventLoopDelay: options.maxEventLoopDelayMs,
      // the mean lag over a quarter second: a single long GC pause or a burst does not refuse anyone
      sampleInterval: 250,
      retryAfter: OVERLOAD_RETRY_AFTER_SECONDS,
      customError: Overloaded,
    });
  }
  await app.register(cors, {
    origin: options.corsOrigins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-api-key', 'x-api-timestamp', 'x-api-signature'],
    exposedHeaders: ['x-trace-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
  });

  await app.register(helmet, {
    // The API answers JSON only; the one HTML page (/docs) sets its own policy below.
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });

  // then, on the routes that start work across the system, a bounded number in flight: past it a
  // request is refused (with the CORS and security headers a browser needs to read the refusal)
  // before its token, its rate limit or its body cost anything
  const admission = options.admission;
  if (admission) {
    const limited = new Set(admission.routes);
    app.addHook('onRequest', async (request, reply) => {
      const contract = request.routeOptions.config.contract;
      if (!contract || !limited.has(contract)) return;
      const release = admission.limit.acquire();
      // released when the exchange with the client ends, answered or cut off (the response's close
      // comes in both cases); a 503 from further in says the system behind is overloaded
      reply.raw.once('close', () => release({ overloaded: reply.raw.statusCode === 503 }));
    });
  }
  await app.register(rateLimit, {
    global: false,
    // After authentication, so a signed-in caller is limited as a user rather than as an address.
    hook: 'preHandler',
    redis: options.redis,
    nameSpace: 'rate-limit:',
    // A Redis outage must not take the API down with it.
    skipOnError: true,
    keyGenerator: (request) => (request.user?.apiKeyId ? `key:${request.user.apiKeyId}` : request.user ? `user:${request.user.id}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `Too many requests; retry in ${context.after}`, {
        limit: context.max,
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  });

  // A budget per client address, checked before anything else: requests with a bad token or a bad
  // body never reach the per-user limit, so without this they would not be limited at all.
  const perAddress = app.createRateLimit({ ...options.addressRateLimit, keyGenerator: (request) => `address:${request.ip}` });
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/')) return;
    const verdict = await perAddress(request);
    if (!verdict.isAllowed && verdict.isExceeded) {
      void reply.header('retry-after', String(verdict.ttlInSeconds));
      throw new AppError('RATE_LIMITED', `Too many requests from this address; retry in ${verdict.ttlInSeconds} s`, {
        limit: verdict.max,
        retryAfterSeconds: verdict.ttlInSeconds,
      });
    }
  });

  await registerOpenApi(app);
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}
