import { AppError } from '@exchange/platform/errors';
import { AmountError, CASH_ASSET, formatAsset, parseAsset } from '@exchange/contracts';

export interface AmountRules {
  /** the share symbols the exchange knows, besides USD */
  shareAssets: ReadonlySet<string>;
  /** largest single deposit or credit, per kind of asset, in minor units */
  maxCashDeposit: bigint;
  maxShareCredit: bigint;
}

function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field} ${message}`, { fields: { [field]: [message] } });
}

export function checkAsset(rules: AmountRules, asset: string, field = 'asset'): void {
  if (asset !== CASH_ASSET && !rules.shareAssets.has(asset)) throw invalid(field, `"${asset}" is not an asset of this exchange`);
}

/** A strictly positive amount of `asset` in minor units; 400 VALIDATION_FAILED naming `field` otherwise. */
export function positiveAmount(asset: string, text: string, field = 'amount'): bigint {
  let value: bigint;
  try {
    value = parseAsset(text, asset);
  } catch (error) {
    if (error instanceof AmountError) throw invalid(field, error.message);
    throw error;
  }
  if (value <= 0n) throw invalid(field, 'must be greater than zero');
  return value;
}

/** Same, for an amount that may be zero (a fee). */
export function nonNegativeAmount(asset: string, text: string, field: string): bigint {
  try {
    return parseAsset(text, asset);
  } catch (error) {
    if (error instanceof AmountError) throw invalid(field, error.message);
    throw error;
  }
}

export function depositAmount(rules: AmountRules, asset: string, text: string): bigint {
  checkAsset(rules, asset);
  const value = positiveAmount(asset, text);
  const max = asset === CASH_ASSET ? rules.maxCashDeposit : rules.maxShareCredit;
  if (value > max) throw invalid('amount', `must not exceed ${formatAsset(max, asset)} ${asset} per deposit`);
  return value;
}
