import { join } from 'node:path';
import {
  ensureDatabase,
  type GeneratedIdentities,
  identityEnv,
  portVariable,
  provisionDataAccess,
  type ServiceDataAccess,
  SERVICE_CATALOG,
  SERVICE_NAMES,
  type ServiceName,
} from '@exchange/platform';
import { checkPortsFree, checkPostgres, checkRedis, isPortFree, StartupError } from './checks.js';
import { createLineFormatter } from './log-format.js';
import { ManagedProcess } from './managed-process.js';
import { MARKET_MAKER, seedDemoTrading } from './seed-demo.js';
import { frontendProcess, isFrontendReady } from './frontend.js';
import { type SimulatorLaunchOptions, simulatorHealth, simulatorProcess } from './simulator-process.js';
import { type ObservabilityOptions, type RunningObservability, type ScrapeTarget, startObservability } from './observability.js';

export type Ports = Record<ServiceName, number>;

/**
 * V8's heap per process. The young generation at 2 MB semi-spaces instead of Node's 16 MB: the
 * processes of the exchange allocate in small bursts per request, V8's larger default mostly holds
 * garbage between scavenges, and ten processes paying for it cost about 35 MB each of resident
 * memory at idle. The old generation grows by half of what survives a full collection before the
 * next one, instead of V8's adaptive factor (up to 4× when collections are quick): under load the
 * processes peaked about 100 MB higher together without it. No hard heap limit: a process that
 * truly needs more (a matching engine with a deep book) gets it rather than dying of it. Measured,
 * with what it costs in CPU: docs/BENCHMARKS.md.
 */
export const DEFAULT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=50'];

export interface SystemOptions {
  /** the repository root (holds services/<name>/dist/main.js) */
  rootDir: string;
  databaseUrl: string;
  redisUrl: string;
  redisKeyPrefix: string;
  ports: Ports;
  /** PKCS#8 PEM that signs access tokens */
  jwtPrivateKey: string;
  /** base64 of 32 bytes: encrypts API keys' secrets at rest (the user-service's API_KEY_ENCRYPTION_KEY) */
  apiKeyEncryptionKey: string;
  /** where the gateway serves /metrics (its main port is public, so it has a listener of its own) */
  gatewayMetricsPort: number;
  /** every process's own key and the bundle of public keys they all trust */
  identities: GeneratedIdentities;
  /** create the demo admin account and the demo markets (never in production) */
  seedAdmin: boolean;
  /** extra variables for every process (OTEL_*, LOG_LEVEL, rate limits...) */
  env?: Record<string, string | undefined>;
  /** which processes to run; all by default */
  services?: readonly ServiceName[];
  restart?: boolean;
  readyTimeoutMs?: number;
  /**
   * Node's source-map support (stack traces in TypeScript lines): off unless asked. It keeps every
   * loaded module's source map in memory, and the compiled JavaScript's lines read well enough.
   */
  sourceMaps?: boolean;
  /** V8 flags for every Node process the launcher starts (DEFAULT_NODE_FLAGS unless given) */
  nodeFlags?: readonly string[];
  /** where formatted log lines and supervisor notices go; nowhere by default */
  output?: (line: string) => void;
  colorize?: boolean;
  /** aborting it while starting stops what was started and rejects */
  signal?: AbortSignal;
  /** once ready, create the demo market maker with cash, shares and quotes on every market (needs seedAdmin) */
  seedDemoTrading?: { adminEmail: string; adminPassword: string };
  /**
   * also serve the built front end on this port (the browser reaches the gateway at its URL); its
   * trace links open `jaegerUrl`, or the Jaeger started here when it has its UI, or else the front
   * end's own trace pages
   */
  frontend?: { port: number; jaegerUrl?: string };
  /** run Jaeger (the processes export their spans to it) and Prometheus (scraping every process) beside the exchange */
  observability?: ObservabilityOptions;
  /**
   * once ready (and seeded), run the market simulator: bots trading every market through the
   * public API (tools/src/simulator); off unless asked
   */
  simulator?: SimulatorLaunchOptions;
}

export interface RunningSystem {
  urls: Record<ServiceName, string>;
  /** where each process serves /metrics (the gateway on its own listener) */
  metricsUrls: Record<ServiceName, string>;
  /** how each process reaches PostgreSQL and Redis: its own role and ACL user (tests prove their limits) */
  dataAccess: Record<ServiceName, ServiceDataAccess>;
  /** the front end's URL, when it was started */
  frontendUrl?: string;
  /** the market simulator's URL (/healthz, /metrics), when it was started */
  simulatorUrl?: string;
  processes: Map<ServiceName | 'frontend' | 'simulator', ManagedProcess>;
  /** Jaeger and Prometheus, when asked for */
  observability?: RunningObservability;
  /** how long from the first spawn until every /readyz answered 200 */
  readyAfterMs: number;
  stop(): Promise<void>;
}

/** `CLIENT_GATEWAY_METRICS_PORT`, or base+10 with `EXCHANGE_PORT_BASE`, or 9347 (the gateway's port + 1000). */
export function resolveGatewayMetricsPort(env: Record<string, string | undefined>): number {
  if (env.CLIENT_GATEWAY_METRICS_PORT) return Number(env.CLIENT_GATEWAY_METRICS_PORT);
  if (env.EXCHANGE_PORT_BASE) return Number(env.EXCHANGE_PORT_BASE) + 10;
  return 9347;
}

/** `EXCHANGE_PORT_BASE=20000` gives every process base+i; otherwise `<SERVICE>_PORT` or the standard port. */
export function resolvePorts(env: Record<string, string | undefined>): Ports {
  const base = env.EXCHANGE_PORT_BASE ? Number(env.EXCHANGE_PORT_BASE) : undefined;
  if (base !== undefined && (!Number.isInteger(base) || base < 1024 || base > 65000)) {
    throw new StartupError(`EXCHANGE_PORT_BASE must be a whole number between 1024 and 65000 (got ${env.EXCHANGE_PORT_BASE})`);
  }
  const ports = {} as Ports;
  SERVICE_CATALOG.forEach((service, index) => {
    const explicit = env[portVariable(service.name)];
    ports[service.name] = explicit ? Number(explicit) : base !== undefined ? base + index : service.port;
  });
  return ports;
}

const STOP_GRACE_MS = 4500;

/** The configured origins (or the default front end's) and the one this launcher serves. */
function corsOrigins(configured: string | undefined, frontendPort: number): string {
  const origins = new Set(
    (configured ?? 'http://localhost:3000,http://127.0.0.1:3000')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  );
  origins.add(`http://localhost:${frontendPort}`);
  origins.add(`http://127.0.0.1:${frontendPort}`);
  return [...origins].join(',');
}

/**
 * Starts the exchange: checks PostgreSQL and Redis, creates the database, then starts every process
 * (each migrates its own schema) and waits until every `/readyz` answers. Used by `npm start` and by
 * the end-to-end tests alike.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const names = options.services ?? SERVICE_NAMES;
  const output = options.output ?? (() => {});
  await checkPostgres(options.databaseUrl);
  await checkRedis(options.redisUrl);
  await checkPortsFree(
    [
      ...names.map((name) => ({ name, port: options.ports[name] })),
      ...(names.includes('client-gateway') ? [{ name: 'client-gateway metrics', port: options.gatewayMetricsPort }] : []),
      ...(options.frontend ? [{ name: 'frontend', port: options.frontend.port }] : []),
      ...(options.simulator ? [{ name: 'simulator', port: options.simulator.port }] : []),
      ...(options.observability?.mode === 'required' ? observabilityPorts(options.observability) : []),
    ],
    '127.0.0.1',
  );
  if (await ensureDatabase(options.databaseUrl)) output(`created database ${new URL(options.databaseUrl).pathname.slice(1)}`);
  // each process connects to PostgreSQL and Redis as its own role and user, with fresh passwords
  const access = await provisionDataAccess({
    adminDatabaseUrl: options.databaseUrl,
    adminRedisUrl: options.redisUrl,
    redisKeyPrefix: options.redisKeyPrefix,
    services: names,
  });

  const portEnv = Object.fromEntries(SERVICE_NAMES.map((name) => [portVariable(name), String(options.ports[name])]));
  const width = Math.max(...names.map((name) => name.length), 'prometheus'.length);
  const simulatorUrl = options.simulator ? `http://127.0.0.1:${options.simulator.port}` : undefined;
  const urls = Object.fromEntries(names.map((name) => [name, `http://127.0.0.1:${options.ports[name]}`])) as Record<ServiceName, string>;
  const metricsUrls = Object.fromEntries(
    names.map((name) => [name, name === 'client-gateway' ? `http://127.0.0.1:${options.gatewayMetricsPort}/metrics` : `${urls[name]}/metrics`]),
  ) as Record<ServiceName, string>;

  // Jaeger first, so that the processes' first spans have somewhere to go
  let observability: RunningObservability | undefined;
  const tracesEnv: Record<string, string> = {};
  // where the gateway reads traces for the front end's trace pages
  const queryEnv: Record<string, string> = {};
  if (options.observability) {
    const wanted = await withoutTakenPorts(options.observability, output);
    observability = await startObservability(options.rootDir, wanted, () => scrapeTargets(metricsUrls, wanted, simulatorUrl), {
      output,
      format: (name) => createLineFormatter(name, names.length + 1, { colorize: options.colorize ?? false, width }),
      restart: options.restart ?? true,
    });
    // an endpoint the caller or the environment names wins: the spans go there
    const explicit = options.env?.OTEL_EXPORTER_OTLP_ENDPOINT ?? globalThis.process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    if (wanted.jaeger && !explicit) tracesEnv.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${wanted.ports.otlpHttp}`;
    if (wanted.jaeger) queryEnv.JAEGER_QUERY_URL = `http://127.0.0.1:${wanted.ports.jaegerQuery}`;
  }

  const nodeFlags = [...(options.sourceMaps ? ['--enable-source-maps'] : []), ...(options.nodeFlags ?? DEFAULT_NODE_FLAGS)];
  const processes = new Map<ServiceName | 'frontend' | 'simulator', ManagedProcess>();
  names.forEach((name, index) => {
    const format = createLineFormatter(name, index, { colorize: options.colorize ?? false, width });
    const process = new ManagedProcess({
      name,
      command: globalThis.process.execPath,
      args: [...nodeFlags, ...profileArgs(name), join(options.rootDir, 'services', name, 'dist', 'main.js')],
      cwd: options.rootDir,
      env: {
        ...globalThis.process.env,
        ...tracesEnv,
        ...options.env,
        ...portEnv,
        DATABASE_URL: access[name].databaseUrl,
        REDIS_URL: access[name].redisUrl,
        REDIS_KEY_PREFIX: options.redisKeyPrefix,
        SERVICES_HOST: '127.0.0.1',
        // children live in their own process groups; this lets each one notice a launcher that died
        EXCHANGE_SUPERVISOR_PID: String(globalThis.process.pid),
        ...identityEnv(options.identities, name),
        ...(name === 'user-service'
          ? { JWT_PRIVATE_KEY: options.jwtPrivateKey, API_KEY_ENCRYPTION_KEY: options.apiKeyEncryptionKey, SEED_ADMIN: options.seedAdmin ? 'true' : 'false' }
          : {}),
        ...(name === 'risk-manager' ? { SEED_DEMO_MARKETS: options.seedAdmin ? 'true' : 'false' } : {}),
        ...(name === 'client-gateway' ? { METRICS_PORT: String(options.gatewayMetricsPort), ...queryEnv, ...pick(options.env, 'JAEGER_QUERY_URL') } : {}),
        // the front end this launcher serves may call the gateway, wherever its port is
        ...(name === 'client-gateway' && options.frontend
          ? { CORS_ORIGINS: corsOrigins(options.env?.CORS_ORIGINS ?? globalThis.process.env.CORS_ORIGINS, options.frontend.port) }
          : {}),
      },
      restart: options.restart ?? true,
      onLine: (line) => output(format(line)),
      onNotice: (message) => output(`\n${'!'.repeat(8)} ${message}\n`),
    });
    processes.set(name, process);
  });

  // all at once: Jaeger keeps its traces in memory, so waiting for the processes' last spans
  // before stopping it would keep nothing, and Ctrl-C must end everything within 5 s
  const stop = async () => {
    await Promise.all([...[...processes.values()].map((process) => process.stop(STOP_GRACE_MS)), observability?.stop(STOP_GRACE_MS)]);
  };
  let frontendUrl: string | undefined;
  if (options.frontend) {
    frontendUrl = `http://127.0.0.1:${options.frontend.port}`;
    const format = createLineFormatter('frontend', names.length, { colorize: options.colorize ?? false, width });
    try {
      const frontend = frontendProcess(
        options.rootDir,
        {
          port: options.frontend.port,
          gatewayUrl: urls['client-gateway'],
          jaegerUrl: options.frontend.jaegerUrl ?? (observability?.jaegerHasUi ? observability.jaegerUrl! : ''),
          nodeFlags,
        },
        {
          env: { ...globalThis.process.env },
          restart: options.restart ?? true,
          onLine: (line) => output(format(line)),
          onNotice: (message) => output(`\n${'!'.repeat(8)} ${message}\n`),
        },
      );
      processes.set('frontend', frontend);
    } catch (error) {
      await stop();
      throw error;
    }
  }

  const startedAt = Date.now();
  if (options.signal?.aborted) {
    await stop();
    throw new StartupError('interrupted before the processes started');
  }
  for (const process of processes.values()) process.start();
  try {
    await waitUntilReady(urls, names, options.readyTimeoutMs ?? 60_000, options.signal);
    if (frontendUrl) {
      const deadline = Date.now() + 30_000;
      while (!(await isFrontendReady(frontendUrl))) {
        if (Date.now() > deadline) throw new StartupError(`the front end did not answer at ${frontendUrl} (see its log above)`);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
    if (options.seedDemoTrading) {
      const seeded = await seedDemoTrading({ gatewayUrl: urls['client-gateway'], ...options.seedDemoTrading });
      output(`demo: the market maker ${MARKET_MAKER.email} quotes ${seeded.markets} markets (${seeded.quotes} new quotes)`);
    }
    if (options.simulator && simulatorUrl) {
      // after the seeding: the simulator's bots join a market that already has the demo maker's quotes
      const format = createLineFormatter('simulator', names.length + 2, { colorize: options.colorize ?? false, width });
      const simulator = simulatorProcess(options.rootDir, urls['client-gateway'], options.simulator, {
        env: { ...globalThis.process.env, EXCHANGE_SUPERVISOR_PID: String(globalThis.process.pid) },
        restart: options.restart ?? true,
        onLine: (line) => output(format(line)),
        onNotice: (message) => output(`\n${'!'.repeat(8)} ${message}\n`),
      });
      processes.set('simulator', simulator);
      simulator.start();
      // its /healthz answers as soon as it runs; its bots join over the next minutes (sign-ins are
      // rate-limited). The exchange does not need it: one that does not answer is reported, not fatal.
      const deadline = Date.now() + 30_000;
      while (!(await simulatorHealth(simulatorUrl))) {
        if (options.signal?.aborted) throw new StartupError('interrupted while starting the simulator');
        if (Date.now() > deadline) {
          output(`\n${'!'.repeat(8)} the market simulator does not answer at ${simulatorUrl} (see its log above); the exchange runs without it\n`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls, metricsUrls, dataAccess: access, frontendUrl, simulatorUrl, processes, observability, readyAfterMs: Date.now() - startedAt, stop };
}

/**
 * When Jaeger or Prometheus are optional, one whose ports are taken (a Jaeger the user runs already,
 * say) is not started, and a line says so; the processes still export to the standard OTLP port.
 */
async function withoutTakenPorts(observability: ObservabilityOptions, output: (line: string) => void): Promise<ObservabilityOptions> {
  if (observability.mode === 'required') return observability;
  const result = { ...observability };
  for (const backend of ['jaeger', 'prometheus'] as const) {
    if (!result[backend]) continue;
    const ports = observabilityPorts({ ...result, jaeger: backend === 'jaeger', prometheus: backend === 'prometheus' });
    const taken = [];
    for (const port of ports) if (!(await isPortFree(port.port))) taken.push(port);
    if (taken.length === 0) continue;
    result[backend] = false;
    output(`not starting ${backend}: port ${taken.map((port) => `${port.port} (${port.name})`).join(', ')} already in use — one may already be running there`);
  }
  return result;
}

function pick(env: Record<string, string | undefined> | undefined, name: string): Record<string, string> {
  const value = env?.[name];
  return value === undefined ? {} : { [name]: value };
}

function observabilityPorts(observability: ObservabilityOptions): Array<{ name: string; port: number }> {
  const { ports } = observability;
  return [
    ...(observability.jaeger
      ? [
          { name: 'jaeger query', port: ports.jaegerQuery },
          { name: 'jaeger query gRPC', port: ports.jaegerQueryGrpc },
          { name: 'jaeger OTLP gRPC', port: ports.otlpGrpc },
          { name: 'jaeger OTLP HTTP', port: ports.otlpHttp },
          { name: 'jaeger health', port: ports.jaegerHealth },
          { name: 'jaeger metrics', port: ports.jaegerMetrics },
        ]
      : []),
    ...(observability.prometheus ? [{ name: 'prometheus', port: ports.prometheus }] : []),
  ];
}

/** Every process's /metrics (the simulator's too, when it runs), Jaeger's own and Prometheus's. */
function scrapeTargets(metricsUrls: Record<ServiceName, string>, observability: ObservabilityOptions, simulatorUrl?: string): ScrapeTarget[] {
  const targets: ScrapeTarget[] = Object.entries(metricsUrls).map(([name, url]) => {
    const parsed = new URL(url);
    return { job: name, address: parsed.host, path: parsed.pathname };
  });
  if (simulatorUrl) targets.push({ job: 'simulator', address: new URL(simulatorUrl).host, path: '/metrics' });
  if (observability.jaeger) targets.push({ job: 'jaeger', address: `127.0.0.1:${observability.ports.jaegerMetrics}`, path: '/metrics' });
  targets.push({ job: 'prometheus', address: `127.0.0.1:${observability.ports.prometheus}`, path: '/metrics' });
  return targets;
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitUntilReady(urls: Record<ServiceName, string>, names: readonly ServiceName[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let waiting = [...names];
  while (waiting.length > 0) {
    if (signal?.aborted) throw new StartupError('interrupted while starting');
    const states = await Promise.all(waiting.map(async (name) => [name, await isReady(urls[name])] as const));
    waiting = states.filter(([, ready]) => !ready).map(([name]) => name);
    if (waiting.length === 0) return;
    if (Date.now() > deadline) {
      throw new StartupError(`not ready after ${Math.round(timeoutMs / 1000)} s: ${waiting.join(', ')} (see their logs above)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * EXCHANGE_CPU_PROFILE_DIR=<dir>: every process writes a V8 CPU profile of its whole life there
 * (`<process>.cpuprofile`, when it stops), for finding where the time goes (open it in Chrome's
 * DevTools, or summarise it with `node tools/dist/cli.js profile <dir>`).
 */
function profileArgs(name: string): string[] {
  const dir = globalThis.process.env.EXCHANGE_CPU_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
}
