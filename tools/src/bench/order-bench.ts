import pg from 'pg';
import { createExchangeClient, ExchangeApiError, type ExchangeClient, type PlaceOrderInput } from '@exchange/client';
import { seededRandom } from '@exchange/platform/testing';
import { latencyRow } from './auth-bench.js';
import { percentile, runTag, type BenchSystem, type Print } from './bench-support.js';
import { ProcessCpu } from './process-cpu.js';
import { checkBookMatchesOrders, checkConservation, checkHolds, checkTradesSettledOnce, waitUntilQuiet } from './trading-checks.js';

const USERS = 50;
const SEQUENTIAL = 200;
const SEQUENTIAL_CROSSING = 50;
const QUIET_TIMEOUT_MS = 300_000;
/** phase A: an open loop, sends on a clock whatever the answers (BENCH_ORDERS_RATE=100 tries another rate) */
const OPEN_LOOP_RATE = Number(process.env.BENCH_ORDERS_RATE ?? 200);
const OPEN_LOOP_SECONDS = 20;
/** phase B: a closed loop, each client sends its next order as soon as the last one answered */
const CLOSED_LOOP_CONCURRENCY = 64;
const CLOSED_LOOP_SECONDS = 20;
/** how often phase A's crossing orders are looked for in PostgreSQL, to see when they are FILLED */
const WATCH_EVERY_MS = 5;
const MAKER_FEE_BPS = 5;
const TAKER_FEE_BPS = 10;

/** wall-clock ms with sub-ms precision, comparable with PostgreSQL's now() on this machine */
const wallClock = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Trader {
  /** the exchange's typed client, signed in as this trader */
  exchange: ExchangeClient;
  userId: string;
}

interface OrderRequest {
  trader: Trader;
  body: PlaceOrderInput;
  isCrossing: boolean;
}

interface Answer {
  status: number;
  /** `201`, or the status and error code of a refusal, or `network error` */
  outcome: string;
  orderId?: string;
  sentAt: number;
  answeredAt: number;
}

const price = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/**
 * The order flow: 60% resting GTC limits from the makers (bids 99.00–99.99, asks 100.01–101.00,
 * 1–10 shares), 40% IOC limits from the takers that cross the whole book (buy at 101.00, sell at
 * 99.00, 1–5 shares), so they fill at the best price as soon as the engine sees them. Makers and
 * takers are different users, so self-trade prevention never cancels a taker.
 */
function orderFlow(symbol: string, makers: Trader[], takers: Trader[], seed: number): (kind?: 'maker' | 'taker') => OrderRequest {
  const random = seededRandom(seed);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  return (kind) => {
    const isCrossing = kind ? kind === 'taker' : random() < 0.4;
    const side = random() < 0.5 ? ('BUY' as const) : ('SELL' as const);
    if (!isCrossing) {
      const cents = side === 'BUY' ? 9900 + Math.floor(random() * 100) : 10001 + Math.floor(random() * 100);
      return {
        trader: pick(makers),
        isCrossing,
        body: { symbol, side, type: 'LIMIT', price: price(cents), quantity: String(1 + Math.floor(random() * 10)), timeInForce: 'GTC' },
      };
    }
    return {
      trader: pick(takers),
      isCrossing,
      body: { symbol, side, type: 'LIMIT', price: side === 'BUY' ? '101.00' : '99.00', quantity: String(1 + Math.floor(random() * 5)), timeInForce: 'IOC' },
    };
  };
}

async function place(order: OrderRequest): Promise<Answer> {
  const sentAt = wallClock();
  try {
    const { order: placed } = await order.trader.exchange.placeOrder({ body: order.body });
    return { status: 201, outcome: '201', orderId: placed.id, sentAt, answeredAt: wallClock() };
  } catch (error) {
    const answeredAt = wallClock();
    if (!(error instanceof ExchangeApiError)) throw error;
    if (error.status === 0) return { status: 0, outcome: 'network error', sentAt, answeredAt };
    return { status: error.status, outcome: `${error.status} ${error.code}`, sentAt, answeredAt };
  }
}

function tally(answers: Answer[]): Map<string, number> {
  const outcomes = new Map<string, number>();
  for (const answer of answers) outcomes.set(answer.outcome, (outcomes.get(answer.outcome) ?? 0) + 1);
  return outcomes;
}

function others(outcomes: Map<string, number>): string {
  const refused = [...outcomes].filter(([outcome]) => outcome !== '201');
  return refused.length === 0 ? '0' : refused.map(([outcome, n]) => `${n} × ${outcome}`).join(', ');
}

const ms = (value: number) => value.toFixed(1);

/** `| n | p50 | p95 | p99 | max |` of samples in ms */
function spread(samplesMs: number[]): { n: number; p50: number; p95: number; p99: number; max: number; cells: string } {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN, cells: '0 | – | – | – | –' };
  const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(sorted, p)) as [number, number, number];
  const max = sorted.at(-1)!;
  return { n: sorted.length, p50, p95, p99, max, cells: `${sorted.length} | ${ms(p50)} | ${ms(p95)} | ${ms(p99)} | ${ms(max)}` };
}

/**
 * Watches a set of order ids in PostgreSQL (one query every few ms) and notes the wall-clock time
 * each is first seen finished: the moment its settlement is committed and visible to a reader.
 */
function watchFinished(db: pg.Client) {
  const waiting = new Set<string>();
  const seen = new Map<string, { at: number; status: string }>();
  let isRunning = true;
  const loop = (async () => {
    while (isRunning || waiting.size > 0) {
      if (waiting.size > 0) {
        const { rows } = await db.query(
          "SELECT id, status FROM order_manager.orders WHERE id = ANY($1::uuid[]) AND status NOT IN ('PENDING', 'NEW', 'PARTIALLY_FILLED')",
          [[...waiting]],
        );
        const at = wallClock();
        for (const row of rows) {
          waiting.delete(row.id);
          seen.set(row.id, { at, status: row.status });
        }
      }
      await sleep(WATCH_EVERY_MS);
    }
  })();
  return {
    add: (orderId: string) => waiting.add(orderId),
    seen,
    async stop(timeoutMs: number) {
      isRunning = false;
      const deadline = Date.now() + timeoutMs;
      while (waiting.size > 0 && Date.now() < deadline) await sleep(50);
      waiting.clear();
      await loop;
    },
  };
}

/**
 * Order placement through the gateway from many users: one order at a time, then an open loop at a
 * fixed rate, then a closed loop at high concurrency; the time from placing a crossing order to its
 * trade being settled; and afterwards the ledger's and the book's invariants, which must hold.
 */
export async function ordersBench(gateway: string, print: Print, bench: BenchSystem): Promise<void> {
  if (!(OPEN_LOOP_RATE > 0 && Number.isFinite(OPEN_LOOP_RATE)))
    throw new Error(`BENCH_ORDERS_RATE must be a positive number of orders per second (got ${process.env.BENCH_ORDERS_RATE})`);
  const run = runTag();
  const symbol = `BENCH${run.toUpperCase()}`;
  const engine = { url: bench.system.urls['matching-engine'], identities: bench.identities };
  const db = new pg.Client({ connectionString: bench.databaseUrl });
  await db.connect();
  try {
    // setup: a market of its own, 50 users with cash, shares and limits out of the way
    const client = (token?: string) => createExchangeClient({ baseUrl: gateway, token });
    const { accessToken } = await client().logIn({ body: { email: 'admin@exchange.local', password: 'exchange-admin' } });
    const admin = client(accessToken);
    await admin.createMarket({
      body: {
        symbol,
        name: `Bench ${run}`,
        tickSize: '0.01',
        lotSize: '1',
        referencePrice: '100.00',
        makerFeeBps: MAKER_FEE_BPS,
        takerFeeBps: TAKER_FEE_BPS,
        maxQuantity: '1000000',
        maxNotional: '100000000.00',
        priceCollarBps: 1000,
      },
    });
    const traders: Trader[] = [];
    for (let i = 0; i < USERS; i++) {
      const email = `orders-${run}-${i}@bench.test`;
      const { user } = await client().register({ body: { email, password: 'bench-password-1' } });
      const { accessToken: token } = await client().logIn({ body: { email, password: 'bench-password-1' } });
      const exchange = client(token);
      await exchange.addFunds({ body: { amount: '1000000.00' } });
      await admin.adminCredit({ body: { userId: user.id, asset: symbol, amount: '1000000' } });
      await admin.setUserLimits({ params: { userId: user.id }, body: { maxOpenOrders: 1_000_000, maxOrdersPerMinute: 1_000_000 } });
      traders.push({ exchange, userId: user.id });
    }
    const makers = traders.slice(0, USERS / 2);
    const takers = traders.slice(USERS / 2);
    const next = orderFlow(symbol, makers, takers, 42);

    // warm-up: connections, JIT, the new market known to the engine and the order-manager's consumer
    for (let i = 0; i < 20; i++) await expect201(place(next('maker')));
    await untilFinished(db, (await expect201(place(next('taker')))).orderId!, 1, 30_000);

    // one order at a time: the latency of a single placement, against the ~200 ms budget of one placement (these rest and build the book)
    const sequential: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const answer = await expect201(place(next('maker')));
      sequential.push(answer.answeredAt - answer.sentAt);
    }
    // then crossing orders one at a time, each followed until it is FILLED: the whole flow with no queue anywhere
    const sequentialCrossing: number[] = [];
    const sequentialSettled: number[] = [];
    for (let i = 0; i < SEQUENTIAL_CROSSING; i++) {
      const answer = await expect201(place(next('taker')));
      sequentialCrossing.push(answer.answeredAt - answer.sentAt);
      const finished = await untilFinished(db, answer.orderId!, 1, 30_000);
      if (finished.status !== 'FILLED') throw new Error(`a crossing order alone on a deep book ended ${finished.status}`);
      sequentialSettled.push(finished.at - answer.sentAt);
    }
    await waitUntilQuiet(db, engine, symbol, QUIET_TIMEOUT_MS);

    // phase A: open loop at a fixed rate; latency counted from when the order was due, so a slow answer cannot hold back the next sends
    const cpu = new ProcessCpu(bench.system, db);
    const watcher = watchFinished(db);
    const phaseA: Array<Answer & { dueAt: number; isCrossing: boolean }> = [];
    const cpuBeforeA = await cpu.sample();
    const openStarted = wallClock();
    const total = OPEN_LOOP_RATE * OPEN_LOOP_SECONDS;
    const inFlight: Promise<void>[] = [];
    let due = 0;
    while (due < total) {
      const dueNow = Math.min(total, Math.floor(((wallClock() - openStarted) * OPEN_LOOP_RATE) / 1000) + 1);
      for (; due < dueNow; due++) {
        const dueAt = openStarted + (due * 1000) / OPEN_LOOP_RATE;
        const order = next();
        inFlight.push(
          place(order).then((answer) => {
            phaseA.push({ ...answer, dueAt, isCrossing: order.isCrossing });
            if (order.isCrossing && answer.orderId) watcher.add(answer.orderId);
          }),
        );
      }
      await sleep(1);
    }
    await Promise.all(inFlight);
    const openSeconds = (Math.max(...phaseA.map((answer) => answer.answeredAt)) - openStarted) / 1000;
    await watcher.stop(QUIET_TIMEOUT_MS);
    const quietAfterAMs = await waitUntilQuiet(db, engine, symbol, QUIET_TIMEOUT_MS);
    const cpuA = ProcessCpu.used(cpuBeforeA, await cpu.sample());
    const openOutcomes = tally(phaseA);
    const openOk = phaseA.filter((answer) => answer.status === 201);
    const openLatency = spread(openOk.map((answer) => answer.answeredAt - answer.dueAt));
    const openWire = spread(openOk.map((answer) => answer.answeredAt - answer.sentAt));
    const sendLag = spread(phaseA.map((answer) => answer.sentAt - answer.dueAt));

    // phase B: closed loop at high concurrency
    const phaseB: Answer[] = [];
    const cpuBeforeB = await cpu.sample();
    const closedStarted = wallClock();
    const closedDeadline = closedStarted + CLOSED_LOOP_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLOSED_LOOP_CONCURRENCY }, async () => {
        while (wallClock() < closedDeadline) phaseB.push(await place(next()));
      }),
    );
    const closedSeconds = (wallClock() - closedStarted) / 1000;
    const cpuDuringB = ProcessCpu.used(cpuBeforeB, await cpu.sample());
    const quietAfterBMs = await waitUntilQuiet(db, engine, symbol, QUIET_TIMEOUT_MS);
    const cpuB = ProcessCpu.used(cpuBeforeB, await cpu.sample());
    // how fast the order-manager applies executions while it has a backlog: phase B's events, start to end
    const { rows: applied } = await db.query(
      `SELECT count(*)::int AS events, extract(epoch FROM max(processed_at) - min(processed_at)) AS seconds
         FROM order_manager.processed_messages WHERE consumer_group = 'order-manager' AND event_id LIKE $1 AND processed_at >= to_timestamp($2 / 1000.0)`,
      [`${symbol}:%`, closedStarted],
    );
    const { rows: settledTrades } = await db.query(
      `SELECT count(DISTINCT trade_id)::int AS trades FROM order_manager.fills WHERE symbol = $1 AND executed_at >= to_timestamp($2 / 1000.0)`,
      [symbol, closedStarted],
    );
    const closedOutcomes = tally(phaseB);
    const closedOk = phaseB.filter((answer) => answer.status === 201);
    const closedLatency = spread(closedOk.map((answer) => answer.answeredAt - answer.sentAt));
    const closedRate = closedOk.length / closedSeconds;

    print('| request (through the gateway, one at a time) | n | p50 ms | p95 ms | p99 ms | mean ms |');
    print('|---|---|---|---|---|---|');
    print(latencyRow('POST /v1/orders, resting GTC limit', sequential));
    print(latencyRow('POST /v1/orders, crossing IOC limit', sequentialCrossing));
    print(latencyRow('crossing IOC: from sending to seen FILLED (polled every 1 ms)', sequentialSettled));
    print('');
    print(`| placement through the gateway | orders/s | n | p50 ms | p95 ms | p99 ms | max ms | 201 | other |`);
    print('|---|---|---|---|---|---|---|---|---|');
    print(
      `| A: open loop at ${OPEN_LOOP_RATE}/s for ${OPEN_LOOP_SECONDS} s (${USERS} users), from when due | ${Math.round(openOk.length / openSeconds)} | ${openLatency.cells} | ${openOk.length} | ${others(openOutcomes)} |`,
    );
    print(`| A: the same answers, from when actually sent | | ${openWire.cells} | | |`);
    print(
      `| B: closed loop, ${CLOSED_LOOP_CONCURRENCY} in flight for ${CLOSED_LOOP_SECONDS} s (${USERS} users) | ${Math.round(closedRate)} | ${closedLatency.cells} | ${closedOk.length} | ${others(closedOutcomes)} |`,
    );
    print('');
    print(
      `In phase A the bench sent the orders ${ms(sendLag.p50)} ms (p50) / ${ms(sendLag.p99)} ms (p99) / ${ms(sendLag.max)} ms (max) after they were due. ` +
        `Quiet (every event applied) ${(quietAfterAMs / 1000).toFixed(1)} s after phase A's crossing orders were all seen settled, ${(quietAfterBMs / 1000).toFixed(1)} s after phase B's last answer.`,
    );
    const appliedSeconds = Number(applied[0].seconds);
    print(
      `The order-manager applied phase B's ${applied[0].events} execution events (${settledTrades[0].trades} of them trades, each settled through the wallet-service) in ${appliedSeconds.toFixed(1)} s: ` +
        `${Math.round(applied[0].events / appliedSeconds)} events/s, ${Math.round(settledTrades[0].trades / appliedSeconds)} trades/s.`,
    );
    print('');

    // placement → settled for phase A's crossing orders
    const crossing = phaseA.filter((answer) => answer.isCrossing && answer.orderId);
    const { rows: settled } = await db.query(
      `SELECT o.id, o.status, extract(epoch FROM max(f.executed_at)) * 1000 AS settled_ms
         FROM order_manager.orders o JOIN order_manager.fills f ON f.order_id = o.id
        WHERE o.id = ANY($1::uuid[]) GROUP BY o.id, o.status`,
      [crossing.map((answer) => answer.orderId)],
    );
    const settledAt = new Map(settled.filter((row) => row.status === 'FILLED').map((row) => [row.id as string, Number(row.settled_ms)]));
    const byFill = spread(crossing.filter((answer) => settledAt.has(answer.orderId!)).map((answer) => settledAt.get(answer.orderId!)! - answer.sentAt));
    const seenFilled = crossing.filter((answer) => watcher.seen.get(answer.orderId!)?.status === 'FILLED');
    const bySeen = spread(seenFilled.map((answer) => watcher.seen.get(answer.orderId!)!.at - answer.sentAt));
    const crossingStatuses = new Map<string, number>();
    const { rows: statuses } = await db.query(
      'SELECT status, count(*)::int AS n FROM order_manager.orders WHERE id = ANY($1::uuid[]) GROUP BY status ORDER BY status',
      [crossing.map((answer) => answer.orderId)],
    );
    for (const row of statuses) crossingStatuses.set(row.status, row.n);

    print(`| phase A's crossing IOC orders: from sending to the trade settled | n | p50 ms | p95 ms | p99 ms | max ms |`);
    print('|---|---|---|---|---|---|');
    print(`| until the fill's executed_at (the order-manager's settling transaction began) | ${byFill.cells} |`);
    print(`| until seen FILLED in PostgreSQL (committed; polled every ${WATCH_EVERY_MS} ms) | ${bySeen.cells} |`);
    print('');
    print(`Of the ${crossing.length} crossing orders placed in phase A: ${[...crossingStatuses].map(([status, n]) => `${n} ${status}`).join(', ')}.`);
    print('');

    const sum = (used: Array<[string, number]>) => used.reduce((total, [, seconds]) => total + seconds, 0);
    const untilQuietB = closedSeconds + quietAfterBMs / 1000;
    print(
      `| CPU in phase B (${closedOk.length} orders) | CPU s in the ${CLOSED_LOOP_SECONDS} s | % of a core | CPU ms per order | CPU s until quiet (${untilQuietB.toFixed(0)} s, settlement included) | CPU ms per order |`,
    );
    print('|---|---|---|---|---|---|');
    for (const [name, cpuSeconds] of cpuB) {
      const during = cpuDuringB.find(([other]) => other === name)?.[1] ?? 0;
      print(
        `| ${name} | ${during.toFixed(1)} | ${Math.round((100 * during) / closedSeconds)}% | ${((1000 * during) / closedOk.length).toFixed(2)} | ${cpuSeconds.toFixed(1)} | ${((1000 * cpuSeconds) / closedOk.length).toFixed(2)} |`,
      );
    }
    print(
      `| total | ${sum(cpuDuringB).toFixed(1)} | ${Math.round((100 * sum(cpuDuringB)) / closedSeconds)}% | ${((1000 * sum(cpuDuringB)) / closedOk.length).toFixed(2)} | ${sum(cpuB).toFixed(1)} | ${((1000 * sum(cpuB)) / closedOk.length).toFixed(2)} |`,
    );
    print('');
    print(`Phase A used ${sum(cpuA).toFixed(1)} CPU s from its first order until quiet (${((1000 * sum(cpuA)) / openOk.length).toFixed(2)} ms per order).`);
    print('');

    // correctness: fail loudly
    const allAnswers = [...phaseA, ...phaseB];
    const failures = allAnswers.filter((answer) => answer.status === 0 || answer.status >= 500);
    const trades = await checkTradesSettledOnce(db, symbol);
    const conservation = await checkConservation(db, ['USD', symbol]);
    const holds = await checkHolds(
      db,
      traders.map((trader) => trader.userId),
      symbol,
    );
    const book = await checkBookMatchesOrders(db, engine, symbol);
    const problems = [
      ...(failures.length > 0 ? [`${failures.length} placements failed with a 5xx or no answer: ${others(tally(failures))}`] : []),
      ...trades.problems,
      ...conservation.problems,
      ...holds.problems.slice(0, 10),
      ...book.problems,
    ];
    print(
      `Afterwards: ${trades.trades} trades, each settled once and recorded on both orders; ` +
        `USD and ${symbol} add up to ${conservation.totals.USD} and ${conservation.totals[symbol]} over users and system accounts; ` +
        `every user's held cash and shares equal what their ${holds.openOrders} open orders need; the engine's book matches the ${book.resting} open orders — ` +
        (problems.length === 0 ? 'all correct' : 'WRONG'),
    );
    if (problems.length > 0) throw new Error(`the orders bench found problems:\n${problems.join('\n')}`);

    print('');
    const goals: Array<[string, string, boolean]> = [
      [`p50 ≤ 5 ms at ${OPEN_LOOP_RATE} orders/s`, `${ms(openLatency.p50)} ms`, openLatency.p50 <= 5],
      [`p99 ≤ 25 ms at ${OPEN_LOOP_RATE} orders/s`, `${ms(openLatency.p99)} ms`, openLatency.p99 <= 25],
      ['≥ 1,500 orders/s sustained', `${Math.round(closedRate)} orders/s`, closedRate >= 1500],
      [
        'no errors',
        `${allAnswers.length - allAnswers.filter((answer) => answer.status === 201).length} non-201 of ${allAnswers.length}`,
        allAnswers.every((answer) => answer.status === 201),
      ],
    ];
    print('| goal | measured | met |');
    print('|---|---|---|');
    for (const [goal, measured, isMet] of goals) print(`| ${goal} | ${measured} | ${isMet ? 'yes' : '**no**'} |`);
  } finally {
    await db.end();
  }
}

/** Polls PostgreSQL every `everyMs` until the order is finished; when it was first seen so. */
async function untilFinished(db: pg.Client, orderId: string, everyMs: number, timeoutMs: number): Promise<{ status: string; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query("SELECT status FROM order_manager.orders WHERE id = $1 AND status NOT IN ('PENDING', 'NEW', 'PARTIALLY_FILLED')", [
      orderId,
    ]);
    if (rows[0]) return { status: rows[0].status, at: wallClock() };
    if (Date.now() > deadline) throw new Error(`order ${orderId} was not finished within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

async function expect201(answer: Promise<Answer>): Promise<Answer> {
  const settled = await answer;
  if (settled.status !== 201) throw new Error(`placing an order answered ${settled.outcome}`);
  return settled;
}
