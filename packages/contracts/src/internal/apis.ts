import { z } from 'zod';
import { emailSchema, loginRequestSchema, loginResponseSchema, registerRequestSchema, userEnvelopeSchema } from '../auth.js';
import {
  apiKeyEnvelopeSchema,
  apiKeyListSchema,
  createApiKeyRequestSchema,
  createdApiKeySchema,
  verifiedApiKeySchema,
  verifyApiKeyRequestSchema,
} from '../api-keys.js';
import { type AccessTable, type CallerName, OPEN_ROUTE } from './access.js';
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
import {
  fillListQuerySchema,
  fillListSchema,
  orderEnvelopeSchema,
  orderListQuerySchema,
  orderListSchema,
  placeOrderBatchRequestSchema,
  placeOrderBatchResponseSchema,
  placeOrderRequestSchema,
} from '../orders.js';
import { pnlReportSchema, statementQuerySchema, statementSchema, volumeQuerySchema, volumeReportSchema } from '../reports.js';
import {
  riskCheckBatchRequestSchema,
  riskCheckBatchResponseSchema,
  riskCheckRequestSchema,
  riskCheckResponseSchema,
  updateUserRiskLimitsSchema,
  userRiskLimitsSchema,
} from '../risk.js';
import { serviceAuditSchema } from '../audit.js';
import { STREAMS } from '../events.js';
import { type Api, defineRoute, routeKey } from '../route.js';
import type { ServiceName } from '../processes.js';
import {
  blockFundsBatchRequestSchema,
  blockFundsBatchResponseSchema,
  blockFundsRequestSchema,
  depositResponseSchema,
  holdResponseSchema,
  openHoldsRequestSchema,
  openHoldsResponseSchema,
  pageQuerySchema,
  releaseFundsRequestSchema,
  settleTradeRequestSchema,
  settleTradeResponseSchema,
  settleTradesRequestSchema,
  settleTradesResponseSchema,
  updateBalanceRequestSchema,
  walletSchema,
  walletTransactionsSchema,
} from '../wallet.js';

/**
 * The internal API of every service: each route's schemas and who may call it (see
 * internal-access.ts). Services register their routes from these; callers use a client built
 * from them, so a route's two ends read the same contract.
 */

const GATEWAY = ['client-gateway'] as const;
const ORDER_MANAGER = ['order-manager'] as const;
const MARKET_READERS = [
  'client-gateway',
  'order-manager',
  'wallet-service',
  'reporting-service',
  'matching-engine',
  'market-data',
  'notification',
  'operator',
] as const satisfies readonly CallerName[];

const idParams = z.object({ id: z.uuid() });
const userIdParams = z.object({ userId: z.uuid() });
// any text: a symbol that is not listed, well-formed or not, is 404 UNKNOWN_SYMBOL
const symbolParams = z.object({ symbol: z.string().min(1).max(40) });

/** The user-service's public keys for access tokens: Ed25519 (OKP) keys, the current one first. */
export const jwksSchema = z.object({
  keys: z.array(
    z.object({
      kty: z.literal('OKP'),
      crv: z.literal('Ed25519'),
      x: z.string().min(1),
      kid: z.string().min(1),
      alg: z.literal('EdDSA'),
      use: z.literal('sig'),
    }),
  ),
});

export const USER_SERVICE_API = {
  register: defineRoute({
    method: 'POST',
    path: '/register',
    body: registerRequestSchema,
    responses: { 201: userEnvelopeSchema },
    access: { callers: GATEWAY, actor: 'none', purpose: 'sign-up' },
  }),
  logIn: defineRoute({
    method: 'POST',
    path: '/auth/login',
    body: loginRequestSchema,
    responses: { 200: loginResponseSchema },
    access: { callers: GATEWAY, actor: 'none', purpose: 'log-in' },
  }),
  me: defineRoute({
    method: 'GET',
    path: '/me',
    responses: { 200: userEnvelopeSchema },
    access: { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s profile' },
  }),
  userById: defineRoute({
    method: 'GET',
    path: '/users/:id',
    params: idParams,
    responses: { 200: userEnvelopeSchema },
    access: { callers: ['client-gateway', 'wallet-service'], actor: 'any', purpose: 'does this user exist (token check, wallet opening, admin credit)' },
  }),
  userByEmail: defineRoute({
    method: 'GET',
    path: '/users',
    query: z.object({ email: emailSchema }),
    responses: { 200: userEnvelopeSchema },
    access: { callers: GATEWAY, actor: 'admin', purpose: 'find a user by e-mail (admin credit)' },
  }),
  createApiKey: defineRoute({
    method: 'POST',
    path: '/api-keys',
    body: createApiKeyRequestSchema,
    responses: { 201: createdApiKeySchema },
    access: { callers: GATEWAY, actor: 'user', purpose: 'the asserted user creates an API key' },
  }),
  apiKeys: defineRoute({
    method: 'GET',
    path: '/api-keys',
    responses: { 200: apiKeyListSchema },
    access: { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s API keys' },
  }),
  revokeApiKey: defineRoute({
    method: 'DELETE',
    path: '/api-keys/:id',
    params: idParams,
    responses: { 200: apiKeyEnvelopeSchema },
    access: { callers: GATEWAY, actor: 'user', purpose: 'the asserted user revokes one of their API keys' },
  }),
  verifyApiKey: defineRoute({
    method: 'POST',
    path: '/api-keys/verify',
    body: verifyApiKeyRequestSchema,
    responses: { 200: verifiedApiKeySchema },
    access: { callers: GATEWAY, actor: 'none', purpose: 'a signed request: its key, signature, window, address and scope' },
  }),
  jwks: defineRoute({
    method: 'GET',
    path: '/.well-known/jwks.json',
    responses: { 200: jwksSchema },
    access: OPEN_ROUTE,
  }),
} as const;

/** A consumer's request for a stream's events again, from a number on: it found a gap (events Redis lost). */
export const outboxReplayRequestSchema = z.strictObject({ stream: z.string().min(1).max(200), fromSeq: z.number().int().min(1) });
export const outboxReplayResponseSchema = z.object({
  /** events published again */
  replayed: z.number().int().min(0),
  /** the last number the producer gave in the stream (0: none yet) */
  lastSeq: z.number().int().min(0),
  /** the first number from the one asked for on that its outbox still keeps (null: none); what is before it cannot be sent again */
  firstKeptSeq: z.number().int().min(1).nullable(),
});

/** The replay route of a producer's outbox, called by the consumers of its streams (and the operator's tools). */
function outboxReplayRoute(callers: readonly CallerName[]) {
  return defineRoute({
    method: 'POST',
    path: '/outbox/replay',
    body: outboxReplayRequestSchema,
    responses: { 200: outboxReplayResponseSchema },
    errors: [404],
    access: { callers: [...callers, 'operator'], actor: 'none', purpose: 'ask for a stream’s events again from a number on (a gap: events Redis lost)' },
  });
}

/**
 * A service's answer for its own data to the audit: the operator's tools, and the gateway for an
 * admin (the gateway's public route is for admins only; the answer holds counts and fingerprints,
 * no user's data).
 */
export const SERVICE_AUDIT_ROUTE = defineRoute({
  method: 'GET',
  path: '/audit',
  responses: { 200: serviceAuditSchema },
  access: { callers: ['client-gateway', 'operator'], actor: 'none', purpose: 'the service’s own invariants and fingerprints, for the audit' },
});

export const ORDER_MANAGER_API = {
  replayOutbox: outboxReplayRoute(STREAMS.orders.consumers),
  audit: SERVICE_AUDIT_ROUTE,
  placeOrder: defineRoute({
    method: 'POST',
    path: '/order',
    body: placeOrderRequestSchema,
    responses: { 200: orderEnvelopeSchema, 201: orderEnvelopeSchema },
    access: { callers: GATEWAY, actor: 'user', purpose: 'place an order for the asserted user' },
  }),
  placeOrders: defineRoute({
    method: 'POST',
    path: '/orders/batch',
    body: placeOrderBatchRequestSchema,
    responses: { 200: placeOrderBatchResponseSchema },
    access: { callers: GATEWAY, actor: 'each', items: { field: 'body.orders' }, purpose: 'place a batch of orders, each for its own asserted user' },
  }),
  listOrders: defineRoute({
    method: 'GET',
    path: '/orders',
    query: orderListQuerySchema,
    responses: { 200: orderListSchema },
    access: { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s orders' },
  }),
  getOrder: defineRoute({
    method: 'GET',
    path: '/orders/:id',
    params: idParams,
    responses: { 200: orderEnvelopeSchema },
    access: { callers: GATEWAY, actor: 'user', purpose: 'one of the asserted user’s orders' },
  }),
  cancelOrder: defineRoute({
    method: 'DELETE',
    path: '/orders/:id',
    params: idParams,
    responses: { 200: orderEnvelopeSchema },
    access: { callers: GATEWAY, actor: 'user', purpose: 'cancel one of the asserted user’s orders' },
  }),
  listFills: defineRoute({
    method: 'GET',
    path: '/trades',
    query: fillListQuerySchema,
    responses: { 200: fillListSchema },
    access: { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s fills' },
  }),
} as const;

export const WALLET_API = {
  replayOutbox: outboxReplayRoute(STREAMS.wallet.consumers),
  audit: SERVICE_AUDIT_ROUTE,
  balances: defineRoute({
    method: 'GET',
    path: '/balance/:userId',
    params: userIdParams,
    responses: { 200: walletSchema },
    access: { callers: GATEWAY, actor: 'user', self: ['params.userId'], purpose: 'balances' },
  }),
  transactions: defineRoute({
    method: 'GET',
    path: '/transactions/:userId',
    params: userIdParams,
    query: pageQuerySchema,
    responses: { 200: walletTransactionsSchema },
    access: { callers: GATEWAY, actor: 'user', self: ['params.userId'], purpose: 'ledger lines' },
  }),
  updateBalance: defineRoute({
    method: 'POST',
    path: '/update-balance',
    body: updateBalanceRequestSchema,
    responses: { 200: depositResponseSchema },
    access: {
      callers: GATEWAY,
      actor: 'user',
      self: ['body.userId'],
      adminWhen: { field: 'body.type', values: ['CREDIT'] },
      purpose: 'a user’s own deposit; a CREDIT to anyone only by an admin',
    },
  }),
  blockFunds: defineRoute({
    method: 'POST',
    path: '/block-funds',
    body: blockFundsRequestSchema,
    responses: { 200: holdResponseSchema },
    access: { callers: ORDER_MANAGER, actor: 'user', self: ['body.userId'], purpose: 'hold what a placed order needs' },
  }),
  blockFundsBatch: defineRoute({
    method: 'POST',
    path: '/block-funds/batch',
    body: blockFundsBatchRequestSchema,
    responses: { 200: blockFundsBatchResponseSchema },
    access: {
      callers: ORDER_MANAGER,
      actor: 'each',
      items: { field: 'body.holds', self: ['userId'] },
      purpose: 'hold what a batch of placed orders needs, each for its own user',
    },
  }),
  openHolds: defineRoute({
    method: 'POST',
    path: '/holds/open',
    body: openHoldsRequestSchema,
    responses: { 200: openHoldsResponseSchema },
    access: {
      callers: ['order-manager', 'operator'],
      actor: 'none',
      purpose: 'reconciliation: open holds not touched for a while, to compare with the orders they are for',
    },
  }),
  releaseFunds: defineRoute({
    method: 'POST',
    path: '/release-funds',
    body: releaseFundsRequestSchema,
    responses: { 200: holdResponseSchema },
    access: { callers: ORDER_MANAGER, actor: 'any', purpose: 'release a hold (cancel, undo, janitor)' },
  }),
  settleTrade: defineRoute({
    method: 'POST',
    path: '/settle-trade',
    body: settleTradeRequestSchema,
    responses: { 200: settleTradeResponseSchema },
    access: { callers: ORDER_MANAGER, actor: 'none', purpose: 'settle one engine trade' },
  }),
  settleTrades: defineRoute({
    method: 'POST',
    path: '/settle-trades',
    body: settleTradesRequestSchema,
    responses: { 200: settleTradesResponseSchema },
    access: { callers: ORDER_MANAGER, actor: 'none', purpose: 'settle a batch of engine trades' },
  }),
} as const;

export const RISK_MANAGER_API = {
  listMarkets: defineRoute({
    method: 'GET',
    path: '/markets',
    responses: { 200: marketListSchema },
    access: { callers: MARKET_READERS, actor: 'any', purpose: 'the market list (tick and lot sizes, status)' },
  }),
  getMarket: defineRoute({
    method: 'GET',
    path: '/markets/:symbol',
    params: symbolParams,
    responses: { 200: marketEnvelopeSchema },
    access: { callers: MARKET_READERS, actor: 'any', purpose: 'one market' },
  }),
  createMarket: defineRoute({
    method: 'POST',
    path: '/markets',
    body: createMarketRequestSchema,
    responses: { 201: marketEnvelopeSchema },
    access: { callers: GATEWAY, actor: 'admin', purpose: 'list a market' },
  }),
  updateMarket: defineRoute({
    method: 'PATCH',
    path: '/markets/:symbol',
    params: symbolParams,
    body: updateMarketRequestSchema,
    responses: { 200: marketEnvelopeSchema },
    access: { callers: GATEWAY, actor: 'admin', purpose: 'halt, resume or change a market' },
  }),
  userLimits: defineRoute({
    method: 'GET',
    path: '/users/:userId/limits',
    params: userIdParams,
    responses: { 200: userRiskLimitsSchema },
    access: { callers: GATEWAY, actor: 'admin', purpose: 'a user’s risk limits' },
  }),
  setUserLimits: defineRoute({
    method: 'PUT',
    path: '/users/:userId/limits',
    params: userIdParams,
    body: updateUserRiskLimitsSchema,
    responses: { 200: userRiskLimitsSchema },
    access: { callers: GATEWAY, actor: 'admin', purpose: 'set a user’s limits or kill switch' },
  }),
  check: defineRoute({
    method: 'POST',
    path: '/check',
    body: riskCheckRequestSchema,
    responses: { 200: riskCheckResponseSchema },
    access: { callers: ORDER_MANAGER, actor: 'user', self: ['body.userId'], purpose: 'pre-trade check of the asserted user’s order' },
  }),
  checkBatch: defineRoute({
    method: 'POST',
    path: '/check/batch',
    body: riskCheckBatchRequestSchema,
    responses: { 200: riskCheckBatchResponseSchema },
    access: {
      callers: ORDER_MANAGER,
      actor: 'each',
      items: { field: 'body.orders', self: ['userId'] },
      purpose: 'the pre-trade checks of a batch of orders, each for its own user',
    },
  }),
} as const;

const depthLevelSchema = z.object({ price: z.number().int(), quantity: z.number().int(), orders: z.number().int() });

/** The engine's own book of a symbol (ticks and lots), with the hash of its whole state. */
export const engineBookSchema = z.object({
  symbol: z.string(),
  sequence: z.number().int(),
  stateHash: z.string(),
  restingOrders: z.number().int(),
  bids: z.array(depthLevelSchema),
  asks: z.array(depthLevelSchema),
});
export type EngineBook = z.infer<typeof engineBookSchema>;

/** The order-manager's question in its reconciliation: which of these open orders does the engine rest, has it finished, or never seen? */
export const engineOrderStatesRequestSchema = z.strictObject({
  symbol: z.string().min(1).max(12),
  /** the last number the order-manager had given in the market's command stream when it asked: answers only once the engine has applied that far */
  asOfSeq: z.number().int().min(0),
  orderIds: z.array(z.uuid()).min(1).max(500),
});
export const ENGINE_ORDER_STATES = ['resting', 'done', 'unknown'] as const;
export const engineOrderStatesResponseSchema = z.object({
  /** false: the engine has not applied the market's commands up to `asOfSeq` yet, and `orders` is empty */
  caughtUp: z.boolean(),
  /** the last command number the engine applied in the market */
  position: z.number().int().min(0),
  orders: z.array(z.object({ orderId: z.uuid(), state: z.enum(ENGINE_ORDER_STATES) })),
});

export const MATCHING_ENGINE_API = {
  replayOutbox: outboxReplayRoute(STREAMS.executions.consumers),
  audit: SERVICE_AUDIT_ROUTE,
  book: defineRoute({
    method: 'GET',
    path: '/books/:symbol',
    params: z.object({ symbol: z.string().min(1).max(12) }),
    query: z.object({ depth: z.coerce.number().int().min(1).max(1000).default(20) }),
    responses: { 200: engineBookSchema },
    access: { callers: ['operator'], actor: 'none', purpose: 'the engine’s own book, for audits' },
  }),
  orderStates: defineRoute({
    method: 'POST',
    path: '/orders/states',
    body: engineOrderStatesRequestSchema,
    responses: { 200: engineOrderStatesResponseSchema },
    errors: [404],
    access: { callers: ['order-manager', 'operator'], actor: 'none', purpose: 'reconciliation: which open orders the engine rests, finished or never saw' },
  }),
} as const;

export const MARKET_DATA_API = {
  audit: SERVICE_AUDIT_ROUTE,
  book: defineRoute({
    method: 'GET',
    path: '/markets/:symbol/book',
    params: symbolParams,
    query: bookQuerySchema,
    responses: { 200: bookSchema },
    access: { callers: GATEWAY, actor: 'any', purpose: 'public depth' },
    docs: { summary: 'The aggregated book, best first, valid at `sequence`; depth updates on md:{SYMBOL} continue from it' },
  }),
  trades: defineRoute({
    method: 'GET',
    path: '/markets/:symbol/trades',
    params: symbolParams,
    query: tradesQuerySchema,
    responses: { 200: publicTradesSchema },
    access: { callers: GATEWAY, actor: 'any', purpose: 'public tape' },
  }),
  candles: defineRoute({
    method: 'GET',
    path: '/markets/:symbol/candles',
    params: symbolParams,
    query: candlesQuerySchema,
    responses: { 200: candlesSchema },
    access: { callers: GATEWAY, actor: 'any', purpose: 'public candles' },
  }),
  ticker: defineRoute({
    method: 'GET',
    path: '/markets/:symbol/ticker',
    params: symbolParams,
    responses: { 200: tickerSchema },
    access: { callers: GATEWAY, actor: 'any', purpose: 'public ticker' },
  }),
  tickers: defineRoute({
    method: 'GET',
    path: '/tickers',
    responses: { 200: tickerListSchema },
    access: { callers: GATEWAY, actor: 'any', purpose: 'every market’s ticker at once' },
  }),
} as const;

export const NOTIFICATION_API = {
  audit: SERVICE_AUDIT_ROUTE,
  list: defineRoute({
    method: 'GET',
    path: '/notifications',
    query: notificationListQuerySchema,
    responses: { 200: notificationListSchema },
    access: { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s inbox' },
  }),
  markRead: defineRoute({
    method: 'POST',
    path: '/notifications/:id/read',
    params: idParams,
    responses: { 200: notificationEnvelopeSchema },
    access: { callers: GATEWAY, actor: 'user', purpose: 'mark one of the asserted user’s notifications read' },
  }),
} as const;

export const REPORTING_API = {
  audit: SERVICE_AUDIT_ROUTE,
  statement: defineRoute({
    method: 'GET',
    path: '/reports/statement',
    query: statementQuerySchema,
    // JSON, or with format=csv the CSV text
    responses: { 200: z.union([statementSchema, z.string()]) },
    access: { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s statement' },
  }),
  pnl: defineRoute({
    method: 'GET',
    path: '/reports/pnl',
    responses: { 200: pnlReportSchema },
    access: { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s P&L' },
  }),
  volume: defineRoute({
    method: 'GET',
    path: '/reports/volume',
    query: volumeQuerySchema,
    responses: { 200: volumeReportSchema },
    access: { callers: GATEWAY, actor: 'admin', purpose: 'exchange volumes' },
  }),
} as const;

/** Every service's internal API, by process. */
export const INTERNAL_APIS = {
  'user-service': USER_SERVICE_API,
  'order-manager': ORDER_MANAGER_API,
  'wallet-service': WALLET_API,
  'risk-manager': RISK_MANAGER_API,
  'matching-engine': MATCHING_ENGINE_API,
  'market-data': MARKET_DATA_API,
  notification: NOTIFICATION_API,
  'reporting-service': REPORTING_API,
} as const;

/** Who may call each internal route, by process and `METHOD /path` (what the docs table shows). */
export const INTERNAL_ACCESS = Object.fromEntries(
  Object.entries(INTERNAL_APIS).map(([service, api]) => [
    service,
    Object.fromEntries(Object.values(api as Api).map((route) => [routeKey(route), route.access ?? OPEN_ROUTE])),
  ]),
) as Record<keyof typeof INTERNAL_APIS, AccessTable>;

/** The internal API of one process (the gateway has none: it is the edge). */
export function internalApiOf(service: ServiceName): Api | undefined {
  return service === 'client-gateway' ? undefined : INTERNAL_APIS[service];
}
