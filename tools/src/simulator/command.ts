import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Counter, createMetrics } from '@exchange/platform';
import { z } from 'zod';
import { StartupError } from '../launcher/checks.js';
import { simulatorHealthSchema } from '../launcher/simulator-process.js';
import { resolvePorts } from '../launcher/system.js';
import { MarketSimulator, type SimulatorMetricsSink } from './simulator.js';

/** The simulator's defaults: gentle enough for a 2-core machine running the whole exchange. */
export const SIMULATOR_DEFAULTS = { ratePerMarket: 1, seed: 1, volatilityPerMinute: 0.002, summaryEverySeconds: 30 } as const;

const USAGE = `usage: npm run simulate -- [options]
  --gateway URL          the exchange's gateway (default http://127.0.0.1:<CLIENT_GATEWAY_PORT or 8347>)
  --rate N               actions per second per market, about one order each (default ${SIMULATOR_DEFAULTS.ratePerMarket})
  --seed N               seeds the fair prices' walks and the bots' choices (default ${SIMULATOR_DEFAULTS.seed})
  --markets A,B          the symbols to trade (default every TRADING market)
  --duration S           stop after S seconds (default: until Ctrl-C)
  --volatility F         the fair price's standard deviation per minute, a fraction (default ${SIMULATOR_DEFAULTS.volatilityPerMinute})
  --summary-every S      seconds between summary lines (default ${SIMULATOR_DEFAULTS.summaryEverySeconds})
  --admin-email E        the admin who funds the bots (default EXCHANGE_ADMIN_EMAIL or admin@exchange.local)
  --admin-password P     (default EXCHANGE_ADMIN_PASSWORD or exchange-admin)
  --mode market|load     market (default): bots react to the market; load: every action due is sent on time,
                         and each summary gives the orders' latency from when they were due (p50, p99)
  --keys-file F          keeps the bots' API keys between starts (default .exchange/simulator-keys.json; none: not kept)
  --port N               serve /healthz and /metrics on this port (default: none)
  --help                 this text`;

const positive = z.coerce.number().positive();
const optionsSchema = z.object({
  gateway: z.url({ protocol: /^https?$/ }),
  rate: positive.max(1000),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  markets: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((symbol) => symbol.trim().toUpperCase())
        .filter(Boolean),
    )
    .optional(),
  duration: positive.optional(),
  volatility: positive.max(0.5),
  'summary-every': positive,
  'admin-email': z.email(),
  'admin-password': z.string().min(1),
  port: z.coerce.number().int().min(1).max(65_535).optional(),
  'keys-file': z.string().min(1),
  mode: z.enum(['market', 'load']),
});
export type SimulateOptions = z.infer<typeof optionsSchema>;

/** The command line (and the environment's defaults) as the simulator's options; a usage error says what was wrong. */
export function parseSimulateArgs(args: string[], env: NodeJS.ProcessEnv = process.env): SimulateOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      options: {
        ...Object.fromEntries(
          ['gateway', 'rate', 'seed', 'markets', 'duration', 'volatility', 'summary-every', 'admin-email', 'admin-password', 'port', 'keys-file', 'mode'].map(
            (name) => [name, { type: 'string' as const }],
          ),
        ),
        help: { type: 'boolean' as const },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new StartupError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) return 'help';
  delete values.help;
  const parsed = optionsSchema.safeParse({
    gateway: `http://127.0.0.1:${resolvePorts(env)['client-gateway']}`,
    rate: SIMULATOR_DEFAULTS.ratePerMarket,
    seed: SIMULATOR_DEFAULTS.seed,
    volatility: SIMULATOR_DEFAULTS.volatilityPerMinute,
    'summary-every': SIMULATOR_DEFAULTS.summaryEverySeconds,
    'admin-email': env.EXCHANGE_ADMIN_EMAIL ?? 'admin@exchange.local',
    'admin-password': env.EXCHANGE_ADMIN_PASSWORD ?? 'exchange-admin',
    'keys-file': join('.exchange', 'simulator-keys.json'),
    mode: 'market',
    ...Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)),
  });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `  --${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new StartupError(`${issues}\n${USAGE}`);
  }
  return parsed.data;
}

/** Prometheus counters of what the bots do, and the registry with the process's own metrics. */
function simulatorMetrics() {
  const { registry } = createMetrics('market-simulator');
  const labelNames = ['symbol', 'role', 'outcome'] as const;
  const orders = new Counter({
    name: 'simulator_orders_total',
    help: 'Orders the bots sent, by outcome (accepted or the error code)',
    labelNames,
    registers: [registry],
  });
  const cancels = new Counter({ name: 'simulator_cancels_total', help: 'Cancels the bots sent, by outcome', labelNames, registers: [registry] });
  const trades = new Counter({
    name: 'simulator_trades_seen_total',
    help: 'Public trades the simulator saw on the stream',
    labelNames: ['symbol'],
    registers: [registry],
  });
  const sink: SimulatorMetricsSink = {
    order: (symbol, role, outcome) => orders.inc({ symbol, role, outcome }),
    cancel: (symbol, role, outcome) => cancels.inc({ symbol, role, outcome }),
    trade: (symbol) => trades.inc({ symbol }),
  };
  return { registry, sink };
}

/** /healthz (with the bots' state) and /metrics, for the launcher's summary and Prometheus. */
async function serveHealth(
  port: number,
  simulator: () => MarketSimulator | undefined,
  registry: ReturnType<typeof createMetrics>['registry'],
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === '/healthz') {
      const stats = simulator()?.stats;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          simulatorHealthSchema.parse({
            status: 'ok',
            botsReady: stats?.botsReady ?? 0,
            botsTotal: stats?.botsTotal ?? 0,
            orders: stats?.orders ?? 0,
            cancels: stats?.cancels ?? 0,
            tradesSeen: stats?.tradesSeen ?? 0,
          }),
        ),
      );
    } else if (request.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': registry.contentType });
          response.end(text);
        },
        () => {
          response.writeHead(500);
          response.end();
        },
      );
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

/**
 * `npm run simulate -- [options]`, and the simulator process `npm start` runs: bots trading every
 * market through the public API until Ctrl-C (or SIGTERM from the launcher), or for --duration.
 */
export async function simulateCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const parsed = parseSimulateArgs(args, env);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  if (parsed === 'help') {
    print(USAGE);
    return;
  }
  const options = parsed;
  const { registry, sink } = simulatorMetrics();
  let simulator: MarketSimulator | undefined;
  const server = options.port === undefined ? undefined : await serveHealth(options.port, () => simulator, registry);
  simulator = new MarketSimulator({
    gatewayUrl: options.gateway,
    adminEmail: options['admin-email'],
    adminPassword: options['admin-password'],
    ratePerMarket: options.rate,
    seed: options.seed,
    ...(options.markets ? { symbols: options.markets } : {}),
    volatilityPerMinute: options.volatility,
    summaryEveryMs: options['summary-every'] * 1000,
    mode: options.mode,
    ...(options['keys-file'] === 'none' ? {} : { keysFile: resolve(options['keys-file']) }),
    output: print,
    metrics: sink,
  });
  const stopped = new Promise<string>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve(signal));
    if (options.duration !== undefined) setTimeout(() => resolve(`${options.duration} s`), options.duration * 1000).unref();
    // started by the launcher: a launcher killed with SIGKILL cannot stop us, so notice being orphaned
    const supervisor = Number(env.EXCHANGE_SUPERVISOR_PID);
    if (supervisor > 0) {
      setInterval(() => {
        if (process.ppid !== supervisor) resolve('the launcher is gone');
      }, 1000).unref();
    }
  });
  const symbols = await simulator.start();
  print(
    `simulator: trading ${symbols.join(', ')} on ${options.gateway} at ${options.rate} actions/s per market (seed ${options.seed}, volatility ${options.volatility * 100} % a minute); ` +
      `${simulator.stats.botsTotal} bots joining as their accounts are ready`,
  );
  const failed = simulator.ready.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  const outcome = await Promise.race([stopped, failed.then((error) => error ?? new Promise<never>(() => {}))]);
  await simulator.stop();
  server?.close();
  print(simulator.summaryLine());
  if (outcome instanceof Error) throw new StartupError(`the simulator could not set its bots up: ${outcome.message}`);
  print(`simulator: stopped (${outcome})`);
}
