import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FRONTEND_PORT } from '@exchange/platform';
import { StartupError } from './checks.js';
import { ManagedProcess } from './managed-process.js';

export interface FrontendOptions {
  port: number;
  /** where the browser reaches the gateway */
  gatewayUrl: string;
  /** Jaeger's UI, for the trace links of failed requests */
  jaegerUrl: string;
}

/** `FRONTEND_PORT`, or the port after the nine services with `EXCHANGE_PORT_BASE`, or 3000. */
export function resolveFrontendPort(env: Record<string, string | undefined>): number {
  if (env.FRONTEND_PORT) return Number(env.FRONTEND_PORT);
  if (env.EXCHANGE_PORT_BASE) return Number(env.EXCHANGE_PORT_BASE) + 9;
  return FRONTEND_PORT;
}

/**
 * The built front end (frontend/dist, made by `vite build` at every start when its sources changed)
 * served by `vite preview`, with `/config.js` written for this run: the browser learns the
 * gateway's and Jaeger's addresses at run time, so one build serves any port layout.
 */
export function frontendProcess(
  rootDir: string,
  options: FrontendOptions,
  managed: Omit<ConstructorParameters<typeof ManagedProcess>[0], 'name' | 'command' | 'args' | 'cwd'>,
): ManagedProcess {
  const dist = join(rootDir, 'frontend', 'dist');
  if (!existsSync(join(dist, 'index.html'))) throw new StartupError(`the front end is not built (${dist} is missing): run npm run build -w frontend`);
  writeFileSync(join(dist, 'config.js'), `window.EXCHANGE_CONFIG = ${JSON.stringify({ gatewayUrl: options.gatewayUrl, jaegerUrl: options.jaegerUrl })};\n`);
  return new ManagedProcess({
    ...managed,
    name: 'frontend',
    command: process.execPath,
    args: [join(rootDir, 'node_modules', 'vite', 'bin', 'vite.js'), 'preview', '--port', String(options.port), '--strictPort', '--host', '127.0.0.1'],
    cwd: join(rootDir, 'frontend'),
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
