import { decodeEvent, EXECUTION_EVENTS, type EventFamily, WALLET_EVENTS } from '@exchange/contracts';
import { describe, expect, it } from 'vitest';
import { derive } from './derive.js';

/** An event as the raw log hands it to the derivation: decoded by its contract. */
function decoded<F extends EventFamily>(family: F, type: string, data: unknown) {
  const decoding = decodeEvent(family, type, 1, data);
  if (!decoding.ok) throw new Error(decoding.reason);
  return decoding.event;
}
import { buildStatement } from './statement.js';

const at = (text: string) => new Date(text);

describe('statement', () => {
  it('runs each asset from its opening balance through its entries to its closing balance', () => {
    const statement = buildStatement({
      from: at('2025-01-01T00:00:00Z'),
      to: at('2025-02-01T00:00:00Z'),
      openings: new Map([
        ['USD', 100_000n],
        ['ACME', 5n],
      ]),
      entries: [
        { time: at('2025-01-02T10:00:00Z'), asset: 'USD', kind: 'TRADE', amount: -20_000n, reference: 'ACME:1', symbol: 'ACME', side: 'BUY' },
        { time: at('2025-01-02T10:00:00Z'), asset: 'USD', kind: 'FEE', amount: -20n, reference: 'ACME:1', symbol: 'ACME', side: 'BUY' },
        { time: at('2025-01-02T10:00:00Z'), asset: 'ACME', kind: 'TRADE', amount: 2n, reference: 'ACME:1', symbol: 'ACME', side: 'BUY' },
        { time: at('2025-01-03T10:00:00Z'), asset: 'BETA', kind: 'CREDIT', amount: 7n, reference: 'tx-1' },
      ],
      fills: [],
    });
    expect(statement.assets.map((asset) => [asset.asset, asset.opening, asset.closing])).toEqual([
      ['USD', '1000.00', '799.80'],
      ['ACME', '5', '7'],
      ['BETA', '0', '7'],
    ]);
    expect(statement.assets[0]!.entries.map((entry) => [entry.type, entry.amount, entry.balanceAfter])).toEqual([
      ['TRADE', '-200.00', '800.00'],
      ['FEE', '-0.20', '799.80'],
    ]);
    expect(statement.assets[2]!.entries[0]).toEqual({ time: '2025-01-03T10:00:00.000Z', type: 'CREDIT', amount: '7', balanceAfter: '7', reference: 'tx-1' });
  });

  it("turns a settled trade into both sides' entries, fills and position changes, and ignores holds", () => {
    const derived = derive({
      seq: 1n,
      source: 'wallet',
      occurredAt: new Date(),
      event: decoded(WALLET_EVENTS, 'trade_settled', {
        transactionId: 't',
        tradeId: 'ACME:7',
        symbol: 'ACME',
        price: '10.50',
        quantity: '4',
        notional: '42.00',
        buyer: { userId: 'b', orderId: 'ob', fee: '0.04', released: '0.00' },
        seller: { userId: 's', orderId: 'os', fee: '0.00', released: '0' },
      }),
    });
    expect(derived.ledger.map((entry) => [entry.userId, entry.asset, entry.kind, entry.amount])).toEqual([
      ['b', 'USD', 'TRADE', -4200n],
      ['b', 'USD', 'FEE', -4n],
      ['b', 'ACME', 'TRADE', 4n],
      ['s', 'ACME', 'TRADE', -4n],
      ['s', 'USD', 'TRADE', 4200n],
    ]);
    expect(derived.fills.map((fill) => [fill.userId, fill.side, fill.priceCents, fill.feeCents])).toEqual([
      ['b', 'BUY', 1050n, 4n],
      ['s', 'SELL', 1050n, 0n],
    ]);
    const hold = { transactionId: 't', userId: 'b', asset: 'USD', amount: '1.00', reference: 'o' };
    expect(derive({ seq: 2n, source: 'wallet', occurredAt: new Date(), event: decoded(WALLET_EVENTS, 'funds_blocked', hold) })).toEqual({
      ledger: [],
      fills: [],
      positions: [],
    });
  });

  it("counts the engine's events per UTC day in cents and shares", () => {
    const units = { tickSizeCents: 5n, lotSize: 10n };
    const trade = derive({
      seq: 3n,
      source: 'executions',
      symbol: 'ACME',
      occurredAt: at('2025-03-04T23:59:59Z'),
      units,
      event: decoded(EXECUTION_EVENTS, 'trade', {
        symbol: 'ACME',
        sequence: 9,
        tradeId: 2,
        price: 2001,
        quantity: 3,
        takerSide: 'BUY',
        makerOrderId: 'm',
        makerOwnerId: 'mu',
        makerRemaining: 0,
        takerOrderId: 't',
        takerOwnerId: 'tu',
        takerRemaining: 1,
      }),
    });
    expect(trade.volume).toEqual({ symbol: 'ACME', day: '2025-03-04', counts: { filled: 1 }, trades: 1, quantity: 30n, notionalCents: 300_150n });
    expect(trade.trade).toMatchObject({ tradeNo: 2, priceCents: 10_005n, quantity: 30n });
    const canceled = derive({
      seq: 4n,
      source: 'executions',
      symbol: 'ACME',
      occurredAt: at('2025-03-05T00:00:00Z'),
      units,
      event: decoded(EXECUTION_EVENTS, 'order_canceled', { symbol: 'ACME', sequence: 10, orderId: 'o', ownerId: 'u', quantity: 1, reason: 'REQUESTED' }),
    });
    expect(canceled.volume).toMatchObject({ day: '2025-03-05', counts: { canceled: 1 }, trades: 0 });
  });
});
