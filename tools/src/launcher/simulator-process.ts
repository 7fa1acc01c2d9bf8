import { join } from 'node:path';
import { z } from 'zod';
import { ManagedProcess, type ManagedProcessOptions } from './managed-process.js';

/** The market simulator as the launcher runs it, beside the exchange (never in production). */
export interface SimulatorLaunchOptions {
  /** its /healthz and /metrics */
  port: number;
  /** actions per second per market (the simulator's default when absent) */
  ratePerMarket?: number;
  seed?: number;
  /** where the bots' API keys are kept between starts; none: not kept */
  keysFile?: string;
  /** the admin who funds the bots */
  adminEmail: string;
  adminPassword: string;
}

/** The standard port after the gateway's metrics listener (9348), or base+11 with `EXCHANGE_PORT_BASE`, or `SIMULATOR_PORT`. */
export function resolveSimulatorPort(env: Record<string, string | undefined>): number {
  if (env.SIMULATOR_PORT) return Number(env.SIMULATOR_PORT);
  if (env.EXCHANGE_PORT_BASE) return Number(env.EXCHANGE_PORT_BASE) + 11;
  return 9348;
}

/**
 * `node tools/dist/cli.js simulate` against the gateway, as a supervised child like the services:
 * its lines are prefixed like theirs, and it stops with them. The admin's password travels in the
 * environment, not on the command line other users of the machine can read.
 */
export function simulatorProcess(
  rootDir: string,
  gatewayUrl: string,
  options: SimulatorLaunchOptions,
  managed: Pick<ManagedProcessOptions, 'env' | 'onLine' | 'onNotice' | 'restart'>,
): ManagedProcess {
  return new ManagedProcess({
    ...managed,
    env: { ...managed.env, EXCHANGE_ADMIN_EMAIL: options.adminEmail, EXCHANGE_ADMIN_PASSWORD: options.adminPassword },
    name: 'simulator',
    command: process.execPath,
    args: [
      join(rootDir, 'tools', 'dist', 'cli.js'),
      'simulate',
      '--gateway',
      gatewayUrl,
      '--port',
      String(options.port),
      ...(options.ratePerMarket === undefined ? [] : ['--rate', String(options.ratePerMarket)]),
      ...(options.seed === undefined ? [] : ['--seed', String(options.seed)]),
      '--keys-file',
      options.keysFile ?? 'none',
    ],
    cwd: rootDir,
  });
}

/** The simulator's /healthz answer: the one schema its server writes by and the launcher reads by. */
export const simulatorHealthSchema = z.object({
  status: z.literal('ok'),
  botsReady: z.number().int().min(0),
  botsTotal: z.number().int().min(0),
  orders: z.number().int().min(0),
  cancels: z.number().int().min(0),
  tradesSeen: z.number().int().min(0),
});
export type SimulatorHealth = z.infer<typeof simulatorHealthSchema>;

/** The simulator's /healthz: whether it answers, and how many of its bots trade. */
export async function simulatorHealth(url: string): Promise<SimulatorHealth | undefined> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    if (!response.ok) {
      await response.arrayBuffer();
      return undefined;
    }
    const parsed = simulatorHealthSchema.safeParse(await response.json());
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
