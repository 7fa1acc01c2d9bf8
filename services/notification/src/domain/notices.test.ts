import { describe, expect, it } from 'vitest';
import { acceptedNotice, closeNotice, fillNotice, fundsAddedNotice, type KnownOrder } from './notices.js';

const buyAapl: KnownOrder = { orderId: 'o-1', userId: 'u-1', symbol: 'AAPL', side: 'BUY', priceCents: 19019n, quantity: 10n };
const sellMsft: KnownOrder = { orderId: 'o-2', userId: 'u-2', symbol: 'MSFT', side: 'SELL', priceCents: 42000n, quantity: 10n };

describe('notification texts and data', () => {
  it('tells of an accepted limit and market order', () => {
    expect(acceptedNotice(buyAapl)).toEqual({
      userId: 'u-1',
      type: 'ORDER_ACCEPTED',
      title: 'Buy order accepted',
      body: 'Buy 10 AAPL at 190.19',
      data: { orderId: 'o-1', symbol: 'AAPL', side: 'BUY', orderType: 'LIMIT', price: '190.19', quantity: '10' },
      dedupeKey: 'o-1',
      about: { orderId: 'o-1' },
    });
    const market = acceptedNotice({ ...sellMsft, priceCents: null, quantity: 5n });
    expect(market).toMatchObject({ title: 'Sell order accepted', body: 'Sell 5 MSFT at market', data: { orderType: 'MARKET', price: null, quantity: '5' } });
  });

  it('tells of a whole fill, a partial fill and the last fill of an order', () => {
    const whole = fillNotice({
      orderId: 'o-1',
      userId: 'u-1',
      symbol: 'AAPL',
      side: 'BUY',
      tradeId: 'AAPL:7',
      priceCents: 19019n,
      quantity: 10n,
      remaining: 0n,
      liquidity: 'TAKER',
      order: buyAapl,
    });
    expect(whole).toEqual({
      userId: 'u-1',
      type: 'ORDER_FILLED',
      title: 'Buy order filled',
      body: 'Bought 10 AAPL at 190.19',
      data: {
        orderId: 'o-1',
        symbol: 'AAPL',
        side: 'BUY',
        tradeId: 'AAPL:7',
        price: '190.19',
        quantity: '10',
        filledQuantity: '10',
        remaining: '0',
        orderQuantity: '10',
        limitPrice: '190.19',
        liquidity: 'TAKER',
      },
      dedupeKey: 'o-1',
      about: { orderId: 'o-1', tradeId: 'AAPL:7' },
    });

    const partial = fillNotice({
      orderId: 'o-2',
      userId: 'u-2',
      symbol: 'MSFT',
      side: 'SELL',
      tradeId: 'MSFT:1',
      priceCents: 42000n,
      quantity: 4n,
      remaining: 6n,
      liquidity: 'MAKER',
      order: sellMsft,
    });
    expect(partial).toMatchObject({
      type: 'ORDER_PARTIALLY_FILLED',
      title: 'Sell order partially filled',
      body: 'Sold 4 of 10 MSFT at 420.00 (6 left)',
      data: { quantity: '4', filledQuantity: '4', remaining: '6', orderQuantity: '10', price: '420.00' },
    });

    const last = fillNotice({
      orderId: 'o-2',
      userId: 'u-2',
      symbol: 'MSFT',
      side: 'SELL',
      tradeId: 'MSFT:2',
      priceCents: 42005n,
      quantity: 6n,
      remaining: 0n,
      liquidity: 'MAKER',
      order: sellMsft,
    });
    expect(last).toMatchObject({ type: 'ORDER_FILLED', body: 'Sold the last 6 of 10 MSFT at 420.05', data: { filledQuantity: '10', remaining: '0' } });
  });

  it('still tells of a fill of an order it never saw accepted, without what it cannot know', () => {
    const fill = fillNotice({
      orderId: 'o-9',
      userId: 'u-9',
      symbol: 'AAPL',
      side: 'SELL',
      tradeId: 'AAPL:3',
      priceCents: 5n,
      quantity: 3n,
      remaining: 2n,
      liquidity: 'TAKER',
    });
    expect(fill).toMatchObject({
      type: 'ORDER_PARTIALLY_FILLED',
      body: 'Sold 3 AAPL at 0.05 (2 left)',
      data: { filledQuantity: null, orderQuantity: null, limitPrice: null, remaining: '2' },
    });
  });

  it('tells of cancels, expiries and rejections with what was filled and why', () => {
    const canceled = closeNotice({
      kind: 'ORDER_CANCELED',
      orderId: 'o-2',
      userId: 'u-2',
      symbol: 'MSFT',
      remaining: 6n,
      reason: 'REQUESTED',
      order: sellMsft,
    });
    expect(canceled).toEqual({
      userId: 'u-2',
      type: 'ORDER_CANCELED',
      title: 'Sell order canceled',
      body: 'Sell 10 MSFT at 420.00: 4 filled, 6 not filled',
      data: {
        orderId: 'o-2',
        symbol: 'MSFT',
        side: 'SELL',
        orderType: 'LIMIT',
        price: '420.00',
        quantity: '10',
        filledQuantity: '4',
        remaining: '6',
        reason: 'REQUESTED',
      },
      dedupeKey: 'o-2',
      about: { orderId: 'o-2' },
    });
    expect(
      closeNotice({ kind: 'ORDER_CANCELED', orderId: 'o-1', userId: 'u-1', symbol: 'AAPL', remaining: 10n, reason: 'SELF_TRADE', order: buyAapl }).body,
    ).toBe('Buy 10 AAPL at 190.19: nothing filled (it would have traded with another order of yours)');
    const expired = closeNotice({
      kind: 'ORDER_EXPIRED',
      orderId: 'o-1',
      userId: 'u-1',
      symbol: 'AAPL',
      remaining: 10n,
      reason: 'FOK_NOT_FILLABLE',
      order: buyAapl,
    });
    expect(expired).toMatchObject({
      title: 'Buy order expired',
      body: 'Buy 10 AAPL at 190.19: nothing filled (fill-or-kill: it could not be filled completely at once)',
    });
    const rejected = closeNotice({ kind: 'ORDER_REJECTED', orderId: 'o-3', userId: 'u-1', symbol: 'AAPL', reason: 'POST_ONLY_WOULD_TAKE' });
    expect(rejected).toEqual({
      userId: 'u-1',
      type: 'ORDER_REJECTED',
      title: 'Order rejected',
      body: 'Your AAPL order was rejected: a post-only order would have traded at once',
      data: {
        orderId: 'o-3',
        symbol: 'AAPL',
        side: null,
        orderType: null,
        price: null,
        quantity: null,
        filledQuantity: null,
        remaining: null,
        reason: 'POST_ONLY_WOULD_TAKE',
      },
      dedupeKey: 'o-3',
      about: { orderId: 'o-3' },
    });
    expect(closeNotice({ kind: 'ORDER_CANCELED', orderId: 'o-4', userId: 'u-1', symbol: 'AAPL', remaining: 3n, reason: 'SOMETHING_NEW' }).body).toBe(
      'Your AAPL order was canceled with 3 not filled: SOMETHING_NEW',
    );
  });

  it('tells of a deposit and of a credit by an admin', () => {
    expect(fundsAddedNotice({ transactionId: 't-1', userId: 'u-1', kind: 'DEPOSIT', asset: 'USD', amount: 100000n })).toEqual({
      userId: 'u-1',
      type: 'FUNDS_ADDED',
      title: 'Funds added',
      body: '1000.00 USD added to your wallet',
      data: { transactionId: 't-1', kind: 'DEPOSIT', asset: 'USD', amount: '1000.00' },
      dedupeKey: 't-1',
    });
    expect(fundsAddedNotice({ transactionId: 't-2', userId: 'u-1', kind: 'CREDIT', asset: 'AAPL', amount: 25n })).toMatchObject({
      title: 'Wallet credited',
      body: '25 AAPL credited to your wallet',
      data: { amount: '25', asset: 'AAPL' },
    });
  });
});
