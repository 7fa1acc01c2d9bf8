import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { internalHeaders } from '@exchange/platform';
import { eventually } from '@exchange/platform/testing';
import { call, queryDatabase } from './support.js';
import { admin, balance, newMarket, orderWhen, place, placed, trader } from './trading-support.js';

const feesCollected = async () =>
  (await queryDatabase<{ balance: string }>("SELECT balance FROM wallet_service.system_balances WHERE system_account = 'FEES' AND asset = 'USD'"))[0]
    ?.balance ?? '0';

describe('trading through the gateway, every process running', () => {
  it('a buy and a sell cross: both FILLED, balances exact to the cent with fees, fees in the revenue account, fills listed per side', async () => {
    const symbol = await newMarket({ makerFeeBps: 0, takerFeeBps: 10 });
    const seller = await trader('0', { [symbol]: '10' }, 'seller');
    const buyer = await trader('10000.00', {}, 'buyer');
    const feesBefore = BigInt(await feesCollected());

    const ask = await placed(seller, { symbol, side: 'SELL', type: 'LIMIT', price: '100.00', quantity: '10' });
    expect(ask).toMatchObject({ status: 'NEW', price: '100.00', quantity: '10', filledQuantity: '0', averagePrice: null, timeInForce: 'GTC' });
    expect(await balance(seller, symbol)).toEqual(['0', '10']);
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the ask reach the book first: it is the maker

    const bid = await placed(buyer, { symbol, side: 'BUY', type: 'LIMIT', price: '101.00', quantity: '10' });
    // holds 101.00 × 10 + the largest fee (10 bp of 1010.00 = 1.01)
    const filledBid = await orderWhen(buyer, bid.id, 'FILLED');
    const filledAsk = await orderWhen(seller, ask.id, 'FILLED');
    // the trade prints at the resting order's price
    expect(filledBid).toMatchObject({ filledQuantity: '10', averagePrice: '100.00', fees: '1.00' });
    expect(filledAsk).toMatchObject({ filledQuantity: '10', averagePrice: '100.00', fees: '0.00' });

    // buyer: 10000.00 − 1000.00 − 1.00 taker fee, the price improvement (10.00 + 0.01) released
    expect(await balance(buyer, 'USD')).toEqual(['8999.00', '0.00']);
    expect(await balance(buyer, symbol)).toEqual(['10', '0']);
    expect(await balance(seller, 'USD')).toEqual(['1000.00', '0.00']);
    expect(await balance(seller, symbol)).toEqual(['0', '0']);
    expect(BigInt(await feesCollected()) - feesBefore).toBe(100n);

    const buyerFills = (await call('GET', '/v1/trades', { token: buyer.token })).body.items;
    const sellerFills = (await call('GET', `/v1/trades?symbol=${symbol}`, { token: seller.token })).body.items;
    expect(buyerFills).toEqual([
      expect.objectContaining({ orderId: bid.id, symbol, side: 'BUY', price: '100.00', quantity: '10', fee: '1.00', liquidity: 'TAKER' }),
    ]);
    expect(sellerFills).toEqual([
      expect.objectContaining({ orderId: ask.id, symbol, side: 'SELL', price: '100.00', quantity: '10', fee: '0.00', liquidity: 'MAKER' }),
    ]);
    expect(buyerFills[0].tradeId).toBe(sellerFills[0].tradeId);

    // the business metrics: orders by symbol and status, trades, shares and notional by symbol
    const metrics = await (await fetch(`${inject('serviceUrls')['order-manager']}/metrics`)).text();
    const sample = (name: string, labels: string) =>
      metrics
        .split('\n')
        .find((line) => line.startsWith(`${name}{`) && line.includes(labels))
        ?.split(' ')
        .at(-1);
    expect(sample('exchange_orders_total', `symbol="${symbol}",status="NEW"`)).toBe('2');
    expect(sample('exchange_orders_total', `symbol="${symbol}",status="FILLED"`)).toBe('2');
    expect(sample('exchange_trades_total', `symbol="${symbol}"`)).toBe('1');
    expect(sample('exchange_traded_shares_total', `symbol="${symbol}"`)).toBe('10');
    expect(sample('exchange_traded_notional_cents_total', `symbol="${symbol}"`)).toBe('100000');
  });

  it('partial fill then cancel: the rest of the hold is released exactly', async () => {
    const symbol = await newMarket({ makerFeeBps: 0, takerFeeBps: 10, referencePrice: '50.00' });
    const seller = await trader('0', { [symbol]: '4' });
    const buyer = await trader('1000.00');
    await placed(seller, { symbol, side: 'SELL', type: 'LIMIT', price: '50.00', quantity: '4' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const bid = await placed(buyer, { symbol, side: 'BUY', type: 'LIMIT', price: '50.00', quantity: '10' });
    await orderWhen(buyer, bid.id, (order) => order.status === 'PARTIALLY_FILLED' && order.filledQuantity === '4');
    // paid 200.00 + 0.20; still holds 6 × 50.00 + its largest fee 0.30
    expect(await balance(buyer, 'USD')).toEqual(['499.50', '300.30']);

    const cancel = await call('DELETE', `/v1/orders/${bid.id}`, { token: buyer.token });
    expect(cancel.status).toBe(200);
    expect(['PARTIALLY_FILLED', 'CANCELED']).toContain(cancel.body.order.status);
    const canceled = await orderWhen(buyer, bid.id, 'CANCELED');
    expect(canceled).toMatchObject({ filledQuantity: '4', averagePrice: '50.00', cancelRequested: false });
    expect(await balance(buyer, 'USD')).toEqual(['799.80', '0.00']);
    expect(await balance(buyer, symbol)).toEqual(['4', '0']);
    // a finished order cannot be canceled again
    const again = await call('DELETE', `/v1/orders/${bid.id}`, { token: buyer.token });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ORDER_NOT_OPEN');
  });

  it('IOC, FOK and MARKET orders without liquidity expire and release their hold; post-only that would cross is rejected', async () => {
    const symbol = await newMarket();
    const buyer = await trader('5000.00');
    for (const order of [
      { type: 'LIMIT', timeInForce: 'IOC', price: '100.00', quantity: '5' },
      { type: 'LIMIT', timeInForce: 'FOK', price: '100.00', quantity: '5' },
      { type: 'MARKET', quantity: '5' },
    ] as const) {
      const sent = await placed(buyer, { symbol, side: 'BUY', ...order });
      const done = await orderWhen(buyer, sent.id, 'EXPIRED');
      expect(done.filledQuantity).toBe('0');
      expect(await balance(buyer, 'USD')).toEqual(['5000.00', '0.00']);
    }

    // a FOK that only part of the book could fill expires whole, touching nothing
    const seller = await trader('0', { [symbol]: '3' });
    const ask = await placed(seller, { symbol, side: 'SELL', type: 'LIMIT', price: '99.00', quantity: '3' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const fok = await placed(buyer, { symbol, side: 'BUY', type: 'LIMIT', timeInForce: 'FOK', price: '100.00', quantity: '5' });
    expect((await orderWhen(buyer, fok.id, 'EXPIRED')).filledQuantity).toBe('0');

    const postOnly = await placed(buyer, { symbol, side: 'BUY', type: 'LIMIT', price: '99.00', quantity: '1', postOnly: true });
    const rejected = await orderWhen(buyer, postOnly.id, 'REJECTED');
    expect(rejected.rejectReason).toBe('POST_ONLY_WOULD_TAKE');
    expect(await balance(buyer, 'USD')).toEqual(['5000.00', '0.00']);
    expect((await call('GET', `/v1/orders/${ask.id}`, { token: seller.token })).body.order.status).toBe('NEW');
  });

  it('a halted market refuses new orders but still cancels; trading resumes', async () => {
    const symbol = await newMarket();
    const buyer = await trader('1000.00');
    const resting = await placed(buyer, { symbol, side: 'BUY', type: 'LIMIT', price: '95.00', quantity: '2' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const token = await admin();
    expect((await call('PATCH', `/v1/admin/markets/${symbol}`, { token, body: { status: 'HALTED' } })).status).toBe(200);

    const refused = await place(buyer, { symbol, side: 'BUY', type: 'LIMIT', price: '95.00', quantity: '1' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('MARKET_HALTED');
    expect((await call('DELETE', `/v1/orders/${resting.id}`, { token: buyer.token })).status).toBe(200);
    await orderWhen(buyer, resting.id, 'CANCELED');
    expect(await balance(buyer, 'USD')).toEqual(['1000.00', '0.00']);

    expect((await call('PATCH', `/v1/admin/markets/${symbol}`, { token, body: { status: 'TRADING' } })).status).toBe(200);
    expect((await place(buyer, { symbol, side: 'BUY', type: 'LIMIT', price: '95.00', quantity: '1' })).status).toBe(201);
  });

  it('a retried placement with the same clientOrderId returns the first order; another order under an open clientOrderId is refused', async () => {
    const symbol = await newMarket();
    const buyer = await trader('1000.00');
    const body = { symbol, side: 'BUY', type: 'LIMIT', price: '90.00', quantity: '1', clientOrderId: 'my-order-1' };
    const [first, second] = await Promise.all([place(buyer, body), place(buyer, body)]);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.order.id).toBe(first.body.order.id);
    const different = await place(buyer, { ...body, price: '91.00' });
    expect(different.status).toBe(409);
    expect(different.body.error.code).toBe('DUPLICATE_CLIENT_ORDER_ID');
    expect(await balance(buyer, 'USD')).toEqual(['909.91', '90.09']); // held once: 90.00 + 0.09 fee
    const orders = await call('GET', `/v1/orders?status=open&symbol=${symbol}`, { token: buyer.token });
    expect(orders.body.items).toHaveLength(1);
  });

  it('refuses bad orders with stable codes and leaves no hold, order row or event behind', async () => {
    const symbol = await newMarket({ tickSize: '0.05', lotSize: '10', referencePrice: '10.00', maxQuantity: '1000' });
    const poor = await trader('5.00', {}, 'poor');
    const order = { symbol, side: 'BUY', type: 'LIMIT', price: '10.00', quantity: '10' };
    const cases: Array<[string, Record<string, unknown>, number, string]> = [
      ['unknown symbol', { ...order, symbol: 'NOPE' }, 404, 'UNKNOWN_SYMBOL'],
      ['bad side', { ...order, side: 'HOLD' }, 400, 'VALIDATION_FAILED'],
      ['bad type', { ...order, type: 'STOP' }, 400, 'VALIDATION_FAILED'],
      ['bad time in force', { ...order, timeInForce: 'DAY' }, 400, 'VALIDATION_FAILED'],
      ['LIMIT without price', { ...order, price: undefined }, 400, 'VALIDATION_FAILED'],
      ['MARKET with a price', { ...order, type: 'MARKET' }, 400, 'VALIDATION_FAILED'],
      ['price not on a tick', { ...order, price: '10.03' }, 400, 'VALIDATION_FAILED'],
      ['quantity not a whole lot', { ...order, quantity: '15' }, 400, 'VALIDATION_FAILED'],
      ['zero quantity', { ...order, quantity: '0' }, 400, 'VALIDATION_FAILED'],
      ['negative quantity', { ...order, quantity: '-10' }, 400, 'VALIDATION_FAILED'],
      ['quantity above the maximum', { ...order, quantity: '1010' }, 400, 'VALIDATION_FAILED'],
      ['price as a number', { ...order, price: 10 }, 400, 'VALIDATION_FAILED'],
      ['insufficient funds', order, 422, 'INSUFFICIENT_FUNDS'],
      ['insufficient shares', { ...order, side: 'SELL' }, 422, 'INSUFFICIENT_FUNDS'],
      ['outside the price collar', { ...order, price: '20.00' }, 422, 'RISK_REJECTED'],
    ];
    for (const [name, body, status, code] of cases) {
      const response = await place(poor, body);
      expect([name, response.status, response.body.error?.code]).toEqual([name, status, code]);
    }
    expect(await balance(poor, 'USD')).toEqual(['5.00', '0.00']);
    const rows = await queryDatabase<{ count: string }>('SELECT count(*) FROM order_manager.orders WHERE user_id = $1', [poor.userId]);
    expect(rows[0]!.count).toBe('0');
    const events = await queryDatabase<{ count: string }>("SELECT count(*) FROM order_manager.outbox WHERE payload->>'userId' = $1", [poor.userId]);
    expect(events[0]!.count).toBe('0');
    const holds = await queryDatabase<{ count: string }>('SELECT count(*) FROM wallet_service.holds WHERE user_id = $1', [poor.userId]);
    expect(holds[0]!.count).toBe('0');
  });

  it('the open-orders limit holds when placements race each other', async () => {
    const symbol = await newMarket();
    const buyer = await trader('10000.00', {}, 'racer');
    expect((await call('PUT', `/v1/admin/users/${buyer.userId}/risk-limits`, { token: await admin(), body: { maxOpenOrders: 3 } })).status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => place(buyer, { symbol, side: 'BUY', type: 'LIMIT', price: (90 + i * 0.01).toFixed(2), quantity: '1' })),
    );
    const accepted = answers.filter((answer) => answer.status === 201);
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThanOrEqual(3);
    for (const refused of answers.filter((answer) => answer.status !== 201)) {
      expect([refused.status, refused.body.error.code, refused.body.error.details.rule]).toEqual([422, 'RISK_REJECTED', 'MAX_OPEN_ORDERS']);
    }
    const open = await call('GET', `/v1/orders?status=open&symbol=${symbol}`, { token: buyer.token });
    expect(open.body.items).toHaveLength(accepted.length);
    // only the accepted orders hold funds: each 90.xx + its largest fee (0.09)
    const held = accepted.reduce((sum, answer) => sum + Number(answer.body.order.price.replace('.', '')) + 9, 0);
    expect((await balance(buyer, 'USD'))[1]).toBe((held / 100).toFixed(2));
  });

  it("another user's order is not found, on read and on cancel", async () => {
    const symbol = await newMarket();
    const alice = await trader('1000.00', {}, 'alice');
    const bob = await trader('0', {}, 'bob');
    const order = await placed(alice, { symbol, side: 'BUY', type: 'LIMIT', price: '90.00', quantity: '1' });
    for (const method of ['GET', 'DELETE']) {
      const response = await call(method, `/v1/orders/${order.id}`, { token: bob.token });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('ORDER_NOT_FOUND');
    }
    expect((await call('GET', `/v1/orders/${randomUUID()}`, { token: alice.token })).status).toBe(404);
    expect((await call('GET', '/v1/orders', { token: bob.token })).body.items).toEqual([]);
    expect((await call('GET', `/v1/orders/${order.id}`, { token: alice.token })).body.order.status).toBe('NEW');
  });
});

describe('a placement that died between the funds hold and the commit', () => {
  it('is undone by the janitor: the hold is released and the half-placed order removed', async () => {
    const symbol = await newMarket();
    const buyer = await trader('500.00');
    const orderId = randomUUID();
    // what a kill -9 of the order-manager right after block-funds leaves behind: a PENDING row and a
    // hold (the row is made old only once the hold is there, so the janitor cannot undo it first)
    await queryDatabase(
      `INSERT INTO order_manager.orders (id, user_id, request_hash, symbol, side, type, time_in_force, price_cents, quantity, status,
                                         tick_size_cents, lot_size, maker_fee_bps, taker_fee_bps, hold_asset, hold_amount)
       VALUES ($1, $2, 'x', $3, 'BUY', 'LIMIT', 'GTC', 10000, 2, 'PENDING', 1, 1, 0, 10, 'USD', 20020)`,
      [orderId, buyer.userId, symbol],
    );
    // as the order-manager does it, for the buyer the gateway asserted
    const asOrderManager = await internalHeaders(inject('identities'), 'order-manager', 'wallet-service', { id: buyer.userId, role: 'user' });
    const hold = await fetch(`${inject('serviceUrls')['wallet-service']}/block-funds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asOrderManager },
      body: JSON.stringify({ userId: buyer.userId, asset: 'USD', amount: '200.20', reference: orderId }),
    });
    expect(hold.status).toBe(200);
    expect(await balance(buyer, 'USD')).toEqual(['299.80', '200.20']);
    // a half-placed order is nobody's business yet
    expect((await call('GET', `/v1/orders/${orderId}`, { token: buyer.token })).status).toBe(404);
    await queryDatabase("UPDATE order_manager.orders SET created_at = now() - interval '1 minute' WHERE id = $1", [orderId]);

    await eventually(async () => (await balance(buyer, 'USD'))[1] === '0.00', 15_000, 'the hold to be released');
    expect(await balance(buyer, 'USD')).toEqual(['500.00', '0.00']);
    expect(await queryDatabase('SELECT 1 FROM order_manager.orders WHERE id = $1', [orderId])).toEqual([]);
  });
});

describe('the demo the start command seeds', () => {
  it('has a market maker quoting every demo market, so a newcomer can trade at once', async () => {
    const { MARKET_MAKER } = await import('@exchange/tools');
    const markets = (await call('GET', '/v1/markets')).body.items.map((m: { symbol: string }) => m.symbol);
    expect(markets).toEqual(expect.arrayContaining(['AAPL', 'AMZN', 'GOOGL', 'MSFT', 'TSLA']));
    const login = await call('POST', '/v1/auth/login', { body: { email: MARKET_MAKER.email, password: MARKET_MAKER.password } });
    expect(login.status).toBe(200);
    const quotes = await call('GET', '/v1/orders?status=open&symbol=AAPL&limit=200', { token: login.body.accessToken });
    expect(quotes.body.items.map((o: { side: string; price: string }) => `${o.side} ${o.price}`).sort()).toEqual([
      'BUY 189.05',
      'BUY 189.24',
      'BUY 189.43',
      'BUY 189.62',
      'BUY 189.81',
      'SELL 190.19',
      'SELL 190.38',
      'SELL 190.57',
      'SELL 190.76',
      'SELL 190.95',
    ]);

    const newcomer = await trader('1000.00', {}, 'newcomer');
    const order = await placed(newcomer, { symbol: 'AAPL', side: 'BUY', type: 'MARKET', quantity: '2' });
    const filled = await orderWhen(newcomer, order.id, 'FILLED');
    expect(filled.averagePrice).toBe('190.19');
    expect(await balance(newcomer, 'AAPL')).toEqual(['2', '0']);
  });
});
