import { z } from 'zod';
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
