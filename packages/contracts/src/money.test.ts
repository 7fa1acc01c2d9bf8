import { describe, expect, it } from 'vitest';
import { formatAmount, parseAmount } from './money.js';

describe('money', () => {
  it('parses decimal strings into exact minor units', () => {
    expect(parseAmount('12.30', 2)).toBe(1230n);
    expect(parseAmount('12.3', 2)).toBe(1230n);
    expect(parseAmount('12', 2)).toBe(1200n);
    expect(parseAmount('0.01', 2)).toBe(1n);
    expect(parseAmount('999999999999999999.99', 2)).toBe(99999999999999999999n);
    expect(parseAmount('7', 0)).toBe(7n);
    expect(parseAmount('7.000', 0)).toBe(7n);
  });

  it('refuses what is not a plain decimal, and precision the asset does not have', () => {
    for (const bad of ['', ' 1', '1 ', '-1', '+1', '1e3', '0x10', '1.', '.5', '01', '1,5', 'NaN', 'Infinity', '1.2.3']) {
      expect(() => parseAmount(bad, 2), bad).toThrow(/decimal number/);
    }
    expect(() => parseAmount('0.001', 2)).toThrow('must have at most 2 decimals');
    expect(() => parseAmount('1.5', 0)).toThrow('must be a whole number');
  });

  it('formats minor units back, padding and signing', () => {
    expect(formatAmount(1230n, 2)).toBe('12.30');
    expect(formatAmount(5n, 2)).toBe('0.05');
    expect(formatAmount(0n, 2)).toBe('0.00');
    expect(formatAmount(-5n, 2)).toBe('-0.05');
    expect(formatAmount(42n, 0)).toBe('42');
  });

  it('round-trips every value it formats', () => {
    for (const value of [0n, 1n, 99n, 100n, 123456789012345678n]) {
      expect(parseAmount(formatAmount(value, 2), 2)).toBe(value);
    }
  });
});
