import { randomBytes } from 'node:crypto';
import type { ServiceName } from '@exchange/platform';
import { startPrivateSystem, type PrivateSystem } from '../launcher/private-system.js';

export type Print = (line: string) => void;

/** One `npm run bench -- <name>` scenario; most need only the gateway, some read the database or a service. */
export type BenchScenario = (gateway: string, print: Print, bench: BenchSystem) => Promise<void>;

export type BenchSystem = PrivateSystem;

/**
 * `BENCH_NODE_FLAGS`: V8 flags for the bench's systems instead of the launcher's (space-separated;
 * empty: Node's defaults), to measure what a flag costs or saves. Undefined: the launcher's.
 */
export function benchNodeFlags(): string[] | undefined {
  const flags = process.env.BENCH_NODE_FLAGS;
  return flags === undefined ? undefined : flags.split(/\s+/).filter(Boolean);
}

/**
 * The whole system, started through the launcher `npm start` uses, on its own database, Redis
 * prefix and ports, tracing every request into a real Jaeger beside it (whose CPU is reported
 * apart; `traceBackend: false` exports nowhere, for a bench of a single process).
 * `limits: 'ordinary'` keeps every limit an ordinary user has and makes the gateway believe the
 * client address the bench names (X-Forwarded-For from loopback), so that each simulated user comes
 * from an address of its own; `'raised'` takes the rate limits out of the way (the latency benches,
 * which send from one address).
 */
export async function startBenchSystem(
  rootDir: string,
  options: {
    env?: Record<string, string>;
    services?: readonly ServiceName[] /** the demo admin (admin@exchange.local / exchange-admin) and demo markets */;
    seedAdmin?: boolean;
    limits?: 'ordinary' | 'raised';
    traceBackend?: boolean;
  } = {},
): Promise<BenchSystem> {
  const { limits = 'raised', traceBackend = true, ...rest } = options;
  const limitEnv: Record<string, string> =
    limits === 'raised' ? { RATE_LIMIT_AUTH_MAX: '1000000', RATE_LIMIT_MAX: '1000000', RATE_LIMIT_ADDRESS_MAX: '10000000' } : { TRUST_PROXY: '127.0.0.1' };
  const nodeFlags = benchNodeFlags();
  return startPrivateSystem(rootDir, {
    ...rest,
    ...(nodeFlags ? { nodeFlags } : {}),
    ...(traceBackend ? { withObservability: { jaeger: true, prometheus: false } } : {}),
    env: {
      NODE_ENV: 'development',
      ...limitEnv,
      ...(traceBackend ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }),
      ...options.env,
    },
  });
}

export function runTag(): string {
  return randomBytes(3).toString('hex');
}

export function percentile(sortedMs: number[], p: number): number {
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; elapsedMs: number }> {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { status: response.status, body: text ? JSON.parse(text) : undefined, elapsedMs };
}

export async function signUp(gateway: string, email: string, password: string): Promise<string> {
  const registered = await postJson(`${gateway}/v1/auth/register`, { email, password });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
  const session = await postJson(`${gateway}/v1/auth/login`, { email, password });
  if (session.status !== 200) throw new Error(`login answered ${session.status}`);
  return session.body.accessToken as string;
}

/** The id of the user a token belongs to. */
export async function userIdOf(gateway: string, token: string): Promise<string> {
  const me = await fetch(`${gateway}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  return ((await me.json()) as { user: { id: string } }).user.id;
}

/**
 * A market of the bench's own (symbol `<prefix><run>`, reference price 100.00) listed as the demo
 * admin, whose headers come back for the admin calls that follow (credits).
 */
export async function listBenchMarket(
  gateway: string,
  prefix: string,
  run: string,
  name: string,
): Promise<{ symbol: string; asAdmin: Record<string, string> }> {
  const admin = await postJson(`${gateway}/v1/auth/login`, { email: 'admin@exchange.local', password: 'exchange-admin' });
  if (admin.status !== 200) throw new Error(`the demo admin could not sign in (${admin.status}); the bench system needs seedAdmin`);
  const asAdmin = { authorization: `Bearer ${admin.body.accessToken}` };
  const symbol = `${prefix}${run.toUpperCase()}`.replace(/[^A-Z0-9]/g, 'X');
  const market = await postJson(
    `${gateway}/v1/admin/markets`,
    { symbol, name: `${name} ${run}`, tickSize: '0.01', lotSize: '1', referencePrice: '100.00' },
    asAdmin,
  );
  if (market.status !== 201) throw new Error(`listing ${symbol} answered ${market.status}`);
  return { symbol, asAdmin };
}
