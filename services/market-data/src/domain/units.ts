import { CASH_ASSET, formatAsset } from '@exchange/contracts';

/** A market's units (ticks and lots) and their conversions live in the contracts, shared by every consumer of the engine's events. */
export { centsOf, sharesOf, unitsOf, type MarketUnits } from '@exchange/contracts';

/** 1234n → "12.34" */
export const usd = (cents: bigint): string => formatAsset(cents, CASH_ASSET);
