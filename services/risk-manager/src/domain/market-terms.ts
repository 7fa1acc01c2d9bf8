import { AppError } from '@exchange/platform/errors';
import {
  AmountError,
  addFieldError,
  CASH_SCALE,
  formatAmount,
  parseAmount,
  SHARE_SCALE,
  type CreateMarketRequest,
  type UpdateMarketRequest,
} from '@exchange/contracts';

/** A market's trading terms in exact units: cents and whole shares. */
export interface MarketTerms {
  tickSizeCents: bigint;
  lotSize: bigint;
  referencePriceCents: bigint;
  makerFeeBps: number;
  takerFeeBps: number;
  minQuantity: bigint;
  maxQuantity: bigint;
  maxNotionalCents: bigint;
  priceCollarBps: number;
}

/** What a new market gets for the terms its creator leaves out. */
export interface MarketDefaults {
  makerFeeBps: number;
  takerFeeBps: number;
  priceCollarBps: number;
  minQuantity: bigint;
  maxQuantity: bigint;
  maxNotionalCents: bigint;
}

/** The largest value a PostgreSQL BIGINT holds. */
const MAX_BIGINT = 2n ** 63n - 1n;

export const formatCents = (cents: bigint) => formatAmount(cents, CASH_SCALE);
export const formatShares = (shares: bigint) => formatAmount(shares, SHARE_SCALE);

/** Collects every problem of a request, so that the caller can fix them all in one go. */
export class FieldProblems {
  readonly fields: Record<string, string[]> = {};

  add(field: string, message: string): void {
    addFieldError(this.fields, field, message);
  }

  /** A strictly positive decimal at `scale` (2: cents, 0: whole shares); undefined after noting `problem` otherwise. */
  positive(field: string, text: string, scale: number, problem: string): bigint | undefined {
    let value: bigint;
    try {
      value = parseAmount(text, scale);
    } catch (error) {
      if (!(error instanceof AmountError)) throw error;
      this.add(field, problem);
      return undefined;
    }
    if (value <= 0n) this.add(field, problem);
    else if (value > MAX_BIGINT) this.add(field, 'is too large');
    else return value;
    return undefined;
  }

  throwIfAny(message = 'The request is not valid'): void {
    if (Object.keys(this.fields).length > 0) throw new AppError('VALIDATION_FAILED', message, { fields: this.fields });
  }
}

const TICK_PROBLEM = 'must be a positive whole number of cents, such as "0.01" or "0.05"';
const SHARES_PROBLEM = 'must be a positive whole number of shares';
const PRICE_PROBLEM = 'must be a positive price in whole cents';
const CASH_PROBLEM = 'must be a positive amount of USD in whole cents';

const roundUpTo = (value: bigint, step: bigint) => ((value + step - 1n) / step) * step;

/**
 * The terms of a new market, checked together: tick and lot sizes positive whole cents and shares,
 * the reference price on the tick, quantity limits in lots with min ≤ max. Unset terms take the
 * defaults, whose quantity limits are rounded into whole lots (min up, max down).
 */
export function newMarketTerms(request: CreateMarketRequest, defaults: MarketDefaults): MarketTerms {
  const problems = new FieldProblems();
  const tickSizeCents = problems.positive('tickSize', request.tickSize, CASH_SCALE, TICK_PROBLEM);
  const lotSize = problems.positive('lotSize', request.lotSize, SHARE_SCALE, SHARES_PROBLEM);
  const referencePriceCents = problems.positive('referencePrice', request.referencePrice, CASH_SCALE, PRICE_PROBLEM);
  const lot = lotSize ?? 1n;
  const minQuantity =
    request.minQuantity === undefined
      ? roundUpTo(defaults.minQuantity, lot)
      : problems.positive('minQuantity', request.minQuantity, SHARE_SCALE, SHARES_PROBLEM);
  let maxQuantity =
    request.maxQuantity === undefined ? (defaults.maxQuantity / lot) * lot : problems.positive('maxQuantity', request.maxQuantity, SHARE_SCALE, SHARES_PROBLEM);
  if (maxQuantity === 0n) {
    problems.add('maxQuantity', `the default maximum quantity (${formatShares(defaults.maxQuantity)}) is less than one lot: give one`);
    maxQuantity = undefined;
  }
  const maxNotionalCents =
    request.maxNotional === undefined ? defaults.maxNotionalCents : problems.positive('maxNotional', request.maxNotional, CASH_SCALE, CASH_PROBLEM);
  const terms: Partial<MarketTerms> = {
    tickSizeCents,
    lotSize,
    referencePriceCents,
    makerFeeBps: request.makerFeeBps ?? defaults.makerFeeBps,
    takerFeeBps: request.takerFeeBps ?? defaults.takerFeeBps,
    minQuantity,
    maxQuantity,
    maxNotionalCents,
    priceCollarBps: request.priceCollarBps ?? defaults.priceCollarBps,
  };
  checkConsistency(problems, terms);
  problems.throwIfAny('The market is not valid');
  return terms as MarketTerms;
}

/** The terms after an update; tick and lot size stay as they are (the update schema has no such fields). */
export function changedMarketTerms(current: MarketTerms, changes: UpdateMarketRequest): MarketTerms {
  const problems = new FieldProblems();
  const given = (field: 'referencePrice' | 'minQuantity' | 'maxQuantity' | 'maxNotional', scale: number, problem: string, fallback: bigint) => {
    const text = changes[field];
    return text === undefined ? fallback : problems.positive(field, text, scale, problem);
  };
  const terms: Partial<MarketTerms> = {
    ...current,
    referencePriceCents: given('referencePrice', CASH_SCALE, PRICE_PROBLEM, current.referencePriceCents),
    minQuantity: given('minQuantity', SHARE_SCALE, SHARES_PROBLEM, current.minQuantity),
    maxQuantity: given('maxQuantity', SHARE_SCALE, SHARES_PROBLEM, current.maxQuantity),
    maxNotionalCents: given('maxNotional', CASH_SCALE, CASH_PROBLEM, current.maxNotionalCents),
    makerFeeBps: changes.makerFeeBps ?? current.makerFeeBps,
    takerFeeBps: changes.takerFeeBps ?? current.takerFeeBps,
    priceCollarBps: changes.priceCollarBps ?? current.priceCollarBps,
  };
  checkConsistency(problems, terms);
  problems.throwIfAny('The market change is not valid');
  return terms as MarketTerms;
}

/** Rules between terms; a term that is already invalid (undefined) is not checked again. */
function checkConsistency(problems: FieldProblems, terms: Partial<MarketTerms>): void {
  const { tickSizeCents: tick, lotSize: lot, referencePriceCents: reference, minQuantity: min, maxQuantity: max } = terms;
  if (tick !== undefined && reference !== undefined && reference % tick !== 0n) {
    problems.add('referencePrice', `must be a multiple of the tick size (${formatCents(tick)})`);
  }
  if (lot !== undefined && min !== undefined && min % lot !== 0n) problems.add('minQuantity', `must be a multiple of the lot size (${formatShares(lot)})`);
  if (lot !== undefined && max !== undefined && max % lot !== 0n) problems.add('maxQuantity', `must be a multiple of the lot size (${formatShares(lot)})`);
  if (min !== undefined && max !== undefined && min > max) problems.add('maxQuantity', `must not be less than minQuantity (${formatShares(min)})`);
}
