import { z } from 'zod';
import type { ServiceName } from './processes.js';
import {
  cancelRejectedExecutionSchema,
  executionsStream,
  orderAcceptedExecutionSchema,
  orderCancelRequestedSchema,
  orderClosedExecutionSchema,
  orderCreatedSchema,
  orderReducedExecutionSchema,
  orderRejectedExecutionSchema,
  ordersStream,
  tradeExecutionSchema,
} from './engine.js';
import { WALLET_EVENTS_STREAM } from './wallet.js';

/**
 * Every event that travels on a Redis stream, as a contract: its type, its version and the schema
 * of its data. The producer builds an event from the schema's input type and the platform parses it
 * before it enters the outbox; the consumer's platform parses it again on arrival and hands the
 * handler the typed result. The stream entry carries the version in its `v` field.
 *
 * How an event evolves:
 * - adding an optional field keeps the version (schemas are open objects: a consumer that does not
 *   know the field ignores it);
 * - any other change (removing, renaming, retyping a field, or changing what it means) is a new
 *   version: first every consumer learns to read both, then the producer writes the new one;
 * - a consumer that meets a version newer than it knows leaves the event pending (retrying) rather
 *   than guessing; data that does not fit its version's schema is dead-lettered.
 */
export interface EventContract<T extends string = string, S extends z.ZodType = z.ZodType> {
  type: T;
  version: number;
  schema: S;
}

export function defineEvent<const T extends string, S extends z.ZodType>(type: T, version: number, schema: S): EventContract<T, S> {
  return { type, version, schema };
}

/** The events of one kind of stream, by type. */
export type EventFamily = Readonly<Record<string, EventContract>>;

/** An event of a family as its handler receives it: the type tells the shape of the data. */
export type DecodedEvent<F extends EventFamily> = { [K in keyof F]: { type: K; version: number; data: z.output<F[K]['schema']> } }[keyof F];

// ---- orders:{SYMBOL}: the order-manager's commands to the matching engine ----

export const ORDER_COMMANDS = {
  order_created: defineEvent('order_created', 1, orderCreatedSchema),
  /**
   * An open order sent again by the order-manager's reconciliation: the engine had applied every
   * command numbered when it asked and still had never seen the order (its command was lost for
   * good). The engine applies it only if it still has never seen the order.
   */
  order_resubmitted: defineEvent('order_resubmitted', 1, orderCreatedSchema),
  order_cancel_requested: defineEvent('order_cancel_requested', 1, orderCancelRequestedSchema),
} as const;

// ---- executions:{SYMBOL}: what the matching engine did ----

export const EXECUTION_EVENTS = {
  order_accepted: defineEvent('order_accepted', 1, orderAcceptedExecutionSchema),
  trade: defineEvent('trade', 1, tradeExecutionSchema),
  order_canceled: defineEvent('order_canceled', 1, orderClosedExecutionSchema),
  order_expired: defineEvent('order_expired', 1, orderClosedExecutionSchema),
  order_rejected: defineEvent('order_rejected', 1, orderRejectedExecutionSchema),
  order_reduced: defineEvent('order_reduced', 1, orderReducedExecutionSchema),
  cancel_rejected: defineEvent('cancel_rejected', 1, cancelRejectedExecutionSchema),
} as const;

/** An event of `executions:{SYMBOL}` as its readers receive it. */
export type ExecutionEvent = DecodedEvent<typeof EXECUTION_EVENTS>;

// ---- wallet-events: every change of a balance ----

const decimal = z.string().min(1);

export const fundsAddedSchema = z.object({
  transactionId: z.string().min(1),
  userId: z.string().min(1),
  kind: z.enum(['DEPOSIT', 'CREDIT']).default('DEPOSIT'),
  asset: z.string().min(1),
  amount: decimal,
  balance: z.object({ asset: z.string(), available: z.string(), held: z.string(), total: z.string() }).optional(),
});
export const fundsBlockedSchema = z.object({
  transactionId: z.string().min(1),
  userId: z.string().min(1),
  asset: z.string().min(1),
  amount: decimal,
  reference: z.string().min(1),
});
export const fundsReleasedSchema = fundsBlockedSchema.extend({ releaseId: z.string().min(1) });
const settledSide = z.object({ userId: z.string().min(1), orderId: z.string().min(1), fee: decimal, released: decimal.optional() });
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
export type FundsAdded = z.infer<typeof fundsAddedSchema>;
export type TradeSettled = z.infer<typeof tradeSettledSchema>;

export const WALLET_EVENTS = {
  funds_added: defineEvent('funds_added', 1, fundsAddedSchema),
  funds_blocked: defineEvent('funds_blocked', 1, fundsBlockedSchema),
  funds_released: defineEvent('funds_released', 1, fundsReleasedSchema),
  trade_settled: defineEvent('trade_settled', 1, tradeSettledSchema),
} as const;

/** An event of `wallet-events` as its readers receive it. */
export type WalletEvent = DecodedEvent<typeof WALLET_EVENTS>;

/** An order command as the matching engine receives it. */
export type OrderCommand = DecodedEvent<typeof ORDER_COMMANDS>;

/** Who writes and who reads each kind of stream (what the architecture picture shows). */
export const STREAMS = {
  orders: { name: ordersStream, producer: 'order-manager', consumers: ['matching-engine'], events: ORDER_COMMANDS },
  executions: {
    name: executionsStream,
    producer: 'matching-engine',
    consumers: ['order-manager', 'market-data', 'notification', 'reporting-service'],
    events: EXECUTION_EVENTS,
  },
  wallet: { name: () => WALLET_EVENTS_STREAM, producer: 'wallet-service', consumers: ['notification', 'reporting-service'], events: WALLET_EVENTS },
} as const satisfies Record<string, { name: (symbol: string) => string; producer: ServiceName; consumers: readonly ServiceName[]; events: EventFamily }>;

/** The service that writes a stream, by the stream's name (`orders:AAPL` → the order-manager). */
export function producerOf(stream: string): ServiceName | undefined {
  for (const kind of Object.values(STREAMS)) {
    const fixed = kind.name('') === kind.name('X');
    if (fixed ? stream === kind.name('') : stream.startsWith(kind.name('')) && stream.length > kind.name('').length) return kind.producer;
  }
  return undefined;
}

export type EventDecoding<F extends EventFamily> = { ok: true; event: DecodedEvent<F> } | { ok: false; retry: boolean; reason: string };

/**
 * Reads an event of a family: its contract by type, its version (a newer one than this process
 * knows is to be retried, not guessed at), its data parsed by the schema.
 */
export function decodeEvent<F extends EventFamily>(family: F, type: string, version: number, data: unknown): EventDecoding<F> {
  const contract = Object.hasOwn(family, type) ? family[type] : undefined;
  if (!contract) return { ok: false, retry: false, reason: `no contract for an event of type ${type}` };
  if (version > contract.version)
    return { ok: false, retry: true, reason: `${type} version ${version} is newer than this process reads (${contract.version})` };
  const parsed = contract.schema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    return { ok: false, retry: false, reason: `${type} v${version} outside its contract: ${problems.join('; ')}` };
  }
  // the data is what the type's own schema parsed; the cast only ties it to its type, which
  // TypeScript cannot follow through a lookup by a runtime key
  return { ok: true, event: { type, version, data: parsed.data } as DecodedEvent<F> };
}
