import WebSocket from 'ws';
import { latencyRow } from './auth-bench.js';
import { listBenchMarket, postJson, runTag, signUp, userIdOf, type BenchSystem, type Print } from './bench-support.js';

const SUBSCRIBERS = Number(process.env.BENCH_STREAM_SUBSCRIBERS ?? 200);
const ORDERS = Number(process.env.BENCH_STREAM_ORDERS ?? 200);

interface Subscriber {
  socket: WebSocket;
  trades: number[];
}

/**
 * `npm run bench -- stream`: placement → trade visible on a subscribed WebSocket. Many clients
 * listen to one market's `trades:` channel through the gateway; a taker sends crossing orders one
 * at a time against a resting ask; for each, the time from sending it to its trade arriving at the
 * first subscriber and at the last of them (every one must see it).
 */
export async function streamBench(gateway: string, print: Print, _bench: BenchSystem): Promise<void> {
  const run = runTag();
  const { symbol, asAdmin } = await listBenchMarket(gateway, 'WS', run, 'Stream bench');

  const makerToken = await signUp(gateway, `ws-maker-${run}@bench.test`, 'bench-password-1');
  const takerToken = await signUp(gateway, `ws-taker-${run}@bench.test`, 'bench-password-1');
  const makerId = await userIdOf(gateway, makerToken);
  await postJson(`${gateway}/v1/admin/credit`, { userId: makerId, asset: symbol, amount: String(ORDERS * 2) }, asAdmin);
  await postJson(`${gateway}/v1/wallet/add-funds`, { amount: '1000000.00' }, { authorization: `Bearer ${takerToken}` });
  const ask = await postJson(
    `${gateway}/v1/orders`,
    { symbol, side: 'SELL', type: 'LIMIT', price: '100.00', quantity: String(ORDERS * 2) },
    { authorization: `Bearer ${makerToken}` },
  );
  if (ask.status !== 201) throw new Error(`the resting ask answered ${ask.status}`);

  const subscribers = await Promise.all(Array.from({ length: SUBSCRIBERS }, () => subscribe(gateway, symbol)));
  const place = (quantity: number) =>
    postJson(
      `${gateway}/v1/orders`,
      { symbol, side: 'BUY', type: 'LIMIT', price: '100.00', quantity: String(quantity), timeInForce: 'IOC' },
      { authorization: `Bearer ${takerToken}` },
    );
  for (let i = 0; i < 10; i++) await oneTrade(subscribers, () => place(1)); // warm-up

  const answers: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const sample = await oneTrade(subscribers, () => place(1));
    answers.push(sample.answerMs);
    first.push(sample.firstMs);
    last.push(sample.lastMs);
  }
  for (const subscriber of subscribers) subscriber.socket.close();

  print(
    `${SUBSCRIBERS} WebSocket clients subscribed to trades:${symbol} through the gateway; ${ORDERS} crossing IOC orders sent one at a time, each against the resting ask`,
  );
  print('');
  print('| placement → trade on the WebSocket | n | p50 ms | p95 ms | p99 ms | mean ms |');
  print('|---|---|---|---|---|---|');
  print(latencyRow('POST /v1/orders answered (201)', answers));
  print(latencyRow('trade seen by the first subscriber', first));
  print(latencyRow(`trade seen by all ${SUBSCRIBERS} subscribers`, last));
  const p99 = [...last].sort((a, b) => a - b)[Math.ceil(0.99 * last.length) - 1]!;
  print('');
  print(`Goal p99 ≤ 50 ms (all subscribers): ${p99 <= 50 ? 'met' : '**not met**'} (${p99.toFixed(1)} ms)`);
}

async function subscribe(gateway: string, symbol: string): Promise<Subscriber> {
  const socket = new WebSocket(`${gateway.replace(/^http/, 'ws')}/v1/stream`);
  const subscriber: Subscriber = { socket, trades: [] };
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const ready = new Promise<void>((resolve) => {
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as { channel?: string; type: string };
      if (frame.channel !== `trades:${symbol}`) return;
      if (frame.type === 'snapshot') resolve();
      else if (frame.type === 'update') subscriber.trades.push(performance.now());
    });
  });
  socket.send(JSON.stringify({ op: 'subscribe', channels: [`trades:${symbol}`] }));
  await ready;
  return subscriber;
}

/** One order, then wait until every subscriber has seen one more trade. */
async function oneTrade(subscribers: Subscriber[], send: () => Promise<{ status: number; elapsedMs: number }>) {
  const before = subscribers.map((s) => s.trades.length);
  const sentAt = performance.now();
  const answer = await send();
  if (answer.status !== 201) throw new Error(`a taker order answered ${answer.status}`);
  const deadline = Date.now() + 10_000;
  while (subscribers.some((s, i) => s.trades.length <= before[i]!)) {
    if (Date.now() > deadline) throw new Error('a subscriber did not see the trade within 10 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
  const arrivals = subscribers.map((s, i) => s.trades[before[i]!]! - sentAt);
  return { answerMs: answer.elapsedMs, firstMs: Math.min(...arrivals), lastMs: Math.max(...arrivals) };
}
