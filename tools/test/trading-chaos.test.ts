import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, seededRandom } from '@exchange/platform/testing';
import { checkBookMatchesOrders, checkConservation, checkHolds, checkTradesSettledOnce, waitUntilQuiet } from '../src/bench/trading-checks.js';
import { startPrivateSystem, type PrivateSystem, type RunningSystem } from '../src/index.js';

const SYMBOL = 'CHAOS';
const USERS = 6;
const OPERATIONS_PER_USER = 60;

describe('trading session with kill -9 of the order-manager and the wallet-service (a whole system of real processes)', () => {
  let exchange: PrivateSystem;
  let system: RunningSystem;
  let db: pg.Client;
  let gateway: string;
  const logs: string[] = [];

  beforeAll(async () => {
    exchange = await startPrivateSystem(resolve(__dirname, '..', '..'), {
      seedAdmin: true,
      restart: true, // the launcher brings killed processes back, as it does for `npm start`
      env: {
        OTEL_SDK_DISABLED: 'true',
        RATE_LIMIT_MAX: '100000',
        RATE_LIMIT_ADDRESS_MAX: '100000',
        RATE_LIMIT_AUTH_MAX: '1000',
        ORDER_PENDING_TIMEOUT_MS: '5000',
      },
      output: (line) => logs.push(line),
    });
    system = exchange.system;
    gateway = exchange.gateway;
    db = new pg.Client({ connectionString: exchange.databaseUrl });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await exchange?.stop();
  });

  async function api(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
    try {
      const response = await fetch(`${gateway}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    } catch (error) {
      return { status: 0, body: { error: { code: 'NETWORK', message: String(error) } } };
    }
  }

  /** Retries while a process is down (connection refused, 502/503/504) or the same order is still being placed, as a real client would. */
  async function retried(send: () => Promise<{ status: number; body: any }>): Promise<{ status: number; body: any }> {
    for (let attempt = 1; ; attempt++) {
      const response = await send();
      const isInProgress = response.status === 409 && response.body?.error?.code === 'REQUEST_IN_PROGRESS';
      if ((![0, 502, 503, 504].includes(response.status) && !isInProgress) || attempt === 100) return response;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function signIn(email: string, password: string): Promise<string> {
    const response = await api('POST', '/v1/auth/login', undefined, { email, password });
    expect(response.status).toBe(200);
    return response.body.accessToken;
  }

  it('loses no order, settles no trade twice, and keeps every invariant', { timeout: 240_000 }, async () => {
    const admin = await signIn('admin@exchange.local', 'exchange-admin');
    const market = await api('POST', '/v1/admin/markets', admin, {
      symbol: SYMBOL,
      name: 'Chaos Inc.',
      tickSize: '0.01',
      lotSize: '1',
      referencePrice: '100.00',
      makerFeeBps: 5,
      takerFeeBps: 10,
    });
    expect(market.status).toBe(201);
    const traders: Array<{ token: string; userId: string }> = [];
    for (let i = 0; i < USERS; i++) {
      const email = `chaos-${i}-${Date.now()}@example.com`;
      const registered = await api('POST', '/v1/auth/register', undefined, { email, password: 'chaos-password' });
      expect(registered.status).toBe(201);
      const token = await signIn(email, 'chaos-password');
      expect((await api('POST', '/v1/wallet/add-funds', token, { amount: '100000.00' })).status).toBe(200);
      expect((await api('POST', '/v1/admin/credit', admin, { userId: registered.body.user.id, asset: SYMBOL, amount: '1000' })).status).toBe(200);
      traders.push({ token, userId: registered.body.user.id });
    }

    const accepted = new Set<string>();
    const statuses = new Map<number, number>();
    let done = 0;
    const kills: Promise<void>[] = [];
    const killAt = (name: 'order-manager' | 'wallet-service', when: number) => {
      const timer = setInterval(() => {
        if (done < when) return;
        clearInterval(timer);
        const pid = system.processes.get(name)!.pid!;
        process.kill(pid, 'SIGKILL');
        kills.push(
          eventually(
            async () =>
              system.processes.get(name)!.pid !== pid &&
              (await fetch(`${system.urls[name]}/readyz`).then(
                (r) => r.ok,
                () => false,
              )),
            30_000,
            `${name} back`,
          ).then(() => {}),
        );
      }, 20);
    };
    killAt('order-manager', (USERS * OPERATIONS_PER_USER) / 3);
    killAt('wallet-service', (2 * USERS * OPERATIONS_PER_USER) / 3);

    await Promise.all(
      traders.map(async (trader, index) => {
        const random = seededRandom(1000 + index);
        const mine: string[] = [];
        for (let op = 0; op < OPERATIONS_PER_USER; op++) {
          const r = random();
          let response: { status: number; body: any };
          if (r < 0.2 && mine.length > 0) {
            const id = mine[Math.floor(random() * mine.length)]!;
            response = await retried(() => api('DELETE', `/v1/orders/${id}`, trader.token));
          } else {
            const side = random() < 0.5 ? 'BUY' : 'SELL';
            const quantity = String(1 + Math.floor(random() * 20));
            const order =
              r < 0.3
                ? { symbol: SYMBOL, side, type: 'MARKET', quantity }
                : {
                    symbol: SYMBOL,
                    side,
                    type: 'LIMIT',
                    price: `${95 + Math.floor(random() * 11)}.${String(Math.floor(random() * 100)).padStart(2, '0')}`,
                    quantity,
                    timeInForce: r < 0.4 ? 'IOC' : 'GTC',
                  };
            // a client that retries while a process is down: the clientOrderId makes the retry safe
            const clientOrderId = `chaos-${index}-${op}`;
            response = await retried(() => api('POST', '/v1/orders', trader.token, { ...order, clientOrderId }));
            if (response.status === 201) {
              accepted.add(response.body.order.id);
              mine.push(response.body.order.id);
            }
          }
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          done += 1;
        }
      }),
    );
    await Promise.all(kills);
    expect(kills).toHaveLength(2);
    expect(accepted.size, JSON.stringify([...statuses])).toBeGreaterThan(USERS * OPERATIONS_PER_USER * 0.5);

    // quiet: no placement half done, every command matched, every execution applied
    await waitUntilQuiet(db, { url: system.urls['matching-engine'], identities: exchange.identities }, SYMBOL, 90_000);

    // no order lost: every order the gateway accepted exists and is not half placed
    const { rows: orders } = await db.query("SELECT id FROM order_manager.orders WHERE status <> 'PENDING'");
    const known = new Set(orders.map((o) => o.id));
    for (const id of accepted) expect(known.has(id), `accepted order ${id} exists`).toBe(true);

    // no trade settled twice, none missing (the engine's trades = the wallet's TRADE entries = fills / 2),
    // and every order's filled quantity is the sum of its fills
    const settled = await checkTradesSettledOnce(db, SYMBOL);
    expect(settled.problems).toEqual([]);
    expect(settled.trades).toBeGreaterThan(20);
    // conservation: per asset, users + the exchange's accounts = 0 (EXTERNAL = − everything brought in)
    const conservation = await checkConservation(db, ['USD', SYMBOL]);
    expect(conservation.problems).toEqual([]);
    expect(conservation.totals).toEqual({ USD: '0', [SYMBOL]: '0' });
    // every user's held balance is exactly what their open orders still need
    expect(
      (
        await checkHolds(
          db,
          traders.map((t) => t.userId),
          SYMBOL,
        )
      ).problems,
    ).toEqual([]);
    // the engine's book and PostgreSQL agree on what rests, level by level
    const book = await checkBookMatchesOrders(db, { url: system.urls['matching-engine'], identities: exchange.identities }, SYMBOL);
    expect(book.problems).toEqual([]);
    expect(book.resting).toBeGreaterThan(0);

    // the restarts really happened
    expect(system.processes.get('order-manager')!.restartCount).toBeGreaterThanOrEqual(1);
    expect(system.processes.get('wallet-service')!.restartCount).toBeGreaterThanOrEqual(1);
    expect(logs.some((line) => line.includes('order-manager was killed by SIGKILL'))).toBe(true);
  });
});
