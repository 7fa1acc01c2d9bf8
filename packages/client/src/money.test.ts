import { describe, expect, it } from 'vitest';
import { compareDecimal, feeCents, formatDecimal, formatUnits, parseSignedUnits, parseUnits } from './money.js';

describe('money', () => {
  it('parses decimal strings into minor units without floating point', () => {
    expect(parseUnits('12.30', 2)).toBe(1230n);
    expect(parseUnits('0.1', 2)).toBe(10n);
    expect(parseUnits('10', 0)).toBe(10n);
    expect(parseUnits('10.00', 0)).toBe(10n);
    expect(parseUnits('0.001', 2)).toBeNull();
    expect(parseUnits('1.5', 0)).toBeNull();
    expect(parseUnits('-1', 2)).toBeNull();
    expect(parseUnits('1e3', 2)).toBeNull();
    expect(parseUnits('', 2)).toBeNull();
    expect(parseUnits('90071992547409931.99', 2)).toBe(9007199254740993199n);
    expect(parseSignedUnits('-0.05', 2)).toBe(-5n);
  });

  it('formats minor units back', () => {
    expect(formatUnits(1230n, 2)).toBe('12.30');
    expect(formatUnits(-5n, 2)).toBe('-0.05');
    expect(formatUnits(7n, 0)).toBe('7');
  });

  it('rounds fees down to the cent', () => {
    expect(feeCents(101000n, 10)).toBe(101n); // 1010.00 × 10 bp = 1.01
    expect(feeCents(99999n, 10)).toBe(99n); // 999.99 × 10 bp = 0.99999 → 0.99
    expect(feeCents(100000n, 0)).toBe(0n);
  });

  it('compares decimals exactly', () => {
    expect(compareDecimal('190.19', '190.2')).toBe(-1);
    expect(compareDecimal('10', '10.00')).toBe(0);
    expect(compareDecimal('-1', '0')).toBe(-1);
  });

  it('formats for display in the locale with fixed decimals', () => {
    expect(formatDecimal('1234.5', 2, 'en-US')).toBe('1,234.50');
    expect(formatDecimal('1234.5', 2, 'de-DE')).toBe('1.234,50');
    expect(formatDecimal('-0.004', 2, 'en-US')).toBe('0.00');
    expect(formatDecimal('-12.345', 2, 'en-US')).toBe('-12.35');
    expect(formatDecimal('9007199254740993.01', 2, 'en-US')).toBe('9,007,199,254,740,993.01');
    expect(formatDecimal(null, 2, 'en-US')).toBe('—');
  });
});
