import { jaegerTrace } from '@exchange/platform/testing';
import { type BenchSystem, listBenchMarket, type Print, postJson, runTag, signUp, userIdOf } from './bench-support.js';
import { statementCell } from './statement-stats.js';

/** Crossing orders measured, one at a time, each on a quiet system. */
const ORDERS = 5;

/**
 * `npm run bench -- spans`: what one crossing order costs in spans — every span of its trace, from
 * the gateway to the last consumer, read back from the Jaeger beside the bench system — per process
 * and per span name, the mean over a few orders placed one at a time (a lone order: no batch shares
 * its statements). Every span is work: created, ended, encoded and exported.
 */
export async function spanBench(gateway: string, print: Print, bench: BenchSystem): Promise<void> {
  const jaegerUrl = bench.system.observability?.jaegerUrl;
  if (!jaegerUrl) throw new Error('the spans bench reads traces from Jaeger: the bench system runs without one');
  const run = runTag();
  const { symbol, asAdmin } = await listBenchMarket(gateway, 'SP', run, 'Span bench');
  const makerToken = await signUp(gateway, `span-maker-${run}@bench.test`, 'bench-password-1');
  const takerToken = await signUp(gateway, `span-taker-${run}@bench.test`, 'bench-password-1');
  await postJson(`${gateway}/v1/admin/credit`, { userId: await userIdOf(gateway, makerToken), asset: symbol, amount: String(ORDERS) }, asAdmin);
  await postJson(`${gateway}/v1/wallet/add-funds`, { amount: '100000.00' }, { authorization: `Bearer ${takerToken}` });
  const ask = await postJson(
    `${gateway}/v1/orders`,
    { symbol, side: 'SELL', type: 'LIMIT', price: '100.00', quantity: String(ORDERS) },
    { authorization: `Bearer ${makerToken}` },
  );
  if (ask.status !== 201) throw new Error(`the resting ask answered ${ask.status}`);

  const byService = new Map<string, number>();
  const byName = new Map<string, number>();
  const byStatement = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < ORDERS; i++) {
    const order = await fetch(`${gateway}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${takerToken}` },
      body: JSON.stringify({ symbol, side: 'BUY', type: 'LIMIT', price: '100.00', quantity: '1', timeInForce: 'IOC' }),
    });
    await order.arrayBuffer();
    const traceId = order.headers.get('x-trace-id');
    if (order.status !== 201 || !traceId) throw new Error(`a crossing order answered ${order.status}`);
    // the trace is complete once its span count stops growing (every consumer has exported)
    let spans = await jaegerTrace(jaegerUrl, traceId);
    for (let stable = 0, deadline = Date.now() + 20_000; stable < 6 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const now = await jaegerTrace(jaegerUrl, traceId);
      stable = now.length === spans.length && now.length > 0 ? stable + 1 : 0;
      spans = now;
    }
    total += spans.length;
    for (const span of spans) {
      byService.set(span.service, (byService.get(span.service) ?? 0) + 1);
      // statements and ids vary: name a span by its kind of work
      const name = span.name.replace(/^pg\.query:(\w+).*$/, 'pg.query:$1').replace(/[0-9a-f-]{36}/g, ':id');
      byName.set(`${span.service} — ${name}`, (byName.get(`${span.service} — ${name}`) ?? 0) + 1);
      const text = span.attributes['db.query.text'] ?? span.attributes['db.statement'];
      if (typeof text === 'string') {
        const statement = `${span.service} — ${statementCell(text, 100)}`;
        byStatement.set(statement, (byStatement.get(statement) ?? 0) + 1);
      }
    }
  }
  print(`Spans of one crossing IOC order placed alone (mean of ${ORDERS}, each trace read back from Jaeger once complete): **${(total / ORDERS).toFixed(1)}**`);
  print('');
  print('| process | spans per order |');
  print('|---|---|');
  for (const [service, count] of [...byService].sort((a, b) => b[1] - a[1])) print(`| ${service} | ${(count / ORDERS).toFixed(1)} |`);
  print('');
  print('| process — span | per order |');
  print('|---|---|');
  for (const [name, count] of [...byName].sort((a, b) => b[1] - a[1]).filter(([, count]) => count / ORDERS >= 1)) {
    print(`| ${name} | ${(count / ORDERS).toFixed(1)} |`);
  }
  print('');
  print('| process — statement (its first 100 characters) | per order |');
  print('|---|---|');
  for (const [statement, count] of [...byStatement].sort((a, b) => b[1] - a[1]).slice(0, 30)) print(`| ${statement} | ${(count / ORDERS).toFixed(1)} |`);
}
