import { describe, expect, it } from 'vitest';
import { decodeEvent, EXECUTION_EVENTS, ORDER_COMMANDS, STREAMS, WALLET_EVENTS } from './events.js';

const trade = {
  symbol: 'AAPL',
  sequence: 9,
  tradeId: 3,
  price: 100,
  quantity: 2,
  takerSide: 'BUY',
  makerOrderId: 'm',
  makerOwnerId: 'u-1',
  makerRemaining: 0,
  takerOrderId: 't',
  takerOwnerId: 'u-2',
  takerRemaining: 1,
};

describe('decoding a stream event by its contract', () => {
  it('hands over the data its schema reads, typed by the event type', () => {
    const decoding = decodeEvent(EXECUTION_EVENTS, 'trade', 1, trade);
    expect(decoding).toEqual({ ok: true, event: { type: 'trade', version: 1, data: trade } });
    if (decoding.ok && decoding.event.type === 'trade') expect(decoding.event.data.takerRemaining).toBe(1);
  });

  it('reads an older version with the current schema, and ignores fields it does not know', () => {
    const decoding = decodeEvent(EXECUTION_EVENTS, 'trade', 0, { ...trade, venue: 'X' });
    expect(decoding.ok).toBe(true);
  });

  it('leaves a newer version to be retried by a process that reads it, rather than guessing', () => {
    expect(decodeEvent(EXECUTION_EVENTS, 'trade', 2, trade)).toMatchObject({ ok: false, retry: true, reason: expect.stringMatching(/newer/) });
  });

  it('refuses for good an unknown type and data outside the schema, naming the field', () => {
    expect(decodeEvent(EXECUTION_EVENTS, 'trade_busted', 1, trade)).toMatchObject({ ok: false, retry: false });
    expect(decodeEvent(EXECUTION_EVENTS, 'constructor', 1, {})).toMatchObject({ ok: false, retry: false });
    const bad = decodeEvent(EXECUTION_EVENTS, 'trade', 1, { ...trade, price: 1.5 });
    expect(bad).toMatchObject({ ok: false, retry: false, reason: expect.stringContaining('price') });
    expect(decodeEvent(WALLET_EVENTS, 'funds_added', 1, { userId: 'u' })).toMatchObject({ ok: false, retry: false });
  });

  it('names every stream family with contracts whose type is their key, each at a version of at least 1', () => {
    for (const family of [ORDER_COMMANDS, EXECUTION_EVENTS, WALLET_EVENTS]) {
      for (const [type, contract] of Object.entries(family)) {
        expect(contract.type).toBe(type);
        expect(contract.version).toBeGreaterThanOrEqual(1);
      }
    }
    expect(Object.values(STREAMS).map((stream) => stream.name('AAPL'))).toEqual(['orders:AAPL', 'executions:AAPL', 'wallet-events']);
  });
});
