import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresPool, type Pool } from '@exchange/platform';
import { eventually } from '@exchange/platform/testing';
import { apiClient, NotificationSystem } from './support.js';

/**
 * The notification service as a real process (with the risk-manager for its markets, and the
 * gateway and user-service in front), against real PostgreSQL and Redis. The engine's and the
 * wallet's events are scripted with XADD; a test subscriber listens on users' live channels.
 */
describe('notification service', () => {
  const exchange = new NotificationSystem();
  let service: ReturnType<typeof apiClient>;
  let db: Pool;

  /** A market listed through the risk-manager's internal API. */
  async function listMarket(symbol: string, terms: { tickSize: string; lotSize: string; referencePrice: string }) {
    const created = await exchange.riskAdminApi()('POST', '/markets', { body: { symbol, name: `${symbol} Inc.`, ...terms } });
    expect(created.status).toBe(201);
  }

  /** A user's inbox once it holds `count` notifications. */
  /** The wallet's `trade_settled` for a trade of one share at 1.00 (what the notification service needs of it: the trade and its orders). */
  async function settle(tradeId: string, buyer: { userId: string; orderId: string }, seller: { userId: string; orderId: string }) {
    await exchange.walletEvent(randomUUID(), 'trade_settled', {
      transactionId: randomUUID(),
      tradeId,
      symbol: tradeId.split(':')[0],
      price: '1.00',
      quantity: '1',
      notional: '1.00',
      buyer: { ...buyer, fee: '0.00' },
      seller: { ...seller, fee: '0.00' },
    });
  }

  async function inbox(userId: string, count: number, query = '') {
    return eventually(
      async () => {
        const answer = await service('GET', `/notifications?userId=${userId}${query}`);
        return answer.status === 200 && answer.body.items.length >= count ? answer.body : undefined;
      },
      15_000,
      `${count} notifications for ${userId}`,
    );
  }

  async function newUser(): Promise<string> {
    const userId = randomUUID();
    await exchange.subscriber.listen(userId);
    return userId;
  }

  beforeAll(async () => {
    await exchange.start();
    service = exchange.notificationApi();
    db = createPostgresPool({ url: exchange.database.url, schema: 'notification', max: 2, applicationName: 'notification-test' });
    await listMarket('NTFA', { tickSize: '0.01', lotSize: '1', referencePrice: '420.00' });
    await listMarket('NTFB', { tickSize: '0.05', lotSize: '10', referencePrice: '420.00' });
  });
  afterAll(async () => {
    await db?.end();
    await exchange.stop();
  });

  it('tells both sides of a cross of their own orders, in their own words, newest first', async () => {
    const [alice, bob] = [await newUser(), await newUser()];
    const [ask, bid] = [randomUUID(), randomUUID()];
    await exchange.execution('NTFA', 1, 'order_accepted', { orderId: ask, ownerId: bob, side: 'SELL', price: 42000, quantity: 10 });
    await exchange.execution('NTFA', 2, 'order_accepted', { orderId: bid, ownerId: alice, side: 'BUY', price: 42019, quantity: 4 });
    await exchange.execution('NTFA', 3, 'trade', {
      tradeId: 1,
      price: 42000,
      quantity: 4,
      takerSide: 'BUY',
      makerOrderId: ask,
      makerOwnerId: bob,
      makerRemaining: 6,
      takerOrderId: bid,
      takerOwnerId: alice,
      takerRemaining: 0,
    });
    await exchange.execution('NTFA', 4, 'order_canceled', { orderId: ask, ownerId: bob, quantity: 6, reason: 'REQUESTED' });
    // the trade is not settled yet: each owner hears live that their order changed, but no one is
    // told of the fill, and bob's cancel waits behind his fill (an order's story is told in order)
    await exchange.subscriber.waitFor(alice, (m) => m.type === 'order' && m.order.event === 'trade', 'alice hearing her order traded');
    await exchange.subscriber.waitFor(bob, (m) => m.type === 'order' && m.order.event === 'order_canceled', 'bob hearing his order canceled');
    expect((await inbox(alice, 1)).items.map((n: any) => n.type)).toEqual(['ORDER_ACCEPTED']);
    expect((await inbox(bob, 1)).items.map((n: any) => n.type)).toEqual(['ORDER_ACCEPTED']);
    await settle('NTFA:1', { userId: alice, orderId: bid }, { userId: bob, orderId: ask });

    const alicesInbox = await inbox(alice, 2);
    expect(alicesInbox.unreadCount).toBe(2);
    expect(alicesInbox.items.map((n: any) => [n.type, n.title, n.body])).toEqual([
      ['ORDER_FILLED', 'Buy order filled', 'Bought 4 NTFA at 420.00'],
      ['ORDER_ACCEPTED', 'Buy order accepted', 'Buy 4 NTFA at 420.19'],
    ]);
    expect(alicesInbox.items[0]).toEqual({
      id: expect.any(String),
      type: 'ORDER_FILLED',
      title: 'Buy order filled',
      body: 'Bought 4 NTFA at 420.00',
      data: {
        orderId: bid,
        symbol: 'NTFA',
        side: 'BUY',
        tradeId: 'NTFA:1',
        price: '420.00',
        quantity: '4',
        filledQuantity: '4',
        remaining: '0',
        orderQuantity: '4',
        limitPrice: '420.19',
        liquidity: 'TAKER',
      },
      read: false,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });

    const bobsInbox = await inbox(bob, 3);
    expect(bobsInbox.items.map((n: any) => [n.type, n.title, n.body])).toEqual([
      ['ORDER_CANCELED', 'Sell order canceled', 'Sell 10 NTFA at 420.00: 4 filled, 6 not filled'],
      ['ORDER_PARTIALLY_FILLED', 'Sell order partially filled', 'Sold 4 of 10 NTFA at 420.00 (6 left)'],
      ['ORDER_ACCEPTED', 'Sell order accepted', 'Sell 10 NTFA at 420.00'],
    ]);
    expect(bobsInbox.items[1].data).toMatchObject({
      orderId: ask,
      side: 'SELL',
      quantity: '4',
      filledQuantity: '4',
      remaining: '6',
      orderQuantity: '10',
      liquidity: 'MAKER',
    });
    expect(bobsInbox.items[0].data).toMatchObject({ orderId: ask, quantity: '10', filledQuantity: '4', remaining: '6', reason: 'REQUESTED' });
    // nobody sees anyone else's
    expect(alicesInbox.items.every((n: any) => n.data.orderId === bid)).toBe(true);
    expect(bobsInbox.items.every((n: any) => n.data.orderId === ask)).toBe(true);

    // live: each user's channel carried their notifications and a signal per event of their order, and nothing of the other's
    await exchange.subscriber.waitFor(bob, (m) => m.type === 'order' && m.order.event === 'order_canceled', 'bob hearing of his cancel');
    await exchange.subscriber.waitFor(alice, (m) => m.type === 'order' && m.order.event === 'trade', 'alice hearing of her fill');
    const alicesPushes = exchange.subscriber.messages(alice);
    expect(alicesPushes.filter((m) => m.type === 'order').map((m) => m.order)).toEqual([
      { orderId: bid, symbol: 'NTFA', event: 'order_accepted', sequence: 2 },
      { orderId: bid, symbol: 'NTFA', event: 'trade', sequence: 3 },
    ]);
    expect(alicesPushes.filter((m) => m.type === 'notification').map((m) => m.notification)).toEqual([...alicesInbox.items].reverse());
    const bobsPushes = exchange.subscriber.messages(bob);
    expect(bobsPushes.filter((m) => m.type === 'order').map((m) => [m.order.orderId, m.order.event])).toEqual([
      [ask, 'order_accepted'],
      [ask, 'trade'],
      [ask, 'order_canceled'],
    ]);
    expect(bobsPushes.filter((m) => m.type === 'notification').map((m) => m.notification.id)).toEqual(bobsInbox.items.map((n: any) => n.id).reverse());
    expect(JSON.stringify(alicesPushes)).not.toContain(ask);
    expect(JSON.stringify(bobsPushes)).not.toContain(bid);
  });

  it('reads prices in ticks and quantities in lots of the market, and tells of expiries and rejections', async () => {
    const carol = await newUser();
    const [fok, postOnly, resting] = [randomUUID(), randomUUID(), randomUUID()];
    // NTFB: a tick is 0.05, a lot 10 shares
    await exchange.execution('NTFB', 1, 'order_accepted', { orderId: fok, ownerId: carol, side: 'BUY', price: 8401, quantity: 3 });
    await exchange.execution('NTFB', 2, 'order_expired', { orderId: fok, ownerId: carol, quantity: 3, reason: 'FOK_NOT_FILLABLE' });
    await exchange.execution('NTFB', 3, 'order_rejected', { orderId: postOnly, ownerId: carol, reason: 'POST_ONLY_WOULD_TAKE' });
    await exchange.execution('NTFB', 4, 'order_accepted', { orderId: resting, ownerId: carol, side: 'SELL', price: 0, quantity: 2 });
    await exchange.execution('NTFB', 5, 'order_reduced', { orderId: resting, ownerId: carol, remaining: 1 });
    await exchange.execution('NTFB', 6, 'cancel_rejected', { orderId: fok, reason: 'UNKNOWN_ORDER' });

    const carols = await inbox(carol, 4);
    expect(carols.items.map((n: any) => [n.type, n.title, n.body])).toEqual([
      ['ORDER_ACCEPTED', 'Sell order accepted', 'Sell 20 NTFB at market'],
      ['ORDER_REJECTED', 'Order rejected', 'Your NTFB order was rejected: a post-only order would have traded at once'],
      ['ORDER_EXPIRED', 'Buy order expired', 'Buy 30 NTFB at 420.05: nothing filled (fill-or-kill: it could not be filled completely at once)'],
      ['ORDER_ACCEPTED', 'Buy order accepted', 'Buy 30 NTFB at 420.05'],
    ]);
    expect(carols.items[3].data).toEqual({ orderId: fok, symbol: 'NTFB', side: 'BUY', orderType: 'LIMIT', price: '420.05', quantity: '30' });
    expect(carols.items[2].data).toMatchObject({ filledQuantity: '0', remaining: '30', reason: 'FOK_NOT_FILLABLE' });
    // a reduce and a refused cancel change the order without an inbox entry: a live signal only
    await exchange.subscriber.waitFor(carol, (m) => m.type === 'order' && m.order.event === 'cancel_rejected', 'carol hearing of the refused cancel');
    expect(
      exchange.subscriber
        .messages(carol)
        .filter((m) => m.type === 'order')
        .map((m) => [m.order.orderId, m.order.event, m.order.sequence]),
    ).toEqual([
      [fok, 'order_accepted', 1],
      [fok, 'order_expired', 2],
      [postOnly, 'order_rejected', 3],
      [resting, 'order_accepted', 4],
      [resting, 'order_reduced', 5],
      [fok, 'cancel_rejected', 6],
    ]);
    expect((await service('GET', `/notifications?userId=${carol}`)).body.items).toHaveLength(4);
  });

  it('gives a user trading with themself one notification per order', async () => {
    const dave = await newUser();
    const [buy, sell] = [randomUUID(), randomUUID()];
    await exchange.execution('NTFA', 5, 'order_accepted', { orderId: buy, ownerId: dave, side: 'BUY', price: 100, quantity: 1 });
    await exchange.execution('NTFA', 6, 'order_accepted', { orderId: sell, ownerId: dave, side: 'SELL', price: 100, quantity: 1 });
    await exchange.execution('NTFA', 7, 'trade', {
      tradeId: 2,
      price: 100,
      quantity: 1,
      takerSide: 'SELL',
      makerOrderId: buy,
      makerOwnerId: dave,
      makerRemaining: 0,
      takerOrderId: sell,
      takerOwnerId: dave,
      takerRemaining: 0,
    });
    await settle('NTFA:2', { userId: dave, orderId: buy }, { userId: dave, orderId: sell });
    const daves = await inbox(dave, 4);
    expect(daves.items.slice(0, 2).map((n: any) => [n.type, n.body, n.data.orderId, n.data.liquidity])).toEqual([
      ['ORDER_FILLED', 'Sold 1 NTFA at 1.00', sell, 'TAKER'],
      ['ORDER_FILLED', 'Bought 1 NTFA at 1.00', buy, 'MAKER'],
    ]);
  });

  it('tells of a fill once the wallet has settled its trade, whichever comes first, and of an order’s later news after it', async () => {
    const [gina, hank] = [await newUser(), await newUser()];
    const [bid, ask] = [randomUUID(), randomUUID()];
    // the settlement is read before the trade (two streams, read apart): the fill is told at once
    await settle('NTFA:3', { userId: gina, orderId: bid }, { userId: hank, orderId: ask });
    await exchange.execution('NTFA', 21, 'order_accepted', { orderId: ask, ownerId: hank, side: 'SELL', price: 100, quantity: 3 });
    await exchange.execution('NTFA', 22, 'order_accepted', { orderId: bid, ownerId: gina, side: 'BUY', price: 100, quantity: 1 });
    await exchange.execution('NTFA', 23, 'trade', {
      tradeId: 3,
      price: 100,
      quantity: 1,
      takerSide: 'BUY',
      makerOrderId: ask,
      makerOwnerId: hank,
      makerRemaining: 2,
      takerOrderId: bid,
      takerOwnerId: gina,
      takerRemaining: 0,
    });
    expect((await inbox(gina, 2)).items.map((n: any) => n.type)).toEqual(['ORDER_FILLED', 'ORDER_ACCEPTED']);
    expect((await inbox(hank, 2)).items.map((n: any) => n.type)).toEqual(['ORDER_PARTIALLY_FILLED', 'ORDER_ACCEPTED']);
    // a second fill of hank's order not settled yet: it waits, and so does the cancel after it
    const ivy = await newUser();
    const bid2 = randomUUID();
    await exchange.execution('NTFA', 24, 'order_accepted', { orderId: bid2, ownerId: ivy, side: 'BUY', price: 100, quantity: 1 });
    await exchange.execution('NTFA', 25, 'trade', {
      tradeId: 4,
      price: 100,
      quantity: 1,
      takerSide: 'BUY',
      makerOrderId: ask,
      makerOwnerId: hank,
      makerRemaining: 1,
      takerOrderId: bid2,
      takerOwnerId: ivy,
      takerRemaining: 0,
    });
    await exchange.execution('NTFA', 26, 'order_canceled', { orderId: ask, ownerId: hank, quantity: 1, reason: 'REQUESTED' });
    await exchange.subscriber.waitFor(hank, (m) => m.type === 'order' && m.order.event === 'order_canceled', 'hank hearing his order canceled');
    expect((await service('GET', `/notifications?userId=${hank}`)).body.items.map((n: any) => n.type)).toEqual(['ORDER_PARTIALLY_FILLED', 'ORDER_ACCEPTED']);
    expect((await inbox(ivy, 1)).items.map((n: any) => n.type)).toEqual(['ORDER_ACCEPTED']);
    await settle('NTFA:4', { userId: ivy, orderId: bid2 }, { userId: hank, orderId: ask });
    expect((await inbox(hank, 4)).items.map((n: any) => [n.type, n.data.tradeId ?? null])).toEqual([
      ['ORDER_CANCELED', null],
      ['ORDER_PARTIALLY_FILLED', 'NTFA:4'],
      ['ORDER_PARTIALLY_FILLED', 'NTFA:3'],
      ['ORDER_ACCEPTED', null],
    ]);
    expect((await inbox(ivy, 2)).items.map((n: any) => n.type)).toEqual(['ORDER_FILLED', 'ORDER_ACCEPTED']);
  });

  it('writes deposits and credits to the inbox and signals every balance change live', async () => {
    const [erin, frank] = [await newUser(), await newUser()];
    const deposit = randomUUID();
    await exchange.walletEvent(randomUUID(), 'funds_added', {
      transactionId: deposit,
      userId: erin,
      kind: 'DEPOSIT',
      asset: 'USD',
      amount: '1000.00',
      balance: { asset: 'USD', available: '1000.00', held: '0.00', total: '1000.00' },
    });
    await exchange.walletEvent(randomUUID(), 'funds_added', {
      transactionId: randomUUID(),
      userId: frank,
      kind: 'CREDIT',
      asset: 'NTFA',
      amount: '25',
      balance: { asset: 'NTFA', available: '25', held: '0', total: '25' },
    });
    await exchange.walletEvent(randomUUID(), 'funds_blocked', {
      transactionId: randomUUID(),
      userId: erin,
      asset: 'USD',
      amount: '420.42',
      reference: randomUUID(),
    });
    await exchange.walletEvent(randomUUID(), 'funds_released', {
      transactionId: randomUUID(),
      userId: erin,
      asset: 'USD',
      amount: '0.42',
      reference: randomUUID(),
      releaseId: 'r',
    });
    await exchange.walletEvent(randomUUID(), 'trade_settled', {
      transactionId: randomUUID(),
      tradeId: 'NTFA:9',
      symbol: 'NTFA',
      price: '420.00',
      quantity: '1',
      notional: '420.00',
      buyer: { userId: erin, orderId: randomUUID(), fee: '0.42', released: '0.00' },
      seller: { userId: frank, orderId: randomUUID(), fee: '0.00', released: '0' },
    });

    const erins = await inbox(erin, 1);
    expect(erins.items).toEqual([
      {
        id: expect.any(String),
        type: 'FUNDS_ADDED',
        title: 'Funds added',
        body: '1000.00 USD added to your wallet',
        data: { transactionId: deposit, kind: 'DEPOSIT', asset: 'USD', amount: '1000.00' },
        read: false,
        createdAt: expect.any(String),
      },
    ]);
    expect((await inbox(frank, 1)).items.map((n: any) => [n.title, n.body])).toEqual([['Wallet credited', '25 NTFA credited to your wallet']]);

    await exchange.subscriber.waitFor(
      frank,
      (m) => m.type === 'balance' && m.balance.reason === 'trade_settled' && m.balance.asset === 'NTFA',
      'frank hearing of the settlement',
    );
    await exchange.subscriber.waitFor(
      erin,
      (m) => m.type === 'balance' && m.balance.reason === 'trade_settled' && m.balance.asset === 'NTFA',
      'erin hearing of the settlement',
    );
    const balances = (user: string) =>
      exchange.subscriber
        .messages(user)
        .filter((m) => m.type === 'balance')
        .map((m) => `${m.balance.reason} ${m.balance.asset}`);
    expect(balances(erin)).toEqual(['funds_added USD', 'funds_blocked USD', 'funds_released USD', 'trade_settled USD', 'trade_settled NTFA']);
    expect(balances(frank)).toEqual(['funds_added NTFA', 'trade_settled USD', 'trade_settled NTFA']);
    // settlements, holds and releases do not fill the inbox
    expect((await service('GET', `/notifications?userId=${erin}`)).body.items).toHaveLength(1);
  });

  it('filters unread, limits, counts unread, and marks read once for the owner only', async () => {
    const [gina, hal] = [await newUser(), await newUser()];
    for (let i = 0; i < 3; i++) {
      await exchange.walletEvent(randomUUID(), 'funds_added', {
        transactionId: randomUUID(),
        userId: gina,
        kind: 'DEPOSIT',
        asset: 'USD',
        amount: `${i + 1}.00`,
      });
    }
    await exchange.walletEvent(randomUUID(), 'funds_added', { transactionId: randomUUID(), userId: hal, kind: 'DEPOSIT', asset: 'USD', amount: '9.00' });
    const all = await inbox(gina, 3);
    expect(all.items.map((n: any) => n.data.amount)).toEqual(['3.00', '2.00', '1.00']);
    const [newest, middle] = all.items;
    const hals = await inbox(hal, 1);

    const read = await service('POST', `/notifications/${middle.id}/read?userId=${gina}`);
    expect(read).toEqual({ status: 200, body: { notification: { ...middle, read: true } } });
    expect(await service('POST', `/notifications/${middle.id}/read?userId=${gina}`)).toEqual(read);

    const unread = await service('GET', `/notifications?userId=${gina}&unread=true`);
    expect(unread.body.items.map((n: any) => n.data.amount)).toEqual(['3.00', '1.00']);
    expect(unread.body.unreadCount).toBe(2);
    const limited = await service('GET', `/notifications?userId=${gina}&limit=1`);
    expect(limited.body).toEqual({ items: [newest], unreadCount: 2 });
    expect((await service('GET', `/notifications?userId=${gina}&unread=false`)).body.items).toHaveLength(3);

    // someone else's notification, an unknown one: not found; nothing changes for its owner
    const foreign = await service('POST', `/notifications/${hals.items[0].id}/read?userId=${gina}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('NOTIFICATION_NOT_FOUND');
    expect((await service('POST', `/notifications/${randomUUID()}/read?userId=${gina}`)).status).toBe(404);
    expect((await service('GET', `/notifications?userId=${hal}`)).body).toMatchObject({ unreadCount: 1, items: [{ read: false }] });

    expect((await service('POST', `/notifications/not-an-id/read?userId=${gina}`)).body.error.code).toBe('VALIDATION_FAILED');
    expect((await service('GET', `/notifications?userId=${gina}&limit=0`)).status).toBe(400);
    // no user asserted: the route acts for one
    expect((await service('GET', '/notifications')).body.error.code).toBe('CALLER_NOT_ALLOWED');
  });

  it('writes one notification per user per event when a stream delivers it again', async () => {
    const ivy = await newUser();
    const event = { id: randomUUID(), type: 'funds_added', data: { transactionId: randomUUID(), userId: ivy, kind: 'DEPOSIT', asset: 'USD', amount: '5.00' } };
    await exchange.xadd('wallet-events', event);
    await exchange.xadd('wallet-events', event);
    const orderId = randomUUID();
    const accepted = { orderId, ownerId: ivy, side: 'BUY', price: 100, quantity: 1 };
    await exchange.execution('NTFA', 8, 'order_accepted', accepted);
    await exchange.execution('NTFA', 8, 'order_accepted', accepted);
    // a marker after them: once it is in, the repeats were handled
    await exchange.walletEvent(randomUUID(), 'funds_added', { transactionId: randomUUID(), userId: ivy, kind: 'DEPOSIT', asset: 'USD', amount: '6.00' });
    await exchange.execution('NTFA', 9, 'order_canceled', { orderId, ownerId: ivy, quantity: 1, reason: 'REQUESTED' });
    const ivys = await inbox(ivy, 4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await service('GET', `/notifications?userId=${ivy}`)).body.items.map((n: any) => n.type).sort()).toEqual([
      'FUNDS_ADDED',
      'FUNDS_ADDED',
      'ORDER_ACCEPTED',
      'ORDER_CANCELED',
    ]);
    expect(ivys.unreadCount).toBe(4);

    // even if the consumer's memory of the event is gone, the inbox's own key writes it once
    await db.query("DELETE FROM processed_messages WHERE consumer_group = 'notification' AND event_id = ANY($1::text[])", [[event.id, 'NTFA:8']]);
    await exchange.xadd('wallet-events', event);
    await exchange.execution('NTFA', 8, 'order_accepted', accepted);
    await eventually(
      async () => {
        const { rows } = await db.query(
          "SELECT count(*)::int AS n FROM processed_messages WHERE consumer_group = 'notification' AND event_id = ANY($1::text[])",
          [[event.id, 'NTFA:8']],
        );
        return rows[0].n === 2;
      },
      10_000,
      'the repeats to be processed again',
    );
    const { rows } = await db.query('SELECT type, count(*)::int AS n FROM notifications WHERE user_id = $1 GROUP BY type ORDER BY type', [ivy]);
    expect(rows).toEqual([
      { type: 'FUNDS_ADDED', n: 2 },
      { type: 'ORDER_ACCEPTED', n: 1 },
      { type: 'ORDER_CANCELED', n: 1 },
    ]);
    // and a notification is pushed only when it is written
    expect(exchange.subscriber.messages(ivy).filter((m) => m.type === 'notification')).toHaveLength(4);
  });

  it('joins the trace of the event it tells of, and passes the trace on with its pushes', async () => {
    const jay = await newUser();
    const traceId = randomBytes(16).toString('hex');
    const producerSpanId = randomBytes(8).toString('hex');
    const orderId = randomUUID();
    await exchange.execution(
      'NTFA',
      10,
      'order_accepted',
      { orderId, ownerId: jay, side: 'SELL', price: 100, quantity: 1 },
      `00-${traceId}-${producerSpanId}-01`,
    );
    const pushed = await exchange.subscriber.waitFor(jay, (m) => m.type === 'notification', 'jay hearing of his order');
    await exchange.receiver.waitForLineage(traceId, 'notification push', producerSpanId);
    const spans = await exchange.receiver.waitForLineage(traceId, 'notification write', producerSpanId);
    const write = spans.find((span) => span.name === 'notification write')!;
    expect(write.service).toBe('notification');
    const consume = spans.find((span) => span.spanId === write.parentSpanId)!;
    expect(consume).toMatchObject({ kind: 5, parentSpanId: producerSpanId });
    expect(spans.some((span) => span.parentSpanId === write.spanId && span.name.startsWith('pg.query'))).toBe(true);
    // the pushes go out in the trace of the event they tell of, under its consume span (a read of
    // several events writes once, under the first's trace, and pushes each event's in its own)
    expect(spans.find((span) => span.name === 'notification push')!.parentSpanId).toBe(consume.spanId);
    // the gateway's push span will be a child of the event's consume span
    expect(pushed.traceparent).toBe(`00-${traceId}-${consume.spanId}-01`);
    const signal = exchange.subscriber.messages(jay).find((m) => m.type === 'order')!;
    expect(signal.traceparent).toBe(pushed.traceparent);
  });

  describe('through the gateway', () => {
    let gateway: ReturnType<typeof apiClient>;

    async function signedUp(): Promise<{ id: string; token: string }> {
      const email = `reader-${randomBytes(4).toString('hex')}@example.com`;
      const registered = await gateway('POST', '/v1/auth/register', { body: { email, password: 'correct-horse-battery' } });
      expect(registered.status).toBe(201);
      const login = await gateway('POST', '/v1/auth/login', { body: { email, password: 'correct-horse-battery' } });
      return { id: registered.body.user.id, token: login.body.accessToken };
    }

    beforeAll(() => {
      gateway = apiClient(exchange.url('client-gateway'));
    });

    it('shows the caller their own notifications only, and lets them mark their own read', async () => {
      const [kim, lee] = [await signedUp(), await signedUp()];
      for (const [user, amount] of [
        [kim, '10.00'],
        [kim, '11.00'],
        [lee, '12.00'],
      ] as const) {
        await exchange.walletEvent(randomUUID(), 'funds_added', { transactionId: randomUUID(), userId: user.id, kind: 'DEPOSIT', asset: 'USD', amount });
      }
      await inbox(kim.id, 2);
      const lees = await inbox(lee.id, 1);

      const kims = await gateway('GET', '/v1/notifications', { token: kim.token });
      expect(kims.status).toBe(200);
      expect(kims.body.items.map((n: any) => n.body)).toEqual(['11.00 USD added to your wallet', '10.00 USD added to your wallet']);
      expect(kims.body.unreadCount).toBe(2);

      const read = await gateway('POST', `/v1/notifications/${kims.body.items[1].id}/read`, { token: kim.token });
      expect(read.status).toBe(200);
      expect(read.body.notification).toMatchObject({ id: kims.body.items[1].id, read: true });
      expect((await gateway('POST', `/v1/notifications/${kims.body.items[1].id}/read`, { token: kim.token })).body).toEqual(read.body);
      const unread = await gateway('GET', '/v1/notifications?unread=true&limit=10', { token: kim.token });
      expect(unread.body).toEqual({ items: [kims.body.items[0]], unreadCount: 1 });

      const foreign = await gateway('POST', `/v1/notifications/${lees.items[0].id}/read`, { token: kim.token });
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('NOTIFICATION_NOT_FOUND');
      expect((await gateway('GET', '/v1/notifications', { token: lee.token })).body).toMatchObject({ unreadCount: 1, items: [{ read: false }] });

      expect((await gateway('GET', '/v1/notifications')).status).toBe(401);
      expect((await gateway('POST', `/v1/notifications/${lees.items[0].id}/read`)).status).toBe(401);
      expect((await gateway('GET', '/v1/notifications?unread=maybe', { token: kim.token })).body.error.code).toBe('VALIDATION_FAILED');
      // the caller cannot read someone else's inbox by naming them
      expect((await gateway('GET', `/v1/notifications?userId=${lee.id}`, { token: kim.token })).status).toBe(400);
    });

    it('documents the routes in OpenAPI', async () => {
      const document = (await gateway('GET', '/docs/json')).body;
      expect(document.paths['/v1/notifications'].get.tags).toEqual(['notifications']);
      expect(document.paths['/v1/notifications/{id}/read'].post).toBeDefined();
    });
  });
});
