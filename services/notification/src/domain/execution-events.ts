import { CASH_ASSET, parseAsset } from '@exchange/contracts';
import { z } from 'zod';

/**
 * The matching engine's events on `executions:{SYMBOL}` as this service reads them. Prices are in
 * ticks and quantities in lots of the event's market (whole numbers); `MarketUnits` turns them into
 * cents and shares.
 */
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const side = z.enum(['BUY', 'SELL']);
const header = { symbol: z.string().min(1), sequence: count };

export const orderAcceptedSchema = z.object({ ...header, orderId: z.string().min(1), ownerId: z.string().min(1), side, price: count, quantity: count });
export const tradeSchema = z.object({
  ...header,
  tradeId: count,
  price: count,
  quantity: count,
  takerSide: side,
  makerOrderId: z.string().min(1),
  makerOwnerId: z.string().min(1),
  makerRemaining: count,
  takerOrderId: z.string().min(1),
  takerOwnerId: z.string().min(1),
  takerRemaining: count,
});
/** `order_canceled` and `order_expired`: `quantity` is what was still open and is no more */
export const orderClosedSchema = z.object({ ...header, orderId: z.string().min(1), ownerId: z.string().min(1), quantity: count, reason: z.string() });
export const orderRejectedSchema = z.object({ ...header, orderId: z.string().min(1), ownerId: z.string().min(1), reason: z.string() });
export const orderReducedSchema = z.object({ ...header, orderId: z.string().min(1), ownerId: z.string().min(1) });
/** `cancel_rejected`: names the order only, not its owner */
export const cancelRejectedSchema = z.object({ ...header, orderId: z.string().min(1) });

export type OrderAccepted = z.infer<typeof orderAcceptedSchema>;
export type Trade = z.infer<typeof tradeSchema>;
export type OrderClosed = z.infer<typeof orderClosedSchema>;
export type OrderRejected = z.infer<typeof orderRejectedSchema>;
export type Side = z.infer<typeof side>;

/** What one tick (in cents) and one lot (in shares) of a market are worth. */
export interface MarketUnits {
  tickSizeCents: bigint;
  lotSize: bigint;
}

export function unitsOf(market: { symbol: string; tickSize: string; lotSize: string }): MarketUnits {
  return { tickSizeCents: parseAsset(market.tickSize, CASH_ASSET), lotSize: parseAsset(market.lotSize, market.symbol) };
}

export const centsOf = (ticks: number, units: MarketUnits): bigint => BigInt(ticks) * units.tickSizeCents;
export const sharesOf = (lots: number, units: MarketUnits): bigint => BigInt(lots) * units.lotSize;
export const opposite = (of: Side): Side => (of === 'BUY' ? 'SELL' : 'BUY');
