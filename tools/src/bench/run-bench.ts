import { authBench } from './auth-bench.js';
import { identityBench } from './identity-bench.js';
import { memoryBench } from './memory-bench.js';
import { startBenchSystem, type BenchScenario, type Print } from './bench-support.js';
import { ordersBench } from './order-bench.js';
import { simulatorBench } from './simulator-bench.js';
import { spanBench } from './span-bench.js';
import { streamBench } from './stream-bench.js';
import { walletBench } from './wallet-bench.js';

/**
 * The share of traces the sampled order run keeps (head sampling, parent-based: a trace is kept or
 * dropped whole at the gateway). `npm start` keeps every trace; the order bench reports both.
 */
const SAMPLED_RATIO = Number(process.env.BENCH_SAMPLED_RATIO ?? 0.01);

/** The system a scenario runs on: the order path with an ordinary user's limits, the rest with the rate limits out of the way. */
interface SystemKind {
  limits: 'ordinary' | 'raised';
  env?: Record<string, string>;
}
const RAISED: SystemKind = { limits: 'raised' };
const ORDINARY: SystemKind = { limits: 'ordinary' };
const ORDINARY_SAMPLED: SystemKind = {
  limits: 'ordinary',
  env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(SAMPLED_RATIO) },
};

const SCENARIOS = {
  auth: { run: authBench, system: RAISED },
  wallet: { run: walletBench, system: RAISED },
  orders: { run: ordersBench, system: ORDINARY },
  // the same order bench with head sampling: what tracing every request costs, beside the run above
  'orders-sampled': { run: ordersBench, system: ORDINARY_SAMPLED },
  stream: { run: streamBench, system: RAISED },
  identity: { run: identityBench, system: RAISED },
  spans: { run: spanBench, system: RAISED },
} satisfies Record<string, { run: BenchScenario; system: SystemKind }>;
export type Scenario = keyof typeof SCENARIOS;

/** What `npm run bench -- <name>` runs: a scenario, or for `orders` the order path at 100% and at the sampled ratio. */
const ALIASES: Record<string, Scenario[]> = { orders: ['orders', 'orders-sampled'], 'orders-full': ['orders'] };

/** `npm run bench [-- <scenario>]`: every scenario by default, each group on a system of its own. */
export async function runBench(rootDir: string, only: string | undefined): Promise<void> {
  // the market simulator's cost: two systems of its own (idle, then simulated), not one of the scenarios' systems
  if (only === 'memory') return memoryBench(rootDir, (line) => process.stdout.write(`${line}\n`));
  if (only === 'simulator') {
    const rate = process.env.SIMULATOR_RATE ? Number(process.env.SIMULATOR_RATE) : undefined;
    return simulatorBench(rootDir, (line) => process.stdout.write(`${line}\n`), rate);
  }
  const known = [...Object.keys(SCENARIOS), ...Object.keys(ALIASES)];
  if (only && !known.includes(only)) throw new Error(`unknown bench "${only}"; known: ${[...new Set(known)].join(', ')}`);
  const names: Scenario[] = only ? (ALIASES[only] ?? [only as Scenario]) : (Object.keys(SCENARIOS) as Scenario[]);
  if (!(SAMPLED_RATIO > 0 && SAMPLED_RATIO <= 1)) throw new Error(`BENCH_SAMPLED_RATIO must be in (0, 1], got ${process.env.BENCH_SAMPLED_RATIO}`);
  const print: Print = (line) => process.stdout.write(`${line}\n`);
  const kinds = [...new Set(names.map((name) => SCENARIOS[name].system))];
  for (const kind of kinds) {
    const group = names.filter((name) => SCENARIOS[name].system === kind);
    // the orders, stream and spans scenarios list their markets (and raise limits) as the demo admin
    const bench = await startBenchSystem(rootDir, {
      seedAdmin: group.some((name) => name.startsWith('orders') || name === 'stream' || name === 'spans'),
      limits: kind.limits,
      ...(kind.env ? { env: kind.env } : {}),
    });
    try {
      print('');
      print(`Start to healthy: ${(bench.system.readyAfterMs / 1000).toFixed(2)} s from spawning the processes to every /readyz answering 200`);
      print(`                  ${(bench.totalStartMs / 1000).toFixed(2)} s including the PostgreSQL/Redis checks and database creation`);
      for (const name of group) {
        print('');
        print(`## ${name}`);
        if (process.env.OTEL_SDK_DISABLED === 'true') print('Tracing: OpenTelemetry off in every process (OTEL_SDK_DISABLED=true)');
        else if (kind.env?.OTEL_TRACES_SAMPLER)
          print(
            `Tracing: head sampling, ${kind.env.OTEL_TRACES_SAMPLER} at ${kind.env.OTEL_TRACES_SAMPLER_ARG} (failures are still logged with their trace id)`,
          );
        else print('Tracing: every request (100%), as `npm start` runs');
        await SCENARIOS[name].run(bench.gateway, print, bench);
      }
    } finally {
      await bench.stop();
    }
  }
}
