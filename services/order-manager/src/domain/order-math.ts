/**
 * The arithmetic of an order, in exact integers: cents for money, whole shares for quantities. (The
 * conversions to the engine's ticks and lots are the contracts' `toTicks` / `toLots`.) No I/O.
 */

const BPS = 10_000n;

/** The fee on `notionalCents` at `bps` basis points, rounded down to the cent (never more than the rate). */
export function feeCents(notionalCents: bigint, bps: number): bigint {
  return (notionalCents * BigInt(bps)) / BPS;
}

/**
 * What an open buy order must keep held for `shares` still to fill at worst `priceCents` each: the
 * cost plus the largest fee it could pay. Fees round down per fill, so the fees of several fills
 * never add up to more than the fee of their sum: this is always enough.
 */
export function buyNeedCents(priceCents: bigint, shares: bigint, maxFeeBps: number): bigint {
  const notional = priceCents * shares;
  return notional + feeCents(notional, maxFeeBps);
}

/** Average fill price in cents, rounded half up; undefined before the first fill. */
export function averagePriceCents(filledNotionalCents: bigint, filledShares: bigint): bigint | undefined {
  if (filledShares === 0n) return undefined;
  return (filledNotionalCents * 2n + filledShares) / (filledShares * 2n);
}
