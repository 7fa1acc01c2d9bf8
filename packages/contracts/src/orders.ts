import { z } from 'zod';
import { batchResultsSchema, itemAssertionSchema, MAX_BATCH_ITEMS } from './batch.js';
import { symbolSchema } from './markets.js';
import { decimalStringSchema } from './wallet.js';

export const ORDER_SIDES = ['BUY', 'SELL'] as const;
export const ORDER_TYPES = ['LIMIT', 'MARKET'] as const;
export const TIME_IN_FORCES = ['GTC', 'IOC', 'FOK'] as const;
export const ORDER_STATUSES = ['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'] as const;
export const OPEN_ORDER_STATUSES = ['NEW', 'PARTIALLY_FILLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** An order's time in force: as asked, else GTC for a LIMIT order and IOC for a MARKET order (which never rests). */
export function timeInForceOf(type: (typeof ORDER_TYPES)[number], asked: (typeof TIME_IN_FORCES)[number] | undefined): (typeof TIME_IN_FORCES)[number] {
  return asked ?? (type === 'MARKET' ? 'IOC' : 'GTC');
}

export const CLIENT_ORDER_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** POST /v1/orders. */
export const placeOrderRequestSchema = z
  .strictObject({
    symbol: symbolSchema,
    side: z.enum(ORDER_SIDES),
    type: z.enum(ORDER_TYPES),
    /** GTC for a LIMIT order, IOC for a MARKET order when omitted */
    timeInForce: z.enum(TIME_IN_FORCES).optional(),
    /** USD per share, a multiple of the market's tick size; LIMIT only */
    price: decimalStringSchema.optional(),
    /** shares, a multiple of the market's lot size */
    quantity: decimalStringSchema,
    clientOrderId: z.string().regex(CLIENT_ORDER_ID_PATTERN, 'must be 1 to 64 letters, digits or . _ : -').optional(),
    /** rests only: refused if it would trade on arrival (LIMIT GTC only) */
    postOnly: z.boolean().default(false),
  })
  .superRefine((order, ctx) => {
    if (order.type === 'LIMIT' && order.price === undefined) ctx.addIssue({ code: 'custom', path: ['price'], message: 'a LIMIT order needs a price' });
    if (order.type === 'MARKET' && order.price !== undefined) ctx.addIssue({ code: 'custom', path: ['price'], message: 'a MARKET order takes no price' });
    if (order.type === 'MARKET' && order.timeInForce === 'GTC')
      ctx.addIssue({ code: 'custom', path: ['timeInForce'], message: 'a MARKET order is IOC or FOK: it never rests' });
    if (order.postOnly && (order.type !== 'LIMIT' || (order.timeInForce ?? 'GTC') !== 'GTC')) {
      ctx.addIssue({ code: 'custom', path: ['postOnly'], message: 'post-only is for LIMIT GTC orders' });
    }
  })
  .meta({ id: 'PlaceOrder' });
export type PlaceOrderRequest = z.infer<typeof placeOrderRequestSchema>;

/**
 * Many placements in one call (the gateway's batch of the orders it received meanwhile), each for
 * its own asserted user, each continuing its own request's trace (`traceparent`).
 */
export const placeOrderBatchRequestSchema = z.strictObject({
  orders: z
    .array(z.strictObject({ assertion: itemAssertionSchema, traceparent: z.string().max(100).optional(), order: placeOrderRequestSchema }))
    .min(1)
    .max(MAX_BATCH_ITEMS),
});
export type PlaceOrderBatchRequest = z.infer<typeof placeOrderBatchRequestSchema>;

export const orderSchema = z
  .object({
    id: z.uuid(),
    clientOrderId: z.string().nullable(),
    symbol: z.string(),
    side: z.enum(ORDER_SIDES),
    type: z.enum(ORDER_TYPES),
    timeInForce: z.enum(TIME_IN_FORCES),
    postOnly: z.boolean(),
    price: z.string().nullable(),
    quantity: z.string(),
    filledQuantity: z.string(),
    /** USD per share over the fills so far, to the cent (rounded half up); null before the first fill */
    averagePrice: z.string().nullable(),
    /** USD paid in fees so far */
    fees: z.string(),
    status: z.enum(ORDER_STATUSES),
    rejectReason: z.string().nullable(),
    cancelRequested: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Order' });
export type Order = z.infer<typeof orderSchema>;

export const orderEnvelopeSchema = z.object({ order: orderSchema });
export type OrderEnvelope = z.infer<typeof orderEnvelopeSchema>;

export const orderListQuerySchema = z.strictObject({
  status: z.enum(['open', 'closed', 'all']).default('all'),
  symbol: symbolSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type OrderListQuery = z.infer<typeof orderListQuerySchema>;

export const orderListSchema = z.object({ items: z.array(orderSchema), nextCursor: z.string().nullable() });
export type OrderList = z.infer<typeof orderListSchema>;

/** One side of a trade, as its owner sees it. */
export const fillSchema = z
  .object({
    id: z.string(),
    tradeId: z.string(),
    orderId: z.uuid(),
    symbol: z.string(),
    side: z.enum(ORDER_SIDES),
    price: z.string(),
    quantity: z.string(),
    fee: z.string(),
    liquidity: z.enum(['MAKER', 'TAKER']),
    executedAt: z.iso.datetime(),
  })
  .meta({ id: 'Fill' });
export type Fill = z.infer<typeof fillSchema>;

export const fillListQuerySchema = z.strictObject({
  symbol: symbolSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type FillListQuery = z.infer<typeof fillListQuerySchema>;

export const fillListSchema = z.object({ items: z.array(fillSchema), nextCursor: z.string().nullable() });
export type FillList = z.infer<typeof fillListSchema>;

/** One placement of a batch: the order, and whether it was placed now (201) or answered as a retry (200). */
export const placementResultSchema = z.object({ statusCode: z.union([z.literal(200), z.literal(201)]), order: orderSchema });
export const placeOrderBatchResponseSchema = batchResultsSchema(placementResultSchema);
