import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GeneratedIdentities } from '@exchange/platform';
import { createTestDatabase, createTestIdentities, createTestRedis } from '@exchange/platform/testing';
import { findFreePortBase } from './checks.js';
import { generateEncryptionKey, generateSigningKey } from './dev-key.js';
import { resolveFrontendPort } from './frontend.js';
import { resolveObservabilityPorts } from './observability.js';
import { resolveSimulatorPort } from './simulator-process.js';
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

export type PrivateSystemOptions = Partial<Pick<SystemOptions, 'services' | 'seedAdmin' | 'seedDemoTrading' | 'restart' | 'output' | 'env' | 'nodeFlags'>> & {
  /** also serve the built front end (on the port after the services) */
  withFrontend?: boolean;
  /** also run a real Jaeger (the processes export to it, the gateway reads it) and Prometheus: required, the start fails without them */
  withObservability?: { jaeger: boolean; prometheus: boolean };
  /**
   * also run the market simulator once the system is ready (never unless asked); its bots are
   * funded by the admin of `seedDemoTrading`, else the demo admin (which needs `seedAdmin`)
   */
  simulator?: { ratePerMarket?: number; seed?: number };
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
  const observabilityDir = options.withObservability ? mkdtempSync(join(tmpdir(), 'exchange-observability-')) : undefined;
  const removeObservabilityDir = () => observabilityDir && rmSync(observabilityDir, { recursive: true, force: true });
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
      apiKeyEncryptionKey: generateEncryptionKey(),
      identities,
      seedAdmin: options.seedAdmin ?? false,
      restart: options.restart ?? false,
      env: { NODE_ENV: 'test', LOG_LEVEL: 'warn', ...options.env },
      ...(options.services ? { services: options.services } : {}),
      ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
      ...(options.seedDemoTrading ? { seedDemoTrading: options.seedDemoTrading } : {}),
      ...(options.withFrontend ? { frontend: { port: resolveFrontendPort(portEnv) } } : {}),
      ...(options.simulator
        ? {
            simulator: {
              ...options.simulator,
              port: resolveSimulatorPort(portEnv),
              adminEmail: options.seedDemoTrading?.adminEmail ?? 'admin@exchange.local',
              adminPassword: options.seedDemoTrading?.adminPassword ?? 'exchange-admin',
            },
          }
        : {}),
      ...(observabilityDir
        ? {
            observability: {
              mode: 'required' as const,
              ...options.withObservability!,
              ports: resolveObservabilityPorts(portEnv),
              workDir: observabilityDir,
              maxTraces: 20_000,
              env: process.env,
            },
          }
        : {}),
      ...(options.output ? { output: options.output } : {}),
    });
  } catch (error) {
    removeObservabilityDir();
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
      removeObservabilityDir();
      await redis.clean();
      await database.drop();
    },
  };
}
