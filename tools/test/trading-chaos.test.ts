import { resolve } from 'node:path';
import { createRedis, groupInfo } from '@exchange/platform';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, seededRandom } from '@exchange/platform/testing';
import { waitUntilQuiet } from '../src/bench/trading-checks.js';
import { formatAudit } from '@exchange/platform';
import type { AuditReport } from '@exchange/contracts';
import { executionsStream, ordersStream, SERVICE_NAMES, type ServiceName } from '@exchange/contracts';
import { createExchangeClient, ExchangeApiError, type ExchangeClient, type PlaceOrderInput } from '@exchange/client';
import { auditSystem, startPrivateSystem, type PrivateSystem, type RunningSystem } from '../src/index.js';
import { sendOrder } from '../src/simulator/send.js';

const SYMBOL = 'CHAOS';
const USERS = 6;
const OPERATIONS_PER_USER = 60;

describe('trading sessions with kill -9 of the processes on the order path (a whole system of real processes)', () => {
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
        // the reconciliation with the engine checks every open order older than a second, every second, through every storm
        ORDER_RECONCILE_INTERVAL_MS: '1000',
        ORDER_RECONCILE_AGE_MS: '1000',
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

  /** How a request went: its status (0 when the exchange could not be reached) and a refusal's code. */
  type Outcome = { status: number; code?: string; orderId?: string };

  /** Retries while a process is down (unreachable, 502/503/504) or the same order is still being placed, as a real client would. */
  async function retried(send: () => Promise<Outcome>): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await send();
      const isInProgress = outcome.status === 409 && outcome.code === 'REQUEST_IN_PROGRESS';
      if ((![0, 502, 503, 504].includes(outcome.status) && !isInProgress) || attempt === 100) return outcome;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A trader's typed client, as a bot or the market simulator uses it. */
  const clientOf = (token: string): ExchangeClient => createExchangeClient({ baseUrl: gateway, token });

  /** One placement sent the way the market simulator and the order bench send theirs. */
  async function place(client: ExchangeClient, body: PlaceOrderInput): Promise<Outcome> {
    const sent = await sendOrder(client, body);
    return { status: sent.status, ...(sent.refusal ? { code: sent.refusal.code } : {}), ...(sent.order ? { orderId: sent.order.id } : {}) };
  }

  async function cancel(client: ExchangeClient, id: string): Promise<Outcome> {
    try {
      await client.cancelOrder({ params: { id } });
      return { status: 200 };
    } catch (error) {
      if (!(error instanceof ExchangeApiError)) throw error;
      return { status: error.status, code: error.code };
    }
  }

  async function signIn(email: string, password: string): Promise<string> {
    const response = await api('POST', '/v1/auth/login', undefined, { email, password });
    expect(response.status).toBe(200);
    return response.body.accessToken;
  }

  /** A market of its own and `count` traders with cash and shares in it. */
  async function openMarket(symbol: string, count: number): Promise<Array<{ token: string; userId: string }>> {
    const admin = await signIn('admin@exchange.local', 'exchange-admin');
    const market = await api('POST', '/v1/admin/markets', admin, {
      symbol,
      name: `${symbol} Inc.`,
      tickSize: '0.01',
      lotSize: '1',
      referencePrice: '100.00',
      makerFeeBps: 5,
      takerFeeBps: 10,
    });
    expect(market.status).toBe(201);
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const email = `${symbol.toLowerCase()}-${i}-${Date.now()}@example.com`;
        const registered = await api('POST', '/v1/auth/register', undefined, { email, password: 'chaos-password' });
        expect(registered.status).toBe(201);
        const token = await signIn(email, 'chaos-password');
        expect((await api('POST', '/v1/wallet/add-funds', token, { amount: '100000.00' })).status).toBe(200);
        expect((await api('POST', '/v1/admin/credit', admin, { userId: registered.body.user.id, asset: symbol, amount: '1000' })).status).toBe(200);
        return { token, userId: registered.body.user.id };
      }),
    );
  }

  /**
   * Every trader places `ordersPerUser` GTC limits around 100.00 at once (most cross, so trades settle
   * in batches too), each under its own clientOrderId and retried as a real client would while a
   * process is down; `progress.done` counts the orders answered so far, for what a test does meanwhile.
   */
  async function placeAroundHundred(
    symbol: string,
    traders: Array<{ token: string }>,
    ordersPerUser: number,
    tag: string,
    seed: number,
    progress: { done: number },
  ): Promise<{ accepted: Set<string>; statuses: Map<number, number> }> {
    const accepted = new Set<string>();
    const statuses = new Map<number, number>();
    await Promise.all(
      traders.map(async (trader, index) => {
        const random = seededRandom(seed + index);
        const client = clientOf(trader.token);
        for (let op = 0; op < ordersPerUser; op++) {
          const cents = 9_900 + Math.floor(random() * 201);
          const order: PlaceOrderInput = {
            symbol,
            side: (index + op) % 2 === 0 ? 'BUY' : 'SELL',
            type: 'LIMIT',
            price: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
            quantity: String(1 + Math.floor(random() * 5)),
            timeInForce: 'GTC',
            clientOrderId: `${tag}-${index}-${op}`,
          };
          const response = await retried(() => place(client, order));
          if (response.orderId) accepted.add(response.orderId);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          progress.done += 1;
        }
      }),
    );
    return { accepted, statuses };
  }

  /**
   * A trading session of mixed operations from every trader at once — GTC, IOC and FOK limits,
   * post-only, MARKET orders and cancels of their own orders — each placement under its own
   * clientOrderId and retried as a real client would while a process is down; it goes on while
   * `goOn(op)` holds for a trader's next operation. `progress.done` counts the answers so far.
   */
  async function mixedSession(
    symbol: string,
    traders: Array<{ token: string }>,
    tag: string,
    seed: number,
    goOn: (op: number) => boolean,
    progress: { done: number },
  ): Promise<{ accepted: Set<string>; statuses: Map<string, number> }> {
    const accepted = new Set<string>();
    const statuses = new Map<string, number>();
    await Promise.all(
      traders.map(async (trader, index) => {
        const random = seededRandom(seed + index);
        const client = clientOf(trader.token);
        const mine: string[] = [];
        for (let op = 0; goOn(op); op++) {
          const r = random();
          let response: Outcome;
          if (r < 0.2 && mine.length > 0) {
            const id = mine[Math.floor(random() * mine.length)]!;
            response = await retried(() => cancel(client, id));
          } else {
            const side = random() < 0.5 ? 'BUY' : 'SELL';
            const quantity = String(1 + Math.floor(random() * 20));
            const price = `${95 + Math.floor(random() * 11)}.${String(Math.floor(random() * 100)).padStart(2, '0')}`;
            // a client that retries while a process is down: the clientOrderId makes the retry safe
            const clientOrderId = `${tag}-${index}-${op}`;
            const order: PlaceOrderInput =
              r < 0.3
                ? { symbol, side, type: 'MARKET', quantity, clientOrderId }
                : r < 0.35
                  ? { symbol, side, type: 'LIMIT', price, quantity, postOnly: true, clientOrderId }
                  : { symbol, side, type: 'LIMIT', price, quantity, timeInForce: r < 0.4 ? 'IOC' : r < 0.45 ? 'FOK' : 'GTC', clientOrderId };
            response = await retried(() => place(client, order));
            if (response.orderId) {
              accepted.add(response.orderId);
              mine.push(response.orderId);
            }
          }
          const outcome = `${response.status}${response.code ? ` ${response.code}` : ''}`;
          statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
          progress.done += 1;
        }
      }),
    );
    return { accepted, statuses };
  }

  /** SIGKILLs `name` and settles when the launcher has it back and ready, with the ms that took. */
  async function killAndWaitBack(name: ServiceName): Promise<number> {
    const pid = system.processes.get(name)!.pid!;
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await eventually(
      async () =>
        system.processes.get(name)!.pid !== pid &&
        (await fetch(`${system.urls[name]}/readyz`).then(
          (r) => r.ok,
          () => false,
        )),
      30_000,
      `${name} back`,
    );
    return Date.now() - killedAt;
  }

  /** SIGKILLs `name` once `due()` holds (checked every 20 ms); what it pushes onto `kills` settles when the launcher has it back and ready. */
  function killWhen(name: ServiceName, due: () => boolean, kills: Promise<unknown>[]): void {
    const timer = setInterval(() => {
      if (!due()) return;
      clearInterval(timer);
      kills.push(killAndWaitBack(name));
    }, 20);
  }

  /**
   * What a Redis restart without persistence, an eviction or a failover to a lagging replica does:
   * every key of this system (streams with their consumer groups and undelivered entries, caches)
   * gone at once — only keys under this system's own prefix. Returns how many were deleted.
   */
  async function wipeRedisKeys(): Promise<number> {
    // no key prefix on this client: SCAN's pattern and DEL's keys are the full names
    const redis = createRedis({ url: exchange.redisUrl, keyPrefix: '', connectionName: 'chaos-wipe' });
    try {
      let cursor = '0';
      let deleted = 0;
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${exchange.redisKeyPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.del(...keys);
      } while (cursor !== '0');
      return deleted;
    } finally {
      redis.disconnect();
    }
  }

  /**
   * The invariants after a storm: nothing half done, every accepted order kept, and the audit clean —
   * trades settled once, money conserved, holds and book exact, every event delivered everywhere.
   */
  /** how long the last audit took (every round), for the results table */
  let lastAuditMs = 0;
  async function expectInvariants(symbol: string, accepted: Set<string>): Promise<AuditReport> {
    // quiet: no placement half done, every command matched, every execution applied
    await waitUntilQuiet(db, { url: system.urls['matching-engine'], identities: exchange.identities }, symbol, 90_000);

    // no order lost: every order the gateway accepted exists and is not half placed
    const { rows: orders } = await db.query("SELECT id FROM order_manager.orders WHERE status <> 'PENDING' AND symbol = $1", [symbol]);
    const known = new Set(orders.map((o) => o.id));
    for (const id of accepted) expect(known.has(id), `accepted order ${id} exists`).toBe(true);

    const auditStarted = Date.now();
    const report = await auditSystem({ urls: system.urls, identities: exchange.identities }, 60_000);
    lastAuditMs = Date.now() - auditStarted;
    expect(
      report.checks.filter((check) => !check.ok),
      formatAudit(report).join('\n'),
    ).toEqual([]);
    expect(report.ok).toBe(true);
    // the storm really traded and left orders resting
    const { rows } = await db.query(
      `SELECT (SELECT count(*) FROM matching_engine.executions WHERE symbol = $1 AND type = 'trade')::int AS trades,
              (SELECT count(*) FROM order_manager.orders WHERE symbol = $1 AND status IN ('NEW', 'PARTIALLY_FILLED'))::int AS resting`,
      [symbol],
    );
    expect(rows[0].trades).toBeGreaterThan(20);
    expect(rows[0].resting).toBeGreaterThan(0);
    return report;
  }

  it('loses no order, settles no trade twice, and keeps every invariant', { timeout: 240_000 }, async () => {
    const traders = await openMarket(SYMBOL, USERS);

    const progress = { done: 0 };
    const kills: Promise<unknown>[] = [];
    const killAt = (name: ServiceName, when: number) => killWhen(name, () => progress.done >= when, kills);
    killAt('order-manager', (USERS * OPERATIONS_PER_USER) / 3);
    killAt('wallet-service', (2 * USERS * OPERATIONS_PER_USER) / 3);

    const { accepted, statuses } = await mixedSession(SYMBOL, traders, 'chaos', 1000, (op) => op < OPERATIONS_PER_USER, progress);
    await Promise.all(kills);
    expect(kills).toHaveLength(2);
    expect(accepted.size, JSON.stringify([...statuses])).toBeGreaterThan(USERS * OPERATIONS_PER_USER * 0.5);

    await expectInvariants(SYMBOL, accepted);

    // the restarts really happened
    expect(system.processes.get('order-manager')!.restartCount).toBeGreaterThanOrEqual(1);
    expect(system.processes.get('wallet-service')!.restartCount).toBeGreaterThanOrEqual(1);
    expect(logs.some((line) => line.includes('order-manager was killed by SIGKILL'))).toBe(true);
  });
  it('keeps every invariant when the gateway, order-manager, wallet and risk manager die mid-batch under concurrent load', { timeout: 300_000 }, async () => {
    const symbol = 'BATCHED';
    const users = 24;
    const ordersPerUser = 50;
    const traders = await openMarket(symbol, users);

    const progress = { done: 0 };
    const total = users * ordersPerUser;
    const kills: Promise<unknown>[] = [];
    // 24 clients at once keep batches forming in the gateway's forwarder and the order-manager's batcher,
    // so each kill lands while batches are on their way (held funds without an order, an order without its command, …)
    killWhen('order-manager', () => progress.done >= total * 0.2, kills);
    killWhen('wallet-service', () => progress.done >= total * 0.35, kills);
    killWhen('client-gateway', () => progress.done >= total * 0.5, kills);
    killWhen('risk-manager', () => progress.done >= total * 0.65, kills);

    const { accepted, statuses } = await placeAroundHundred(symbol, traders, ordersPerUser, 'batched', 5000, progress);
    await Promise.all(kills);
    expect(kills).toHaveLength(4);
    // every order ends accepted: a retry with its clientOrderId answers with the order placed before a kill (200) or places it (201)
    expect(accepted.size, JSON.stringify([...statuses])).toBeGreaterThan(total * 0.9);

    await expectInvariants(symbol, accepted);

    // the orders really travelled in batches: the order-manager (restarted before the load ended) placed more orders than batches
    const metrics = await (await fetch(system.metricsUrls['order-manager'])).text();
    const sum = Number(/^exchange_placement_batch_size_sum(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1]);
    const count = Number(/^exchange_placement_batch_size_count(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(sum / count, `${sum} orders in ${count} batches`).toBeGreaterThan(1.5);
    for (const name of ['order-manager', 'wallet-service', 'client-gateway', 'risk-manager'] as const) {
      expect(system.processes.get(name)!.restartCount, name).toBeGreaterThanOrEqual(1);
    }
  });

  it('answers every retried placement within ~3 s of the wallet coming back after it died: no 409 beyond that', { timeout: 240_000 }, async () => {
    const symbol = 'OUTAGE';
    const users = 12;
    const ordersPerUser = 40;
    const traders = await openMarket(symbol, users);
    const accepted = new Set<string>();
    /** when each answer that is not final (a process down, the same order still being placed) came */
    const notFinalAt: Array<{ at: number; status: number; code?: string }> = [];
    let done = 0;
    let walletBackAt = Number.POSITIVE_INFINITY;
    let walletKilledAt = Number.POSITIVE_INFINITY;

    const outage = (async () => {
      await eventually(async () => done >= (users * ordersPerUser) / 3, 120_000, 'a third of the orders placed');
      const pid = system.processes.get('wallet-service')!.pid!;
      walletKilledAt = Date.now();
      process.kill(pid, 'SIGKILL');
      await eventually(
        async () =>
          system.processes.get('wallet-service')!.pid !== pid &&
          (await fetch(`${system.urls['wallet-service']}/readyz`).then(
            (r) => r.ok,
            () => false,
          )),
        30_000,
        'the wallet back',
      );
      walletBackAt = Date.now();
    })();

    await Promise.all(
      traders.map(async (trader, index) => {
        const client = clientOf(trader.token);
        for (let op = 0; op < ordersPerUser; op++) {
          const side = (index + op) % 2 === 0 ? 'BUY' : 'SELL';
          // two in three cross the other side's resting orders (trades to settle), one in three rests
          const crossing = op % 3 !== 0;
          const price = side === 'BUY' ? (crossing ? '101.00' : '98.00') : crossing ? '99.00' : '102.00';
          const order: PlaceOrderInput = { symbol, side, type: 'LIMIT', price, quantity: '1', clientOrderId: `outage-${index}-${op}` };
          const response = await retried(async () => {
            const answer = await place(client, order);
            const isInProgress = answer.status === 409 && answer.code === 'REQUEST_IN_PROGRESS';
            if ([0, 502, 503, 504].includes(answer.status) || isInProgress) notFinalAt.push({ at: Date.now(), status: answer.status, code: answer.code });
            return answer;
          });
          // every placement ends with its final answer: placed (or, for a retry of one placed, the order as placed)
          expect(response.orderId, JSON.stringify(response)).toBeDefined();
          accepted.add(response.orderId!);
          done += 1;
        }
      }),
    );
    await outage;
    expect(walletBackAt).toBeLessThan(Number.POSITIVE_INFINITY);
    // the outage really hit placements: some answers during it were not final
    const duringOutage = notFinalAt.filter(({ at }) => at >= walletKilledAt);
    expect(duringOutage.length, 'placements refused while the wallet was down').toBeGreaterThan(0);
    const lastNotFinal = Math.max(...duringOutage.map(({ at }) => at));
    const afterBack = duringOutage.filter(({ at }) => at > walletBackAt).map(({ at, status, code }) => `${status} ${code ?? ''} +${at - walletBackAt} ms`);
    expect(
      lastNotFinal - walletBackAt,
      `last non-final answer ${lastNotFinal - walletBackAt} ms after the wallet was back (after it: ${afterBack.join(', ')})`,
    ).toBeLessThanOrEqual(3000);
    expect(accepted.size).toBe(users * ordersPerUser);
    await expectInvariants(symbol, accepted);
  });

  it('loses nothing when Redis loses every key of the system mid-run: gaps are found and the missing events sent again', { timeout: 300_000 }, async () => {
    const symbol = 'WIPED';
    const users = 16;
    const ordersPerUser = 40;
    const traders = await openMarket(symbol, users);
    const progress = { done: 0 };
    const total = users * ordersPerUser;

    const pause = (name: ServiceName) => process.kill(system.processes.get(name)!.pid!, 'SIGSTOP');
    const resume = (name: ServiceName) => process.kill(system.processes.get(name)!.pid!, 'SIGCONT');
    const wipe = (async () => {
      // so that the wipe surely takes events nobody has read yet: the notification service stops
      // reading executions first, then the engine stops reading commands while orders keep coming
      await eventually(async () => progress.done >= total * 0.3, 120_000, '30% of the orders placed');
      pause('notification');
      // events a paused reader has not even received: a read it had blocked in before the pause is
      // answered into its socket (and applied after it resumes), so what counts is its group's lag
      const reader = createRedis({ url: exchange.redisUrl, keyPrefix: exchange.redisKeyPrefix, connectionName: 'chaos-lag' });
      const lagOf = async (stream: string, group: string) => (await groupInfo(reader, stream, group))?.lag ?? 0;
      try {
        await eventually(async () => progress.done >= total * 0.4, 120_000, '40% of the orders placed');
        await eventually(
          async () => (await lagOf(executionsStream(symbol), 'notification')) >= 5,
          60_000,
          'executions the paused notification service never received',
        );
        pause('matching-engine');
        await eventually(async () => (await lagOf(ordersStream(symbol), 'matching-engine')) >= 10, 60_000, 'commands the paused engine never received');
      } finally {
        reader.disconnect();
      }
      try {
        return await wipeRedisKeys();
      } finally {
        resume('matching-engine');
        resume('notification');
      }
    })();

    const { accepted, statuses } = await placeAroundHundred(symbol, traders, ordersPerUser, 'wiped', 9000, progress);
    expect(await wipe, 'keys of the system deleted').toBeGreaterThan(0);
    expect(accepted.size, JSON.stringify([...statuses])).toBeGreaterThan(total * 0.9);

    // every order the gateway accepted reached the engine and every execution reached the
    // order-manager (waitUntilQuiet), every trade was settled, the book equals the open orders
    await expectInvariants(symbol, accepted);
    // every execution reached the other readers of the stream too
    const { rows: executions } = await db.query('SELECT count(*)::int AS n FROM matching_engine.executions WHERE symbol = $1', [symbol]);
    for (const schema of ['market_data', 'notification', 'reporting_service']) {
      await eventually(
        async () => {
          const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${schema}.processed_messages WHERE event_id LIKE $1`, [`${symbol}:%`]);
          return rows[0].n === executions[0].n;
        },
        60_000,
        `${schema} applied every ${symbol} execution`,
      );
    }
    // the repair really ran: consumers found gaps and asked for the events again
    const orderManagerMetrics = await (await fetch(system.metricsUrls['order-manager'])).text();
    const engineMetrics = await (await fetch(system.metricsUrls['matching-engine'])).text();
    const sum = (text: string, name: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`))
        .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
    const notificationMetrics = await (await fetch(system.metricsUrls.notification)).text();
    // the engine asked for the commands it never read, and the notification service for the executions
    expect(sum(engineMetrics, 'exchange_stream_replay_requests_total')).toBeGreaterThan(0);
    expect(sum(notificationMetrics, 'exchange_stream_replay_requests_total')).toBeGreaterThan(0);
    // and the producers sent them again: the order-manager its commands, the engine its executions
    expect(sum(orderManagerMetrics, 'exchange_outbox_replayed_events_total')).toBeGreaterThan(0);
    expect(sum(engineMetrics, 'exchange_outbox_replayed_events_total')).toBeGreaterThan(0);
    for (const text of [orderManagerMetrics, engineMetrics, notificationMetrics]) expect(sum(text, 'exchange_stream_lost_events_total')).toBe(0);
  });
  it('kill -9 of every process in turn and a wipe of its Redis keys under mixed trading: every process back, the audit clean', {
    timeout: 420_000,
  }, async () => {
    const symbol = 'EVERY';
    const traders = await openMarket(symbol, 12);
    const progress = { done: 0 };
    let stopped = false;
    const recovery: Array<{ name: ServiceName; backAfterMs: number }> = [];
    let wiped = 0;
    const chaos = (async () => {
      try {
        for (const [index, name] of SERVICE_NAMES.entries()) {
          // some trading between two kills, so each lands on a system that has recovered and is busy again
          const next = progress.done + 40;
          await eventually(async () => progress.done >= next, 120_000, `40 more operations before killing the ${name}`);
          recovery.push({ name, backAfterMs: await killAndWaitBack(name) });
          if (index === Math.floor(SERVICE_NAMES.length / 2)) wiped = await wipeRedisKeys();
        }
        const last = progress.done + 40;
        await eventually(async () => progress.done >= last, 120_000, '40 more operations after the last kill');
      } finally {
        stopped = true;
      }
    })();
    const { accepted, statuses } = await mixedSession(symbol, traders, 'every', 20_000, () => !stopped, progress);
    await chaos;
    expect(recovery.map((r) => r.name)).toEqual(SERVICE_NAMES);
    expect(wiped, 'keys of the system deleted').toBeGreaterThan(0);
    // nothing but final answers: every retried request ended with its own answer, none with a process still down
    for (const outcome of statuses.keys()) expect(outcome, JSON.stringify([...statuses])).not.toMatch(/^(0|502|503|504)\b/);
    expect(accepted.size).toBeGreaterThan(100);

    const report = await expectInvariants(symbol, accepted);
    // an order the reconciliation had to send again in this storm is evidence worth keeping: its
    // story in the logs and in both services' tables (the audit above already found it resting)
    const resubmitted = logs.filter((line) => line.includes('sending it again')).map((line) => /"orderId":"([^"]+)"/.exec(line)?.[1] ?? '');
    if (resubmitted.length > 0) {
      const evidence = await db.query(
        `SELECT 'execution' AS what, sequence::text AS at, type, payload::text AS detail FROM matching_engine.executions
          WHERE payload->>'orderId' = ANY($1) OR payload->>'makerOrderId' = ANY($1) OR payload->>'takerOrderId' = ANY($1)
         UNION ALL SELECT 'outbox', coalesce(seq::text, '-'), type, concat_ws(' ', event_id, published_at) FROM order_manager.outbox WHERE payload->>'orderId' = ANY($1)
         UNION ALL SELECT 'journal', position::text, command_id, last_sequence::text FROM matching_engine.journal WHERE command_id LIKE ANY($2)`,
        [resubmitted, resubmitted.map((id) => `%${id}%`)],
      );
      process.stdout.write(
        `\nresubmitted in this storm: ${resubmitted.join(', ')}\n${logs.filter((line) => resubmitted.some((id) => line.includes(id)) || /stepping over|known here already/.test(line)).join('\n')}\n${evidence.rows.map((row) => JSON.stringify(row)).join('\n')}\n`,
      );
    }
    for (const name of SERVICE_NAMES) expect(system.processes.get(name)!.restartCount, name).toBeGreaterThanOrEqual(1);

    // what each recovery path did, for the docs' results table
    const totals = new Map<string, number>();
    for (const name of SERVICE_NAMES) {
      const text = await (await fetch(system.metricsUrls[name])).text();
      for (const metric of [
        'exchange_stream_gaps_total',
        'exchange_stream_replay_requests_total',
        'exchange_outbox_replayed_events_total',
        'exchange_stream_lost_events_total',
      ]) {
        const sum = text
          .split('\n')
          .filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `))
          .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
        totals.set(metric, (totals.get(metric) ?? 0) + sum);
      }
    }
    expect(totals.get('exchange_stream_lost_events_total')).toBe(0);
    const orderManager = await (await fetch(system.metricsUrls['order-manager'])).text();
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'm').exec(orderManager)?.[1] ?? Number.NaN);
    const rounds = value('exchange_reconciliation_round_seconds_count');
    expect(rounds).toBeGreaterThan(0);
    process.stdout.write(
      [
        '',
        `chaos: ${progress.done} operations, ${accepted.size} orders accepted; ${wiped} Redis keys wiped after the ${SERVICE_NAMES[Math.floor(SERVICE_NAMES.length / 2)]} kill`,
        '| process | back and ready after (ms) |',
        '|---|---|',
        ...recovery.map((r) => `| ${r.name} | ${r.backAfterMs} |`),
        `answers: ${[...statuses].map(([outcome, count]) => `${outcome} × ${count}`).join(', ')}`,
        `repair (all processes, since their last start): ${[...totals].map(([metric, value]) => `${metric} ${value}`).join(', ')}`,
        `reconciliation (order-manager since its restart): ${rounds} rounds, ${((1000 * value('exchange_reconciliation_round_seconds_sum')) / rounds).toFixed(1)} ms on average`,
        `audit: ${report.checks.length} checks, ${report.checks.filter((check) => !check.ok).length} violations, ${report.rounds} rounds, ${lastAuditMs} ms`,
        '',
      ].join('\n'),
    );
  });

  it('an accepted order whose command was lost for good (gone from Redis and from the outbox) still reaches the book, once', { timeout: 120_000 }, async () => {
    const resubmittedBefore = logs.filter((line) => line.includes('sending it again')).length;
    const symbol = 'LOSTCMD';
    const [buyer, seller] = await openMarket(symbol, 2);
    const engineStream = `${exchange.redisKeyPrefix}${ordersStream(symbol)}`;
    const accepted = async (orderId: string) => {
      const { rows } = await db.query(
        "SELECT count(*)::int AS n FROM matching_engine.executions WHERE symbol = $1 AND type = 'order_accepted' AND payload->>'orderId' = $2",
        [symbol, orderId],
      );
      return rows[0].n === 1;
    };
    // the engine has applied the market's first command, so it knows where it stands in the stream
    const first = await api('POST', '/v1/orders', seller!.token, { symbol, side: 'SELL', type: 'LIMIT', price: '108.00', quantity: '1' });
    expect(first.status).toBe(201);
    await eventually(() => accepted(first.body.order.id), 10_000, 'the first order accepted');
    process.kill(system.processes.get('matching-engine')!.pid!, 'SIGSTOP');
    let lostId: string;
    try {
      // the engine's read that was waiting when it stopped is answered by Redis with the next command,
      // which lands in its socket: that one is not lost
      const absorbed = await api('POST', '/v1/orders', seller!.token, { symbol, side: 'SELL', type: 'LIMIT', price: '107.00', quantity: '1' });
      expect(absorbed.status).toBe(201);
      const lost = await api('POST', '/v1/orders', buyer!.token, { symbol, side: 'BUY', type: 'LIMIT', price: '90.00', quantity: '5' });
      expect(lost.status).toBe(201);
      lostId = lost.body.order.id;
      const next = await api('POST', '/v1/orders', seller!.token, { symbol, side: 'SELL', type: 'LIMIT', price: '110.00', quantity: '5' });
      expect(next.status).toBe(201);
      // the first command reaches Redis, then is lost there (a failover to a replica that lagged), and
      // the outbox no longer keeps it (as after its retention): nothing can send it again
      const published = await eventually(
        async () => {
          const { rows } = await db.query('SELECT seq::int FROM order_manager.outbox WHERE event_id = $1 AND published_at IS NOT NULL', [
            `order_created:${lostId}`,
          ]);
          return rows[0]?.seq as number | undefined;
        },
        10_000,
        'the command published',
      );
      const redis = createRedis({ url: exchange.redisUrl, keyPrefix: '', connectionName: 'chaos-lose' });
      try {
        const entries = await redis.xrange(engineStream, '-', '+');
        const entry = entries.find(([, fields]) => fields[fields.indexOf('seq') + 1] === String(published));
        expect(entry, 'the command in the stream').toBeDefined();
        expect(await redis.xdel(engineStream, entry![0])).toBe(1);
      } finally {
        redis.disconnect();
      }
      await db.query('DELETE FROM order_manager.outbox WHERE event_id = $1', [`order_created:${lostId}`]);
    } finally {
      process.kill(system.processes.get('matching-engine')!.pid!, 'SIGCONT');
    }
    // the engine finds the gap, learns the command cannot be had again and steps over it; the
    // reconciliation then finds the open order unknown to the engine and sends it again
    await eventually(() => accepted(lostId), 30_000, 'the lost order accepted by the engine');
    const report = await auditSystem({ urls: system.urls, identities: exchange.identities }, 30_000);
    expect(
      report.checks.filter((check) => !check.ok),
      formatAudit(report).join('\n'),
    ).toEqual([]);
    const engineMetrics = await (await fetch(system.metricsUrls['matching-engine'])).text();
    expect(engineMetrics).toMatch(new RegExp(`exchange_stream_lost_events_total\\{[^}]*stream="orders:${symbol}"[^}]*\\} 1`));
    const orderManagerMetrics = await (await fetch(system.metricsUrls['order-manager'])).text();
    expect(orderManagerMetrics).toMatch(/exchange_reconciliation_orders_total\{outcome="resubmitted"[^}]*\} [1-9]/);
    expect(logs.filter((line) => line.includes('sending it again'))).toHaveLength(resubmittedBefore + 1);
  });

  it('funds held for nothing are released: a closed order’s hold, and the part of an open order’s hold beyond what it needs', {
    timeout: 120_000,
  }, async () => {
    // through every storm before, with the reconciliation checking holds older than a second every
    // second, nothing was released (a hold short of its need may be reported while the order-manager
    // restarts and catches up with its fills: a report, never a release)
    expect(logs.filter((line) => /funds held for no open order|holds more than it needs/.test(line))).toEqual([]);
    const pick = async (statuses: string[]) => {
      const { rows } = await db.query(
        `SELECT h.reference, h.asset FROM wallet_service.holds h JOIN wallet_service.wallets w ON w.id = h.wallet_id
          JOIN order_manager.orders o ON o.id::text = h.reference
         WHERE o.status = ANY($1::text[]) AND w.available >= 100 ORDER BY o.created_at DESC LIMIT 1`,
        [statuses],
      );
      expect(rows, `a hold of an order ${statuses.join(' or ')}`).toHaveLength(1);
      return rows[0] as { reference: string; asset: string };
    };
    const closed = await pick(['CANCELED']);
    const open = await pick(['NEW']);
    // a leak as a lost release would leave it: funds moved from available to held, the hold larger
    // (held balances still equal the holds: only the holds and what orders need disagree)
    for (const { reference } of [closed, open]) {
      await db.query(
        'UPDATE wallet_service.wallets SET available = available - 100, held = held + 100 WHERE id = (SELECT wallet_id FROM wallet_service.holds WHERE reference = $1)',
        [reference],
      );
      await db.query(
        "UPDATE wallet_service.holds SET amount = amount + 100, remaining = remaining + 100, updated_at = now() - interval '1 minute' WHERE reference = $1",
        [reference],
      );
    }
    const broken = await auditSystem({ urls: system.urls, identities: exchange.identities }, 0);
    expect(broken.checks.filter((check) => !check.ok).map((check) => check.name)).toContain('holds = what open orders need');
    // the order-manager's reconciliation releases what is held for nothing: the audit is clean again
    const report = await auditSystem({ urls: system.urls, identities: exchange.identities }, 30_000);
    expect(
      report.checks.filter((check) => !check.ok),
      formatAudit(report).join('\n'),
    ).toEqual([]);
    const metrics = await (await fetch(system.metricsUrls['order-manager'])).text();
    expect(metrics).toMatch(/exchange_reconciliation_holds_total\{outcome="released-closed-order"[^}]*\} 1\b/);
    expect(metrics).toMatch(/exchange_reconciliation_holds_total\{outcome="released-excess"[^}]*\} 1\b/);
    const { rows } = await db.query('SELECT remaining::text FROM wallet_service.holds WHERE reference = $1', [closed.reference]);
    expect(rows[0].remaining).toBe('0');
  });

  it('the audit names what breaks an invariant, and answers an admin at GET /v1/admin/audit (no one else)', { timeout: 120_000 }, async () => {
    const admin = await signIn('admin@exchange.local', 'exchange-admin');
    const fromGateway = await api('GET', '/v1/admin/audit?settleMs=20000', admin);
    expect(fromGateway.status).toBe(200);
    expect(fromGateway.body.ok, JSON.stringify(fromGateway.body.checks.filter((c: { ok: boolean }) => !c.ok))).toBe(true);
    expect(fromGateway.body.services).toEqual(expect.arrayContaining(['order-manager', 'wallet-service', 'matching-engine', 'notification']));
    // anyone else: as if there were no such route
    const someone = await api('POST', '/v1/auth/register', undefined, { email: `nosy-${Date.now()}@example.com`, password: 'chaos-password' });
    expect(someone.status).toBe(201);
    expect((await api('GET', '/v1/admin/audit', await signIn(someone.body.user.email, 'chaos-password'))).status).toBe(404);
    expect((await api('GET', '/v1/admin/audit')).status).toBe(401);

    // now break the data behind the services' backs, one invariant at a time, and read what the audit says
    const failing = async () => {
      const report = await auditSystem({ urls: system.urls, identities: exchange.identities }, 0);
      expect(report.ok).toBe(false);
      return report.checks.filter((check) => !check.ok).map((check) => `${check.service}: ${check.name}: ${check.detail}`);
    };
    await db.query(
      "DELETE FROM market_data.trades WHERE (symbol, trade_id) IN (SELECT symbol, trade_id FROM market_data.trades WHERE symbol = 'CHAOS' LIMIT 1)",
    );
    expect(await failing()).toEqual([expect.stringMatching(/settled once.*CHAOS: .*market-data \d+/)]);
    await db.query("UPDATE notification.stream_positions SET last_seq = last_seq - 1 WHERE stream = 'executions:CHAOS'");
    expect(await failing()).toContainEqual(expect.stringMatching(/every event delivered: notification \(.*\) applied executions:CHAOS to \d+ of \d+/));
    const { rows } = await db.query('SELECT reference FROM wallet_service.holds WHERE remaining > 1 LIMIT 1');
    await db.query('UPDATE wallet_service.holds SET remaining = remaining - 1 WHERE reference = $1', [rows[0].reference]);
    const broken = await failing();
    expect(broken).toContainEqual(expect.stringMatching(/wallet-service: held = open holds: 1 accounts/));
    expect(broken).toContainEqual(expect.stringMatching(/holds = what open orders need: differ/));
  });
});
