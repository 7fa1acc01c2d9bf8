import { formatAmount } from '@exchange/contracts';

/**
 * (last − open) / open in percent with two decimals, rounded half away from zero, in integers only:
 * 4000 → 4123 cents is "3.08" (3.075 rounded up), 4000 → 3877 is "-3.08".
 */
export function changePercent(openCents: bigint, lastCents: bigint): string {
  if (openCents <= 0n) throw new RangeError('an opening price must be positive');
  // hundredths of a percent: (last − open) × 100 × 100 / open
  const scaled = (lastCents - openCents) * 10_000n;
  const magnitude = scaled < 0n ? -scaled : scaled;
  const rounded = (magnitude * 2n + openCents) / (2n * openCents);
  return formatAmount(scaled < 0n ? -rounded : rounded, 2);
}
