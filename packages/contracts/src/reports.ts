import { z } from 'zod';

/**
 * The reporting-service's reports (statements, P&L, exchange volumes), as the gateway serves them
 * under `/v1/reports`. Amounts, prices and quantities are decimal strings; times ISO-8601 UTC.
 * The query fields are plain strings on purpose: the reporting-service validates them itself, so a
 * refusal has the same `details.fields` whichever way it is called.
 */

export const reportFormatSchema = z.enum(['json', 'csv']);
export type ReportFormat = z.infer<typeof reportFormatSchema>;

export const statementQuerySchema = z.object({
  from: z.string().optional().meta({ description: 'ISO-8601 date or time (UTC); default: 30 days before `to`' }),
  to: z.string().optional().meta({ description: 'ISO-8601 date or time (UTC), exclusive; default: now' }),
  format: z.string().optional().meta({ description: '`json` (default) or `csv`' }),
});
export type StatementQuery = z.infer<typeof statementQuerySchema>;

export const pnlQuerySchema = z.object({});

export const volumeQuerySchema = z.object({
  symbol: z.string().optional().meta({ description: 'one market; default: every market' }),
  from: z.string().optional().meta({ description: 'first UTC day (ISO-8601 date or time); default: 30 days before `to`' }),
  to: z.string().optional().meta({ description: 'end (exclusive; a time inside a day includes that day); default: now' }),
});
export type VolumeQuery = z.infer<typeof volumeQuerySchema>;

/** A movement of a balance (available + held): holds and releases are not listed, they move nothing out of the total. */
export const statementEntryTypeSchema = z.enum(['DEPOSIT', 'CREDIT', 'TRADE', 'FEE']);
export type StatementEntryType = z.infer<typeof statementEntryTypeSchema>;

export const statementEntrySchema = z.object({
  time: z.string(),
  type: statementEntryTypeSchema,
  /** signed: what entered (+) or left (−) the balance */
  amount: z.string(),
  balanceAfter: z.string(),
  /** the wallet transaction id (deposit, credit) or the trade id (`SYMBOL:n`) */
  reference: z.string(),
  symbol: z.string().optional(),
  side: z.enum(['BUY', 'SELL']).optional(),
});
export type StatementEntry = z.infer<typeof statementEntrySchema>;

export const statementAssetSchema = z.object({
  asset: z.string(),
  opening: z.string(),
  closing: z.string(),
  entries: z.array(statementEntrySchema),
});

export const statementFillSchema = z.object({
  time: z.string(),
  tradeId: z.string(),
  orderId: z.string(),
  symbol: z.string(),
  side: z.enum(['BUY', 'SELL']),
  price: z.string(),
  quantity: z.string(),
  notional: z.string(),
  fee: z.string(),
});
export type StatementFill = z.infer<typeof statementFillSchema>;

export const statementSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    assets: z.array(statementAssetSchema),
    fills: z.array(statementFillSchema),
  })
  .meta({ id: 'Statement' });
export type Statement = z.infer<typeof statementSchema>;

export const pnlPositionSchema = z.object({
  symbol: z.string(),
  quantity: z.string(),
  averageCost: z.string(),
  costBasis: z.string(),
  marketPrice: z.string().nullable(),
  marketValue: z.string().nullable(),
  unrealizedPnl: z.string().nullable(),
  realizedPnl: z.string(),
});
export type PnlPosition = z.infer<typeof pnlPositionSchema>;

export const pnlReportSchema = z
  .object({
    positions: z.array(pnlPositionSchema),
    totals: z.object({ costBasis: z.string(), marketValue: z.string(), unrealizedPnl: z.string(), realizedPnl: z.string() }),
  })
  .meta({ id: 'PnlReport' });
export type PnlReport = z.infer<typeof pnlReportSchema>;

export const volumeDaySchema = z.object({
  symbol: z.string(),
  day: z.string(),
  orders: z.object({ accepted: z.number().int(), filled: z.number().int(), canceled: z.number().int(), expired: z.number().int(), rejected: z.number().int() }),
  trades: z.number().int(),
  quantity: z.string(),
  notional: z.string(),
});
export type VolumeDay = z.infer<typeof volumeDaySchema>;

export const volumeReportSchema = z.object({ from: z.string(), to: z.string(), items: z.array(volumeDaySchema) }).meta({ id: 'VolumeReport' });
export type VolumeReport = z.infer<typeof volumeReportSchema>;

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** The file name a CSV statement is offered under, e.g. `statement-2025-01-01-2025-02-01.csv`. */
export function statementFilename(from: string, to: string): string {
  return `statement-${from.slice(0, 10)}-${to.slice(0, 10)}.csv`;
}
