import { describe, expect, it } from 'vitest';
import type { CreateMarketRequest } from '@exchange/contracts';
import { changedMarketTerms, newMarketTerms, type MarketDefaults, type MarketTerms } from './market-terms.js';

const defaults: MarketDefaults = {
  makerFeeBps: 0,
  takerFeeBps: 10,
  priceCollarBps: 1000,
  minQuantity: 1n,
  maxQuantity: 1_000_000n,
  maxNotionalCents: 1_000_000_000n,
};

const request = (overrides: Partial<CreateMarketRequest> = {}): CreateMarketRequest => ({
  symbol: 'ACME',
  name: 'Acme Corp.',
  tickSize: '0.01',
  lotSize: '1',
  referencePrice: '100.00',
  status: 'TRADING',
  ...overrides,
});

function fieldsOf(work: () => unknown): Record<string, string[]> {
  try {
    work();
  } catch (error) {
    const refusal = error as { code: string; details: { fields: Record<string, string[]> } };
    expect(refusal.code).toBe('VALIDATION_FAILED');
    return refusal.details.fields;
  }
  throw new Error('expected a refusal');
}

describe('the terms of a new market', () => {
  it('are exact cents and shares, and take the defaults for what is left out', () => {
    expect(newMarketTerms(request({ tickSize: '0.05', referencePrice: '190.05' }), defaults)).toEqual({
      tickSizeCents: 5n,
      lotSize: 1n,
      referencePriceCents: 19005n,
      makerFeeBps: 0,
      takerFeeBps: 10,
      minQuantity: 1n,
      maxQuantity: 1_000_000n,
      maxNotionalCents: 1_000_000_000n,
      priceCollarBps: 1000,
    });
  });

  it('keep what the creator gives', () => {
    const terms = newMarketTerms(
      request({ makerFeeBps: 5, takerFeeBps: 20, minQuantity: '10', maxQuantity: '500', maxNotional: '2500.50', priceCollarBps: 250 }),
      defaults,
    );
    expect(terms).toMatchObject({ makerFeeBps: 5, takerFeeBps: 20, minQuantity: 10n, maxQuantity: 500n, maxNotionalCents: 250050n, priceCollarBps: 250 });
  });

  it('round the default quantity limits into whole lots: the minimum up, the maximum down', () => {
    const terms = newMarketTerms(request({ lotSize: '7' }), { ...defaults, minQuantity: 1n, maxQuantity: 100n });
    expect(terms.minQuantity).toBe(7n);
    expect(terms.maxQuantity).toBe(98n);
  });

  it.each([
    ['0', 'tickSize'],
    ['0.00', 'tickSize'],
    ['0.001', 'tickSize'],
    ['0.015', 'tickSize'],
  ])('refuse a tick size of %s: not a positive whole number of cents', (tickSize) => {
    expect(fieldsOf(() => newMarketTerms(request({ tickSize }), defaults)).tickSize).toEqual([
      'must be a positive whole number of cents, such as "0.01" or "0.05"',
    ]);
  });

  it.each(['0', '1.5', '0.1'])('refuse a lot size of %s: not a positive whole number of shares', (lotSize) => {
    expect(fieldsOf(() => newMarketTerms(request({ lotSize }), defaults)).lotSize).toEqual(['must be a positive whole number of shares']);
  });

  it('refuse a reference price that is not positive, has fractions of a cent, or is off the tick', () => {
    expect(fieldsOf(() => newMarketTerms(request({ referencePrice: '0' }), defaults)).referencePrice).toEqual(['must be a positive price in whole cents']);
    expect(fieldsOf(() => newMarketTerms(request({ referencePrice: '1.001' }), defaults)).referencePrice).toEqual(['must be a positive price in whole cents']);
    expect(fieldsOf(() => newMarketTerms(request({ tickSize: '0.05', referencePrice: '100.03' }), defaults)).referencePrice).toEqual([
      'must be a multiple of the tick size (0.05)',
    ]);
  });

  it('refuse quantity limits off the lot, or a minimum above the maximum', () => {
    expect(fieldsOf(() => newMarketTerms(request({ lotSize: '10', minQuantity: '15', maxQuantity: '105' }), defaults))).toEqual({
      minQuantity: ['must be a multiple of the lot size (10)'],
      maxQuantity: ['must be a multiple of the lot size (10)'],
    });
    expect(fieldsOf(() => newMarketTerms(request({ minQuantity: '100', maxQuantity: '99' }), defaults))).toEqual({
      maxQuantity: ['must not be less than minQuantity (100)'],
    });
    expect(fieldsOf(() => newMarketTerms(request({ minQuantity: '2000000' }), defaults))).toEqual({
      maxQuantity: ['must not be less than minQuantity (2000000)'],
    });
  });

  it('refuse a lot bigger than the default maximum unless a maximum is given', () => {
    expect(fieldsOf(() => newMarketTerms(request({ lotSize: '5000' }), { ...defaults, maxQuantity: 1000n })).maxQuantity).toEqual([
      'the default maximum quantity (1000) is less than one lot: give one',
    ]);
    expect(newMarketTerms(request({ lotSize: '5000', maxQuantity: '10000' }), { ...defaults, maxQuantity: 1000n }).maxQuantity).toBe(10000n);
  });

  it('report every problem at once, and nothing twice', () => {
    expect(
      fieldsOf(() => newMarketTerms(request({ tickSize: '0.001', lotSize: '0', referencePrice: 'abc', maxNotional: '0', minQuantity: '1.5' }), defaults)),
    ).toEqual({
      tickSize: ['must be a positive whole number of cents, such as "0.01" or "0.05"'],
      lotSize: ['must be a positive whole number of shares'],
      referencePrice: ['must be a positive price in whole cents'],
      minQuantity: ['must be a positive whole number of shares'],
      maxNotional: ['must be a positive amount of USD in whole cents'],
    });
  });

  it('refuse numbers a BIGINT column cannot hold', () => {
    expect(fieldsOf(() => newMarketTerms(request({ maxNotional: '999999999999999999.99' }), defaults)).maxNotional).toEqual(['is too large']);
  });
});

describe('changing a market', () => {
  const current: MarketTerms = newMarketTerms(request({ tickSize: '0.05', lotSize: '10', minQuantity: '10', maxQuantity: '1000' }), defaults);

  it('keeps what is not changed, tick and lot size always', () => {
    expect(changedMarketTerms(current, { referencePrice: '101.05', takerFeeBps: 25 })).toEqual({ ...current, referencePriceCents: 10105n, takerFeeBps: 25 });
  });

  it('checks the changes against the terms that stay', () => {
    expect(fieldsOf(() => changedMarketTerms(current, { referencePrice: '101.01' })).referencePrice).toEqual(['must be a multiple of the tick size (0.05)']);
    expect(fieldsOf(() => changedMarketTerms(current, { maxQuantity: '5' }))).toEqual({
      maxQuantity: ['must be a multiple of the lot size (10)', 'must not be less than minQuantity (10)'],
    });
    expect(fieldsOf(() => changedMarketTerms(current, { minQuantity: '2000' })).maxQuantity).toEqual(['must not be less than minQuantity (2000)']);
    expect(fieldsOf(() => changedMarketTerms(current, { maxNotional: '0.001' })).maxNotional).toEqual(['must be a positive amount of USD in whole cents']);
  });
});
