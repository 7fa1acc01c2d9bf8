import { authBench } from './auth-bench.js';
import { identityBench } from './identity-bench.js';
import { startBenchSystem, type BenchScenario } from './bench-support.js';
import { ordersBench } from './order-bench.js';
import { streamBench } from './stream-bench.js';
import { walletBench } from './wallet-bench.js';

const SCENARIOS = { auth: authBench, wallet: walletBench, orders: ordersBench, stream: streamBench, identity: identityBench } satisfies Record<
  string,
  BenchScenario
>;
export type Scenario = keyof typeof SCENARIOS;

/** `npm run bench [-- auth|wallet|orders|stream]`: every scenario by default, against one system. */
export async function runBench(rootDir: string, only: string | undefined): Promise<void> {
  const names = only ? [only] : Object.keys(SCENARIOS);
  for (const name of names) if (!(name in SCENARIOS)) throw new Error(`unknown bench "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  // the orders and stream scenarios list their markets (and raise limits) as the demo admin
  const bench = await startBenchSystem(rootDir, { seedAdmin: names.includes('orders') || names.includes('stream') });
  try {
    print('');
    print(`Start to healthy: ${(bench.system.readyAfterMs / 1000).toFixed(2)} s from spawning the processes to every /readyz answering 200`);
    print(`                  ${(bench.totalStartMs / 1000).toFixed(2)} s including the PostgreSQL/Redis checks and database creation`);
    for (const name of names) {
      print('');
      print(`## ${name}`);
      const scenario: BenchScenario = SCENARIOS[name as Scenario];
      await scenario(bench.gateway, print, bench);
    }
  } finally {
    await bench.stop();
  }
}
