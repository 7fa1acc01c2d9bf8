import closeWithGrace from 'close-with-grace';
import type pg from 'pg';
import type { z } from 'zod';
import { baseConfigSchema, ConfigError, loadConfig, servicePort, serviceUrl, type BaseConfig, type Env } from './config.js';
import { createPostgresPool, PLATFORM_MIGRATIONS_DIR, runMigrations } from './db/postgres.js';
import { createMetrics, type HttpMetrics } from './http/metrics.js';
import { createHttpServer, createMetricsServer, type HttpServer, type HttpServerOptions } from './http/server.js';
import { ServiceClient } from './http/service-client.js';
import { INTERNAL_APIS, internalApiOf } from '@exchange/contracts';
import { type ContractClient, contractClient } from './http/contract-routes.js';
import { IdentityError, loadSigningKey, loadTrustBundle } from './identity/keys.js';
import { ServiceIdentity } from './identity/tokens.js';
import { createLogger, type Logger } from './logger.js';
import { createRedis, type Redis } from './redis.js';
import { schemaName, type ServiceName } from './services.js';
import { flushTelemetry } from './telemetry/state.js';

export interface ServiceContext<C extends BaseConfig> {
  name: ServiceName;
  config: C;
  logger: Logger;
  app: HttpServer;
  metrics: HttpMetrics;
  db: pg.Pool;
  redis: Redis;
  /** this process's identity: it signs what the process sends and checks who calls it */
  identity: ServiceIdentity;
  /** a pooled, traced client for another process of the exchange, signing each request as this process */
  client(service: ServiceName): ServiceClient;
  /** another process's internal API as typed methods, checked by its contract on both sides */
  api<S extends keyof typeof INTERNAL_APIS>(service: S): ContractClient<(typeof INTERNAL_APIS)[S]>;
  /** runs at shutdown, after the server stopped taking requests, in reverse order of registration */
  onClose(hook: () => Promise<unknown> | unknown): void;
}

export interface ServiceDefinition<Shape extends z.ZodRawShape> {
  name: ServiceName;
  /** this service's own variables, added to the ones every process has */
  config?: Shape;
  /** folder of this service's SQL migrations, applied at start when MIGRATE_ON_START */
  migrationsDir?: string;
  /** also create the platform's tables (outbox, idempotency keys, processed messages) in its schema */
  usesPlatformTables?: boolean;
  http?: (config: BaseConfig & z.infer<z.ZodObject<Shape>>) => Partial<Pick<HttpServerOptions, 'bodyLimit' | 'trustProxy'>>;
  setup(context: ServiceContext<BaseConfig & z.infer<z.ZodObject<Shape>>>): Promise<void> | void;
}

export interface RunningService {
  app: HttpServer;
  close(): Promise<void>;
}

/**
 * Wiring every process shares: configuration → logger → PostgreSQL (migrated) → Redis → HTTP server
 * with health, readiness and metrics → the service's own routes → listen, and a graceful shutdown on
 * SIGTERM/SIGINT that finishes in-flight requests, closes connections and flushes spans.
 */
export async function runService<Shape extends z.ZodRawShape>(definition: ServiceDefinition<Shape>, env: Env = process.env): Promise<RunningService> {
  type Config = BaseConfig & z.infer<z.ZodObject<Shape>>;
  let config: Config;
  try {
    config = loadConfig(baseConfigSchema.extend(definition.config ?? {}), env) as Config;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const logger = createLogger(definition.name, config.LOG_LEVEL);
  const identity = await loadIdentity(definition.name, config).catch((error: unknown) => {
    process.stderr.write(`${definition.name}: ${(error as Error).message}\n`);
    process.exit(1);
  });
  const closeHooks: Array<() => Promise<unknown> | unknown> = [];
  const clients = new Map<ServiceName, ServiceClient>();
  const clientOf = (service: ServiceName): ServiceClient => {
    let client = clients.get(service);
    if (!client) {
      client = new ServiceClient({ service, identity, baseUrl: serviceUrl(config, service), timeoutMs: config.SERVICE_TIMEOUT_MS });
      clients.set(service, client);
    }
    return client;
  };
  const db = createPostgresPool({
    url: config.DATABASE_URL,
    schema: schemaName(definition.name),
    max: config.DATABASE_POOL_SIZE,
    applicationName: definition.name,
  });
  const redis = createRedis({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, connectionName: definition.name });
  const metrics = createMetrics(definition.name);
  const app = createHttpServer({
    logger,
    metrics,
    readiness: {
      postgres: () => db.query('SELECT 1'),
      redis: () => redis.ping(),
    },
    ...(internalApiOf(definition.name) ? { access: { identity } } : {}),
    serveMetrics: config.METRICS_PORT === undefined,
    ...definition.http?.(config),
  });

  const metricsServer = config.METRICS_PORT === undefined ? undefined : createMetricsServer(metrics);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await app.close();
      await metricsServer?.close();
      for (const hook of closeHooks.reverse()) {
        try {
          await hook();
        } catch (error) {
          logger.error({ err: error }, 'shutdown step failed');
        }
      }
      await Promise.allSettled([...clients.values()].map((client) => client.close()));
      await db.end().catch(() => {});
      await redis.quit().catch(() => redis.disconnect());
      logger.info('stopped');
      await flushTelemetry();
    })();
    return closing;
  };

  try {
    if (config.MIGRATE_ON_START) {
      const schema = schemaName(definition.name);
      if (definition.usesPlatformTables) {
        await runMigrations({ url: config.DATABASE_URL, schema, dir: PLATFORM_MIGRATIONS_DIR, logger, migrationsTable: 'pgmigrations_platform' });
      }
      if (definition.migrationsDir) await runMigrations({ url: config.DATABASE_URL, schema, dir: definition.migrationsDir, logger });
    }
    await definition.setup({
      name: definition.name,
      config,
      logger,
      app,
      metrics,
      db,
      redis,
      identity,
      client: clientOf,
      api: (service) => contractClient(clientOf(service), INTERNAL_APIS[service]),
      onClose: (hook) => closeHooks.push(hook),
    });
    await app.listen({ host: config.HOST, port: servicePort(config, definition.name) });
    if (metricsServer) await metricsServer.listen({ host: config.HOST, port: config.METRICS_PORT! });
  } catch (error) {
    logger.fatal({ err: error }, `${definition.name} failed to start`);
    await close().catch(() => {});
    process.exit(1);
  }

  const supervisor = config.EXCHANGE_SUPERVISOR_PID;
  if (supervisor !== undefined) {
    // A launcher killed with SIGKILL cannot stop us; its children notice they were orphaned.
    setInterval(() => {
      if (process.ppid !== supervisor) {
        // Our stdout went with the launcher: writing logs to it now could block, so stop logging.
        logger.level = 'silent';
        void close().then(() => process.exit(0));
      }
    }, 1000).unref();
  }

  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    if (err) logger.fatal({ err }, 'uncaught error, shutting down');
    else logger.info({ signal }, 'shutting down');
    await close();
  });

  return { app, close };
}

/**
 * This process's key and the trust bundle. Both are required, in development too (`npm start`
 * creates them): a process without its own identity could neither call nor be called.
 */
async function loadIdentity(name: ServiceName, config: BaseConfig): Promise<ServiceIdentity> {
  if (!config.SERVICE_PRIVATE_KEY || !config.SERVICE_TRUST_BUNDLE) {
    throw new IdentityError(
      'SERVICE_PRIVATE_KEY and SERVICE_TRUST_BUNDLE must be set: every process signs its internal requests with its own key and ' +
        'checks its callers against the bundle of public keys (npm start creates both under .exchange/identities)',
    );
  }
  const signing = await loadSigningKey(name, config.SERVICE_PRIVATE_KEY);
  const trust = await loadTrustBundle(config.SERVICE_TRUST_BUNDLE);
  return new ServiceIdentity(signing, trust, { tokenTtlSeconds: config.SERVICE_TOKEN_TTL_SECONDS });
}
