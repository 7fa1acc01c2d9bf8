import { createRedis } from '@exchange/platform';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';

/**
 * Each process reaches the stores as itself: a PostgreSQL role that owns its own schema and is
 * granted nothing else, a Redis user that may write only the keys, streams and channels it owns.
 * A compromised process cannot read or forge another's rows or events.
 */

const access = (service: string) => inject('dataAccess')[service]!;
const prefix = () => inject('redisPrefix');
const opened: Array<{ end(): unknown }> = [];

async function database(service: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: access(service).databaseUrl });
  await client.connect();
  opened.push(client);
  return client;
}

function redisAs(service: string) {
  const redis = createRedis({ url: access(service).redisUrl, keyPrefix: prefix(), connectionName: `acl-test-${service}` });
  opened.push({ end: () => redis.disconnect() });
  return redis;
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'allowed',
    (error: Error) => error.message,
  );

afterAll(async () => {
  for (const client of opened) await client.end();
});

describe('PostgreSQL: a role per service', () => {
  it('reads and writes its own schema, and nothing of another service', async () => {
    const wallet = await database('wallet-service');
    expect((await wallet.query('SELECT count(*) FROM wallet_service.wallets')).rowCount).toBe(1);
    for (const table of ['order_manager.orders', 'user_service.users', 'risk_manager.markets', 'matching_engine.journal']) {
      expect(await refusal(wallet.query(`SELECT 1 FROM ${table} LIMIT 1`)), table).toMatch(/permission denied/);
    }
    const orders = await database('order-manager');
    expect(await refusal(orders.query("UPDATE wallet_service.wallets SET available = available + 100 WHERE system_account = 'EXTERNAL'"))).toMatch(
      /permission denied/,
    );
    expect(await refusal(orders.query('CREATE SCHEMA intruder'))).toMatch(/permission denied/);
  });
});

describe('Redis: an ACL user per service', () => {
  it('lets a service append only to the streams it produces', async () => {
    const orderManager = redisAs('order-manager');
    const notification = redisAs('notification');
    const wallet = redisAs('wallet-service');
    expect(await refusal(orderManager.xadd('executions:ACLTEST', '*', 'type', 'trade', 'data', '{}'))).toMatch(/NOPERM/);
    expect(await refusal(notification.xadd('executions:ACLTEST', '*', 'type', 'trade', 'data', '{}'))).toMatch(/NOPERM/);
    expect(await refusal(notification.xadd('wallet-events', '*', 'type', 'funds_added', 'data', '{}'))).toMatch(/NOPERM/);
    expect(await refusal(wallet.xadd('orders:ACLTEST', '*', 'type', 'order_created', 'data', '{}'))).toMatch(/NOPERM/);
    // what it owns works (a stream no process follows, removed again)
    expect(await refusal(orderManager.xadd('orders:ACLTEST', '*', 'type', 'probe', 'data', '{}'))).toBe('allowed');
    const admin = createRedis({ url: inject('redisUrl'), keyPrefix: prefix(), connectionName: 'acl-test-admin' });
    await admin.del('orders:ACLTEST');
    admin.disconnect();
  });

  it('lets a consumer read and acknowledge what it consumes, but not rewrite or delete it', async () => {
    const reporting = redisAs('reporting-service');
    expect(await refusal(reporting.xlen('wallet-events'))).toBe('allowed');
    expect(await refusal(reporting.del('wallet-events'))).toMatch(/NOPERM/);
    expect(await refusal(reporting.xtrim('wallet-events', 'MAXLEN', 0))).toMatch(/NOPERM/);
    expect(await refusal(reporting.get('book:AAPL'))).toMatch(/NOPERM/);
  });

  it('keeps keys and channels to their owners', async () => {
    const risk = redisAs('risk-manager');
    expect(await refusal(risk.get('book:AAPL'))).toBe('allowed');
    expect(await refusal(risk.set('book:AAPL', '{}'))).toMatch(/NOPERM/);
    const notification = redisAs('notification');
    expect(await refusal(notification.publish(`${prefix()}md:AAPL`, '{}'))).toMatch(/NOPERM/);
    expect(await refusal(notification.get('login-attempts:someone@example.com'))).toMatch(/NOPERM/);
    const gateway = redisAs('client-gateway');
    expect(await refusal(gateway.publish(`${prefix()}user:someone`, '{}'))).toMatch(/NOPERM/);
    expect(await refusal(gateway.keys('*'))).toMatch(/NOPERM/);
    expect(await refusal(gateway.flushall())).toMatch(/NOPERM/);
  });
});
