/**
 * The events this service derives its read models from are contracts (`WALLET_EVENTS`,
 * `EXECUTION_EVENTS`). Wallet events carry decimal strings (USD with 2 decimals, shares whole); the
 * engine's events carry prices in ticks and quantities in lots of their market, whose units are
 * defined once, in the contracts.
 */
export { unitsOf, type MarketUnits } from '@exchange/contracts';

export type Side = 'BUY' | 'SELL';

/**
 * When an event happened: the engine's `executedAt`, else when its producer committed it (the
 * outbox row's time, which the relay sends as `occurredAt`; the same instant as the ledger entry),
 * else the time Redis took the entry (`<ms>-<n>`).
 */
export function occurredAt(executedAt: string | undefined, entryId: string, producedAt?: string): Date {
  for (const candidate of [executedAt, producedAt]) {
    if (candidate === undefined) continue;
    const time = new Date(candidate);
    if (!Number.isNaN(time.getTime())) return time;
  }
  const ms = Number(entryId.split('-')[0]);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms) : new Date();
}
