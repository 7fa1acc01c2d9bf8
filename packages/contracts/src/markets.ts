import { z } from 'zod';
import { CASH_ASSET, parseAsset } from './money.js';
import { decimalStringSchema } from './wallet.js';

/** A share symbol as listed: capital letters, digits and dots, such as `AAPL` or `BRK.B`. */
export const symbolSchema = z
  .string()
  .regex(/^[A-Z][A-Z0-9.]{0,11}$/, 'must be a symbol such as "AAPL"')
  .meta({ example: 'AAPL' });

export const MARKET_STATUSES = ['TRADING', 'HALTED'] as const;
export const marketStatusSchema = z.enum(MARKET_STATUSES);
export type MarketStatus = z.infer<typeof marketStatusSchema>;

const basisPoints = z.number().int().min(0).max(10_000);

/**
 * An instrument. Prices are USD per share in multiples of `tickSize` (whole cents); quantities are
 * shares in multiples of `lotSize` (whole shares). Tick and lot size never change once a market exists:
 * every resting order and every event of the engine is counted in them.
 */
export const marketSchema = z
  .object({
    symbol: symbolSchema,
    name: z.string(),
    baseAsset: z.string(),
    quoteAsset: z.literal('USD'),
    tickSize: z.string(),
    lotSize: z.string(),
    referencePrice: z.string(),
    status: marketStatusSchema,
    makerFeeBps: basisPoints,
    takerFeeBps: basisPoints,
    minQuantity: z.string(),
    maxQuantity: z.string(),
    maxNotional: z.string(),
    priceCollarBps: basisPoints,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Market' });
export type Market = z.infer<typeof marketSchema>;

export const marketListSchema = z.object({ items: z.array(marketSchema) });
export type MarketList = z.infer<typeof marketListSchema>;

export const createMarketRequestSchema = z
  .strictObject({
    symbol: symbolSchema,
    name: z.string().trim().min(1).max(100),
    tickSize: decimalStringSchema.default('0.01'),
    lotSize: decimalStringSchema.default('1'),
    referencePrice: decimalStringSchema,
    status: marketStatusSchema.default('TRADING'),
    makerFeeBps: basisPoints.optional(),
    takerFeeBps: basisPoints.optional(),
    minQuantity: decimalStringSchema.optional(),
    maxQuantity: decimalStringSchema.optional(),
    maxNotional: decimalStringSchema.optional(),
    priceCollarBps: basisPoints.min(1).optional(),
  })
  .meta({ id: 'CreateMarket' });
export type CreateMarketRequest = z.infer<typeof createMarketRequestSchema>;

export const updateMarketRequestSchema = z
  .strictObject({
    status: marketStatusSchema.optional(),
    referencePrice: decimalStringSchema.optional(),
    makerFeeBps: basisPoints.optional(),
    takerFeeBps: basisPoints.optional(),
    minQuantity: decimalStringSchema.optional(),
    maxQuantity: decimalStringSchema.optional(),
    maxNotional: decimalStringSchema.optional(),
    priceCollarBps: basisPoints.min(1).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'change at least one field' })
  .meta({ id: 'UpdateMarket' });
export type UpdateMarketRequest = z.infer<typeof updateMarketRequestSchema>;

export const marketEnvelopeSchema = z.object({ market: marketSchema });
export type MarketEnvelope = z.infer<typeof marketEnvelopeSchema>;

/** What one tick (in cents) and one lot (in shares) of a market are worth: the engine counts in them. */
export interface MarketUnits {
  tickSizeCents: bigint;
  lotSize: bigint;
}

export function unitsOf(market: Pick<Market, 'symbol' | 'tickSize' | 'lotSize'>): MarketUnits {
  return { tickSizeCents: parseAsset(market.tickSize, CASH_ASSET), lotSize: parseAsset(market.lotSize, market.symbol) };
}

/** ticks → cents, lots → shares */
export const centsOf = (ticks: number | bigint, units: MarketUnits): bigint => BigInt(ticks) * units.tickSizeCents;
export const sharesOf = (lots: number | bigint, units: MarketUnits): bigint => BigInt(lots) * units.lotSize;

/**
 * cents → ticks, shares → lots. Exact for the prices and quantities the risk-manager let through
 * (multiples of the tick and the lot); anything else is a caller's mistake, refused loudly.
 */
export function toTicks(cents: bigint, units: MarketUnits): bigint {
  if (cents % units.tickSizeCents !== 0n) throw new RangeError(`${cents} cents is not a whole number of ${units.tickSizeCents}-cent ticks`);
  return cents / units.tickSizeCents;
}
export function toLots(shares: bigint, units: MarketUnits): bigint {
  if (shares % units.lotSize !== 0n) throw new RangeError(`${shares} shares is not a whole number of ${units.lotSize}-share lots`);
  return shares / units.lotSize;
}
