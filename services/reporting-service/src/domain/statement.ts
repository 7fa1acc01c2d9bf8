import { formatAsset, type Statement, type StatementEntryType } from '@exchange/contracts';
import type { Side } from './events.js';

export interface StoredEntry {
  time: Date;
  asset: string;
  kind: StatementEntryType;
  amount: bigint;
  reference: string;
  symbol?: string | null;
  side?: Side | null;
}

export interface StoredFill {
  time: Date;
  tradeId: string;
  orderId: string;
  symbol: string;
  side: Side;
  priceCents: bigint;
  quantity: bigint;
  notionalCents: bigint;
  feeCents: bigint;
}

/**
 * A statement for [from, to): per asset (sorted, USD first) the balance at `from`, each entry of the
 * period in order with the balance after it, and the balance at `to`. An asset appears when it had
 * a balance at `from` or moved in the period.
 */
export function buildStatement(input: { from: Date; to: Date; openings: Map<string, bigint>; entries: StoredEntry[]; fills: StoredFill[] }): Statement {
  const assets = new Set([...input.openings.keys(), ...input.entries.map((entry) => entry.asset)]);
  const ordered = [...assets].sort((a, b) => (a === 'USD' ? -1 : b === 'USD' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return {
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    assets: ordered.map((asset) => {
      const opening = input.openings.get(asset) ?? 0n;
      let balance = opening;
      const entries = input.entries
        .filter((entry) => entry.asset === asset)
        .map((entry) => {
          balance += entry.amount;
          return {
            time: entry.time.toISOString(),
            type: entry.kind,
            amount: formatAsset(entry.amount, asset),
            balanceAfter: formatAsset(balance, asset),
            reference: entry.reference,
            ...(entry.symbol ? { symbol: entry.symbol } : {}),
            ...(entry.side ? { side: entry.side } : {}),
          };
        });
      return { asset, opening: formatAsset(opening, asset), closing: formatAsset(balance, asset), entries };
    }),
    fills: input.fills.map((fill) => ({
      time: fill.time.toISOString(),
      tradeId: fill.tradeId,
      orderId: fill.orderId,
      symbol: fill.symbol,
      side: fill.side,
      price: formatAsset(fill.priceCents, 'USD'),
      quantity: formatAsset(fill.quantity, fill.symbol),
      notional: formatAsset(fill.notionalCents, 'USD'),
      fee: formatAsset(fill.feeCents, 'USD'),
    })),
  };
}
