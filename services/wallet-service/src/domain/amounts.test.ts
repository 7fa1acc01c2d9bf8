import { describe, expect, it } from 'vitest';
import { depositAmount, positiveAmount, type AmountRules } from './amounts.js';

const rules: AmountRules = { shareAssets: new Set(['AAPL']), maxCashDeposit: 100_000_000n, maxShareCredit: 1_000_000n };

function refusal(work: () => unknown) {
  try {
    work();
  } catch (error) {
    return error as { code: string; details: { fields: Record<string, string[]> } };
  }
  throw new Error('expected a refusal');
}

describe('deposit amounts', () => {
  it('accepts cents for USD and whole shares for a symbol', () => {
    expect(depositAmount(rules, 'USD', '10.25')).toBe(1025n);
    expect(depositAmount(rules, 'AAPL', '10')).toBe(10n);
  });

  it.each([
    ['0', 'must be greater than zero'],
    ['0.00', 'must be greater than zero'],
    ['-5', 'must be a decimal number such as "10" or "10.25"'],
    ['1.001', 'must have at most 2 decimals'],
    ['ten', 'must be a decimal number such as "10" or "10.25"'],
    ['1000000.01', 'must not exceed 1000000.00 USD per deposit'],
  ])('refuses %s USD: %s', (amount, message) => {
    const error = refusal(() => depositAmount(rules, 'USD', amount));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.fields.amount).toEqual([message]);
  });

  it('refuses fractions of a share and unknown assets', () => {
    expect(refusal(() => depositAmount(rules, 'AAPL', '1.5')).details.fields.amount).toEqual(['must be a whole number']);
    expect(refusal(() => depositAmount(rules, 'DOGE', '1')).details.fields.asset).toEqual(['"DOGE" is not an asset of this exchange']);
  });

  it('names the field it checks', () => {
    expect(refusal(() => positiveAmount('USD', 'x', 'buyer.fee')).details.fields['buyer.fee']).toBeDefined();
  });
});
