/**
 * The matching engine's events on `executions:{SYMBOL}` as this service reads them, and a market's
 * units (prices in ticks, quantities in lots): defined once, in the contracts.
 */
export {
  cancelRejectedExecutionSchema as cancelRejectedSchema,
  centsOf,
  orderAcceptedExecutionSchema as orderAcceptedSchema,
  orderClosedExecutionSchema as orderClosedSchema,
  orderReducedExecutionSchema as orderReducedSchema,
  orderRejectedExecutionSchema as orderRejectedSchema,
  sharesOf,
  tradeExecutionSchema as tradeSchema,
  unitsOf,
  type MarketUnits,
  type OrderAcceptedExecution as OrderAccepted,
  type OrderClosedExecution as OrderClosed,
  type OrderRejectedExecution as OrderRejected,
  type TradeExecution as Trade,
} from '@exchange/contracts';

export type Side = 'BUY' | 'SELL';
export const opposite = (of: Side): Side => (of === 'BUY' ? 'SELL' : 'BUY');
