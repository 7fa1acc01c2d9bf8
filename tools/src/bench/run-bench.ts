import { authBench } from './auth-bench.js';
import { identityBench } from './identity-bench.js';
import { startBenchSystem, type BenchScenario } from './bench-support.js';
import { ordersBench } from './order-bench.js';
import { spanBench } from './span-bench.js';
import { streamBench } from './stream-bench.js';
import { walletBench } from './wallet-bench.js';

const SCENARIOS = {
  auth: authBench,
  wallet: walletBench,
  orders: ordersBench,
  stream: streamBench,
  identity: identityBench,
  spans: spanBench,
} satisfies Record<string, BenchScenario>;
export type Scenario = keyof typeof SCENARIOS;

/** `npm run bench [-- auth|wallet|orders|stream]`: every scenario by default, against one system. */
export async function runBench(rootDir: string, only: string | undefined): Promise<void> {
  const names = only ? [only] : Object.keys(SCENARIOS);
  for (const name of names) if (!(name in SCENARIOS)) throw new Error(`unknown bench "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  // the order path runs on a system of its own with an ordinary user's limits; the latency benches
  // share one with the rate limits out of the way
  const groups = [names.filter((name) => ORDINARY_LIMITS.has(name)), names.filter((name) => !ORDINARY_LIMITS.has(name))];
  for (const [index, group] of groups.entries()) {
    if (group.length === 0) continue;
    // the orders and stream scenarios list their markets (and raise limits) as the demo admin
    const bench = await startBenchSystem(rootDir, {
      seedAdmin: group.includes('orders') || group.includes('stream') || group.includes('spans'),
      limits: index === 0 ? 'ordinary' : 'raised',
    });
    try {
      print('');
      print(`Start to healthy: ${(bench.system.readyAfterMs / 1000).toFixed(2)} s from spawning the processes to every /readyz answering 200`);
      print(`                  ${(bench.totalStartMs / 1000).toFixed(2)} s including the PostgreSQL/Redis checks and database creation`);
      for (const name of group) {
        print('');
        print(`## ${name}`);
        const scenario: BenchScenario = SCENARIOS[name as Scenario];
        await scenario(bench.gateway, print, bench);
      }
    } finally {
      await bench.stop();
    }
  }
}

/** Scenarios measured with the limits an ordinary user has. */
const ORDINARY_LIMITS = new Set(['orders']);
