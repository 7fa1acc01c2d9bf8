import type { Market } from '@exchange/client';

/** A market as the exchange lists it, for the front end's tests: AAPL at 190.00 unless overridden. */
export function testMarket(overrides: Partial<Market> = {}): Market {
  const symbol = overrides.symbol ?? 'AAPL';
  return {
    symbol,
    name: 'Apple Inc.',
    baseAsset: symbol,
    quoteAsset: 'USD',
    tickSize: '0.01',
    lotSize: '1',
    referencePrice: '190.00',
    status: 'TRADING',
    makerFeeBps: 0,
    takerFeeBps: 10,
    minQuantity: '1',
    maxQuantity: '1000000',
    maxNotional: '10000000.00',
    priceCollarBps: 1000,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}
