import { join } from 'node:path';
import { envBoolean, loadConfig, SERVICE_CATALOG, type Env } from '@exchange/platform';
import { z } from 'zod';
import { StartupError } from './checks.js';
import { loadIdentities, loadOrCreateDevKey, loadOrCreateEncryptionKey } from './dev-key.js';
import { resolveFrontendPort } from './frontend.js';
import { JAEGER, PROMETHEUS } from './backends.js';
import { resolveObservabilityPorts } from './observability.js';
import { MARKET_MAKER } from './seed-demo.js';
import { SIMULATOR_DEFAULTS } from '../simulator/command.js';
import { resolveSimulatorPort } from './simulator-process.js';
import { resolveGatewayMetricsPort, resolvePorts, startSystem, type RunningSystem } from './system.js';

const launcherConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/exchange'),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default(''),
  JWT_PRIVATE_KEY: z.string().min(1).optional(),
  /** base64 of 32 bytes that encrypts API keys' secrets at rest; created in development, required in production */
  API_KEY_ENCRYPTION_KEY: z.string().min(1).optional(),
  /** where every process's private key lives (one `<process>.pem` each); created in development, required in production */
  EXCHANGE_IDENTITIES_DIR: z.string().min(1).optional(),
  EXCHANGE_ADMIN_EMAIL: z.email().default('admin@exchange.local'),
  EXCHANGE_ADMIN_PASSWORD: z.string().min(8).default('exchange-admin'),
  EXCHANGE_RESTART: envBoolean(true),
  /** Node's source-map support in every process (stack traces in TypeScript lines) */
  EXCHANGE_SOURCE_MAPS: envBoolean(false),
  /** V8 flags for every process instead of the launcher's (space-separated; empty: Node's defaults) */
  EXCHANGE_NODE_FLAGS: z
    .string()
    .transform((text) => text.split(/\s+/).filter(Boolean))
    .optional(),
  EXCHANGE_READY_TIMEOUT_MS: z.coerce.number().int().min(1000).default(90_000),
  /** a Jaeger UI the front end's trace links open (otherwise the one started here when it has its UI, else the front end's own trace pages) */
  JAEGER_UI_URL: z.url().optional(),
  /** run Jaeger beside the exchange (found, or built with Go the first time) */
  EXCHANGE_JAEGER: envBoolean(true),
  /** run Prometheus beside the exchange, scraping every process */
  EXCHANGE_PROMETHEUS: envBoolean(true),
  /** Jaeger keeps at most this many traces in memory, dropping the oldest */
  JAEGER_MAX_TRACES: z.coerce.number().int().min(100).default(10_000),
  /** run the market simulator (bots trading every demo market through the public API); never in production */
  EXCHANGE_SIMULATOR: envBoolean(true),
  /** its actions per second per market (about one order each) and the number its prices and choices are seeded with */
  EXCHANGE_SIMULATOR_RATE: z.coerce.number().positive().max(1000).default(SIMULATOR_DEFAULTS.ratePerMarket),
  EXCHANGE_SIMULATOR_SEED: z.coerce.number().int().min(0).max(4_294_967_295).default(SIMULATOR_DEFAULTS.seed),
});

/** `npm start`: starts every process with prefixed logs, prints where everything is, stops on Ctrl-C. */
export async function startCommand(rootDir: string, env: Env = process.env): Promise<void> {
  const config = loadConfig(launcherConfigSchema, env);
  const isProduction = config.NODE_ENV === 'production';
  if (isProduction && !config.JWT_PRIVATE_KEY) throw new StartupError('JWT_PRIVATE_KEY must be set when NODE_ENV=production');
  if (isProduction && !config.API_KEY_ENCRYPTION_KEY) throw new StartupError('API_KEY_ENCRYPTION_KEY must be set when NODE_ENV=production');
  if (isProduction && !config.EXCHANGE_IDENTITIES_DIR) {
    throw new StartupError('EXCHANGE_IDENTITIES_DIR must name the folder of the processes’ own keys when NODE_ENV=production (nothing is generated then)');
  }
  const colorize = Boolean(process.stdout.isTTY) && !env.NO_COLOR;
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const ports = resolvePorts(env);

  print('Starting the exchange: checking PostgreSQL and Redis, migrating, starting every process...');
  const startup = new AbortController();
  let system: RunningSystem | undefined;
  let isStopping = false;
  const finish = () => {
    print('All processes stopped.');
    process.exit(0);
  };
  const shutdown = (signal: string) => {
    // A terminal's Ctrl-C reaches us twice (from the terminal and forwarded by npm): one stop is enough,
    // and it always ends, because each process is killed once its grace period is over.
    if (isStopping) return;
    isStopping = true;
    print(`\n${signal} received: stopping every process...`);
    startup.abort();
    if (system) void system.stop().then(finish);
    // otherwise startSystem stops what it already started and rejects; see below
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  // Whoever started us (npm, a shell) may die without passing its signal on: treat that as a stop.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown('parent exit');
  }, 500).unref();

  try {
    system = await startSystem({
      rootDir,
      databaseUrl: config.DATABASE_URL,
      redisUrl: config.REDIS_URL,
      redisKeyPrefix: config.REDIS_KEY_PREFIX,
      ports,
      gatewayMetricsPort: resolveGatewayMetricsPort(env),
      jwtPrivateKey: config.JWT_PRIVATE_KEY ?? loadOrCreateDevKey(join(rootDir, '.exchange', 'jwt-dev-ed25519.pem')),
      apiKeyEncryptionKey: config.API_KEY_ENCRYPTION_KEY ?? loadOrCreateEncryptionKey(join(rootDir, '.exchange', 'api-key-encryption.key')),
      identities: loadIdentities(config.EXCHANGE_IDENTITIES_DIR ?? join(rootDir, '.exchange', 'identities'), !isProduction),
      seedAdmin: !isProduction,
      frontend: { port: resolveFrontendPort(env), ...(config.JAEGER_UI_URL ? { jaegerUrl: config.JAEGER_UI_URL } : {}) },
      observability: {
        mode: 'optional',
        jaeger: config.EXCHANGE_JAEGER,
        prometheus: config.EXCHANGE_PROMETHEUS,
        ports: resolveObservabilityPorts(env),
        workDir: join(rootDir, '.exchange', 'observability'),
        maxTraces: config.JAEGER_MAX_TRACES,
        env,
      },
      ...(isProduction ? {} : { seedDemoTrading: { adminEmail: config.EXCHANGE_ADMIN_EMAIL, adminPassword: config.EXCHANGE_ADMIN_PASSWORD } }),
      ...(isProduction || !config.EXCHANGE_SIMULATOR
        ? {}
        : {
            simulator: {
              port: resolveSimulatorPort(env),
              ratePerMarket: config.EXCHANGE_SIMULATOR_RATE,
              keysFile: join(rootDir, '.exchange', 'simulator-keys.json'),
              seed: config.EXCHANGE_SIMULATOR_SEED,
              adminEmail: config.EXCHANGE_ADMIN_EMAIL,
              adminPassword: config.EXCHANGE_ADMIN_PASSWORD,
            },
          }),
      restart: config.EXCHANGE_RESTART,
      sourceMaps: config.EXCHANGE_SOURCE_MAPS,
      ...(config.EXCHANGE_NODE_FLAGS ? { nodeFlags: config.EXCHANGE_NODE_FLAGS } : {}),
      readyTimeoutMs: config.EXCHANGE_READY_TIMEOUT_MS,
      output: print,
      colorize,
      signal: startup.signal,
    });
  } catch (error) {
    if (startup.signal.aborted) finish();
    throw error;
  }
  print(summary(system, config, isProduction));
}

function simulatorLine(system: RunningSystem, config: z.infer<typeof launcherConfigSchema>, isProduction: boolean): string {
  if (isProduction) return '';
  if (!system.simulatorUrl) return '  Simulator:   off (EXCHANGE_SIMULATOR=false); npm run simulate -- --help runs it against this exchange';
  return (
    `  Simulator:   ${system.simulatorUrl}/healthz (bots trade every market, ${config.EXCHANGE_SIMULATOR_RATE} actions/s each, seed ${config.EXCHANGE_SIMULATOR_SEED}; ` +
    'their API keys are kept in .exchange/simulator-keys.json; EXCHANGE_SIMULATOR=false turns it off)'
  );
}

function tracesLine(system: RunningSystem, config: z.infer<typeof launcherConfigSchema>): string {
  if (!config.EXCHANGE_JAEGER) return 'Jaeger not started (EXCHANGE_JAEGER=false); spans go to OTEL_EXPORTER_OTLP_ENDPOINT or localhost:4318';
  const running = system.observability;
  if (running?.jaegerUrl) {
    return running.jaegerHasUi
      ? `Jaeger ${running.jaegerUrl} (select client-gateway, open any trace)`
      : `${system.frontendUrl}/traces (the exchange's own trace pages; this Jaeger build has no web UI, its API is at ${running.jaegerUrl}/api/v3/services)`;
  }
  return `Jaeger ${JAEGER.version} is not running yet (see the lines above)`;
}

function prometheusLine(system: RunningSystem, config: z.infer<typeof launcherConfigSchema>): string {
  if (!config.EXCHANGE_PROMETHEUS) return 'not started (EXCHANGE_PROMETHEUS=false)';
  const url = system.observability?.prometheusUrl;
  return url
    ? `${url}/api/v1/targets (scraping every process; alert rules from deploy/prometheus/alerts.yml)`
    : `Prometheus ${PROMETHEUS.version} is not running yet (see the lines above)`;
}

function summary(system: RunningSystem, config: z.infer<typeof launcherConfigSchema>, isProduction: boolean): string {
  const rows = SERVICE_CATALOG.filter((service) => system.urls[service.name]).map((service) => {
    const url = system.urls[service.name];
    const port = new URL(url).port;
    const extra = service.name === 'client-gateway' ? `  API ${url}/v1   docs ${url}/docs` : '';
    return `  ${service.name.padEnd(18)} ${port.padEnd(6)} ${url}/healthz${extra}`;
  });
  const gateway = system.urls['client-gateway'];
  return [
    '',
    `The exchange is running: every process is ready (${(system.readyAfterMs / 1000).toFixed(1)} s).`,
    '',
    `  Open the exchange:  ${system.frontendUrl}`,
    '',
    `  ${'process'.padEnd(18)} ${'port'.padEnd(6)} health`,
    ...rows,
    '',
    isProduction ? '' : `  Demo admin:  ${config.EXCHANGE_ADMIN_EMAIL} / ${config.EXCHANGE_ADMIN_PASSWORD}`,
    isProduction ? '' : `  Demo market maker: ${MARKET_MAKER.email} / ${MARKET_MAKER.password} (quotes AAPL, MSFT, GOOGL, AMZN, TSLA)`,
    simulatorLine(system, config, isProduction),
    `  Try it:      curl -s -X POST ${gateway}/v1/auth/register -H 'content-type: application/json' -d '{"email":"me@example.com","password":"correct-horse"}'`,
    `  Metrics:     <any process>/metrics (Prometheus text); the gateway's at ${system.metricsUrls['client-gateway']}`,
    `  Traces:      ${tracesLine(system, config)}`,
    `  Prometheus:  ${prometheusLine(system, config)}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
