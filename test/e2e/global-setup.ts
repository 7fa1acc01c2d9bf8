import { resolve } from 'node:path';
import type { GeneratedIdentities } from '@exchange/platform';
import type { TestProject } from 'vitest/node';
import { identityEnv } from '@exchange/platform';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, createTestIdentities, createTestRedis } from '@exchange/platform/testing';
import {
  findFreePortBase,
  generateEncryptionKey,
  generateSigningKey,
  resolveGatewayMetricsPort,
  resolveObservabilityPorts,
  resolvePorts,
  startSystem,
  type RunningSystem,
} from '@exchange/tools';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    serviceUrls: Record<string, string>;
    /** where each process serves /metrics */
    metricsUrls: Record<string, string>;
    /** each process's PostgreSQL and Redis URLs, with its own role and user */
    dataAccess: Record<string, { databaseUrl: string; redisUrl: string }>;
    /** every caller's private key and the trust bundle, so a test can speak as a process (or forge one) */
    identities: GeneratedIdentities;
    databaseUrl: string;
    /** Jaeger's OTLP/HTTP endpoint, where every process exports its spans */
    otlpUrl: string;
    /** Jaeger's query API, where the tests read traces */
    jaegerUrl: string;
    /** the Prometheus that scrapes this system */
    prometheusUrl: string;
    jwtPrivateKey: string;
    authRateLimit: number;
    userRateLimit: number;
    addressRateLimit: number;
    redisUrl: string;
    redisPrefix: string;
    /** what a second gateway needs to join this system */
    systemEnv: Record<string, string>;
  }
}

export const AUTH_RATE_LIMIT = 5;
export const USER_RATE_LIMIT = 200;
export const IDEMPOTENCY_WAIT_MS = 500;
export const ADDRESS_RATE_LIMIT = 300;
export const USER_CHECK_CACHE_MS = 1000;
export const LOGIN_FREE_ATTEMPTS = 4;
/** small stream limits, so the tests can reach them */
export const STREAM_ENV = { STREAM_MAX_SUBSCRIPTIONS: '8', STREAM_HEARTBEAT_MS: '500' };

/**
 * Starts the whole system once for the end-to-end files, through the same launcher `npm start` uses,
 * on its own database, Redis key prefix and port range, with a real Jaeger (every process exports its
 * spans there; the tests read them back from its query API) and a real Prometheus scraping it all.
 * Both are required: without them the start fails, loudly (`npm test` builds them first).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = await createTestDatabase();
  const redis = createTestRedis();
  const jwtPrivateKey = generateSigningKey();
  const apiKeyEncryptionKey = generateEncryptionKey();
  const identities = createTestIdentities();
  const portBase = await findFreePortBase();
  const observabilityPorts = resolveObservabilityPorts({ EXCHANGE_PORT_BASE: String(portBase) });
  const otlpUrl = `http://127.0.0.1:${observabilityPorts.otlpHttp}`;
  const workDir = mkdtempSync(join(tmpdir(), 'exchange-e2e-observability-'));
  const logs: string[] = [];
  let system: RunningSystem | undefined;
  try {
    system = await startSystem({
      rootDir: resolve(__dirname, '..', '..'),
      databaseUrl: database.url,
      redisUrl: redis.url,
      redisKeyPrefix: redis.prefix,
      ports: resolvePorts({ EXCHANGE_PORT_BASE: String(portBase) }),
      gatewayMetricsPort: resolveGatewayMetricsPort({ EXCHANGE_PORT_BASE: String(portBase) }),
      jwtPrivateKey,
      apiKeyEncryptionKey,
      identities,
      seedAdmin: true,
      seedDemoTrading: { adminEmail: 'admin@exchange.local', adminPassword: 'exchange-admin' },
      restart: false,
      observability: {
        mode: 'required',
        jaeger: true,
        prometheus: true,
        ports: observabilityPorts,
        workDir,
        maxTraces: 100_000,
        env: process.env,
      },
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        TRUST_PROXY: '127.0.0.1',
        // no shedding by event-loop delay here: `npm test` runs every tier at once on two cores, and
        // a gateway starved by the other tiers' systems would refuse (503) what these tests check;
        // shedding has its own test (services/client-gateway/test/load-shedding.test.ts)
        MAX_EVENT_LOOP_DELAY_MS: '0',
        RATE_LIMIT_AUTH_MAX: String(AUTH_RATE_LIMIT),
        RATE_LIMIT_MAX: String(USER_RATE_LIMIT),
        IDEMPOTENCY_WAIT_MS: String(IDEMPOTENCY_WAIT_MS),
        RATE_LIMIT_ADDRESS_MAX: String(ADDRESS_RATE_LIMIT),
        // the gateway asks again within a second whether the account behind a token still exists
        USER_CHECK_CACHE_MS: String(USER_CHECK_CACHE_MS),
        LOGIN_FREE_ATTEMPTS: String(LOGIN_FREE_ATTEMPTS),
        // the janitor of placements that died halfway looks every 2 s
        ORDER_PENDING_TIMEOUT_MS: '6000',
        // these tests prove that a refusal changes nothing by comparing the databases before and
        // after; the reconciliation releasing a hold a test left behind on purpose would change them
        // at a random moment. It has tests of its own (the chaos suite).
        ORDER_RECONCILE_INTERVAL_MS: '86400000',
        ...STREAM_ENV,
      },
      output: (line) => {
        logs.push(line);
        if (process.env.E2E_VERBOSE) process.stdout.write(`${line}\n`);
      },
    });
  } catch (error) {
    process.stderr.write(`${logs.join('\n')}\n`);
    rmSync(workDir, { recursive: true, force: true });
    await redis.clean();
    await database.drop();
    throw error;
  }

  project.provide('gatewayUrl', system.urls['client-gateway']);
  project.provide('serviceUrls', system.urls);
  project.provide('metricsUrls', system.metricsUrls);
  project.provide('dataAccess', system.dataAccess);
  project.provide('identities', identities);
  project.provide('databaseUrl', database.url);
  project.provide('otlpUrl', otlpUrl);
  project.provide('jaegerUrl', system.observability!.jaegerUrl!);
  project.provide('prometheusUrl', system.observability!.prometheusUrl!);
  project.provide('jwtPrivateKey', jwtPrivateKey);
  project.provide('authRateLimit', AUTH_RATE_LIMIT);
  project.provide('userRateLimit', USER_RATE_LIMIT);
  project.provide('addressRateLimit', ADDRESS_RATE_LIMIT);
  project.provide('redisUrl', redis.url);
  project.provide('redisPrefix', redis.prefix);
  project.provide('systemEnv', {
    ...Object.fromEntries(Object.entries(system.urls).map(([name, url]) => [`${name.toUpperCase().replace(/-/g, '_')}_PORT`, new URL(url).port])),
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: redis.prefix,
    JWT_PRIVATE_KEY: jwtPrivateKey,
    API_KEY_ENCRYPTION_KEY: apiKeyEncryptionKey,
    ...identityEnv(identities, 'client-gateway'),
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
    TRUST_PROXY: '127.0.0.1',
    RATE_LIMIT_MAX: String(USER_RATE_LIMIT),
    RATE_LIMIT_ADDRESS_MAX: String(ADDRESS_RATE_LIMIT),
    ...STREAM_ENV,
  });

  return async () => {
    await system?.stop();
    rmSync(workDir, { recursive: true, force: true });
    await redis.clean();
    await database.drop();
  };
}
