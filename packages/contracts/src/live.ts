import { z } from 'zod';
import {
  CANDLE_INTERVALS,
  candleSchema,
  levelSchema,
  notificationSchema,
  publicTradeSchema,
  publicTradesSchema,
  candlesSchema,
  tickerSchema,
} from './market-data.js';
import { ORDER_STATUSES } from './orders.js';

/**
 * What travels live, on Redis pub/sub between processes and on the WebSocket to clients. Pub/sub
 * loses what nobody hears; a client re-syncs from a snapshot. Every message is parsed by the
 * process that receives it, with these schemas.
 */

const traceparent = z.string().optional();
const sequence = z.number().int().min(0);

/** The market-data service's messages on `md:{SYMBOL}`. */
export const marketDataMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('depth'),
    symbol: z.string(),
    firstSequence: sequence,
    sequence,
    bids: z.array(levelSchema),
    asks: z.array(levelSchema),
    traceparent,
  }),
  z.object({ type: z.literal('trade'), symbol: z.string(), trade: publicTradeSchema, traceparent }),
  z.object({ type: z.literal('ticker'), symbol: z.string(), ticker: tickerSchema, traceparent }),
  z.object({ type: z.literal('candle'), symbol: z.string(), interval: z.enum(CANDLE_INTERVALS), candle: candleSchema, traceparent }),
]);
export type MarketDataMessage = z.infer<typeof marketDataMessageSchema>;
export const marketDataChannel = (symbol: string): `md:${string}` => `md:${symbol}`;

const depthLevelSchema = z.object({ price: z.number().int(), quantity: z.number().int(), orders: z.number().int() });

/** The engine's book state (ticks and lots), SET at `book:{SYMBOL}` and PUBLISHed on `engine-book:{SYMBOL}` after each batch. */
export const engineBookStateSchema = z.object({
  symbol: z.string(),
  sequence,
  bids: z.array(depthLevelSchema),
  asks: z.array(depthLevelSchema),
  lastPrice: z.number().int().optional(),
  traceparent,
});
export type EngineBookState = z.infer<typeof engineBookStateSchema>;
export const engineBookKey = (symbol: string) => `book:${symbol}`;
export const engineBookChannel = (symbol: string) => `engine-book:${symbol}`;

/**
 * A user's private `user:{USER_ID}` channel: every notification (from the notification service), an
 * `order` signal for each change of the user's orders (the notification service for each engine
 * event, the order-manager with the committed status) and a `balance` signal for each wallet change.
 * A client refetches what it shows.
 */
const notificationUpdate = z.object({ type: z.literal('notification'), notification: notificationSchema });
const orderUpdate = z.object({
  type: z.literal('order'),
  order: z.object({ orderId: z.string(), symbol: z.string(), event: z.string(), sequence: sequence.optional(), status: z.enum(ORDER_STATUSES).optional() }),
});
const balanceUpdate = z.object({ type: z.literal('balance'), balance: z.object({ asset: z.string(), reason: z.string() }) });

export const userMessageSchema = z.discriminatedUnion('type', [
  notificationUpdate.extend({ traceparent }),
  orderUpdate.extend({ traceparent }),
  balanceUpdate.extend({ traceparent }),
]);
export type UserMessage = z.infer<typeof userMessageSchema>;
export const userChannel = (userId: string): `user:${string}` => `user:${userId}`;

// ---- the WebSocket GET /v1/stream ----

/** What a client sends. */
export const streamClientMessageSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('subscribe'), channels: z.array(z.string().max(64)).min(1).max(50) }),
  z.strictObject({ op: z.literal('unsubscribe'), channels: z.array(z.string().max(64)).min(1).max(50) }),
  // an access token, or an API key's signature of `GET /v1/stream` (no query, no body) at a timestamp
  z.strictObject({
    op: z.literal('auth'),
    token: z.string().min(1).max(4096).optional(),
    apiKey: z.strictObject({ id: z.string().min(1).max(100), timestamp: z.string().min(1).max(20), signature: z.string().min(1).max(200) }).optional(),
  }),
  z.strictObject({ op: z.literal('ping') }),
]);
export type StreamClientMessage = z.infer<typeof streamClientMessageSchema>;

const bookLevelsSchema = z.object({ bids: z.array(levelSchema), asks: z.array(levelSchema) });
/** a user-channel update: the user message without its trace context */
const userUpdateSchema = z.discriminatedUnion('type', [notificationUpdate, orderUpdate, balanceUpdate]);
export type UserUpdate = z.infer<typeof userUpdateSchema>;

const channelName = z.string();
const snapshot = <D extends z.ZodType>(data: D) => z.object({ type: z.literal('snapshot'), channel: channelName, data });
const update = <D extends z.ZodType>(data: D) => z.object({ type: z.literal('update'), channel: channelName, data });

/**
 * The data frames of each kind of channel: a snapshot when a subscription starts (and again after
 * a re-sync), then updates. A book's frames carry sequences: an update continues the book when its
 * `firstSequence` follows the sequence last seen, else the client asks for a new snapshot.
 */
export const STREAM_CHANNELS = {
  book: {
    snapshot: snapshot(bookLevelsSchema).extend({ sequence }),
    update: update(bookLevelsSchema).extend({ firstSequence: sequence, sequence }),
  },
  trades: { snapshot: snapshot(publicTradesSchema), update: update(publicTradeSchema) },
  ticker: { snapshot: snapshot(tickerSchema), update: update(tickerSchema) },
  candles: { snapshot: snapshot(candlesSchema), update: update(candleSchema) },
  user: { update: update(userUpdateSchema) },
} as const;
export type StreamChannelKind = keyof typeof STREAM_CHANNELS;

/** A channel's name: `book:AAPL`, `trades:AAPL`, `ticker:AAPL`, `candles:AAPL:1m`, or `user` (the signed-in user's own). */
export type StreamChannel = `book:${string}` | `trades:${string}` | `ticker:${string}` | `candles:${string}:${string}` | 'user';

/** The kind of a channel name, at the type level. */
export type ChannelKindOf<C extends string> = C extends 'user'
  ? 'user'
  : C extends `book:${string}`
    ? 'book'
    : C extends `trades:${string}`
      ? 'trades'
      : C extends `ticker:${string}`
        ? 'ticker'
        : C extends `candles:${string}`
          ? 'candles'
          : never;

/** The kind of a channel name; undefined for a name that is none. */
export function channelKindOf(channel: string): StreamChannelKind | undefined {
  if (channel === 'user') return 'user';
  const kind = channel.slice(0, channel.indexOf(':'));
  return kind !== 'user' && Object.hasOwn(STREAM_CHANNELS, kind) ? (kind as StreamChannelKind) : undefined;
}

/** The data frames of a kind of channel, as a client receives them. */
export type ChannelFrame<K extends StreamChannelKind> = K extends StreamChannelKind
  ? {
      [F in keyof (typeof STREAM_CHANNELS)[K]]: (typeof STREAM_CHANNELS)[K][F] extends z.ZodType ? z.output<(typeof STREAM_CHANNELS)[K][F]> : never;
    }[keyof (typeof STREAM_CHANNELS)[K]]
  : never;

/** The schema of a kind of channel's data frames (snapshot or update). */
export function channelFrameSchema(kind: StreamChannelKind): z.ZodType<ChannelFrame<StreamChannelKind>> {
  const frames: z.ZodType[] = Object.values(STREAM_CHANNELS[kind]);
  return z.union(frames as [z.ZodType, z.ZodType, ...z.ZodType[]]) as z.ZodType<ChannelFrame<StreamChannelKind>>;
}

/** Frames about the connection and its subscriptions. */
export const streamControlFrameSchema = z.union([
  z.object({ type: z.enum(['subscribed', 'unsubscribed']), channel: z.string() }),
  z.object({ type: z.literal('authenticated'), userId: z.string(), expiresAt: z.iso.datetime() }),
  z.object({ type: z.literal('pong') }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string(), channel: z.string().optional() }),
]);
export type StreamControlFrame = z.infer<typeof streamControlFrameSchema>;

/** What the server sends; `channel` names the subscription (`book:AAPL`, `user`, …). */
export const streamServerFrameSchema = z.union([
  ...Object.values(STREAM_CHANNELS).flatMap((frames): z.ZodType[] => Object.values(frames)),
  streamControlFrameSchema,
] as unknown as [z.ZodType<ChannelFrame<StreamChannelKind> | StreamControlFrame>, z.ZodType, ...z.ZodType[]]);
export type StreamServerFrame = ChannelFrame<StreamChannelKind> | StreamControlFrame;
