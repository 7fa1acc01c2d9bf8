import { z } from 'zod';
import { batchResultsSchema, itemAssertionSchema, MAX_BATCH_ITEMS } from './batch.js';
import { marketSchema, symbolSchema } from './markets.js';
import { decimalStringSchema } from './wallet.js';

/** The pre-trade rules of the risk-manager; a refusal names one in `details.rule`. */
export const RISK_RULES = [
  'MIN_QUANTITY',
  'MAX_QUANTITY',
  'MAX_NOTIONAL',
  'PRICE_COLLAR',
  'MAX_OPEN_ORDERS',
  'ORDER_RATE',
  'KILL_SWITCH',
  'NO_REFERENCE_PRICE',
] as const;
export type RiskRule = (typeof RISK_RULES)[number];

/** POST /check on the risk-manager: one order about to be placed. */
export const riskCheckRequestSchema = z.strictObject({
  orderId: z.uuid(),
  userId: z.uuid(),
  symbol: symbolSchema,
  side: z.enum(['BUY', 'SELL']),
  type: z.enum(['LIMIT', 'MARKET']),
  /** USD per share; LIMIT only */
  price: decimalStringSchema.optional(),
  /** shares */
  quantity: decimalStringSchema,
});
export type RiskCheckRequest = z.infer<typeof riskCheckRequestSchema>;

export const riskCheckResponseSchema = z.object({
  market: marketSchema,
  /**
   * For a MARKET order: the worst price it may trade at (the edge of the price collar). The engine
   * never fills it beyond, and a market buy holds quantity × this price.
   */
  protectionPrice: z.string().optional(),
  /**
   * the user's open-order limit; the order manager, which owns the orders, enforces it as it writes
   * the order, so that placements racing each other cannot pass it together
   */
  maxOpenOrders: z.number().int().min(0),
});
export type RiskCheckResponse = z.infer<typeof riskCheckResponseSchema>;

/** Many orders' checks in one call (the order manager's batch of placements), each for its own asserted user. */
export const riskCheckBatchRequestSchema = z.strictObject({
  orders: z
    .array(riskCheckRequestSchema.extend({ assertion: itemAssertionSchema }))
    .min(1)
    .max(MAX_BATCH_ITEMS),
});
export const riskCheckBatchResponseSchema = batchResultsSchema(riskCheckResponseSchema);

/**
 * `risk-changes`: a risk-manager instance (`origin`) changed a market or a user's limits; every other
 * instance drops what it keeps of it (and reads it again), so a halt applies everywhere at once.
 */
const changeOrigin = { origin: z.string().min(1).max(100) };
export const riskChangeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('market'), symbol: z.string().min(1), ...changeOrigin }),
  z.object({ kind: z.literal('limits'), userId: z.string().min(1), ...changeOrigin }),
]);
export type RiskChange = z.infer<typeof riskChangeSchema>;
export const RISK_CHANGES_CHANNEL = 'risk-changes';

/** Limits of one user; absent fields fall back to the risk-manager's defaults. */
export const userRiskLimitsSchema = z
  .object({
    userId: z.uuid(),
    maxOpenOrders: z.number().int().min(0),
    maxOrdersPerMinute: z.number().int().min(0),
    maxNotional: z.string().nullable(),
    killSwitch: z.boolean(),
    updatedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'UserRiskLimits' });
export type UserRiskLimits = z.infer<typeof userRiskLimitsSchema>;

export const updateUserRiskLimitsSchema = z
  .strictObject({
    maxOpenOrders: z.number().int().min(0).nullable().optional(),
    maxOrdersPerMinute: z.number().int().min(0).nullable().optional(),
    maxNotional: decimalStringSchema.nullable().optional(),
    killSwitch: z.boolean().optional(),
  })
  .meta({ id: 'UpdateUserRiskLimits' });
export type UpdateUserRiskLimits = z.infer<typeof updateUserRiskLimitsSchema>;
