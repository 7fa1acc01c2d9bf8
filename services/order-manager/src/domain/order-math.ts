/**
 * The arithmetic of an order, in exact integers: cents for money, whole shares for quantities. (The
 * exchange's fee and hold rules are the contracts' `feeCents` / `buyNeedCents`, and the conversions
 * to the engine's ticks and lots its `toTicks` / `toLots`: the front end shows the same numbers.)
 */

/** Average fill price in cents, rounded half up; undefined before the first fill. */
export function averagePriceCents(filledNotionalCents: bigint, filledShares: bigint): bigint | undefined {
  if (filledShares === 0n) return undefined;
  return (filledNotionalCents * 2n + filledShares) / (filledShares * 2n);
}
