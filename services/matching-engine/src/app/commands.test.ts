import { describe, expect, it } from 'vitest';
import { NewerCommandVersion, parseEntry } from './commands.js';

const order = {
  orderId: 'o-1',
  userId: 'u-1',
  symbol: 'ACME',
  side: 'BUY',
  type: 'MARKET',
  priceTicks: '2010',
  quantityLots: '3',
  timeInForce: 'FOK',
  postOnly: false,
  selfTradePrevention: 'CANCEL_NEWEST',
};
const entry = (type: string, data: unknown, version?: number) => [
  'id',
  `${type}:1`,
  'type',
  type,
  ...(version === undefined ? [] : ['v', String(version)]),
  'data',
  typeof data === 'string' ? data : JSON.stringify(data),
  'traceparent',
  '',
];

describe('reading an order command from its stream entry', () => {
  it('reads an order and a cancel by their contracts, in ticks and lots, as sent', () => {
    expect(parseEntry('orders:ACME', '1-0', entry('order_created', order, 1))).toMatchObject({
      symbol: 'ACME',
      commandId: 'order_created:1',
      command: { kind: 'new', orderId: 'o-1', ownerId: 'u-1', side: 'BUY', type: 'MARKET', price: 2010, quantity: 3, timeInForce: 'FOK' },
    });
    // an entry written before versions travelled is version 1
    expect(parseEntry('orders:ACME', '1-1', entry('order_cancel_requested', { orderId: 'o-1', symbol: 'ACME' })).command).toEqual({
      kind: 'cancel',
      orderId: 'o-1',
    });
  });

  it('leaves out, without stopping, what no contract reads: unknown types, bad data, text that is not JSON', () => {
    expect(parseEntry('orders:ACME', '1-2', entry('order_amended', order, 1)).command).toBeUndefined();
    expect(parseEntry('orders:ACME', '1-3', entry('order_created', { ...order, quantityLots: '1.5' }, 1)).command).toBeUndefined();
    expect(parseEntry('orders:ACME', '1-4', entry('order_created', '{not json', 1)).command).toBeUndefined();
  });

  it('stops at a command newer than it reads, rather than guess', () => {
    expect(() => parseEntry('orders:ACME', '1-5', entry('order_created', order, 2))).toThrow(NewerCommandVersion);
  });
});
