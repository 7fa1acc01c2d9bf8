import { CASH_ASSET, formatAsset, type PnlPosition, type PnlReport } from '@exchange/contracts';
import type { PositionChange } from './derive.js';

/**
 * Weighted-average cost, exact in cents (README, "Reports"):
 * - a buy adds its shares and its cost, price × quantity + the buyer's fee, to the cost basis;
 * - a credit of shares (an admin allocation) adds its shares at zero cost;
 * - a sell takes out the sold shares' part of the cost basis, basis × sold ÷ position rounded half
 *   up to the cent (all of it when the position is closed), and realizes
 *   price × quantity − the seller's fee − that part, i.e. (price − average) × quantity − fee.
 * The average cost shown is basis ÷ position rounded half up to the cent; unrealized P&L is market
 * value − cost basis, i.e. (market − average) × position with the exact average.
 */
export interface Position {
  quantity: bigint;
  costCents: bigint;
  realizedCents: bigint;
}

export const EMPTY_POSITION: Position = { quantity: 0n, costCents: 0n, realizedCents: 0n };

/** a ÷ b rounded half up (a ≥ 0, b > 0). */
export function divideRoundHalfUp(a: bigint, b: bigint): bigint {
  if (b <= 0n || a < 0n) throw new RangeError('divideRoundHalfUp needs a >= 0 and b > 0');
  return (2n * a + b) / (2n * b);
}

export function applyChange(position: Position, change: PositionChange): Position {
  if (change.kind === 'CREDIT') return { ...position, quantity: position.quantity + change.quantity };
  if (change.kind === 'BUY') {
    return { ...position, quantity: position.quantity + change.quantity, costCents: position.costCents + change.notionalCents + change.feeCents };
  }
  // A sell of more than the known position (history before this service existed) closes it.
  const sold = change.quantity < position.quantity ? change.quantity : position.quantity;
  const costOut = sold === position.quantity ? position.costCents : divideRoundHalfUp(position.costCents * sold, position.quantity);
  return {
    quantity: position.quantity - sold,
    costCents: position.costCents - costOut,
    realizedCents: position.realizedCents + change.notionalCents - change.feeCents - costOut,
  };
}

const usd = (cents: bigint) => formatAsset(cents, CASH_ASSET);

/** One symbol's line of the report; without a market price (no trade yet) the market columns are null. */
export function positionLine(symbol: string, position: Position, marketPriceCents: bigint | undefined): PnlPosition {
  const averageCents = position.quantity === 0n ? 0n : divideRoundHalfUp(position.costCents, position.quantity);
  const marketValue = marketPriceCents === undefined ? undefined : marketPriceCents * position.quantity;
  return {
    symbol,
    quantity: formatAsset(position.quantity, symbol),
    averageCost: usd(averageCents),
    costBasis: usd(position.costCents),
    marketPrice: marketPriceCents === undefined ? null : usd(marketPriceCents),
    marketValue: marketValue === undefined ? null : usd(marketValue),
    unrealizedPnl: marketValue === undefined ? null : usd(marketValue - position.costCents),
    realizedPnl: usd(position.realizedCents),
  };
}

/** The report: positions by symbol, and totals (unrealized and market value over the priced positions). */
export function pnlReport(positions: Map<string, Position>, marketPrices: Map<string, bigint>): PnlReport {
  const symbols = [...positions.keys()].sort();
  let costBasis = 0n;
  let marketValue = 0n;
  let unrealized = 0n;
  let realized = 0n;
  for (const symbol of symbols) {
    const position = positions.get(symbol)!;
    const price = marketPrices.get(symbol);
    costBasis += position.costCents;
    realized += position.realizedCents;
    if (price !== undefined) {
      marketValue += price * position.quantity;
      unrealized += price * position.quantity - position.costCents;
    }
  }
  return {
    positions: symbols.map((symbol) => positionLine(symbol, positions.get(symbol)!, marketPrices.get(symbol))),
    totals: { costBasis: usd(costBasis), marketValue: usd(marketValue), unrealizedPnl: usd(unrealized), realizedPnl: usd(realized) },
  };
}
