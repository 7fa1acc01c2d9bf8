import { CASH_ASSET, formatAsset, parseAsset, type Market } from '@exchange/contracts';

/** A market's units: the engine counts prices in ticks and quantities in lots; they never change once a market exists. */
export interface MarketUnits {
  tickSizeCents: bigint;
  lotSize: bigint;
}

export function unitsOf(market: Pick<Market, 'symbol' | 'tickSize' | 'lotSize'>): MarketUnits {
  return { tickSizeCents: parseAsset(market.tickSize, CASH_ASSET), lotSize: parseAsset(market.lotSize, market.symbol) };
}

export const centsOf = (ticks: number | bigint, units: MarketUnits): bigint => BigInt(ticks) * units.tickSizeCents;
export const sharesOf = (lots: number | bigint, units: MarketUnits): bigint => BigInt(lots) * units.lotSize;

/** 1234n → "12.34" */
export const usd = (cents: bigint): string => formatAsset(cents, CASH_ASSET);
