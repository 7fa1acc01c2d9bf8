import { envBoolean, envInt } from '@exchange/platform';
import { AmountError, CASH_SCALE, parseAmount, SHARE_SCALE } from '@exchange/contracts';
import { z } from 'zod';

const basisPoints = (fallback: number, min = 0) => z.coerce.number().int().min(min).max(10_000).default(fallback);

/** A strictly positive decimal (`scale` 2: USD, parsed to cents; 0: whole shares), as a bigint. */
const positiveAmount = (fallback: string, scale: number) =>
  z
    .string()
    .default(fallback)
    .transform((text, context) => {
      try {
        const value = parseAmount(text, scale);
        if (value > 0n) return value;
        context.addIssue({ code: 'custom', message: 'must be greater than zero' });
      } catch (error) {
        if (!(error instanceof AmountError)) throw error;
        context.addIssue({ code: 'custom', message: error.message });
      }
      return z.NEVER;
    });

export const riskConfig = {
  /** fees of a new market when its creator gives none, in basis points of the notional */
  RISK_DEFAULT_MAKER_FEE_BPS: basisPoints(0),
  RISK_DEFAULT_TAKER_FEE_BPS: basisPoints(10),
  /** a LIMIT price must lie within reference ± this many basis points (1000 = ±10%) */
  RISK_DEFAULT_PRICE_COLLAR_BPS: basisPoints(1000, 1),
  /** shares per order, rounded into the market's lots */
  RISK_DEFAULT_MIN_QUANTITY: positiveAmount('1', SHARE_SCALE),
  RISK_DEFAULT_MAX_QUANTITY: positiveAmount('1000000', SHARE_SCALE),
  /** USD per order (price × quantity) */
  RISK_DEFAULT_MAX_NOTIONAL: positiveAmount('10000000.00', CASH_SCALE),
  /** per user, unless an admin sets the user's own limit */
  RISK_DEFAULT_MAX_OPEN_ORDERS: envInt(200, 0),
  RISK_DEFAULT_MAX_ORDERS_PER_MINUTE: envInt(600, 0),
  /** markets and limits are kept in memory and read again this often (ms), in case a change message was lost; 0: never */
  RISK_CACHE_REFRESH_MS: envInt(30_000, 0),
  /** create the demo markets (AAPL, MSFT, GOOGL, AMZN, TSLA) at start; refused when NODE_ENV=production */
  SEED_DEMO_MARKETS: envBoolean(false),
};
