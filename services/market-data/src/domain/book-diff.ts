import type { EngineBookState } from '@exchange/contracts';
import { centsOf, sharesOf, usd, type MarketUnits } from './units.js';

export type Level = [price: string, quantity: string];
type EngineLevel = EngineBookState['bids'][number];

/** The first `depth` levels of one side (already best first), in USD and shares. */
export function levelsOf(side: EngineLevel[], units: MarketUnits, depth = side.length): Level[] {
  return side.slice(0, depth).map((level) => [usd(centsOf(level.price, units)), sharesOf(level.quantity, units).toString()]);
}

/**
 * The levels of one side that differ between two states: changed or added with their new quantity,
 * removed with quantity "0", best first. Applied to the levels of `before`, it gives exactly those of
 * `after`.
 */
export function sideDiff(before: EngineLevel[], after: EngineLevel[], units: MarketUnits, isBids: boolean): Level[] {
  const old = new Map(before.map((level) => [level.price, level.quantity]));
  const now = new Map(after.map((level) => [level.price, level.quantity]));
  const prices = [...new Set([...old.keys(), ...now.keys()])].sort((a, b) => (isBids ? b - a : a - b));
  const changed: Level[] = [];
  for (const price of prices) {
    const quantity = now.get(price) ?? 0;
    if (quantity !== (old.get(price) ?? 0)) changed.push([usd(centsOf(price, units)), sharesOf(quantity, units).toString()]);
  }
  return changed;
}

export function depthDiff(before: EngineBookState, after: EngineBookState, units: MarketUnits): { bids: Level[]; asks: Level[] } {
  return { bids: sideDiff(before.bids, after.bids, units, true), asks: sideDiff(before.asks, after.asks, units, false) };
}

/**
 * What a client does with a depth update (Binance's procedure): a level with quantity "0" goes, any
 * other replaces or joins the side, which stays best first. Exported for the tests, which check that
 * the updates rebuild every state.
 */
export function applySideDiff(levels: Level[], diff: Level[], isBids: boolean): Level[] {
  const byPrice = new Map(levels);
  for (const [price, quantity] of diff) {
    if (quantity === '0') byPrice.delete(price);
    else byPrice.set(price, quantity);
  }
  const cents = (price: string) => BigInt(price.replace('.', ''));
  return [...byPrice.entries()].sort(([a], [b]) => {
    const order = cents(a) < cents(b) ? -1 : cents(a) > cents(b) ? 1 : 0;
    return isBids ? -order : order;
  });
}
