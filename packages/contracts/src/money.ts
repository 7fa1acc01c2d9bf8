/**
 * Amounts travel as decimal strings ("150.25", "10") and are computed as bigint minor units
 * (cents for USD, whole shares for a symbol). This module is the one place that converts between
 * the two; there is no floating point anywhere on the way.
 */

export const CASH_ASSET = 'USD';
export const CASH_SCALE = 2;
export const SHARE_SCALE = 0;

/** Digits after the decimal point an asset allows: cents for USD, whole units for shares. */
export function scaleOf(asset: string): number {
  return asset === CASH_ASSET ? CASH_SCALE : SHARE_SCALE;
}

/** A plain non-negative decimal: digits, optionally a point and more digits. No sign, exponent or spaces. */
export const DECIMAL_PATTERN = /^(0|[1-9]\d{0,17})(\.\d{1,18})?$/;

export class AmountError extends Error {
  override name = 'AmountError';
}

/**
 * "12.30" at scale 2 → 1230n. Refuses what is not a plain decimal, and more decimals than the scale
 * allows ("0.001" USD, "1.5" shares), rather than rounding.
 */
export function parseAmount(text: string, scale: number): bigint {
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) throw new AmountError('must be a decimal number such as "10" or "10.25"');
  const whole = match[1]!;
  const fraction = (match[2] ?? '').slice(1).replace(/0+$/, '');
  if (fraction.length > scale) {
    throw new AmountError(scale === 0 ? 'must be a whole number' : `must have at most ${scale} decimals`);
  }
  return BigInt(whole + fraction.padEnd(scale, '0'));
}

/** 1230n at scale 2 → "12.30"; -5n → "-0.05". */
export function formatAmount(minorUnits: bigint, scale: number): string {
  const negative = minorUnits < 0n;
  const digits = (negative ? -minorUnits : minorUnits).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

export function formatAsset(minorUnits: bigint, asset: string): string {
  return formatAmount(minorUnits, scaleOf(asset));
}

export function parseAsset(text: string, asset: string): bigint {
  return parseAmount(text, scaleOf(asset));
}

const BPS = 10_000n;

/** The exchange's fee on `notionalCents` at `bps` basis points, rounded down to the cent (never more than the rate). */
export function feeCents(notionalCents: bigint, bps: number): bigint {
  return (notionalCents * BigInt(bps)) / BPS;
}

/**
 * What buying `shares` at worst `priceCents` each may cost: the notional plus the larger fee it
 * could pay. A buy order holds this for what it still has to fill. Fees round down per fill, so the
 * fees of several fills never add up to more than the fee of their sum: it is always enough.
 */
export function buyNeedCents(priceCents: bigint, shares: bigint, maxFeeBps: number): bigint {
  const notional = priceCents * shares;
  return notional + feeCents(notional, maxFeeBps);
}
