import { describe, expect, it } from 'vitest';
import { csvField, statementCsv, toCsv } from './csv.js';

describe('CSV', () => {
  it('quotes per RFC 4180 and ends every row with CRLF', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(
      toCsv([
        ['a', 'b'],
        ['1', '2,5'],
      ]),
    ).toBe('a,b\r\n1,"2,5"\r\n');
  });

  it('writes a statement as one table under one header row', () => {
    const csv = statementCsv({
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-02-01T00:00:00.000Z',
      assets: [
        {
          asset: 'USD',
          opening: '10.00',
          closing: '7.50',
          entries: [
            { time: '2025-01-02T00:00:00.000Z', type: 'TRADE', amount: '-2.50', balanceAfter: '7.50', reference: 'ACME:1', symbol: 'ACME', side: 'BUY' },
          ],
        },
      ],
      fills: [
        {
          time: '2025-01-02T00:00:00.000Z',
          tradeId: 'ACME:1',
          orderId: 'o',
          symbol: 'ACME',
          side: 'BUY',
          price: '2.50',
          quantity: '1',
          notional: '2.50',
          fee: '0.00',
        },
      ],
    });
    expect(csv.split('\r\n')).toEqual([
      'record,time,asset,type,amount,balance_after,reference,symbol,side,price,quantity,fee',
      'OPENING_BALANCE,2025-01-01T00:00:00.000Z,USD,,,10.00,,,,,,',
      'ENTRY,2025-01-02T00:00:00.000Z,USD,TRADE,-2.50,7.50,ACME:1,ACME,BUY,,,',
      'CLOSING_BALANCE,2025-02-01T00:00:00.000Z,USD,,,7.50,,,,,,',
      'FILL,2025-01-02T00:00:00.000Z,ACME,TRADE,2.50,,ACME:1,ACME,BUY,2.50,1,0.00',
      '',
    ]);
  });
});
