import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { startPrivateSystem } from '../launcher/private-system.js';
import { DEFAULT_NODE_FLAGS, type RunningSystem } from '../launcher/system.js';
import { MarketSimulator } from '../simulator/simulator.js';
import { benchNodeFlags, type Print } from './bench-support.js';
import { mb, type ProcessMemory, processMemory } from './process-memory.js';

/** the idle system settles first: start-up work (migrations, JIT, the first tail checks at 30 s) is not idle */
const SETTLE_MS = 40_000;
const IDLE_SAMPLE_MS = 15_000;
const LOAD_MS = 60_000;
const FLOOR_SETTLE_MS = 5000;
/** the load: the market simulator in load mode at this many actions a second per demo market (near what the system sustains) */
const LOAD_RATE = 8;
/** what the exchange's own footprint is held to, at idle and under the load (MB of resident memory) */
const TARGET_IDLE_MB = 800;
const TARGET_LOADED_MB = 1200;

type Readings = Map<string, { rssKb: number[]; pssKb: number[]; fileKb: number[]; anonKb: number[] }>;

/** The exchange's own processes: the gateway, the services and the front end's server (the observers and the load apart). */
function ownProcesses(system: RunningSystem): Array<[string, number]> {
  return [...system.processes]
    .filter(([name]) => name !== 'simulator')
    .flatMap(([name, process]) => (process.pid ? [[name, process.pid] as [string, number]] : []));
}

async function sample(system: RunningSystem, forMs: number, into: Readings): Promise<void> {
  const until = Date.now() + forMs;
  while (Date.now() < until) {
    for (const [name, pid] of ownProcesses(system)) {
      const memory = processMemory(pid);
      if (!memory) continue;
      const readings = into.get(name) ?? { rssKb: [], pssKb: [], fileKb: [], anonKb: [] };
      readings.rssKb.push(memory.rssKb);
      if (memory.pssKb !== undefined) readings.pssKb.push(memory.pssKb);
      if (memory.fileKb !== undefined) readings.fileKb.push(memory.fileKb);
      if (memory.anonKb !== undefined) readings.anonKb.push(memory.anonKb);
      into.set(name, readings);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * The floor under every process: a Node process that does nothing, and one that has only loaded what
 * every service of this stack loads (the platform with its libraries, and OpenTelemetry's SDK), with
 * the same V8 flags, measured after they settle.
 */
async function floors(rootDir: string, nodeFlags: readonly string[]): Promise<Array<[string, ProcessMemory]>> {
  const programs: Array<[string, string]> = [
    ['a bare Node process', 'setInterval(() => {}, 1000)'],
    [
      'Node with the platform and OpenTelemetry loaded',
      "Promise.all([import('@exchange/platform'), import('@exchange/platform/telemetry')]).then(() => setInterval(() => {}, 1000))",
    ],
  ];
  const found: Array<[string, ProcessMemory]> = [];
  for (const [name, program] of programs) {
    // from a service's directory, so the workspace's packages resolve as they do for the service
    const child = spawn(process.execPath, [...nodeFlags, '--input-type=module', '-e', program], {
      cwd: join(rootDir, 'services', 'user-service'),
      stdio: 'ignore',
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, FLOOR_SETTLE_MS));
      const memory = child.pid ? processMemory(child.pid) : undefined;
      if (memory && child.exitCode === null) found.push([name, memory]);
    } finally {
      child.kill();
    }
  }
  return found;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const max = (values: number[]) => (values.length > 0 ? Math.max(...values) : undefined);

/**
 * `npm run bench -- memory`: the resident memory of the exchange's own processes (the gateway, the
 * eight services and the front end's server), read from /proc: at idle (the median over 15 s after
 * the system settled) and under load (the highest reading each second over a minute of the market
 * simulator at a brisk rate). PSS shares the node binary's and libraries' pages among the processes
 * that map them; RSS counts them in every process, so the RSS total is the cautious figure.
 * `BENCH_NODE_FLAGS` replaces the launcher's V8 flags (to measure another setting).
 */
export async function memoryBench(rootDir: string, print: Print): Promise<void> {
  const nodeFlags = benchNodeFlags();
  print(`## memory: the exchange's own processes (V8 flags: ${nodeFlags === undefined ? "the launcher's" : nodeFlags.join(' ') || "Node's defaults"})`);
  const exchange = await startPrivateSystem(rootDir, {
    seedAdmin: true,
    seedDemoTrading: { adminEmail: 'admin@exchange.local', adminPassword: 'exchange-admin' },
    withFrontend: true,
    withObservability: { jaeger: true, prometheus: false },
    // the simulator's requests all come from this one address
    env: { RATE_LIMIT_ADDRESS_MAX: '1000000' },
    ...(nodeFlags ? { nodeFlags } : {}),
  });
  const idle: Readings = new Map();
  const loaded: Readings = new Map();
  let simulator: MarketSimulator | undefined;
  let load = '';
  try {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    await sample(exchange.system, IDLE_SAMPLE_MS, idle);
    simulator = new MarketSimulator({
      gatewayUrl: exchange.gateway,
      adminEmail: 'admin@exchange.local',
      adminPassword: 'exchange-admin',
      ratePerMarket: LOAD_RATE,
      seed: 1,
      mode: 'load',
      summaryEveryMs: 3_600_000,
      output: () => {},
    });
    await simulator.start();
    await simulator.ready;
    const before = { ...simulator.stats };
    await sample(exchange.system, LOAD_MS, loaded);
    const latency = simulator.takeLatencies();
    load =
      `${simulator.stats.orders - before.orders} orders and ${simulator.stats.cancels - before.cancels} cancels, ${simulator.stats.tradesSeen - before.tradesSeen} trades; ` +
      `orders from due to answered p50 ${latency?.p50.toFixed(0)} ms, p99 ${latency?.p99.toFixed(0)} ms`;
  } finally {
    await simulator?.stop();
    await exchange.stop();
  }
  print('');
  print(`| process | idle RSS MB | idle PSS MB | loaded RSS MB (max) | loaded PSS MB (max) |`);
  print('|---|---:|---:|---:|---:|');
  const totals = { idleRss: 0, idlePss: 0, loadedRss: 0, loadedPss: 0 };
  for (const [name, readings] of idle) {
    const under = loaded.get(name);
    const row = {
      idleRss: median(readings.rssKb) ?? 0,
      idlePss: median(readings.pssKb) ?? 0,
      loadedRss: max(under?.rssKb ?? []) ?? 0,
      loadedPss: max(under?.pssKb ?? []) ?? 0,
    };
    for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += row[key];
    print(`| ${name} | ${mb(row.idleRss)} | ${mb(row.idlePss)} | ${mb(row.loadedRss)} | ${mb(row.loadedPss)} |`);
  }
  print(`| **all ${idle.size}** | **${mb(totals.idleRss)}** | **${mb(totals.idlePss)}** | **${mb(totals.loadedRss)}** | **${mb(totals.loadedPss)}** |`);
  print('');
  print('Where the idle memory is (RSS = file-backed + anonymous): the same node binary and libraries in every process, and what each one allocates:');
  print('');
  print('| process | idle RSS MB | file-backed MB (node binary, libraries) | anonymous MB (V8 heaps, code, buffers) |');
  print('|---|---:|---:|---:|');
  for (const [name, readings] of idle) print(`| ${name} | ${mb(median(readings.rssKb))} | ${mb(median(readings.fileKb))} | ${mb(median(readings.anonKb))} |`);
  for (const [name, memory] of await floors(rootDir, nodeFlags ?? DEFAULT_NODE_FLAGS))
    print(`| *${name}* | ${mb(memory.rssKb)} | ${mb(memory.fileKb)} | ${mb(memory.anonKb)} |`);
  print('');
  print(
    `Targets: idle ≤ ${TARGET_IDLE_MB} MB (${totals.idleRss / 1024 <= TARGET_IDLE_MB ? 'met' : 'NOT met'} by RSS), ` +
      `under load ≤ ${TARGET_LOADED_MB} MB (${totals.loadedRss / 1024 <= TARGET_LOADED_MB ? 'met' : 'NOT met'} by RSS). ` +
      `The load: the market simulator at ${LOAD_RATE} actions/s per demo market for ${LOAD_MS / 1000} s (${load}).`,
  );
}
