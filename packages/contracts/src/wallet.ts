import { z } from 'zod';
import { batchResultsSchema, itemAssertionSchema, MAX_BATCH_ITEMS } from './batch.js';
import { CASH_ASSET, DECIMAL_PATTERN } from './money.js';

/** `USD`, or a share symbol such as `AAPL` or `BRK.B`. */
export const assetSchema = z.string().regex(/^[A-Z][A-Z0-9.]{0,11}$/, 'must be an asset code such as "USD" or "AAPL"');

export const decimalStringSchema = z
  .string()
  .max(40)
  .regex(DECIMAL_PATTERN, 'must be a decimal number written as a string, such as "10" or "10.25"')
  .meta({ example: '100.00' });

/** A caller-chosen reference that makes an internal call idempotent (order id, trade id...). */
export const referenceSchema = z.string().min(1).max(200);

export const balanceSchema = z.object({ asset: assetSchema, available: z.string(), held: z.string(), total: z.string() }).meta({ id: 'Balance' });
export type Balance = z.infer<typeof balanceSchema>;

export const walletSchema = z.object({ balances: z.array(balanceSchema) });
export type Wallet = z.infer<typeof walletSchema>;

export const TRANSACTION_TYPES = ['DEPOSIT', 'CREDIT', 'BLOCK', 'RELEASE', 'TRADE'] as const;
export const transactionTypeSchema = z.enum(TRANSACTION_TYPES);
export type TransactionType = z.infer<typeof transactionTypeSchema>;

export const depositSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(['DEPOSIT', 'CREDIT']),
    asset: assetSchema,
    amount: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Deposit' });

export const addFundsRequestSchema = z.strictObject({
  amount: decimalStringSchema,
  asset: z.literal(CASH_ASSET, { message: 'only USD can be added; shares are credited by an admin' }).default(CASH_ASSET),
});
export type AddFundsRequest = z.infer<typeof addFundsRequestSchema>;

export const depositResponseSchema = z.object({ balance: balanceSchema, transaction: depositSchema });
export type DepositResponse = z.infer<typeof depositResponseSchema>;

/** One line of a user's statement: how one journal entry changed one of their balances. */
export const walletTransactionSchema = z
  .object({
    id: z.string(),
    transactionId: z.uuid(),
    type: transactionTypeSchema,
    asset: assetSchema,
    amount: z.string().meta({ description: 'change of the total (available + held); 0 for a hold or a release' }),
    availableChange: z.string(),
    heldChange: z.string(),
    balanceAfter: z.string().meta({ description: 'total after this entry' }),
    availableAfter: z.string(),
    heldAfter: z.string(),
    reference: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'WalletTransaction' });
export type WalletTransaction = z.infer<typeof walletTransactionSchema>;

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});

export const walletTransactionsSchema = z.object({
  items: z.array(walletTransactionSchema),
  nextCursor: z.string().nullable(),
});
export type WalletTransactions = z.infer<typeof walletTransactionsSchema>;

export const adminCreditRequestSchema = z
  .strictObject({
    userId: z.uuid().optional(),
    email: z.email().optional(),
    asset: assetSchema,
    amount: decimalStringSchema,
  })
  .refine((body) => (body.userId === undefined) !== (body.email === undefined), {
    message: 'give exactly one of userId and email',
    path: ['userId'],
  });
export type AdminCreditRequest = z.infer<typeof adminCreditRequestSchema>;

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

// ---- internal API of the wallet-service (called by the gateway, the order manager, settlement) ----

export const idempotencySchema = z.object({
  /** whose key it is: keys are scoped per user */
  scope: z.uuid(),
  key: z.string().regex(IDEMPOTENCY_KEY_PATTERN),
});

export const updateBalanceRequestSchema = z.strictObject({
  userId: z.uuid(),
  type: z.enum(['DEPOSIT', 'CREDIT']),
  asset: assetSchema,
  amount: decimalStringSchema,
  idempotency: idempotencySchema.optional(),
});
export type UpdateBalanceRequest = z.infer<typeof updateBalanceRequestSchema>;

export const holdSchema = z
  .object({
    reference: referenceSchema,
    userId: z.uuid(),
    asset: assetSchema,
    amount: z.string(),
    remaining: z.string(),
    status: z.enum(['OPEN', 'CLOSED']),
  })
  .meta({ id: 'Hold' });
export type Hold = z.infer<typeof holdSchema>;

export const blockFundsRequestSchema = z.strictObject({
  userId: z.uuid(),
  asset: assetSchema,
  amount: decimalStringSchema,
  /** the hold's id, e.g. the order id: blocking twice with one reference holds once */
  reference: referenceSchema,
});
export type BlockFundsRequest = z.infer<typeof blockFundsRequestSchema>;

export const releaseFundsRequestSchema = z.strictObject({
  /** the hold to release from */
  reference: referenceSchema,
  /** omitted: everything still held */
  amount: decimalStringSchema.optional(),
  /** this release's own id (e.g. `cancel:<orderId>`): a retry releases once */
  releaseId: referenceSchema,
});
export type ReleaseFundsRequest = z.infer<typeof releaseFundsRequestSchema>;

export const holdResponseSchema = z.object({ hold: holdSchema, balance: balanceSchema });

/** The order-manager's reconciliation: open holds not touched for a while, a page at a time by reference. */
export const openHoldsRequestSchema = z.strictObject({
  olderThanMs: z.number().int().min(0),
  /** the page after this reference (the last of the previous page) */
  after: referenceSchema.optional(),
  limit: z.number().int().min(1).max(500).default(500),
});
export const openHoldsResponseSchema = z.object({ holds: z.array(holdSchema) });
export type HoldResponse = z.infer<typeof holdResponseSchema>;

/** Many holds in one call (the order manager's batch of placements), each for its own asserted user. */
export const blockFundsBatchRequestSchema = z.strictObject({
  holds: z
    .array(blockFundsRequestSchema.extend({ assertion: itemAssertionSchema }))
    .min(1)
    .max(MAX_BATCH_ITEMS),
});
export type BlockFundsBatchRequest = z.infer<typeof blockFundsBatchRequestSchema>;
export const blockFundsBatchResponseSchema = batchResultsSchema(holdResponseSchema);

const tradeSideSchema = z.strictObject({
  userId: z.uuid(),
  /** the hold that pays for this side: the order id */
  holdReference: referenceSchema,
  /** in USD, taken from this side's proceeds (seller) or on top of the price (buyer) */
  fee: decimalStringSchema,
  /**
   * what this side's order still needs held after the trade; anything above it is released in the
   * same entry (a buyer's price improvement, or everything once the order is done). Omitted: nothing
   * is released.
   */
  keepHeld: decimalStringSchema.optional(),
});

export const settleTradeRequestSchema = z.strictObject({
  tradeId: referenceSchema,
  symbol: assetSchema,
  /** USD per share */
  price: decimalStringSchema,
  /** shares */
  quantity: decimalStringSchema,
  buyer: tradeSideSchema,
  seller: tradeSideSchema,
});
export type SettleTradeRequest = z.infer<typeof settleTradeRequestSchema>;

/** Trades settled in order in one transaction (the order manager sends what one read of a stream gave it). */
export const settleTradesRequestSchema = z.strictObject({ trades: z.array(settleTradeRequestSchema).min(1).max(500) });
export type SettleTradesRequest = z.infer<typeof settleTradesRequestSchema>;

export const settleTradeResponseSchema = z.object({
  transactionId: z.uuid(),
  tradeId: z.string(),
  notional: z.string(),
  buyerHold: holdSchema,
  sellerHold: holdSchema,
});
export type SettleTradeResponse = z.infer<typeof settleTradeResponseSchema>;

export const settleTradesResponseSchema = z.object({ results: z.array(settleTradeResponseSchema) });
export type SettleTradesResponse = z.infer<typeof settleTradesResponseSchema>;

/** Events the wallet-service publishes on the `wallet-events` stream. */
export const WALLET_EVENTS_STREAM = 'wallet-events';
export type WalletEventType = 'funds_added' | 'funds_blocked' | 'funds_released' | 'trade_settled';
