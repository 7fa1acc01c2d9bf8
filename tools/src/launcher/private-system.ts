import type { GeneratedIdentities } from '@exchange/platform';
import { createTestDatabase, createTestIdentities, createTestRedis } from '@exchange/platform/testing';
import { findFreePortBase } from './checks.js';
import { generateSigningKey } from './dev-key.js';
import { resolveFrontendPort } from './frontend.js';
import { resolveGatewayMetricsPort, resolvePorts, startSystem, type RunningSystem, type SystemOptions } from './system.js';

export interface PrivateSystem {
  system: RunningSystem;
  gateway: string;
  databaseUrl: string;
  redisUrl: string;
  redisKeyPrefix: string;
  /** the processes' keys (a test or bench may speak as one of them, or as the operator) */
  identities: GeneratedIdentities;
  /** ms from launching (checks included) to every process ready */
  totalStartMs: number;
  /** stops every process, then drops the database and the Redis keys */
  stop(): Promise<void>;
}

export type PrivateSystemOptions = Partial<Pick<SystemOptions, 'services' | 'seedAdmin' | 'seedDemoTrading' | 'restart' | 'output' | 'env'>> & {
  /** also serve the built front end (on the port after the services) */
  withFrontend?: boolean;
};

/**
 * The system (or some of its processes) started by the launcher `npm start` uses, on a database,
 * a Redis key prefix and a port range of its own, removed again by `stop()`: what the benches and
 * the tests that need real processes start.
 */
export async function startPrivateSystem(rootDir: string, options: PrivateSystemOptions = {}): Promise<PrivateSystem> {
  const database = await createTestDatabase();
  const redis = createTestRedis();
  const identities = createTestIdentities();
  const launchedAt = Date.now();
  const portEnv = { EXCHANGE_PORT_BASE: String(await findFreePortBase()) };
  let system: RunningSystem;
  try {
    system = await startSystem({
      rootDir,
      databaseUrl: database.url,
      redisUrl: redis.url,
      redisKeyPrefix: redis.prefix,
      ports: resolvePorts(portEnv),
      gatewayMetricsPort: resolveGatewayMetricsPort(portEnv),
      jwtPrivateKey: generateSigningKey(),
      identities,
      seedAdmin: options.seedAdmin ?? false,
      restart: options.restart ?? false,
      env: { NODE_ENV: 'test', LOG_LEVEL: 'warn', ...options.env },
      ...(options.services ? { services: options.services } : {}),
      ...(options.seedDemoTrading ? { seedDemoTrading: options.seedDemoTrading } : {}),
      ...(options.withFrontend ? { frontend: { port: resolveFrontendPort(portEnv), jaegerUrl: 'http://localhost:16686' } } : {}),
      ...(options.output ? { output: options.output } : {}),
    });
  } catch (error) {
    await redis.clean();
    await database.drop();
    throw error;
  }
  return {
    system,
    gateway: system.urls['client-gateway'],
    databaseUrl: database.url,
    redisUrl: redis.url,
    redisKeyPrefix: redis.prefix,
    identities,
    totalStartMs: Date.now() - launchedAt,
    async stop() {
      await system.stop();
      await redis.clean();
      await database.drop();
    },
  };
}
