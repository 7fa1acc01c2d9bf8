import { z } from 'zod';

/** Streams between the order manager and the matching engine, one per symbol. */
export const ordersStream = (symbol: string) => `orders:${symbol}`;
export const executionsStream = (symbol: string) => `executions:${symbol}`;

const integerString = z.string().regex(/^[1-9]\d{0,15}$/, 'must be a positive whole number written as a string');

/** `order_created` on `orders:{SYMBOL}`: prices in ticks and quantities in lots, as integer strings. */
export const orderCreatedSchema = z.object({
  orderId: z.string().min(1).max(100),
  userId: z.string().min(1).max(100),
  symbol: z.string().min(1).max(12),
  side: z.enum(['BUY', 'SELL']),
  type: z.enum(['LIMIT', 'MARKET']),
  priceTicks: integerString.optional(),
  quantityLots: integerString,
  timeInForce: z.enum(['GTC', 'IOC', 'FOK']).default('GTC'),
  postOnly: z.boolean().default(false),
  selfTradePrevention: z.enum(['CANCEL_NEWEST', 'CANCEL_OLDEST', 'CANCEL_BOTH', 'NONE']).default('CANCEL_NEWEST'),
});
export type OrderCreated = z.infer<typeof orderCreatedSchema>;

/** `order_cancel_requested` on `orders:{SYMBOL}`. */
export const orderCancelRequestedSchema = z.object({
  orderId: z.string().min(1).max(100),
  symbol: z.string().min(1).max(12),
});
export type OrderCancelRequested = z.infer<typeof orderCancelRequestedSchema>;

/**
 * The matching engine's events on `executions:{SYMBOL}`, as every consumer reads them. Prices are in
 * ticks and quantities in lots of the event's market (whole numbers; `centsOf` / `sharesOf` in
 * markets.ts convert them); `executedAt` is the engine's commit time.
 */
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const executionSide = z.enum(['BUY', 'SELL']);
const executionHeader = { symbol: z.string().min(1), sequence: count, executedAt: z.string().optional() };

export const orderAcceptedExecutionSchema = z.object({
  ...executionHeader,
  orderId: z.string().min(1),
  ownerId: z.string().min(1),
  side: executionSide,
  price: count,
  quantity: count,
});
export const tradeExecutionSchema = z.object({
  ...executionHeader,
  tradeId: count,
  price: count,
  quantity: count,
  takerSide: executionSide,
  makerOrderId: z.string().min(1),
  makerOwnerId: z.string().min(1),
  makerRemaining: count,
  takerOrderId: z.string().min(1),
  takerOwnerId: z.string().min(1),
  takerRemaining: count,
});
/** `order_canceled` and `order_expired`: `quantity` is what was still open and is no more */
export const orderClosedExecutionSchema = z.object({
  ...executionHeader,
  orderId: z.string().min(1),
  ownerId: z.string().min(1),
  quantity: count,
  reason: z.string(),
});
export const orderRejectedExecutionSchema = z.object({ ...executionHeader, orderId: z.string().min(1), ownerId: z.string().min(1), reason: z.string() });
export const orderReducedExecutionSchema = z.object({ ...executionHeader, orderId: z.string().min(1), ownerId: z.string().min(1), remaining: count });
/** any event about one order of one owner (accepted, canceled, expired, rejected, reduced) */
export const orderExecutionSchema = z.object({ ...executionHeader, orderId: z.string().min(1), ownerId: z.string().min(1) });
/** `cancel_rejected`: names the order only, not its owner */
export const cancelRejectedExecutionSchema = z.object({ ...executionHeader, orderId: z.string().min(1), reason: z.string() });

export type OrderAcceptedExecution = z.infer<typeof orderAcceptedExecutionSchema>;
export type TradeExecution = z.infer<typeof tradeExecutionSchema>;
export type OrderClosedExecution = z.infer<typeof orderClosedExecutionSchema>;
export type OrderRejectedExecution = z.infer<typeof orderRejectedExecutionSchema>;
