import { z } from 'zod';
import { apiKeyEnvelopeSchema, apiKeyListSchema, createApiKeyRequestSchema, createdApiKeySchema } from '../api-keys.js';
import { loginRequestSchema, loginResponseSchema, registerRequestSchema, userEnvelopeSchema } from '../auth.js';
import { auditQuerySchema, auditReportSchema } from '../audit.js';
import { dashboardSchema } from '../dashboard.js';
import {
  bookQuerySchema,
  bookSchema,
  candlesQuerySchema,
  candlesSchema,
  notificationEnvelopeSchema,
  notificationListQuerySchema,
  notificationListSchema,
  publicTradesSchema,
  tickerListSchema,
  tickerSchema,
  tradesQuerySchema,
} from '../market-data.js';
import { createMarketRequestSchema, marketEnvelopeSchema, marketListSchema, updateMarketRequestSchema } from '../markets.js';
import { fillListQuerySchema, fillListSchema, orderEnvelopeSchema, orderListQuerySchema, orderListSchema, placeOrderRequestSchema } from '../orders.js';
import { pnlReportSchema, statementQuerySchema, statementSchema, volumeQuerySchema, volumeReportSchema } from '../reports.js';
import { updateUserRiskLimitsSchema, userRiskLimitsSchema } from '../risk.js';
import { defineRoute } from '../route.js';
import { traceListQuerySchema, traceListSchema, traceParamsSchema, traceSchema, traceServicesSchema } from '../traces.js';
import {
  addFundsRequestSchema,
  adminCreditRequestSchema,
  depositResponseSchema,
  IDEMPOTENCY_KEY_PATTERN,
  pageQuerySchema,
  walletSchema,
  walletTransactionsSchema,
} from '../wallet.js';

/**
 * The public API of the gateway (`/v1`): what the front end, the SDK, bots and the tests call. The
 * gateway registers every route from here (the OpenAPI document at /docs is made from it), and the
 * client SDK (packages/client) is typed and parses answers by it.
 */

// any text: a symbol that is not listed is 404 UNKNOWN_SYMBOL
const symbolParams = z.object({ symbol: z.string().min(1).max(40) });
const idParams = z.object({ id: z.uuid() });
const userIdParams = z.object({ userId: z.uuid() });

export const idempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN, 'must be 1 to 255 visible ASCII characters')
    .optional()
    .meta({ description: 'Makes a retry safe: the same key and body return the first answer without a second effect' }),
});

const signedIn = [400, 401, 429] as const;

export const PUBLIC_API = {
  register: defineRoute({
    method: 'POST',
    path: '/v1/auth/register',
    body: registerRequestSchema,
    responses: { 201: userEnvelopeSchema },
    errors: [400, 409, 429],
    docs: { tags: ['auth'], summary: 'Create an account' },
  }),
  logIn: defineRoute({
    method: 'POST',
    path: '/v1/auth/login',
    body: loginRequestSchema,
    responses: { 200: loginResponseSchema },
    errors: [400, 401, 429],
    docs: { tags: ['auth'], summary: 'Exchange e-mail and password for an access token' },
  }),
  me: defineRoute({
    apiKeyScope: 'read',
    method: 'GET',
    path: '/v1/me',
    responses: { 200: userEnvelopeSchema },
    errors: [401, 429],
    docs: { tags: ['auth'], summary: 'The signed-in user', bearer: true },
  }),
  wallet: defineRoute({
    apiKeyScope: 'read',
    method: 'GET',
    path: '/v1/wallet',
    responses: { 200: walletSchema },
    errors: [401, 429],
    docs: { tags: ['wallet'], summary: 'Balances per asset', bearer: true },
  }),
  addFunds: defineRoute({
    method: 'POST',
    path: '/v1/wallet/add-funds',
    headers: idempotencyHeadersSchema,
    body: addFundsRequestSchema,
    responses: { 200: depositResponseSchema },
    errors: [...signedIn, 409, 422],
    docs: { tags: ['wallet'], summary: 'Deposit cash (USD)', bearer: true },
  }),
  transactions: defineRoute({
    apiKeyScope: 'read',
    method: 'GET',
    path: '/v1/wallet/transactions',
    query: pageQuerySchema,
    responses: { 200: walletTransactionsSchema },
    errors: signedIn,
    docs: { tags: ['wallet'], summary: 'Ledger lines, newest first', bearer: true },
  }),
  adminCredit: defineRoute({
    method: 'POST',
    path: '/v1/admin/credit',
    headers: idempotencyHeadersSchema,
    body: adminCreditRequestSchema,
    responses: { 200: depositResponseSchema },
    errors: [...signedIn, 404, 409, 422],
    docs: { tags: ['admin'], summary: 'Credit cash or shares to a user (journaled like a deposit)', bearer: true },
  }),
  markets: defineRoute({
    method: 'GET',
    path: '/v1/markets',
    responses: { 200: marketListSchema },
    errors: [429],
    docs: { tags: ['markets'], summary: 'Every market, by symbol' },
  }),
  market: defineRoute({
    method: 'GET',
    path: '/v1/markets/:symbol',
    params: symbolParams,
    responses: { 200: marketEnvelopeSchema },
    errors: [404, 429],
    docs: { tags: ['markets'], summary: 'One market' },
  }),
  createMarket: defineRoute({
    method: 'POST',
    path: '/v1/admin/markets',
    body: createMarketRequestSchema,
    responses: { 201: marketEnvelopeSchema },
    errors: [...signedIn, 404, 409],
    docs: { tags: ['admin'], summary: 'List a new market', bearer: true },
  }),
  updateMarket: defineRoute({
    method: 'PATCH',
    path: '/v1/admin/markets/:symbol',
    params: symbolParams,
    body: updateMarketRequestSchema,
    responses: { 200: marketEnvelopeSchema },
    errors: [...signedIn, 404, 409],
    docs: { tags: ['admin'], summary: 'Halt or resume a market, or change its reference price, fees or limits', bearer: true },
  }),
  userLimits: defineRoute({
    method: 'GET',
    path: '/v1/admin/users/:userId/risk-limits',
    params: userIdParams,
    responses: { 200: userRiskLimitsSchema },
    errors: [...signedIn, 404],
    docs: { tags: ['admin'], summary: 'The risk limits that apply to a user', bearer: true },
  }),
  setUserLimits: defineRoute({
    method: 'PUT',
    path: '/v1/admin/users/:userId/risk-limits',
    params: userIdParams,
    body: updateUserRiskLimitsSchema,
    responses: { 200: userRiskLimitsSchema },
    errors: [...signedIn, 404],
    docs: { tags: ['admin'], summary: 'Set a user’s own risk limits or kill switch (null: back to the default)', bearer: true },
  }),
  book: defineRoute({
    method: 'GET',
    path: '/v1/markets/:symbol/book',
    params: symbolParams,
    query: bookQuerySchema,
    responses: { 200: bookSchema },
    errors: [400, 404, 429],
    docs: {
      tags: ['market data'],
      summary: 'The order book: aggregated price levels, best first',
      description:
        "Valid at `sequence`, the engine's. The live channel `book:{SYMBOL}` sends depth updates with `firstSequence`/`sequence`: after a snapshot at S, apply the first update with firstSequence ≤ S+1 ≤ sequence and each next one; a gap means a new snapshot.",
    },
  }),
  trades: defineRoute({
    method: 'GET',
    path: '/v1/markets/:symbol/trades',
    params: symbolParams,
    query: tradesQuerySchema,
    responses: { 200: publicTradesSchema },
    errors: [400, 404, 429],
    docs: { tags: ['market data'], summary: 'The latest trades of the market, newest first' },
  }),
  candles: defineRoute({
    method: 'GET',
    path: '/v1/markets/:symbol/candles',
    params: symbolParams,
    query: candlesQuerySchema,
    responses: { 200: candlesSchema },
    errors: [400, 404, 429],
    docs: {
      tags: ['market data'],
      summary: 'OHLCV candles of an interval, oldest first',
      description:
        'The latest `limit` candles; `openTime` is the start of the interval in UTC (days start at midnight UTC). A period without a trade has no candle: the list skips it rather than repeating the previous close.',
    },
  }),
  ticker: defineRoute({
    method: 'GET',
    path: '/v1/markets/:symbol/ticker',
    params: symbolParams,
    responses: { 200: tickerSchema },
    errors: [400, 404, 429],
    docs: {
      tags: ['market data'],
      summary: 'Last price, best bid and ask, and the last 24 hours',
      description:
        'open24h is the price of the first trade of the last 24 h; changePct24h = (last − open24h) / open24h in percent, two decimals, rounded half away from zero. Null before a trade.',
    },
  }),
  tickers: defineRoute({
    method: 'GET',
    path: '/v1/tickers',
    responses: { 200: tickerListSchema },
    errors: [429],
    docs: {
      tags: ['market data'],
      summary: 'The ticker of every market, by symbol',
      description: 'Each item is what GET /v1/markets/{symbol}/ticker answers for that market: one request for a page that lists or sorts many markets.',
    },
  }),
  placeOrder: defineRoute({
    apiKeyScope: 'trade',
    method: 'POST',
    path: '/v1/orders',
    body: placeOrderRequestSchema,
    responses: { 201: orderEnvelopeSchema },
    errors: [...signedIn, 404, 409, 422],
    docs: { tags: ['orders'], summary: 'Place an order', bearer: true },
  }),
  placeOrderAlias: defineRoute({
    apiKeyScope: 'trade',
    method: 'POST',
    path: '/v1/order',
    body: placeOrderRequestSchema,
    responses: { 201: orderEnvelopeSchema },
    errors: [...signedIn, 404, 409, 422],
    docs: { tags: ['orders'], summary: 'Place an order (the singular path, same as POST /v1/orders)', bearer: true },
  }),
  orders: defineRoute({
    apiKeyScope: 'read',
    method: 'GET',
    path: '/v1/orders',
    query: orderListQuerySchema,
    responses: { 200: orderListSchema },
    errors: signedIn,
    docs: { tags: ['orders'], summary: 'Your orders, newest first', bearer: true },
  }),
  order: defineRoute({
    apiKeyScope: 'read',
    method: 'GET',
    path: '/v1/orders/:id',
    params: idParams,
    responses: { 200: orderEnvelopeSchema },
    errors: [...signedIn, 404],
    docs: { tags: ['orders'], summary: 'One of your orders', bearer: true },
  }),
  cancelOrder: defineRoute({
    apiKeyScope: 'trade',
    method: 'DELETE',
    path: '/v1/orders/:id',
    params: idParams,
    responses: { 200: orderEnvelopeSchema },
    errors: [...signedIn, 404, 409],
    docs: { tags: ['orders'], summary: 'Cancel an open order (it stays open with cancelRequested until the engine confirms)', bearer: true },
  }),
  fills: defineRoute({
    apiKeyScope: 'read',
    method: 'GET',
    path: '/v1/trades',
    query: fillListQuerySchema,
    responses: { 200: fillListSchema },
    errors: signedIn,
    docs: { tags: ['orders'], summary: 'Your fills, newest first', bearer: true },
  }),
  notifications: defineRoute({
    apiKeyScope: 'read',
    method: 'GET',
    path: '/v1/notifications',
    query: notificationListQuerySchema,
    responses: { 200: notificationListSchema },
    errors: signedIn,
    docs: { tags: ['notifications'], summary: 'Your notifications, newest first (unread=true: only the unread ones), with the number unread', bearer: true },
  }),
  markNotificationRead: defineRoute({
    method: 'POST',
    path: '/v1/notifications/:id/read',
    params: idParams,
    responses: { 200: notificationEnvelopeSchema },
    errors: [...signedIn, 404],
    docs: { tags: ['notifications'], summary: 'Mark one of your notifications read (again: the same answer)', bearer: true },
  }),
  statement: defineRoute({
    apiKeyScope: 'read',
    method: 'GET',
    path: '/v1/reports/statement',
    query: statementQuerySchema,
    responses: { 200: statementSchema.or(z.string().meta({ description: 'format=csv: text/csv, one header row, RFC 4180' })) },
    errors: [...signedIn, 404],
    docs: {
      tags: ['reports'],
      summary:
        'Your statement for [from, to): per asset the opening balance, every entry with the balance after it, the closing balance; and your fills (format=csv: a spreadsheet file)',
      bearer: true,
    },
  }),
  pnl: defineRoute({
    apiKeyScope: 'read',
    method: 'GET',
    path: '/v1/reports/pnl',
    responses: { 200: pnlReportSchema },
    errors: signedIn,
    docs: { tags: ['reports'], summary: 'Your positions: average cost, realized and unrealized P&L at the last trade price', bearer: true },
  }),
  audit: defineRoute({
    method: 'GET',
    path: '/v1/admin/audit',
    query: auditQuerySchema,
    responses: { 200: auditReportSchema },
    errors: [...signedIn, 404, 503],
    docs: {
      tags: ['admin'],
      summary:
        'Check every invariant of the running system (conservation, holds, book = open orders, trades settled once, streams delivered); `ok` false names each violation',
      bearer: true,
    },
  }),
  trace: defineRoute({
    apiKeyScope: 'read',
    method: 'GET',
    path: '/v1/traces/:traceId',
    params: traceParamsSchema,
    responses: { 200: traceSchema },
    errors: [...signedIn, 404, 503],
    docs: {
      tags: ['traces'],
      summary:
        'One trace from the trace backend (Jaeger), every span with its timing, attributes and events: a signed-in user sees the traces of their own requests, an admin any',
      bearer: true,
    },
  }),
  traces: defineRoute({
    method: 'GET',
    path: '/v1/admin/traces',
    query: traceListQuerySchema,
    responses: { 200: traceListSchema },
    errors: [...signedIn, 404, 503],
    docs: { tags: ['admin'], summary: 'Recent or slowest traces that started in a service, from the trace backend', bearer: true },
  }),
  traceServices: defineRoute({
    method: 'GET',
    path: '/v1/admin/traces/services',
    responses: { 200: traceServicesSchema },
    errors: [...signedIn, 404, 503],
    docs: { tags: ['admin'], summary: 'The services the trace backend has spans of', bearer: true },
  }),
  volume: defineRoute({
    method: 'GET',
    path: '/v1/reports/volume',
    query: volumeQuerySchema,
    responses: { 200: volumeReportSchema },
    errors: [...signedIn, 404],
    docs: { tags: ['admin'], summary: 'Exchange volumes per symbol and UTC day (admins only)', bearer: true },
  }),
  dashboard: defineRoute({
    apiKeyScope: 'read',
    method: 'GET',
    path: '/v1/dashboard',
    responses: { 200: dashboardSchema },
    errors: [401, 429],
    docs: {
      tags: ['aggregation'],
      summary:
        'User, balances, open orders, recent fills and unread notifications in one call; a part whose service is down is null and listed in `unavailable`',
      bearer: true,
    },
  }),
  createApiKey: defineRoute({
    method: 'POST',
    path: '/v1/api-keys',
    body: createApiKeyRequestSchema,
    responses: { 201: createdApiKeySchema },
    errors: [...signedIn, 403, 409],
    docs: {
      tags: ['api keys'],
      summary:
        'Create an API key for a program: scopes, an optional IP allow-list and expiry; an HMAC secret is shown once in the answer, or register an Ed25519 public key',
      bearer: true,
    },
  }),
  apiKeys: defineRoute({
    method: 'GET',
    path: '/v1/api-keys',
    responses: { 200: apiKeyListSchema },
    errors: [401, 403, 429],
    docs: { tags: ['api keys'], summary: 'Your API keys (never their secrets), revoked ones included, newest first', bearer: true },
  }),
  revokeApiKey: defineRoute({
    method: 'DELETE',
    path: '/v1/api-keys/:id',
    params: idParams,
    responses: { 200: apiKeyEnvelopeSchema },
    errors: [...signedIn, 403, 404],
    docs: { tags: ['api keys'], summary: 'Revoke one of your API keys: its next request is refused', bearer: true },
  }),
  stream: defineRoute({
    method: 'GET',
    path: '/v1/stream',
    query: z.object({ token: z.string().max(4096).optional() }),
    responses: {},
    errors: [426],
    docs: {
      tags: ['live'],
      summary: 'Live stream (WebSocket): book, trades, ticker, candles and your own updates. A plain GET answers 426 UPGRADE_REQUIRED.',
    },
  }),
} as const;
