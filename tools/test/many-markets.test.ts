import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExchangeClient, type ExchangeClient } from '@exchange/client';
import { createRedis, redisUserName, SERVICE_NAMES, STACK_DATABASE_CONNECTION_BOUND } from '@exchange/platform';
import { eventually } from '@exchange/platform/testing';
import { startPrivateSystem, type PrivateSystem } from '../src/index.js';

const MARKETS = 200;

describe('two hundred markets on one system (real processes)', () => {
  let exchange: PrivateSystem;
  let db: pg.Client;
  let admin: ExchangeClient;
  const client = (token?: string) => createExchangeClient({ baseUrl: exchange.gateway, ...(token ? { token } : {}) });

  beforeAll(async () => {
    exchange = await startPrivateSystem(resolve(__dirname, '..', '..'), {
      seedAdmin: true,
      env: { OTEL_SDK_DISABLED: 'true', RATE_LIMIT_MAX: '100000', RATE_LIMIT_ADDRESS_MAX: '100000', RATE_LIMIT_AUTH_MAX: '1000' },
    });
    db = new pg.Client({ connectionString: exchange.databaseUrl });
    await db.connect();
    const { accessToken } = await client().logIn({ body: { email: 'admin@exchange.local', password: 'exchange-admin' } });
    admin = client(accessToken);
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await exchange?.stop();
  });

  /** Redis connections of this system's processes (each signs in as its own ACL user, named after the key prefix). */
  const redisClients = async (): Promise<Record<string, number>> => {
    const redis = createRedis({ url: exchange.redisUrl, keyPrefix: '', connectionName: 'many-markets-test' });
    try {
      const list = String(await redis.client('LIST'));
      const counts: Record<string, number> = {};
      for (const service of SERVICE_NAMES) {
        const user = redisUserName(exchange.redisKeyPrefix, service);
        counts[service] = list.split('\n').filter((line) => line.includes(` user=${user} `)).length;
      }
      return counts;
    } finally {
      redis.disconnect();
    }
  };

  const connections = async (): Promise<number> =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows[0]!
      .n;

  it('lists them, trades in the last one, and keeps the PostgreSQL and Redis connections of the whole stack bounded', async () => {
    const before = await connections();
    const redisBefore = await redisClients();
    const symbols = Array.from({ length: MARKETS }, (_, i) => `Z${String(i).padStart(3, '0')}`);
    for (let i = 0; i < symbols.length; i += 10) {
      await Promise.all(
        symbols.slice(i, i + 10).map((symbol) =>
          admin.createMarket({
            body: { symbol, name: `Market ${symbol}`, tickSize: '0.01', lotSize: '1', referencePrice: '10.00', makerFeeBps: 0, takerFeeBps: 0 },
          }),
        ),
      );
    }
    expect((await client().markets()).items.filter((market) => market.symbol.startsWith('Z')).length).toBe(MARKETS);

    // a trade in the last market listed: every service on the order path follows it
    const last = symbols.at(-1)!;
    const traders: ExchangeClient[] = [];
    for (const name of ['buyer', 'seller']) {
      const email = `${name}-${Date.now()}@example.com`;
      const { user } = await client().register({ body: { email, password: 'correct-horse-battery' } });
      const { accessToken } = await client().logIn({ body: { email, password: 'correct-horse-battery' } });
      if (name === 'buyer') await client(accessToken).addFunds({ body: { amount: '100.00' } });
      else await admin.adminCredit({ body: { userId: user.id, asset: last, amount: '5' } });
      traders.push(client(accessToken));
    }
    const [buyer, seller] = traders as [ExchangeClient, ExchangeClient];
    await seller.placeOrder({ body: { symbol: last, side: 'SELL', type: 'LIMIT', price: '10.00', quantity: '5' } });
    const { order } = await buyer.placeOrder({ body: { symbol: last, side: 'BUY', type: 'LIMIT', price: '10.00', quantity: '5' } });
    await eventually(async () => (await buyer.order({ params: { id: order.id } })).order.status === 'FILLED', 30_000, 'the buy to fill');
    await eventually(async () => (await client().trades({ params: { symbol: last } })).items.length === 1, 15_000, 'the trade on the tape');

    // the connections do not grow with the markets: each process has its pool and at most one
    // session of its own for the locks of its exclusive readers
    const after = await connections();
    process.stdout.write(
      `PostgreSQL connections of the stack: ${before} before, ${after} with ${MARKETS} more markets (bound ${STACK_DATABASE_CONNECTION_BOUND})\n`,
    );
    expect(after).toBeLessThanOrEqual(STACK_DATABASE_CONNECTION_BOUND);
    const { rows } = await db.query<{ max: number; reserved: number }>(
      "SELECT current_setting('max_connections')::int AS max, current_setting('superuser_reserved_connections')::int AS reserved",
    );
    expect(STACK_DATABASE_CONNECTION_BOUND).toBeLessThan(rows[0]!.max - rows[0]!.reserved);

    const redisAfter = await redisClients();
    process.stdout.write(`Redis connections by process: before ${JSON.stringify(redisBefore)}, after ${JSON.stringify(redisAfter)}\n`);
    // nor do Redis's: a process reads every market's stream of a group with one blocking read
    for (const service of SERVICE_NAMES) expect(redisAfter[service] ?? 0, service).toBeLessThanOrEqual((redisBefore[service] ?? 0) + 1);
  }, 240_000);
});
