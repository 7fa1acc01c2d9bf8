import { authBench } from './auth-bench.js';
import { startBenchSystem } from './bench-support.js';
import { walletBench } from './wallet-bench.js';

const SCENARIOS = { auth: authBench, wallet: walletBench } as const;
export type Scenario = keyof typeof SCENARIOS;

/** `npm run bench [-- auth|wallet]`: every scenario by default, against one system. */
export async function runBench(rootDir: string, only: string | undefined): Promise<void> {
  const names = only ? [only] : Object.keys(SCENARIOS);
  for (const name of names) if (!(name in SCENARIOS)) throw new Error(`unknown bench "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const bench = await startBenchSystem(rootDir);
  try {
    print('');
    print(`Start to healthy: ${(bench.system.readyAfterMs / 1000).toFixed(2)} s from spawning the processes to every /readyz answering 200`);
    print(`                  ${(bench.totalStartMs / 1000).toFixed(2)} s including the PostgreSQL/Redis checks and database creation`);
    for (const name of names) {
      print('');
      print(`## ${name}`);
      await SCENARIOS[name as Scenario](bench.gateway, print);
    }
  } finally {
    await bench.stop();
  }
}
