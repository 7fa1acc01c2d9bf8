import { describe, expect, it } from 'vitest';
import { checkOrder, type MarketRules, type OrderDraft } from './order-entry';

const market: MarketRules = {
  symbol: 'AAPL',
  baseAsset: 'AAPL',
  tickSize: '0.05',
  lotSize: '10',
  makerFeeBps: 0,
  takerFeeBps: 10,
  minQuantity: '10',
  maxQuantity: '1000',
  maxNotional: '100000.00',
  status: 'TRADING',
};
const draft = (over: Partial<OrderDraft> = {}): OrderDraft => ({
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  price: '101.00',
  quantity: '10',
  postOnly: false,
  ...over,
});
const rich = { cash: '100000.00', shares: '500' };

describe('order entry', () => {
  it('works out the cost with the largest fee rounded down to the cent', () => {
    const check = checkOrder(draft(), market, rich);
    expect(check.errors).toEqual({});
    expect(check.cost).toEqual({ notional: '1010.00', fee: '1.01', total: '1011.01', estimate: false });
    expect(check.body).toEqual({ symbol: 'AAPL', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: '101.00', quantity: '10' });
    // 999.95 × 10 bp = 0.99995 → 0.99
    expect(checkOrder(draft({ price: '99.995' }), { ...market, tickSize: '0.01' }, rich).errors.price).toMatch(/2 decimals/);
    expect(checkOrder(draft({ price: '99.95', quantity: '10' }), market, rich).cost?.fee).toBe('0.99');
  });

  it('refuses a price off the tick and a quantity off the lot', () => {
    expect(checkOrder(draft({ price: '101.03' }), market, rich).errors.price).toMatch(/tick size 0.05/);
    expect(checkOrder(draft({ quantity: '15' }), market, rich).errors.quantity).toMatch(/lot size 10/);
    expect(checkOrder(draft({ quantity: '1.5' }), market, rich).errors.quantity).toMatch(/whole number/);
    expect(checkOrder(draft({ price: '' }), market, rich).errors.price).toMatch(/limit price/);
    expect(checkOrder(draft({ price: '0' }), market, rich).errors.price).toMatch(/above zero/);
    expect(checkOrder(draft({ quantity: '2000' }), market, rich).errors.quantity).toMatch(/At most 1000/);
  });

  it('checks the available balance before sending', () => {
    const buy = checkOrder(draft(), market, { cash: '1011.00', shares: '0' });
    expect(buy.errors.funds).toMatch(/needs 1011.01/);
    expect(buy.body).toBeNull();
    expect(checkOrder(draft(), market, { cash: '1011.01', shares: '0' }).body).not.toBeNull();
    expect(checkOrder(draft({ side: 'SELL', quantity: '20' }), market, { cash: '0', shares: '10' }).errors.funds).toMatch(/10 shares/);
  });

  it('knows the rules of market orders, time in force and post-only', () => {
    const marketBuy = checkOrder(draft({ type: 'MARKET', timeInForce: 'IOC', price: '' }), market, rich, '190.20');
    expect(marketBuy.errors).toEqual({});
    expect(marketBuy.cost).toMatchObject({ total: '1903.90', estimate: true });
    expect(marketBuy.body).toEqual({ symbol: 'AAPL', side: 'BUY', type: 'MARKET', timeInForce: 'IOC', quantity: '10' });
    expect(checkOrder(draft({ type: 'MARKET', timeInForce: 'GTC' }), market, rich).errors.timeInForce).toBeDefined();
    expect(checkOrder(draft({ postOnly: true, timeInForce: 'IOC' }), market, rich).errors.postOnly).toBeDefined();
    expect(checkOrder(draft({ postOnly: true }), market, rich).body?.postOnly).toBe(true);
  });

  it('refuses a halted market and a notional above the maximum', () => {
    expect(checkOrder(draft(), { ...market, status: 'HALTED' }, rich).errors.market).toMatch(/halted/);
    expect(checkOrder(draft({ price: '200.00', quantity: '1000' }), market, { cash: '1000000.00', shares: '0' }).errors.quantity).toMatch(/maximum/);
  });
});
