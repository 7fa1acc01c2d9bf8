/**
 * @exchange/client: the exchange's public API for programs — a bot, a dashboard, the exchange's own
 * front end and tests. REST calls and live frames are typed by, and checked against, the same
 * contracts the exchange's processes use; money stays exact (decimal strings, bigint minor units).
 */
export { createExchangeClient, type CallOptions, type ExchangeClient, type ExchangeClientOptions, type PlaceOrderInput, type PublicRouteName } from './rest.js';
export { ExchangeStream, type ChannelEvent, type ExchangeStreamOptions, type WebSocketFactory, type WebSocketLike } from './stream.js';
export { ExchangeApiError } from './errors.js';
export * from './money.js';
export * from './book.js';
export {
  API_KEY_HEADERS,
  API_KEY_MAX_ALLOWED_IPS,
  API_KEY_MAX_PER_USER,
  API_KEY_RECEIVE_WINDOW_MS,
  API_KEY_SCOPES,
  allowedIpSchema,
  type ApiKey,
  type ApiKeyScope,
  CANDLE_INTERVALS,
  CLIENT_ORDER_ID_PATTERN,
  ORDER_SIDES,
  ORDER_STATUSES,
  ORDER_TYPES,
  TIME_IN_FORCES,
  timeInForceOf,
  type AddFundsRequest,
  type Balance,
  type Book,
  type Candle,
  type ChannelFrame,
  type ChannelKindOf,
  type Dashboard,
  type Fill,
  type Market,
  type Notification,
  type Order,
  type OrderStatus,
  type PlaceOrderRequest,
  type PnlReport,
  type PublicTrade,
  type Statement,
  type StreamChannel,
  type Ticker,
  type Trace,
  type TraceSpan,
  type TraceSummary,
  type User,
  type UserUpdate,
  type VolumeReport,
  type WalletTransaction,
} from '@exchange/contracts';
