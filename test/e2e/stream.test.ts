import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { eventually, freePort } from '@exchange/platform/testing';
import { call } from './support.js';
import { LocalBook, StreamClient } from './stream-support.js';
import { newMarket, orderWhen, placed, trader } from './trading-support.js';

const clients: StreamClient[] = [];
const open = async (options: Parameters<typeof StreamClient.open>[0] = {}) => {
  const client = await StreamClient.open(options);
  clients.push(client);
  return client;
};
afterAll(() => {
  for (const client of clients) client.close();
});

describe('GET /v1/stream: the protocol', () => {
  it('answers malformed frames and unknown channels with error frames, and the connection stays healthy', async () => {
    const client = await open();
    client.send('not json');
    expect(await client.next((f) => f.type === 'error')).toMatchObject({ code: 'VALIDATION_FAILED' });
    client.send({ op: 'dance' });
    expect(await client.next((f) => f.type === 'error', 5000, 1)).toMatchObject({ code: 'VALIDATION_FAILED' });
    client.send({ op: 'subscribe', channels: ['weather:AAPL'] });
    expect(await client.next((f) => f.type === 'error' && f.channel === 'weather:AAPL')).toMatchObject({ code: 'UNKNOWN_CHANNEL' });
    client.send({ op: 'subscribe', channels: ['book:NOSUCH'] });
    expect(await client.next((f) => f.type === 'error' && f.channel === 'book:NOSUCH')).toMatchObject({ code: 'UNKNOWN_SYMBOL' });
    client.send({ op: 'ping' });
    await client.next((f) => f.type === 'pong');
    client.send({ op: 'subscribe', channels: ['ticker:AAPL'] });
    expect(await client.next((f) => f.channel === 'ticker:AAPL' && f.type === 'snapshot')).toMatchObject({ data: { symbol: 'AAPL' } });
    expect(client.closed).toBeUndefined();
  });

  it('refuses the private user channel to a client that did not authenticate, and grants it after auth', async () => {
    const alice = await trader('0', {}, 'ws-auth');
    const client = await open();
    client.send({ op: 'subscribe', channels: ['user'] });
    expect(await client.next((f) => f.type === 'error' && f.channel === 'user')).toMatchObject({ code: 'UNAUTHENTICATED' });
    client.send({ op: 'auth', token: 'not-a-token' });
    expect(await client.next((f) => f.type === 'error' && f.code === 'UNAUTHENTICATED' && !f.channel)).toBeDefined();
    client.send({ op: 'auth', token: alice.token });
    expect(await client.next((f) => f.type === 'authenticated')).toMatchObject({ userId: alice.userId });
    client.send({ op: 'subscribe', channels: ['user'] });
    await client.next((f) => f.channel === 'user' && f.type === 'subscribed');
    // a token in the query works too
    const direct = await open({ token: alice.token });
    expect(await direct.next((f) => f.type === 'authenticated')).toMatchObject({ userId: alice.userId });
  });

  it('limits the channels of one connection', async () => {
    const client = await open();
    const channels = ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'TSLA'].flatMap((symbol) => [`ticker:${symbol}`, `trades:${symbol}`]);
    client.send({ op: 'subscribe', channels });
    const refused = await client.next((f) => f.type === 'error' && f.code === 'TOO_MANY_SUBSCRIPTIONS');
    expect(channels.slice(8)).toContain(refused.channel);
    await client.until(() => client.frames.filter((f) => f.type === 'snapshot').length === 8, 10_000, 'eight snapshots');
    // unsubscribing frees a place
    client.send({ op: 'unsubscribe', channels: ['ticker:AAPL'] });
    await client.next((f) => f.type === 'unsubscribed');
    client.send({ op: 'subscribe', channels: ['candles:AAPL:1m'] });
    expect(await client.next((f) => f.channel === 'candles:AAPL:1m' && f.type === 'snapshot')).toMatchObject({ data: { items: expect.any(Array) } });
  });

  it('pings every client (heartbeats) so dead peers are found', async () => {
    const client = await open();
    await client.until(() => client.pings >= 2, 5000, 'two pings');
  });
});

describe('GET /v1/stream: the book, trades and private updates of a live market', () => {
  it('a book rebuilt from snapshot + diffs equals GET /book at the same sequence, with no gap, while several users trade', async () => {
    const symbol = await newMarket();
    const watcher = await open();
    const book = new LocalBook();
    watcher.send({ op: 'subscribe', channels: [`book:${symbol}`, `trades:${symbol}`] });
    await watcher.next((f) => f.channel === `book:${symbol}` && f.type === 'snapshot');

    const users = await Promise.all([0, 1, 2].map((i) => trader('100000.00', { [symbol]: '1000' }, `ws-book-${i}`)));
    const orders: string[] = [];
    for (let round = 0; round < 12; round++) {
      const user = users[round % users.length]!;
      const side = round % 2 === 0 ? 'BUY' : 'SELL';
      const price = (side === 'BUY' ? 99 + (round % 4) * 0.25 : 100 + (round % 3) * 0.5).toFixed(2);
      orders.push((await placed(user, { symbol, side, type: 'LIMIT', price, quantity: String(5 + round) })).id);
    }
    // one crossing order that sweeps a few levels, and a cancel
    const outsider = await trader('100000.00', {}, 'ws-book-taker');
    const taker = await placed(outsider, { symbol, side: 'BUY', type: 'LIMIT', price: '100.50', quantity: '20', timeInForce: 'IOC' });
    expect((await orderWhen(outsider, taker.id, (o) => ['FILLED', 'EXPIRED'].includes(o.status))).filledQuantity).not.toBe('0');
    expect((await call('DELETE', `/v1/orders/${orders[0]}`, { token: users[0]!.token })).status).toBe(200);
    await orderWhen(users[0]!, orders[0]!, 'CANCELED');

    // quiet: the REST book and the stream agree at one sequence
    let rest: any;
    await eventually(
      async () => {
        rest = (await call('GET', `/v1/markets/${symbol}/book?depth=50`)).body;
        for (const frame of watcher.frames.filter((f) => f.channel === `book:${symbol}`)) book.apply(frame);
        watcher.frames.splice(0, watcher.frames.length, ...watcher.frames.filter((f) => f.channel !== `book:${symbol}`));
        return book.sequence === rest.sequence && rest.sequence > 0;
      },
      15_000,
      "the streamed book to reach the REST book's sequence",
    );
    expect(book.gaps).toBe(0);
    expect(book.levels('bids')).toEqual(rest.bids);
    expect(book.levels('asks')).toEqual(rest.asks);
    expect(rest.bids.length + rest.asks.length).toBeGreaterThan(3);
    // and the tape of the same market reached the watcher
    await watcher.next((f) => f.channel === `trades:${symbol}` && f.type === 'update' && f.data.takerSide === 'BUY');
  });

  it("user A never receives user B's private events; each receives their own orders, fills, balances and notifications", async () => {
    const symbol = await newMarket();
    const alice = await trader('1000.00', {}, 'ws-alice');
    const bob = await trader('0', { [symbol]: '10' }, 'ws-bob');
    const aliceStream = await open({ token: alice.token });
    const bobStream = await open({ token: bob.token });
    for (const stream of [aliceStream, bobStream]) {
      stream.send({ op: 'subscribe', channels: ['user'] });
      await stream.next((f) => f.channel === 'user' && f.type === 'subscribed');
    }
    const ask = await placed(bob, { symbol, side: 'SELL', type: 'LIMIT', price: '100.00', quantity: '4' });
    await new Promise((r) => setTimeout(r, 300));
    const bid = await placed(alice, { symbol, side: 'BUY', type: 'LIMIT', price: '100.00', quantity: '4' });
    await orderWhen(alice, bid.id, 'FILLED');

    await aliceStream.next((f) => f.channel === 'user' && f.data?.type === 'notification' && f.data.notification.type === 'ORDER_FILLED');
    await bobStream.next((f) => f.channel === 'user' && f.data?.type === 'notification' && f.data.notification.type === 'ORDER_FILLED');
    await aliceStream.next((f) => f.channel === 'user' && f.data?.type === 'balance');
    await aliceStream.next((f) => f.channel === 'user' && f.data?.type === 'order' && f.data.order.orderId === bid.id);
    const aliceOrders = aliceStream.frames.filter((f) => f.channel === 'user' && f.data?.type === 'order').map((f) => f.data.order.orderId);
    const bobOrders = bobStream.frames.filter((f) => f.channel === 'user' && f.data?.type === 'order').map((f) => f.data.order.orderId);
    expect(new Set(aliceOrders)).toEqual(new Set([bid.id]));
    expect(new Set(bobOrders)).toEqual(new Set([ask.id]));
    const aliceNotes = aliceStream.frames
      .filter((f) => f.data?.type === 'notification')
      .map((f) => f.data.notification.data.orderId)
      .filter(Boolean);
    expect(aliceNotes.every((id: string) => id === bid.id)).toBe(true);
  });

  it('a second gateway instance serves its own clients from the same events (pub/sub fan-out)', async () => {
    const port = await freePort();
    const second = spawn(process.execPath, [resolve(__dirname, '..', '..', 'services', 'client-gateway', 'dist', 'main.js')], {
      env: { ...process.env, ...inject('systemEnv'), CLIENT_GATEWAY_PORT: String(port) },
      stdio: 'ignore',
    });
    try {
      const baseUrl = `http://127.0.0.1:${port}`;
      await eventually(async () => (await fetch(`${baseUrl}/readyz`).catch(() => undefined))?.ok, 20_000, 'the second gateway');
      const symbol = await newMarket();
      const first = await open();
      const other = await open({ baseUrl });
      for (const stream of [first, other]) {
        stream.send({ op: 'subscribe', channels: [`trades:${symbol}`] });
        await stream.next((f) => f.channel === `trades:${symbol}` && f.type === 'snapshot');
      }
      const seller = await trader('0', { [symbol]: '3' }, 'ws-fan');
      const buyer = await trader('1000.00', {}, 'ws-fan');
      await placed(seller, { symbol, side: 'SELL', type: 'LIMIT', price: '100.00', quantity: '3' });
      await new Promise((r) => setTimeout(r, 300));
      await placed(buyer, { symbol, side: 'BUY', type: 'MARKET', quantity: '3' });
      const seen = await Promise.all([first, other].map((stream) => stream.next((f) => f.channel === `trades:${symbol}` && f.type === 'update')));
      expect(seen[0]!.data).toEqual(seen[1]!.data);
      expect(seen[0]!.data).toMatchObject({ price: '100.00', quantity: '3', takerSide: 'BUY' });
    } finally {
      second.kill('SIGTERM');
    }
  });
});
