import { z } from 'zod';

/**
 * The events this service derives its read models from, as it reads them. Wallet events carry
 * decimal strings (USD with 2 decimals, shares whole); the engine's events carry prices in ticks and
 * quantities in lots of their market.
 */
const decimal = z.string().min(1);
const side = z.enum(['BUY', 'SELL']);

export const fundsAddedSchema = z.object({
  transactionId: z.string().min(1),
  userId: z.string().min(1),
  kind: z.enum(['DEPOSIT', 'CREDIT']).default('DEPOSIT'),
  asset: z.string().min(1),
  amount: decimal,
});

const settledSide = z.object({ userId: z.string().min(1), orderId: z.string().min(1), fee: decimal });
export const tradeSettledSchema = z.object({
  transactionId: z.string().min(1),
  tradeId: z.string().min(1),
  symbol: z.string().min(1),
  price: decimal,
  quantity: decimal,
  notional: decimal,
  buyer: settledSide,
  seller: settledSide,
});

/** The engine's events and a market's units are defined once, in the contracts. */
export {
  centsOf,
  orderExecutionSchema as orderEventSchema,
  sharesOf,
  tradeExecutionSchema as engineTradeSchema,
  unitsOf,
  type MarketUnits,
} from '@exchange/contracts';

export type Side = z.infer<typeof side>;

/**
 * When an event happened: the engine's `executedAt`, else when its producer committed it (the
 * outbox row's time, which the relay sends as `occurredAt`; the same instant as the ledger entry),
 * else the time Redis took the entry (`<ms>-<n>`).
 */
export function occurredAt(data: unknown, entryId: string, producedAt?: string): Date {
  for (const candidate of [(data as { executedAt?: unknown } | null)?.executedAt, producedAt]) {
    if (typeof candidate !== 'string') continue;
    const time = new Date(candidate);
    if (!Number.isNaN(time.getTime())) return time;
  }
  const ms = Number(entryId.split('-')[0]);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms) : new Date();
}
