import { createServer } from 'node:net';
import pg from 'pg';
import { Redis } from 'ioredis';

export class StartupError extends Error {
  override name = 'StartupError';
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Fails with a message naming the URL tried and the command that starts PostgreSQL here. */
export async function checkPostgres(databaseUrl: string): Promise<void> {
  const server = new URL(databaseUrl);
  server.pathname = '/postgres';
  const client = new pg.Client({ connectionString: server.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new StartupError(
      `PostgreSQL is not reachable at ${redact(server.toString())} (${(error as Error).message}).\n` +
        '  Start it with:  pg_ctlcluster --skip-systemctl-redirect 15 main start\n' +
        '  or point DATABASE_URL at a running server.',
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** Fails with a message naming the URL tried and the command that starts Redis here. */
export async function checkRedis(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new StartupError(
      `Redis is not reachable at ${redact(redisUrl)} (${(error as Error).message}).\n` +
        '  Start it with:  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n' +
        '  or point REDIS_URL at a running server.',
    );
  } finally {
    redis.disconnect();
  }
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Fails naming every port that is already taken, and by which of our processes it would be used. */
export async function checkPortsFree(ports: Array<{ name: string; port: number }>, host: string): Promise<void> {
  const taken: string[] = [];
  for (const { name, port } of ports) {
    if (!(await isPortFree(port, host))) taken.push(`${port} (${name})`);
  }
  if (taken.length > 0) {
    throw new StartupError(
      `These ports are already in use: ${taken.join(', ')}.\n` +
        '  Is the exchange already running? Stop it, or choose other ports with <SERVICE>_PORT variables or EXCHANGE_PORT_BASE.',
    );
  }
}

/**
 * A base port where `count` consecutive ports are free, chosen at random in [20000, 60000) so that
 * several systems (test runs, a bench, `npm start`) can run side by side on one machine.
 */
/**
 * With `EXCHANGE_PORT_BASE`, a system takes a block of this many ports: the nine processes at
 * base+0…8, the front end at base+9, the gateway's metrics listener at base+10; the rest is kept
 * free for what runs beside them.
 */
export const PORT_BLOCK = 30;

export async function findFreePortBase(count = PORT_BLOCK, attempts = 50): Promise<number> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    // below Linux's ephemeral range (32768 and up): an outgoing connection of any process could take
    // a port there between this check and the service's listen
    const base = 20_000 + Math.floor(Math.random() * (12_000 / PORT_BLOCK)) * PORT_BLOCK;
    let isFree = true;
    for (let offset = 0; offset < count && isFree; offset++) isFree = await isPortFree(base + offset);
    if (isFree) return base;
  }
  throw new StartupError(`found no ${count} free consecutive ports`);
}
