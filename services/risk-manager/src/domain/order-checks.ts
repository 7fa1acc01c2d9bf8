import { AppError } from '@exchange/platform/errors';
import { CASH_SCALE, formatAmount, SHARE_SCALE, type RiskRule } from '@exchange/contracts';
import { FieldProblems, formatCents, formatShares, type MarketTerms } from './market-terms.js';

/**
 * The pre-trade rules, as pure functions over exact integers (cents, whole shares, basis points).
 * Each refusal is a RISK_REJECTED naming its rule, with the numbers that explain it.
 */

export type Side = 'BUY' | 'SELL';

const BPS = 10_000n;

export function riskRejected(rule: RiskRule, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError('RISK_REJECTED', message, { rule, ...details });
}

export function checkKillSwitch(isKillSwitchOn: boolean): void {
  if (isKillSwitchOn) throw riskRejected('KILL_SWITCH', 'Trading is switched off for this account');
}

export interface OrderAmounts {
  /** LIMIT only */
  priceCents: bigint | undefined;
  quantity: bigint;
}

/**
 * The order's price and quantity in cents and shares: a LIMIT price on the market's tick, a
 * quantity in its lots. 400 VALIDATION_FAILED naming `price` and/or `quantity` otherwise.
 */
export function orderAmounts(
  market: Pick<MarketTerms, 'tickSizeCents' | 'lotSize'>,
  order: { type: 'LIMIT' | 'MARKET'; price?: string | undefined; quantity: string },
): OrderAmounts {
  const problems = new FieldProblems();
  let priceCents: bigint | undefined;
  if (order.type === 'MARKET') {
    if (order.price !== undefined) problems.add('price', 'a MARKET order takes no price');
  } else if (order.price === undefined) {
    problems.add('price', 'a LIMIT order needs a price');
  } else {
    priceCents = problems.positive('price', order.price, CASH_SCALE, 'must be a positive price in whole cents');
    if (priceCents !== undefined && priceCents % market.tickSizeCents !== 0n) {
      problems.add('price', `must be a multiple of the tick size (${formatCents(market.tickSizeCents)})`);
    }
  }
  const quantity = problems.positive('quantity', order.quantity, SHARE_SCALE, 'must be a positive whole number of shares');
  if (quantity !== undefined && quantity % market.lotSize !== 0n) {
    problems.add('quantity', `must be a multiple of the lot size (${formatShares(market.lotSize)})`);
  }
  problems.throwIfAny('The order does not fit the market’s tick or lot size');
  return { priceCents, quantity: quantity! };
}

export function checkQuantity(market: Pick<MarketTerms, 'minQuantity' | 'maxQuantity'>, quantity: bigint): void {
  const numbers = { quantity: formatShares(quantity), minQuantity: formatShares(market.minQuantity), maxQuantity: formatShares(market.maxQuantity) };
  // a quantity outside the market's bounds is bad input (400), not a risk decision: it names its rule all the same
  const outOfBounds = (rule: 'MIN_QUANTITY' | 'MAX_QUANTITY', message: string) =>
    new AppError('VALIDATION_FAILED', message, { rule, ...numbers, fields: { quantity: [message] } });
  if (quantity < market.minQuantity) throw outOfBounds('MIN_QUANTITY', `must be at least ${numbers.minQuantity}`);
  if (quantity > market.maxQuantity) throw outOfBounds('MAX_QUANTITY', `must be at most ${numbers.maxQuantity}`);
}

/** reference × (1 ± bps/10000), edges included, compared exactly: price × 10000 against reference × (10000 ± bps). */
export function isWithinCollar(priceCents: bigint, referenceCents: bigint, collarBps: number): boolean {
  const bps = BigInt(collarBps);
  const scaled = priceCents * BPS;
  return scaled >= referenceCents * (BPS - bps) && scaled <= referenceCents * (BPS + bps);
}

export interface PriceRange {
  lowCents: bigint;
  highCents: bigint;
}

/**
 * The prices on the tick that the collar allows: its lower edge rounded up to a tick (never below
 * one tick), its upper edge rounded down to a tick.
 */
export function collarRange(referenceCents: bigint, collarBps: number, tickSizeCents: bigint): PriceRange {
  const bps = BigInt(collarBps);
  const lowExact = referenceCents * (BPS - bps);
  const divisor = BPS * tickSizeCents;
  const lowTicks = (lowExact + divisor - 1n) / divisor;
  const highTicks = (referenceCents * (BPS + bps)) / divisor;
  return { lowCents: (lowTicks > 0n ? lowTicks : 1n) * tickSizeCents, highCents: highTicks * tickSizeCents };
}

/** A LIMIT price outside the collar around the reference price: RISK_REJECTED PRICE_COLLAR. */
export function checkPriceCollar(priceCents: bigint, referenceCents: bigint, market: Pick<MarketTerms, 'priceCollarBps' | 'tickSizeCents'>): void {
  if (isWithinCollar(priceCents, referenceCents, market.priceCollarBps)) return;
  const range = collarRange(referenceCents, market.priceCollarBps, market.tickSizeCents);
  const numbers = {
    price: formatCents(priceCents),
    referencePrice: formatCents(referenceCents),
    low: formatCents(range.lowCents),
    high: formatCents(range.highCents),
    priceCollarBps: market.priceCollarBps,
  };
  const percent = formatAmount(BigInt(market.priceCollarBps), 2);
  throw riskRejected(
    'PRICE_COLLAR',
    `The price ${numbers.price} is outside the allowed range ${numbers.low} to ${numbers.high} (±${percent}% around ${numbers.referencePrice})`,
    numbers,
  );
}

/** The worst price a MARKET order may trade at: a buy the collar's top, a sell its bottom. */
export function protectionPrice(side: Side, range: PriceRange): bigint {
  return side === 'BUY' ? range.highCents : range.lowCents;
}

/**
 * price × quantity against the smaller of the market's and the user's limit (the user's applies
 * only when set). Returns the notional in cents.
 */
export function checkNotional(priceCents: bigint, quantity: bigint, marketMaxCents: bigint, userMaxCents: bigint | null): bigint {
  const notionalCents = priceCents * quantity;
  const isUserLimit = userMaxCents !== null && userMaxCents < marketMaxCents;
  const limitCents = isUserLimit ? userMaxCents : marketMaxCents;
  if (notionalCents > limitCents) {
    const numbers = { notional: formatCents(notionalCents), maxNotional: formatCents(limitCents), limitedBy: isUserLimit ? 'user' : 'market' };
    throw riskRejected('MAX_NOTIONAL', `The order is worth ${numbers.notional} USD, above the limit of ${numbers.maxNotional} USD`, numbers);
  }
  return notionalCents;
}

export const ORDER_RATE_WINDOW_MS = 60_000;

/** The fixed one-minute window `nowMs` falls in, and how long until it ends. */
export function orderRateWindow(nowMs: number): { index: number; endsInMs: number } {
  const index = Math.floor(nowMs / ORDER_RATE_WINDOW_MS);
  return { index, endsInMs: (index + 1) * ORDER_RATE_WINDOW_MS - nowMs };
}

/** `ordersInWindow` counts this order too. */
export function checkOrderRate(ordersInWindow: number, maxOrdersPerMinute: number, windowEndsInMs: number): void {
  if (ordersInWindow > maxOrdersPerMinute) {
    const retryAfterSeconds = Math.max(1, Math.ceil(windowEndsInMs / 1000));
    throw riskRejected('ORDER_RATE', `More than ${maxOrdersPerMinute} orders a minute; retry in ${retryAfterSeconds} s`, {
      maxOrdersPerMinute,
      retryAfterSeconds,
    });
  }
}
