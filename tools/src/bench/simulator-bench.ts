import pg from 'pg';
import { type PrivateSystem, startPrivateSystem } from '../launcher/private-system.js';
import { simulatorHealth } from '../launcher/simulator-process.js';
import { SIMULATOR_DEFAULTS } from '../simulator/command.js';
import { benchNodeFlags, type Print } from './bench-support.js';
import { ProcessCpu } from './process-cpu.js';

const WARM_UP_MS = 20_000;
const MEASURE_MS = 60_000;

/** CPU seconds per process group over the measured minute, on a system with the simulator or without. */
interface Measured {
  cpu: Map<string, number>;
  /** what the bots sent and saw during the measured minute */
  orders: number;
  cancels: number;
  trades: number;
}

async function measure(rootDir: string, ratePerMarket: number | undefined, print: Print): Promise<Measured> {
  let exchange: PrivateSystem | undefined;
  try {
    const nodeFlags = benchNodeFlags();
    exchange = await startPrivateSystem(rootDir, {
      ...(nodeFlags ? { nodeFlags } : {}),
      seedAdmin: true,
      seedDemoTrading: { adminEmail: 'admin@exchange.local', adminPassword: 'exchange-admin' },
      ...(ratePerMarket === undefined ? {} : { simulator: { ratePerMarket, seed: 1 } }),
      // the bots' sign-ins all come from this one address: let them join at once (steady state is what is measured)
      env: { RATE_LIMIT_AUTH_MAX: '1000' },
    });
    const { system } = exchange;
    if (system.simulatorUrl) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const health = await simulatorHealth(system.simulatorUrl);
        if (health && health.botsTotal > 0 && health.botsReady === health.botsTotal) break;
        if (Date.now() > deadline) throw new Error('the simulator’s bots did not all join within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    const admin = new pg.Client({ connectionString: exchange.databaseUrl });
    await admin.connect();
    try {
      const cpu = new ProcessCpu(system, admin);
      const activity = async () => (system.simulatorUrl ? await simulatorHealth(system.simulatorUrl) : undefined);
      const [before, botsBefore] = [await cpu.sample(), await activity()];
      await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
      const [after, botsAfter] = [await cpu.sample(), await activity()];
      const delta = (name: 'orders' | 'cancels' | 'tradesSeen') => (botsAfter?.[name] ?? 0) - (botsBefore?.[name] ?? 0);
      return { cpu: new Map(ProcessCpu.used(before, after)), orders: delta('orders'), cancels: delta('cancels'), trades: delta('tradesSeen') };
    } finally {
      await admin.end();
    }
  } finally {
    await exchange?.stop();
    print(`  measured ${ratePerMarket === undefined ? 'without the simulator' : `with the simulator at ${ratePerMarket} actions/s per market`}`);
  }
}

/**
 * `npm run bench -- simulator`: what the market simulator costs the whole system. The same private
 * system (demo markets and the demo market maker, no Jaeger or Prometheus) twice: idle, then with
 * the simulator at its default rate; each process's CPU from /proc over one minute, after the bots
 * joined and a warm-up.
 */
export async function simulatorBench(rootDir: string, print: Print, ratePerMarket: number = SIMULATOR_DEFAULTS.ratePerMarket): Promise<void> {
  print(
    `## simulator: CPU over ${MEASURE_MS / 1000} s (after a ${WARM_UP_MS / 1000} s warm-up), idle vs the simulator at ${ratePerMarket} actions/s per market`,
  );
  const idle = await measure(rootDir, undefined, print);
  const simulated = await measure(rootDir, ratePerMarket, print);
  const [off, on] = [idle.cpu, simulated.cpu];
  const names = [...new Set([...on.keys(), ...off.keys()])].sort((a, b) => (on.get(b) ?? 0) - (on.get(a) ?? 0));
  const pct = (seconds: number | undefined) => `${(((seconds ?? 0) / (MEASURE_MS / 1000)) * 100).toFixed(1)} %`;
  print('');
  print('| process | idle | simulator on |');
  print('|---|---:|---:|');
  const total = (map: Map<string, number>) => [...map].filter(([name]) => name !== 'the bench client').reduce((sum, [, seconds]) => sum + seconds, 0);
  for (const name of names) if (name !== 'the bench client') print(`| ${name} | ${pct(off.get(name))} | ${pct(on.get(name))} |`);
  print(`| **everything (one core = 100 %)** | **${pct(total(off))}** | **${pct(total(on))}** |`);
  const seconds = MEASURE_MS / 1000;
  const requests = simulated.orders + simulated.cancels;
  print('');
  print(
    `In the measured minute the bots sent ${simulated.orders} orders and ${simulated.cancels} cancels (${(requests / seconds).toFixed(1)} a second) ` +
      `and saw ${simulated.trades} trades; the system's extra CPU per order or cancel: ${requests > 0 ? (((total(on) - total(off)) / requests) * 1000).toFixed(0) : '–'} ms.`,
  );
}
