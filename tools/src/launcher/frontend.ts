import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FRONTEND_PORT } from '@exchange/platform';
import { StartupError } from './checks.js';
import { ManagedProcess } from './managed-process.js';

export interface FrontendOptions {
  port: number;
  /** where the browser reaches the gateway */
  gatewayUrl: string;
  /** a Jaeger UI for the trace links; empty: the front end's own trace pages */
  jaegerUrl: string;
  /** V8 flags for its Node process */
  nodeFlags?: readonly string[];
}

/** `FRONTEND_PORT`, or the port after the nine services with `EXCHANGE_PORT_BASE`, or 3000. */
export function resolveFrontendPort(env: Record<string, string | undefined>): number {
  if (env.FRONTEND_PORT) return Number(env.FRONTEND_PORT);
  if (env.EXCHANGE_PORT_BASE) return Number(env.EXCHANGE_PORT_BASE) + 9;
  return FRONTEND_PORT;
}

/**
 * The built front end (frontend/dist, made by `vite build` at every start when its sources changed)
 * served by our own static server (tools/src/frontend-server: security headers, no source maps),
 * with `/config.js` made for this run: the browser learns the gateway's and Jaeger's addresses at
 * run time, so one build serves any port layout.
 */
export function frontendProcess(
  rootDir: string,
  options: FrontendOptions,
  managed: Omit<ConstructorParameters<typeof ManagedProcess>[0], 'name' | 'command' | 'args' | 'cwd'>,
): ManagedProcess {
  const dist = join(rootDir, 'frontend', 'dist');
  if (!existsSync(join(dist, 'index.html'))) throw new StartupError(`the front end is not built (${dist} is missing): run npm run build -w frontend`);
  return new ManagedProcess({
    ...managed,
    env: {
      ...managed.env,
      FRONTEND_PORT: String(options.port),
      FRONTEND_DIST: dist,
      FRONTEND_GATEWAY_URL: options.gatewayUrl,
      FRONTEND_JAEGER_URL: options.jaegerUrl,
      HOST: '127.0.0.1',
    },
    name: 'frontend',
    command: process.execPath,
    args: [...(options.nodeFlags ?? []), join(rootDir, 'tools', 'dist', 'frontend-server', 'main.js')],
    cwd: rootDir,
  });
}

/** The front end answers with its page. */
export async function isFrontendReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}
