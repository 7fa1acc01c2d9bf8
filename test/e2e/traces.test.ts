import { describe, expect, inject, it } from 'vitest';
import type { ReceivedSpan } from '@exchange/platform/testing';
import { call, login, register, spansInJaeger, traceInJaeger, uniqueEmail } from './support.js';
import { StreamClient } from './stream-support.js';
import { newMarket, orderWhen, placed, trader } from './trading-support.js';

const SERVER = 2;
const CLIENT = 3;

/** Spans of one trace, read back from the real Jaeger the system exports to. */
const traceOf = traceInJaeger;

function parentOf(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan | undefined {
  return spans.find((candidate) => candidate.spanId === span.parentSpanId);
}

/** True when `ancestor` is on the parent chain of `span`. */
function descendsFrom(spans: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
  for (let current = parentOf(spans, span); current; current = parentOf(spans, current)) {
    if (current.spanId === ancestor.spanId) return true;
  }
  return false;
}

function one(spans: ReceivedSpan[], predicate: (span: ReceivedSpan) => boolean, what: string): ReceivedSpan {
  const found = spans.filter(predicate);
  expect(found, `${what} in ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`).toHaveLength(1);
  return found[0]!;
}

/** The gateway → user-service hop: gateway server span → gateway client span → user-service server span. */
function assertHop(spans: ReceivedSpan[], gatewayRoute: string, userServiceRoute: string, service = 'user-service') {
  const root = one(spans, (s) => s.service === 'client-gateway' && s.kind === SERVER && !s.parentSpanId, 'gateway root server span');
  expect(root.attributes['http.route'] ?? root.name).toContain(gatewayRoute);
  const clientHop = one(
    spans,
    (s) =>
      s.service === 'client-gateway' &&
      s.kind === CLIENT &&
      String(s.attributes['url.full'] ?? '').includes(`:${new URL(inject('serviceUrls')[service]!).port}/`),
    `gateway HTTP client span to ${service}`,
  );
  expect(descendsFrom(spans, clientHop, root)).toBe(true);
  const userServer = one(spans, (s) => s.service === service && s.kind === SERVER, `${service} server span`);
  expect(userServer.parentSpanId).toBe(clientHop.spanId);
  expect(userServer.attributes['http.route'] ?? userServer.name).toContain(userServiceRoute);
  return { root, userServer };
}

function userServiceStep(spans: ReceivedSpan[], userServer: ReceivedSpan, name: string): ReceivedSpan {
  const step = one(spans, (s) => s.service === userServer.service && s.name === name, `"${name}" span`);
  expect(descendsFrom(spans, step, userServer), `"${name}" under the user-service request`).toBe(true);
  return step;
}

/** `first` ended before `second` started (span clocks round to the millisecond, hence the slack). */
function expectBefore(first: ReceivedSpan, second: ReceivedSpan) {
  expect(BigInt(first.endTimeUnixNano), `${first.name} before ${second.name}`).toBeLessThanOrEqual(BigInt(second.startTimeUnixNano) + 1_000_000n);
}

function postgresSpansUnder(spans: ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter(
    (s) =>
      (s.attributes['db.system'] ?? s.attributes['db.system.name']) === 'postgresql' &&
      s.name.startsWith('pg.query') &&
      s.kind === CLIENT &&
      descendsFrom(spans, s, parent),
  );
}

describe('traces', () => {
  const email = uniqueEmail('traced');
  const password = 'correct-horse-traced';

  it('shows one registration as one trace: gateway → user-service → validation, hashing, PostgreSQL insert', async () => {
    const response = await call('POST', '/v1/auth/register', { body: { email, password } });
    expect(response.status).toBe(201);
    const traceId = response.headers.get('x-trace-id')!;
    const spans = await traceOf(traceId, (s) => s.some((x) => x.name === 'db insert') && s.some((x) => x.service === 'client-gateway' && !x.parentSpanId));

    const { userServer } = assertHop(spans, '/v1/auth/register', '/register');
    const validation = userServiceStep(spans, userServer, 'user validation');
    const hashing = userServiceStep(spans, userServer, 'password hashing');
    const insert = userServiceStep(spans, userServer, 'db insert');
    expect(postgresSpansUnder(spans, validation).length).toBeGreaterThanOrEqual(1);
    const inserts = postgresSpansUnder(spans, insert);
    expect(inserts.length).toBe(1);
    expect(String(inserts[0]!.attributes['db.statement'] ?? inserts[0]!.attributes['db.query.text'])).toMatch(/^INSERT INTO users/);
    // the documented order: validation, then hashing, then the insert
    expectBefore(validation, hashing);
    expectBefore(hashing, insert);
  });

  it('shows one login as one trace: gateway → user-service → DB query, password verification, JWT generation', async () => {
    const response = await call('POST', '/v1/auth/login', { body: { email, password } });
    expect(response.status).toBe(200);
    const traceId = response.headers.get('x-trace-id')!;
    const spans = await traceOf(traceId, (s) => s.some((x) => x.name === 'jwt generation') && s.some((x) => x.service === 'client-gateway' && !x.parentSpanId));

    const { userServer } = assertHop(spans, '/v1/auth/login', '/auth/login');
    const query = userServiceStep(spans, userServer, 'db query');
    const verification = userServiceStep(spans, userServer, 'password verification');
    const jwt = userServiceStep(spans, userServer, 'jwt generation');
    const selects = postgresSpansUnder(spans, query);
    expect(selects.length).toBe(1);
    expect(String(selects[0]!.attributes['db.statement'] ?? selects[0]!.attributes['db.query.text'])).toMatch(/^SELECT .* FROM users/);
    expectBefore(query, verification);
    expectBefore(verification, jwt);
  });

  it('marks a refused login on the span tree without calling it a server fault', async () => {
    const response = await call('POST', '/v1/auth/login', { body: { email, password: 'wrong-password' } });
    expect(response.status).toBe(401);
    const traceId = response.headers.get('x-trace-id')!;
    const spans = await traceOf(
      traceId,
      (s) => s.some((x) => x.name === 'password verification') && s.some((x) => x.service === 'client-gateway' && !x.parentSpanId),
    );
    const root = one(spans, (s) => s.service === 'client-gateway' && !s.parentSpanId, 'root');
    expect(root.attributes['http.response.status_code'] ?? root.attributes['http.status_code']).toBe(401);
    expect(spans.some((s) => s.name === 'jwt generation')).toBe(false);
  });

  it('shows one add-funds as one trace: gateway token verification → wallet-service → wallet check, creation, balance update, PostgreSQL → publish', async () => {
    const { email: depositor, password: secret } = await register(uniqueEmail('traced-funds'));
    const token = await login(depositor, secret);
    const response = await call('POST', '/v1/wallet/add-funds', { token, body: { amount: '42.00' } });
    expect(response.status).toBe(200);
    const traceId = response.headers.get('x-trace-id')!;
    const spans = await traceOf(
      traceId,
      (s) => s.some((x) => x.name.startsWith('publish wallet-events')) && s.some((x) => x.service === 'client-gateway' && !x.parentSpanId),
    );

    const { root, userServer: walletServer } = assertHop(spans, '/v1/wallet/add-funds', '/update-balance', 'wallet-service');
    const verification = one(spans, (s) => s.service === 'client-gateway' && s.name === 'token verification', 'token verification');
    expect(descendsFrom(spans, verification, root)).toBe(true);
    const transaction = userServiceStep(spans, walletServer, 'db transaction');
    const check = userServiceStep(spans, walletServer, 'wallet check');
    const creation = userServiceStep(spans, walletServer, 'wallet creation');
    const update = userServiceStep(spans, walletServer, 'balance update');
    for (const step of [check, creation, update]) {
      expect(descendsFrom(spans, step, transaction), `${step.name} inside the db transaction`).toBe(true);
      expect(postgresSpansUnder(spans, step).length, `PostgreSQL under ${step.name}`).toBeGreaterThanOrEqual(1);
    }
    expectBefore(check, creation);
    expectBefore(creation, update);
    const statements = postgresSpansUnder(spans, transaction).map((s) => String(s.attributes['db.statement'] ?? s.attributes['db.query.text']));
    // BEGIN has no span of its own (the transaction's span begins with it); COMMIT has, since it
    // waits for the log to reach the disk
    expect(statements).not.toContain('BEGIN');
    expect(statements.at(-1)).toBe('COMMIT');
    // the outbox relay publishes funds_added later, in the same trace
    const publish = one(spans, (s) => s.name === 'publish wallet-events funds_added', 'publish span');
    expect(publish.service).toBe('wallet-service');
    expect(publish.kind).toBe(4);
  });

  it('refuses a bad token at the gateway itself: the trace has no user-service span', async () => {
    const response = await call('GET', '/v1/me', { headers: { authorization: 'Bearer eyJhbGciOiJFZERTQSJ9.e30.c2ln' } });
    expect(response.status).toBe(401);
    const traceId = response.headers.get('x-trace-id')!;
    const spans = await traceOf(
      traceId,
      (s) => s.some((x) => x.name === 'token verification') && s.some((x) => x.service === 'client-gateway' && !x.parentSpanId),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const late = await spansInJaeger(traceId);
    expect(late.filter((s) => s.service !== 'client-gateway')).toEqual([]);
    expect(spans.some((s) => s.kind === CLIENT && String(s.attributes['url.full'] ?? '').includes('/me'))).toBe(false);
  });

  it('starts a fresh trace at the gateway, ignoring a trace context the client sends', async () => {
    const forged = '0af7651916cd43dd8448eb211c80319c';
    const response = await call('POST', '/v1/auth/login', {
      body: { email, password },
      headers: { traceparent: `00-${forged}-b7ad6b7169203331-00`, baggage: 'role=admin' },
    });
    expect(response.status).toBe(200);
    const traceId = response.headers.get('x-trace-id')!;
    expect(traceId).not.toBe(forged);
    const spans = await traceOf(traceId, (s) => s.some((x) => x.name === 'jwt generation') && s.some((x) => x.service === 'client-gateway' && !x.parentSpanId));
    // still one trace across both services, sampled although the client asked for no sampling
    assertHop(spans, '/v1/auth/login', '/auth/login');
  });

  it('shows one order placement as one trace: gateway → order-manager (batched, a lone order at once) → risk-manager (+ Redis) → wallet block-funds (+ PostgreSQL) → INSERT orders → publish → engine → settlement and status updates', async () => {
    const symbol = await newMarket();
    const seller = await trader('0', { [symbol]: '5' }, 'traced-seller');
    const buyer = await trader('1000.00', {}, 'traced-buyer');
    await placed(seller, { symbol, side: 'SELL', type: 'LIMIT', price: '100.00', quantity: '5' });
    // someone watches the market and the buyer watches their own updates: the pushes join the trace too
    const watcher = await StreamClient.open();
    watcher.send({ op: 'subscribe', channels: [`trades:${symbol}`] });
    await watcher.next((f) => f.channel === `trades:${symbol}` && f.type === 'snapshot');
    const buyerStream = await StreamClient.open({ token: buyer.token });
    buyerStream.send({ op: 'subscribe', channels: ['user'] });
    await buyerStream.next((f) => f.channel === 'user' && f.type === 'subscribed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const response = await call('POST', '/v1/order', { token: buyer.token, body: { symbol, side: 'BUY', type: 'LIMIT', price: '100.00', quantity: '5' } });
    expect(response.status).toBe(201);
    await orderWhen(buyer, response.body.order.id, 'FILLED');
    const traceId = response.headers.get('x-trace-id')!;
    // every process exports on its own schedule: wait for each part of the tree
    const spans = await traceOf(
      traceId,
      (s) =>
        s.some((x) => x.service === 'wallet-service' && x.name === 'trade settlement') &&
        s.some((x) => x.service === 'order-manager' && x.name === 'order status update') &&
        s.some((x) => x.service === 'matching-engine' && x.name === `match ${symbol}`) &&
        s.some((x) => x.service === 'risk-manager' && x.name === 'risk validation') &&
        s.some((x) => x.service === 'order-manager' && x.kind === 5 && x.name.includes(`executions:${symbol} trade`)),
    );

    const { root, userServer: orderServer } = assertHop(spans, '/v1/order', '/orders/batch', 'order-manager');
    expect(root.attributes['http.route'] ?? root.name).toContain('/v1/order');
    // the order's own spans beside the batches that carried it: the gateway's forward and the
    // order-manager's placement, each linked to its batch's span
    const forward = one(spans, (s) => s.service === 'client-gateway' && s.name === 'order forward', 'the order’s forward span');
    expect(descendsFrom(spans, forward, root)).toBe(true);
    const placement = one(spans, (s) => s.service === 'order-manager' && s.name === 'order placement', 'the order’s placement span');
    expect(placement.parentSpanId).toBe(forward.spanId);
    const batch = one(spans, (s) => s.service === 'order-manager' && s.name === 'order placement batch', 'the placement batch span');
    expect(descendsFrom(spans, batch, orderServer)).toBe(true);
    const risk = one(spans, (s) => s.service === 'risk-manager' && s.kind === SERVER, 'risk-manager server span');
    expect(descendsFrom(spans, risk, orderServer)).toBe(true);
    const validation = one(spans, (s) => s.service === 'risk-manager' && s.name === 'risk validation', 'risk validation span');
    expect(descendsFrom(spans, validation, risk)).toBe(true);
    // the risk check reads the book state (last price) and counts the order in Redis
    const riskRedis = spans.filter((s) => s.service === 'risk-manager' && s.attributes['db.system.name'] === 'redis');
    expect(riskRedis.map((s) => s.name).sort()).toEqual(['evalsha', 'mget']);
    for (const command of riskRedis) expect(descendsFrom(spans, command, validation)).toBe(true);

    const blocking = one(spans, (s) => s.service === 'order-manager' && s.name === 'funds blocking', 'funds blocking span');
    const block = one(
      spans,
      (s) => s.service === 'wallet-service' && s.kind === SERVER && String(s.attributes['http.route'] ?? s.name).includes('/block-funds'),
      'wallet block-funds server span',
    );
    expect(descendsFrom(spans, block, blocking)).toBe(true);
    expect(postgresSpansUnder(spans, block).length).toBeGreaterThan(0);
    const insert = one(spans, (s) => s.service === 'order-manager' && s.name === 'INSERT orders', 'INSERT orders span');
    const publish = one(spans, (s) => s.service === 'order-manager' && s.name === 'publish order_created', 'publish order_created span');
    expectBefore(validation, insert);
    expectBefore(insert, block);
    expectBefore(block, publish);

    // the asynchronous part joins through the messages' trace context
    const match = one(spans, (s) => s.service === 'matching-engine' && s.name === `match ${symbol}`, 'engine match span');
    expect(String(match.attributes['exchange.events'])).toContain('trade');
    const settle = one(spans, (s) => s.service === 'wallet-service' && s.name === 'trade settlement', 'wallet trade settlement span');
    const consume = spans.find((s) => s.service === 'order-manager' && s.kind === 5 && s.name.includes(`executions:${symbol} trade`));
    expect(consume, 'order-manager consumes the trade in the same trace').toBeDefined();
    expect(descendsFrom(spans, consume!, match)).toBe(true);
    expect(descendsFrom(spans, settle, consume!)).toBe(true);
    const status = spans.filter((s) => s.service === 'order-manager' && s.name === 'order status update');
    expect(status.some((s) => descendsFrom(spans, s, consume!))).toBe(true);

    // engine → market-data → gateway push, and engine → notification → gateway push
    const withPushes = await traceOf(
      traceId,
      (s) =>
        s.some((x) => x.service === 'market-data' && x.name === 'trade recording') &&
        s.some((x) => x.service === 'client-gateway' && x.name === `ws push md:${symbol} trade`) &&
        // spans arrive as each process exports them: wait until the chain from the match is complete
        s.some((x) => x.service === 'notification' && x.name === 'notification write' && descendsFrom(s, x, match)) &&
        // the buyer's push of the match itself (pushes of the placement's own events come earlier)
        s.some(
          (x) =>
            x.service === 'client-gateway' &&
            x.name.startsWith(`ws push user:${buyer.userId}`) &&
            s.some((consume) => consume.service === 'notification' && consume.kind === 5 && descendsFrom(s, consume, match) && descendsFrom(s, x, consume)),
        ),
    );
    const recording = one(withPushes, (s) => s.service === 'market-data' && s.name === 'trade recording', 'market-data trade recording span');
    expect(descendsFrom(withPushes, recording, match)).toBe(true);
    const tapePush = one(withPushes, (s) => s.service === 'client-gateway' && s.name === `ws push md:${symbol} trade`, 'gateway push of the trade');
    const marketDataConsume = parentOf(withPushes, recording)!;
    expect([marketDataConsume.service, marketDataConsume.kind]).toEqual(['market-data', 5]);
    expect(descendsFrom(withPushes, tapePush, marketDataConsume)).toBe(true);
    const writes = withPushes.filter((s) => s.service === 'notification' && s.name === 'notification write');
    expect(writes.some((s) => descendsFrom(withPushes, s, match))).toBe(true);
    const userPushes = withPushes.filter((s) => s.service === 'client-gateway' && s.name.startsWith(`ws push user:${buyer.userId}`));
    // each event's pushes go out after the commit, in the trace of the event that caused them
    const notificationConsumes = withPushes.filter((s) => s.service === 'notification' && s.kind === 5 && descendsFrom(withPushes, s, match));
    expect(notificationConsumes.length).toBeGreaterThan(0);
    expect(userPushes.some((push) => notificationConsumes.some((consume) => descendsFrom(withPushes, push, consume)))).toBe(true);
    await watcher.next((f) => f.channel === `trades:${symbol}` && f.type === 'update');
    watcher.close();
    buyerStream.close();
  });

  it("draws the service dependency graph in Jaeger: the gateway's calls, the order path's and the events' edges", async () => {
    // a trade (gateway → order-manager → risk, wallet, engine; engine → consumers) and a report
    const symbol = await newMarket();
    const seller = await trader('0', { [symbol]: '3' }, 'graph-seller');
    const buyer = await trader('1000.00', {}, 'graph-buyer');
    await placed(seller, { symbol, side: 'SELL', type: 'LIMIT', price: '100.00', quantity: '3' });
    const bought = await placed(buyer, { symbol, side: 'BUY', type: 'LIMIT', price: '100.00', quantity: '3' });
    await orderWhen(buyer, bought.id, 'FILLED');
    expect((await call('GET', '/v1/reports/pnl', { token: buyer.token })).status).toBe(200);
    const expectedEdges = [
      'client-gateway → user-service',
      'client-gateway → wallet-service',
      'client-gateway → order-manager',
      'client-gateway → reporting-service',
      'order-manager → risk-manager',
      'order-manager → wallet-service',
      'order-manager → matching-engine',
      // the events: the engine's executions are read by settlement, market data, notifications and reports
      'matching-engine → order-manager',
      'matching-engine → market-data',
      'matching-engine → notification',
      'matching-engine → reporting-service',
      'order-manager → wallet-service',
    ];
    const deadline = Date.now() + 20_000;
    let edges = new Set<string>();
    for (;;) {
      const url = `${inject('jaegerUrl')}/api/dependencies?endTs=${Date.now()}&lookback=3600000`;
      const body = (await (await fetch(url)).json()) as { data: Array<{ parent: string; child: string; callCount: number }> };
      edges = new Set(body.data.filter((edge) => edge.callCount > 0).map((edge) => `${edge.parent} → ${edge.child}`));
      if (expectedEdges.every((edge) => edges.has(edge)) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect([...edges].sort()).toEqual(expect.arrayContaining(expectedEdges));
    // nothing behind the edge calls the gateway: the only edges into it are the live pushes it
    // relays to WebSockets (market data and a user's own updates, over Redis pub/sub)
    const intoGateway = [...edges].filter((edge) => edge.endsWith('→ client-gateway') && !edge.startsWith('client-gateway'));
    expect(intoGateway.sort()).toEqual(['market-data → client-gateway', 'notification → client-gateway']);
  });
});
