/**
 * Amounts travel as decimal strings ("150.25", "10"). Arithmetic happens on bigint minor units
 * (cents for USD, whole shares), never on floating point. Display goes through Intl with the
 * user's locale, built from the exact digits.
 */

import { AmountError, CASH_SCALE, formatAmount, parseAmount, SHARE_SCALE, scaleOf } from '@exchange/contracts';

export { buyNeedCents, CASH_ASSET, CASH_SCALE, feeCents, formatAmount, parseAmount, parseAsset, scaleOf, SHARE_SCALE } from '@exchange/contracts';

const SIGNED_DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * What a person typed, as minor units: "12.30" at scale 2 → 1230n, surrounding spaces ignored; null
 * for anything the exchange would refuse (not a plain decimal, or more decimals than the scale).
 */
export function parseUnits(text: string, scale: number): bigint | null {
  try {
    return parseAmount(text.trim(), scale);
  } catch (error) {
    if (error instanceof AmountError) return null;
    throw error;
  }
}

/** Like parseUnits but accepts a leading minus (server amounts such as P&L). */
export function parseSignedUnits(text: string, scale: number): bigint | null {
  const trimmed = text.trim();
  const negative = trimmed.startsWith('-');
  const value = parseUnits(negative ? trimmed.slice(1) : trimmed, scale);
  return value === null ? null : negative ? -value : value;
}

/** 1230n at scale 2 → "12.30"; -5n → "-0.05". */
export const formatUnits = formatAmount;

/** The number of decimals a decimal string carries ("0.05" → 2, "1" → 0). */
export function decimalsOf(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Compares two decimal strings exactly (negative, zero, positive). */
export function compareDecimal(a: string, b: string): number {
  const scale = Math.max(decimalsOf(a), decimalsOf(b));
  const x = parseSignedUnits(a, scale);
  const y = parseSignedUnits(b, scale);
  if (x === null || y === null) throw new Error(`not decimals: ${a}, ${b}`);
  return x < y ? -1 : x > y ? 1 : 0;
}

const formatters = new Map<string, Intl.NumberFormat>();
function groupFormatter(locale: string | undefined): Intl.NumberFormat {
  const key = locale ?? '';
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { maximumFractionDigits: 0, useGrouping: true });
    formatters.set(key, formatter);
  }
  return formatter;
}

function decimalSeparator(locale: string | undefined): string {
  return new Intl.NumberFormat(locale).formatToParts(1.5).find((part) => part.type === 'decimal')?.value ?? '.';
}

/**
 * Formats a decimal string for display in the locale with exactly `fractionDigits` decimals,
 * from its digits (rounding half up when it has more). "-1234.5" → "-1,234.50" (en-US).
 * Null or an unparsable value → "—".
 */
export function formatDecimal(text: string | null | undefined, fractionDigits: number, locale?: string): string {
  if (text === null || text === undefined) return '—';
  const match = SIGNED_DECIMAL.exec(text.trim());
  if (!match) return '—';
  const [, minus, whole, fraction = ''] = match;
  let units = BigInt(whole! + fraction.slice(0, fractionDigits).padEnd(fractionDigits, '0'));
  const rest = fraction.slice(fractionDigits);
  if (rest.length > 0 && rest[0]! >= '5') units += 1n;
  const negative = Boolean(minus) && units !== 0n;
  const scale = BigInt(10 ** fractionDigits);
  const integer = groupFormatter(locale).format(units / scale);
  const decimals = fractionDigits > 0 ? decimalSeparator(locale) + (units % scale).toString().padStart(fractionDigits, '0') : '';
  return `${negative ? '-' : ''}${integer}${decimals}`;
}

/** USD amount with cents. */
export const formatUsd = (text: string | null | undefined, locale?: string) => formatDecimal(text, CASH_SCALE, locale);
/** Share quantity (whole). */
export const formatQty = (text: string | null | undefined, locale?: string) => formatDecimal(text, SHARE_SCALE, locale);
/** An asset's amount: USD with cents, shares whole. */
export const formatAsset = (text: string | null | undefined, asset: string, locale?: string) => formatDecimal(text, scaleOf(asset), locale);
