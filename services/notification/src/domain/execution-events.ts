/**
 * A market's units as this service reads the engine's events in them (prices in ticks, quantities
 * in lots): the conversions are defined once, in the contracts.
 */
export { centsOf, sharesOf, unitsOf, type MarketUnits } from '@exchange/contracts';

export type Side = 'BUY' | 'SELL';
export const opposite = (of: Side): Side => (of === 'BUY' ? 'SELL' : 'BUY');
