import { decodeEvent, WALLET_EVENTS } from '@exchange/contracts';
import { describe, expect, it } from 'vitest';
import { planWalletEvent as planDecoded } from './plan-wallet-event.js';

/** Plans an event as the consumer hands it over: decoded by its contract. */
function planWalletEvent(type: string, data: unknown) {
  const decoding = decodeEvent(WALLET_EVENTS, type, 1, data);
  if (!decoding.ok) throw new Error(decoding.reason);
  return planDecoded(decoding.event);
}

const ALICE = '11111111-1111-4111-8111-111111111111';
const BOB = '22222222-2222-4222-8222-222222222222';

describe('planning a wallet event', () => {
  it('writes a deposit to the inbox and signals the balance', () => {
    const plan = planWalletEvent('funds_added', { transactionId: 't-1', userId: ALICE, kind: 'DEPOSIT', asset: 'USD', amount: '250.50' });
    expect(plan.notices).toEqual([expect.objectContaining({ userId: ALICE, type: 'FUNDS_ADDED', body: '250.50 USD added to your wallet', dedupeKey: 't-1' })]);
    expect(plan.balances).toEqual([{ userId: ALICE, asset: 'USD' }]);
  });

  it('only signals holds, releases and settlements, once per user and asset', () => {
    expect(planWalletEvent('funds_blocked', { transactionId: 't', userId: ALICE, asset: 'AAPL', amount: '5', reference: 'o' })).toEqual({
      notices: [],
      balances: [{ userId: ALICE, asset: 'AAPL' }],
    });
    expect(
      planWalletEvent('funds_released', { transactionId: 't', userId: BOB, asset: 'USD', amount: '5.00', reference: 'o', releaseId: 'r' }).balances,
    ).toEqual([{ userId: BOB, asset: 'USD' }]);
    const settled = {
      transactionId: 't',
      tradeId: 'AAPL:1',
      symbol: 'AAPL',
      price: '1.00',
      quantity: '1',
      notional: '1.00',
      buyer: { userId: ALICE, orderId: 'b', fee: '0.00' },
      seller: { userId: BOB, orderId: 's', fee: '0.00' },
    };
    expect(planWalletEvent('trade_settled', settled)).toEqual({
      notices: [],
      balances: [
        { userId: ALICE, asset: 'USD' },
        { userId: ALICE, asset: 'AAPL' },
        { userId: BOB, asset: 'USD' },
        { userId: BOB, asset: 'AAPL' },
      ],
    });
    expect(planWalletEvent('trade_settled', { ...settled, seller: { userId: ALICE, orderId: 's', fee: '0.00' } }).balances).toHaveLength(2);
  });

  it('never plans an event outside its contract', () => {
    expect(() => planWalletEvent('funds_added', { transactionId: 't', userId: ALICE, asset: 'USD' })).toThrow(/outside its contract/);
    expect(() => planWalletEvent('funds_vanished', {})).toThrow(/no contract/);
  });
});
