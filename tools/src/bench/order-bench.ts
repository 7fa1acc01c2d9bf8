import pg from 'pg';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import WebSocket from 'ws';
import { ExchangeStream } from '@exchange/client';
import { latencyRow } from './auth-bench.js';
import { runTag, type BenchSystem, type Print } from './bench-support.js';
import {
  type Answer,
  autocannonOrders,
  Backlog,
  clientFor,
  openLoop,
  orderFlow,
  outcomes,
  place,
  sleep,
  spreadOf,
  type Trader,
  wallClock,
} from './order-load.js';
import { BENCH_CLIENT, ProcessCpu, REPORTED_APART } from './process-cpu.js';
import { type CountedWork, countedBetween, redisCommandStats, StatementStats, statementCell } from './statement-stats.js';
import { createRedis } from '@exchange/platform';
import { auditSystem } from '../launcher/audit-command.js';

const env = process.env;
/** users, half makers and half takers: enough that no one goes past the ordinary per-user limits at the highest rate */
const USERS = Number(env.BENCH_ORDERS_USERS ?? 300);
/** the scaling curve's offered rates (orders/s), each for STEP_SECONDS */
const RATES = (env.BENCH_ORDERS_RATES ?? '50,200,500,1000,1500,2000').split(',').map(Number);
const STEP_SECONDS = Number(env.BENCH_STEP_SECONDS ?? 10);
/** the step whose CPU, statements and Redis commands per order make the budget */
const BUDGET_RATE = RATES.includes(200) ? 200 : RATES[0]!;
/**
 * connections the bench client keeps to the gateway at most (a load generator's fixed pool, as
 * wrk2's): without a bound, every request waiting at a saturated gateway holds a socket of its own,
 * and at 2,000/s the client runs out of ports and descriptors and measures its own failures
 */
const CONNECTIONS = Number(env.BENCH_ORDERS_CONNECTIONS ?? 256);
const SEQUENTIAL = 100;
const SEQUENTIAL_CROSSING = 30;
/** how long the system may take to settle what a step left, before the step counts as not caught up */
const SETTLE_TIMEOUT_MS = 120_000;
const SETTLED_WITHIN_MS = 2000;
const MAKER_FEE_BPS = 5;
const TAKER_FEE_BPS = 10;

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const address = (i: number) => `10.${Math.floor(i / 250) + 1}.${i % 250}.1`;

interface Step {
  offered: number;
  answers: Answer[];
  achieved: number;
  ackFromDue: ReturnType<typeof spreadOf>;
  ackFromSent: ReturnType<typeof spreadOf>;
  filledOnStream: ReturnType<typeof spreadOf>;
  settledMs: number;
  cpuMsPerOrder: number;
  cpu: Array<[string, number]>;
}

/**
 * The order path under load, through the gateway, with the limits an ordinary user has (each bench
 * user its own client address, as behind a proxy the gateway trusts): one order at a time; then a
 * scaling curve of open-loop steps, each followed until everything it caused is settled; autocannon
 * at the measured capacity; offers of 2× and 10× that capacity; and afterwards the ledger's and the
 * book's invariants, which must hold.
 */
export async function ordersBench(gateway: string, print: Print, bench: BenchSystem): Promise<void> {
  for (const rate of RATES)
    if (!(rate > 0 && Number.isFinite(rate))) throw new Error(`BENCH_ORDERS_RATES must be positive rates, got ${env.BENCH_ORDERS_RATES}`);
  // the fetch of Node and of the SDK go through this pool (Node's fetch is undici's, and takes its global dispatcher)
  const previousDispatcher = getGlobalDispatcher();
  const pool = new Agent({ connections: CONNECTIONS, keepAliveTimeout: 30_000 });
  setGlobalDispatcher(pool);
  const run = runTag();
  const symbol = `BENCH${run.toUpperCase()}`;
  const db = new pg.Client({ connectionString: bench.databaseUrl, application_name: 'exchange-bench' });
  await db.connect();
  const backlog = new Backlog(bench.redisUrl, bench.redisKeyPrefix);
  const redisStats = createRedis({ url: bench.redisUrl, keyPrefix: bench.redisKeyPrefix, connectionName: 'bench-command-stats' });
  const streams: ExchangeStream[] = [];
  try {
    // setup: a market of its own; users with cash and shares and the default limits of any user
    const { accessToken } = await clientFor(gateway, address(USERS)).logIn({ body: { email: 'admin@exchange.local', password: 'exchange-admin' } });
    const admin = clientFor(gateway, address(USERS), accessToken);
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
    const traders: Trader[] = new Array(USERS);
    let nextUser = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = nextUser++; i < USERS; i = nextUser++) {
          const email = `orders-${run}-${i}@bench.test`;
          const client = clientFor(gateway, address(i));
          const { user } = await client.register({ body: { email, password: 'bench-password-1' } });
          const { accessToken: token } = await client.logIn({ body: { email, password: 'bench-password-1' } });
          const exchange = clientFor(gateway, address(i), token);
          await exchange.addFunds({ body: { amount: '1000000.00' } });
          await admin.adminCredit({ body: { userId: user.id, asset: symbol, amount: '1000000' } });
          traders[i] = { exchange, userId: user.id, token, address: address(i) };
        }
      }),
    );
    const makers = traders.slice(0, USERS / 2);
    const takers = traders.slice(USERS / 2);
    const next = orderFlow(symbol, makers, takers, 42);

    // every taker hears their own orders' changes: the time until FILLED arrives on their WebSocket
    const filledAt = new Map<string, number>();
    for (const taker of takers) {
      const stream = new ExchangeStream({
        url: `${gateway.replace(/^http/, 'ws')}/v1/stream`,
        WebSocket: class extends WebSocket {
          constructor(url: string) {
            super(url, { headers: { 'x-forwarded-for': taker.address } });
          }
        },
      });
      stream.setToken(taker.token);
      stream.subscribe('user', (event) => {
        if (event.type === 'update' && event.data.type === 'order' && event.data.order.status === 'FILLED' && !filledAt.has(event.data.order.orderId))
          filledAt.set(event.data.order.orderId, wallClock());
      });
      stream.start();
      streams.push(stream);
    }
    const deadline = Date.now() + 30_000;
    while (streams.some((stream) => !stream.isAuthenticated)) {
      if (Date.now() > deadline) throw new Error('the takers’ streams did not open');
      await sleep(50);
    }
    const quiet = async () =>
      Number(
        (
          await db.query(`SELECT (SELECT count(*) FROM order_manager.outbox WHERE published_at IS NULL)
                  + (SELECT count(*) FROM wallet_service.outbox WHERE published_at IS NULL)
                  + (SELECT count(*) FROM matching_engine.outbox WHERE published_at IS NULL)
                  + (SELECT count(*) FROM order_manager.orders WHERE status = 'PENDING') AS count`)
        ).rows[0].count,
      ) === 0;

    // warm-up: connections, JIT, the new market known to every consumer
    for (let i = 0; i < 20; i++) await place(next('maker'));
    for (let i = 0; i < 5; i++) await place(next('taker'));
    await backlog.drainedAfter(symbol, SETTLE_TIMEOUT_MS, quiet);

    // one order at a time
    const sequential: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const answer = await place(next('maker'));
      if (answer.status !== 201) throw new Error(`a lone resting order answered ${answer.outcome}`);
      sequential.push(answer.answeredAt - answer.sentAt);
    }
    const sequentialCrossing: number[] = [];
    const sequentialFilled: number[] = [];
    for (let i = 0; i < SEQUENTIAL_CROSSING; i++) {
      const answer = await place(next('taker'));
      if (answer.status !== 201) throw new Error(`a lone crossing order answered ${answer.outcome}`);
      sequentialCrossing.push(answer.answeredAt - answer.sentAt);
      const until = Date.now() + 10_000;
      while (!filledAt.has(answer.orderId!) && Date.now() < until) await sleep(1);
      if (filledAt.has(answer.orderId!)) sequentialFilled.push(filledAt.get(answer.orderId!)! - answer.sentAt);
    }
    await backlog.drainedAfter(symbol, SETTLE_TIMEOUT_MS, quiet);

    // the scaling curve
    const cpu = new ProcessCpu(bench.system, db);
    const statementStats = await StatementStats.open(db);
    let budgetWork: { statements?: CountedWork; commands: CountedWork } | undefined;
    const steps: Step[] = [];
    for (const rate of RATES) {
      const isBudget = rate === BUDGET_RATE && !budgetWork;
      const statementsBefore = isBudget ? await statementStats?.snapshot() : undefined;
      const commandsBefore = isBudget ? await redisCommandStats(redisStats) : undefined;
      const before = await cpu.sample();
      const answers = await openLoop(rate, STEP_SECONDS, next);
      const settledMs = await backlog.drainedAfter(symbol, SETTLE_TIMEOUT_MS, quiet);
      const used = ProcessCpu.used(before, await cpu.sample());
      if (commandsBefore) {
        const statementsAfter = statementsBefore ? await statementStats?.snapshot() : undefined;
        budgetWork = {
          ...(statementsBefore && statementsAfter ? { statements: countedBetween(statementsBefore, statementsAfter) } : {}),
          commands: countedBetween(commandsBefore, await redisCommandStats(redisStats)),
        };
      }
      const ok = answers.filter((answer) => answer.status === 201);
      const first = Math.min(...answers.map((answer) => answer.dueAt));
      const last = Math.max(...answers.map((answer) => answer.answeredAt));
      const crossing = ok.filter((answer) => answer.isCrossing && filledAt.has(answer.orderId!));
      const total = used.reduce((sum, [, seconds]) => sum + seconds, 0);
      steps.push({
        offered: rate,
        answers,
        achieved: ok.length / ((last - first) / 1000),
        ackFromDue: spreadOf(ok.map((answer) => answer.answeredAt - answer.dueAt)),
        ackFromSent: spreadOf(ok.map((answer) => answer.answeredAt - answer.sentAt)),
        filledOnStream: spreadOf(crossing.map((answer) => filledAt.get(answer.orderId!)! - answer.sentAt)),
        settledMs,
        cpuMsPerOrder: (1000 * total) / Math.max(1, ok.length),
        cpu: used,
      });
      if (!Number.isFinite(settledMs)) break; // it never caught up: higher rates would only pile on
    }
    const sustained = steps.filter(
      (step) => step.answers.every((answer) => answer.status === 201) && step.settledMs <= SETTLED_WITHIN_MS && step.achieved >= 0.95 * step.offered,
    );
    const capacity = Math.max(50, ...sustained.map((step) => step.offered));

    // autocannon, an outside load tool, at the measured capacity
    const cpuBeforeCannon = await cpu.sample();
    const cannon = await autocannonOrders(gateway, makers, symbol, { seconds: STEP_SECONDS, connections: 64, rate: capacity });
    const cannonCpu = ProcessCpu.used(cpuBeforeCannon, await cpu.sample());
    await backlog.drainedAfter(symbol, SETTLE_TIMEOUT_MS, quiet);

    // overload: 2× and 10× the measured capacity
    const overloads: Array<{ factor: number; answers: Answer[]; settledMs: number }> = [];
    for (const factor of [2, 10]) {
      const answers = await openLoop(capacity * factor, STEP_SECONDS, next);
      overloads.push({ factor, answers, settledMs: await backlog.drainedAfter(symbol, SETTLE_TIMEOUT_MS, quiet) });
    }

    // the tables
    print('| request (through the gateway, one at a time) | n | p50 ms | p95 ms | p99 ms | mean ms |');
    print('|---|---|---|---|---|---|');
    print(latencyRow('POST /v1/orders, resting GTC limit', sequential));
    print(latencyRow('POST /v1/orders, crossing IOC limit', sequentialCrossing));
    print(latencyRow('crossing IOC: from sending to FILLED on the taker’s WebSocket', sequentialFilled));
    print('');
    print(
      `Scaling curve: an open loop at each rate for ${STEP_SECONDS} s (${USERS} users, half makers, half takers; latency from when each order was due; the client keeps at most ${CONNECTIONS} connections, so an order may wait in it for one — that wait counts), then followed until every consumer group has caught up.`,
    );
    print('');
    print(
      '| offered/s | achieved/s | 201 | other | ack p50 ms | ack p99 ms | ack p99 from sent ms | → FILLED on WS p50 / p99 ms | settled after ms | CPU ms per order |',
    );
    print('|---|---|---|---|---|---|---|---|---|---|');
    for (const step of steps) {
      const ok = step.answers.filter((answer) => answer.status === 201).length;
      print(
        `| ${step.offered} | ${Math.round(step.achieved)} | ${ok} | ${outcomes(step.answers)} | ${ms(step.ackFromDue.p50)} | ${ms(step.ackFromDue.p99)} | ${ms(step.ackFromSent.p99)} | ${ms(step.filledOnStream.p50)} / ${ms(step.filledOnStream.p99)} | ${Number.isFinite(step.settledMs) ? Math.round(step.settledMs) : `> ${SETTLE_TIMEOUT_MS}`} | ${step.cpuMsPerOrder.toFixed(2)} |`,
      );
    }
    print('');
    print(
      `Sustained (every order placed, ≥ 95% of the offered rate, everything settled ≤ ${SETTLED_WITHIN_MS} ms after the load stopped): ${capacity} orders/s.`,
    );
    const budgetStep = steps.find((step) => step.offered === BUDGET_RATE);
    if (budgetStep) {
      const ok = budgetStep.answers.filter((answer) => answer.status === 201).length;
      print('');
      print(`| CPU per order at ${budgetStep.offered}/s, until settled | CPU ms per order |`);
      print('|---|---|');
      for (const [name, seconds] of budgetStep.cpu) print(`| ${name} | ${((1000 * seconds) / Math.max(1, ok)).toFixed(2)} |`);
      const ours = budgetStep.cpu.filter(([name]) => !REPORTED_APART.has(name)).reduce((sum, [, seconds]) => sum + seconds, 0);
      print(`| **the system (all but the bench client and the trace backend)** | **${((1000 * ours) / Math.max(1, ok)).toFixed(2)}** |`);
      if (budgetWork) printWork(print, budgetStep.offered, budgetWork, ok);
    }
    print('');
    const cannonClient = cannonCpu.find(([name]) => name === BENCH_CLIENT)?.[1] ?? 0;
    print(
      `autocannon (${STEP_SECONDS} s, 64 connections, at most ${capacity} requests/s, resting orders of the makers in turn): ${Math.round(cannon.requests.average)} requests/s, ` +
        `latency p50 ${cannon.latency.p50} ms / p99 ${cannon.latency.p99} ms / max ${cannon.latency.max} ms, ${cannon['2xx']} 2xx, ${cannon.non2xx} other, ${cannon.errors} errors, ${cannon.timeouts} timeouts; ` +
        `the load generator used ${((100 * cannonClient) / STEP_SECONDS).toFixed(0)}% of a core.`,
    );
    print('');
    print(
      '| overload | offered/s | accepted/s | accepted p99 ms (from due) | refused | refusal p99 ms (from sent) | refusals with Retry-After | settled after ms |',
    );
    print('|---|---|---|---|---|---|---|---|');
    for (const { factor, answers, settledMs } of overloads) {
      const ok = answers.filter((answer) => answer.status === 201);
      const refused = answers.filter((answer) => answer.status !== 201);
      const first = Math.min(...answers.map((answer) => answer.dueAt));
      const last = Math.max(...answers.map((answer) => answer.answeredAt));
      print(
        `| ${factor}× | ${capacity * factor} | ${Math.round(ok.length / ((last - first) / 1000))} | ${ms(spreadOf(ok.map((a) => a.answeredAt - a.dueAt)).p99)} | ${outcomes(answers)} | ${ms(spreadOf(refused.map((a) => a.answeredAt - a.sentAt)).p99)} | ${refused.filter((a) => a.retryAfter).length} of ${refused.length} | ${Number.isFinite(settledMs) ? Math.round(settledMs) : `> ${SETTLE_TIMEOUT_MS}`} |`,
      );
    }
    print('');

    // correctness: fail loudly
    const all = [...steps.flatMap((step) => step.answers), ...overloads.flatMap((overload) => overload.answers)];
    const broken = all.filter((answer) => answer.status === 0 || (answer.status >= 500 && answer.outcome !== '503 SERVICE_UNAVAILABLE'));
    // the invariants of the whole system, as `npm run audit` checks them
    const audit = await auditSystem({ urls: bench.system.urls, identities: bench.identities }, 30_000);
    const problems = [
      ...(broken.length > 0 ? [`${broken.length} placements failed with a 5xx other than a shed 503, or no answer: ${outcomes(broken)}`] : []),
      ...audit.checks.filter((check) => !check.ok).map((check) => `${check.service} ${check.name}: ${check.detail}`),
    ];
    print(
      `Afterwards, the audit (${audit.checks.length} checks: trades settled once, conservation, holds, book = open orders, every event delivered): ` +
        (problems.length === 0 ? 'all correct' : 'WRONG'),
    );
    if (problems.length > 0) throw new Error(`the orders bench found problems:\n${problems.join('\n')}`);

    print('');
    const at200 = steps.find((step) => step.offered === 200);
    const tenfold = overloads.find((overload) => overload.factor === 10);
    const tenfoldOk = tenfold?.answers.filter((answer) => answer.status === 201) ?? [];
    const tenfoldRefused = tenfold?.answers.filter((answer) => answer.status !== 201) ?? [];
    const systemMsPerOrder = budgetStep ? budgetStep.cpu.filter(([name]) => !REPORTED_APART.has(name)).reduce((sum, [, s]) => sum + s, 0) : Number.NaN;
    const budgetOrders = budgetStep ? budgetStep.answers.filter((answer) => answer.status === 201).length : 1;
    const goals: Array<[string, string, boolean]> = [
      ['≥ 1,500 orders/s sustained, settled ≤ 2 s after', `${capacity} orders/s`, capacity >= 1500],
      ['ack p50 ≤ 5 ms at 200/s', `${ms(at200?.ackFromDue.p50 ?? Number.NaN)} ms`, (at200?.ackFromDue.p50 ?? Infinity) <= 5],
      ['ack p99 ≤ 25 ms at 200/s', `${ms(at200?.ackFromDue.p99 ?? Number.NaN)} ms`, (at200?.ackFromDue.p99 ?? Infinity) <= 25],
      [
        'order → FILLED on the WebSocket p99 ≤ 50 ms at 200/s',
        `${ms(at200?.filledOnStream.p99 ?? Number.NaN)} ms`,
        (at200?.filledOnStream.p99 ?? Infinity) <= 50,
      ],
      ['CPU per order ≤ 1.2 ms (the system)', `${((1000 * systemMsPerOrder) / budgetOrders).toFixed(2)} ms`, (1000 * systemMsPerOrder) / budgetOrders <= 1.2],
      [
        'at 10×: accepted p99 ≤ 100 ms, refusals fast (p99 < 100 ms)',
        `${ms(spreadOf(tenfoldOk.map((a) => a.answeredAt - a.dueAt)).p99)} ms / ${ms(spreadOf(tenfoldRefused.map((a) => a.answeredAt - a.sentAt)).p99)} ms`,
        spreadOf(tenfoldOk.map((a) => a.answeredAt - a.dueAt)).p99 <= 100 &&
          (tenfoldRefused.length === 0 || spreadOf(tenfoldRefused.map((a) => a.answeredAt - a.sentAt)).p99 < 100),
      ],
    ];
    print('| target | measured | met |');
    print('|---|---|---|');
    for (const [goal, measured, isMet] of goals) print(`| ${goal} | ${measured} | ${isMet ? 'yes' : '**no**'} |`);
  } finally {
    for (const stream of streams) stream.stop();
    backlog.close();
    redisStats.disconnect();
    await db.end();
    setGlobalDispatcher(previousDispatcher);
    await pool.close();
  }
}

/** PostgreSQL's statements and Redis's commands per accepted order in the budget step, until settled. */
function printWork(print: Print, rate: number, work: { statements?: CountedWork; commands: CountedWork }, orders: number): void {
  const per = (value: number) => (value / Math.max(1, orders)).toFixed(2);
  print('');
  if (!work.statements) {
    print(
      "PostgreSQL's statements per order: not measured (pg_stat_statements is not loaded: `shared_preload_libraries = 'pg_stat_statements'` and a restart of PostgreSQL turn it on).",
    );
  } else {
    print(
      `PostgreSQL at ${rate}/s, until settled (pg_stat_statements): **${per(work.statements.calls)} statements and ${per(work.statements.ms)} ms of execution per order**; the most expensive:`,
    );
    print('');
    print('| statement | calls per order | ms per order |');
    print('|---|---|---|');
    for (const row of work.statements.rows.slice(0, 15)) print(`| ${statementCell(row.text)} | ${per(row.calls)} | ${per(row.ms)} |`);
  }
  print('');
  print(
    `Redis at ${rate}/s, until settled (INFO commandstats, the whole server): **${per(work.commands.calls)} commands and ${per(work.commands.ms)} ms per order**: ` +
      work.commands.rows
        .slice(0, 10)
        .map((row) => `${row.text} ${per(row.calls)} (${per(row.ms)} ms)`)
        .join(', '),
  );
}
