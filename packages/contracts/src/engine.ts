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
