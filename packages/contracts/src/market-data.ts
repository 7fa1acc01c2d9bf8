import { z } from 'zod';
import { symbolSchema } from './markets.js';

/** Public market data (no token) and the live messages behind it. Prices in USD and quantities in shares, as decimal strings. */

export const CANDLE_INTERVALS = ['1m', '5m', '1h', '1d'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];
export const CANDLE_INTERVAL_MS: Record<CandleInterval, number> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 };

/** [price, quantity] of one aggregated price level */
export const levelSchema = z.tuple([z.string(), z.string()]);

/** GET /v1/markets/:symbol/book: the aggregated levels, best first, valid at `sequence` (the engine's). */
export const bookSchema = z
  .object({ symbol: z.string(), sequence: z.number().int().min(0), bids: z.array(levelSchema), asks: z.array(levelSchema) })
  .meta({ id: 'Book' });
export type Book = z.infer<typeof bookSchema>;
export const bookQuerySchema = z.strictObject({ depth: z.coerce.number().int().min(1).max(50).default(20) });

export const publicTradeSchema = z
  .object({ id: z.string(), price: z.string(), quantity: z.string(), takerSide: z.enum(['BUY', 'SELL']), executedAt: z.iso.datetime() })
  .meta({ id: 'PublicTrade' });
export type PublicTrade = z.infer<typeof publicTradeSchema>;
export const publicTradesSchema = z.object({ items: z.array(publicTradeSchema) });
export const tradesQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/** One OHLCV candle; `openTime` is the start of its interval (UTC). A period without a trade has no candle. */
export const candleSchema = z
  .object({ openTime: z.iso.datetime(), open: z.string(), high: z.string(), low: z.string(), close: z.string(), volume: z.string() })
  .meta({ id: 'Candle' });
export type Candle = z.infer<typeof candleSchema>;
export const candlesSchema = z.object({ items: z.array(candleSchema) });
export const candlesQuerySchema = z.strictObject({
  interval: z.enum(CANDLE_INTERVALS),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const tickerSchema = z
  .object({
    symbol: z.string(),
    last: z.string().nullable(),
    bestBid: z.string().nullable(),
    bestAsk: z.string().nullable(),
    open24h: z.string().nullable(),
    high24h: z.string().nullable(),
    low24h: z.string().nullable(),
    /** shares traded in the last 24 h */
    volume24h: z.string(),
    /** (last − open24h) / open24h in percent, two decimals; null before a trade */
    changePct24h: z.string().nullable(),
  })
  .meta({ id: 'Ticker' });
export type Ticker = z.infer<typeof tickerSchema>;
/** GET /v1/tickers: the ticker of every market, by symbol. */
export const tickerListSchema = z.object({ items: z.array(tickerSchema) }).meta({ id: 'TickerList' });
export type TickerList = z.infer<typeof tickerListSchema>;

export const symbolParamsSchema = z.object({ symbol: symbolSchema });

/** Notifications: a user's inbox. */
export const NOTIFICATION_TYPES = [
  'ORDER_ACCEPTED',
  'ORDER_PARTIALLY_FILLED',
  'ORDER_FILLED',
  'ORDER_CANCELED',
  'ORDER_EXPIRED',
  'ORDER_REJECTED',
  'FUNDS_ADDED',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** The facts behind a notification's text: ids, symbol, side, prices and quantities as decimal strings. */
export const notificationDataSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type NotificationData = z.infer<typeof notificationDataSchema>;

export const notificationSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(NOTIFICATION_TYPES),
    title: z.string(),
    body: z.string(),
    data: notificationDataSchema,
    read: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Notification' });
export type Notification = z.infer<typeof notificationSchema>;
export const notificationListSchema = z.object({ items: z.array(notificationSchema), unreadCount: z.number().int().min(0) });
export const notificationListQuerySchema = z.strictObject({
  unread: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const notificationEnvelopeSchema = z.object({ notification: notificationSchema });
export type NotificationList = z.infer<typeof notificationListSchema>;
export type NotificationListQuery = z.infer<typeof notificationListQuerySchema>;
export type NotificationEnvelope = z.infer<typeof notificationEnvelopeSchema>;
