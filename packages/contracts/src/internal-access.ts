import { SERVICE_NAMES, type ServiceName } from './processes.js';

/**
 * Who may call each internal route. Every internal request carries the caller's own signed identity
 * (`x-exchange-caller`), and — when it acts for an end user — the user's identity as the gateway
 * signed it (`x-exchange-user`), which a service passes on but can never mint. The platform checks
 * both against this table on every request; a route missing from the table cannot be registered.
 */

/**
 * Callers: the processes, plus `operator`, the identity of the operator's own tools (the audit, the
 * benchmark's checks), which `npm start` creates beside the processes' keys.
 */
export const CALLER_NAMES = [...SERVICE_NAMES, 'operator'] as const;
export type CallerName = ServiceName | 'operator';

export function isCallerName(name: string): name is CallerName {
  return (CALLER_NAMES as readonly string[]).includes(name);
}

/** Headers of an internal request: the caller's token and the end user's assertion. */
export const CALLER_HEADER = 'x-exchange-caller';
export const USER_ASSERTION_HEADER = 'x-exchange-user';

/**
 * The end user a route needs:
 * - `none`: the caller acts on its own (settlement, a market look-up); an assertion is ignored;
 * - `any`: with or without an end user (a hold released by a user's cancel or by the janitor);
 * - `user`: a signed-in user of any role, asserted by the gateway;
 * - `admin`: a signed-in admin, asserted by the gateway.
 */
export type ActorRequirement = 'none' | 'any' | 'user' | 'admin';

/** A request field: `params.userId`, `query.userId`, `body.userId`. */
export type RequestField = `${'params' | 'query' | 'body'}.${string}`;

export interface RouteAccess {
  callers: readonly CallerName[];
  actor: ActorRequirement;
  /** fields naming the user the request is about: each must be the asserted user, unless that user is an admin */
  self?: readonly RequestField[];
  /** when this field has one of these values, the asserted user must be an admin (and `self` does not apply) */
  adminWhen?: { field: RequestField; values: readonly string[] };
  /** what the caller does with it, for the documented table */
  purpose: string;
}

/** A route anyone may read: it holds nothing secret (the user-service's public keys). */
export const OPEN_ROUTE = 'open' as const;

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

/** `METHOD /path` (the path as the route is registered) → who may call it. */
export type AccessTable = Readonly<Record<string, RouteAccess | typeof OPEN_ROUTE>>;

export const INTERNAL_ACCESS = {
  'user-service': {
    'POST /register': { callers: GATEWAY, actor: 'none', purpose: 'sign-up' },
    'POST /auth/login': { callers: GATEWAY, actor: 'none', purpose: 'log-in' },
    'GET /me': { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s profile' },
    'GET /users/:id': {
      callers: ['client-gateway', 'wallet-service'],
      actor: 'any',
      purpose: 'does this user exist (token check, wallet opening, admin credit)',
    },
    'GET /users': { callers: GATEWAY, actor: 'admin', purpose: 'find a user by e-mail (admin credit)' },
    'GET /.well-known/jwks.json': OPEN_ROUTE,
  },
  'order-manager': {
    'POST /order': { callers: GATEWAY, actor: 'user', purpose: 'place an order for the asserted user' },
    'GET /orders': { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s orders' },
    'GET /orders/:id': { callers: GATEWAY, actor: 'user', purpose: 'one of the asserted user’s orders' },
    'DELETE /orders/:id': { callers: GATEWAY, actor: 'user', purpose: 'cancel one of the asserted user’s orders' },
    'GET /trades': { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s fills' },
  },
  'wallet-service': {
    'GET /balance/:userId': { callers: GATEWAY, actor: 'user', self: ['params.userId'], purpose: 'balances' },
    'GET /transactions/:userId': { callers: GATEWAY, actor: 'user', self: ['params.userId'], purpose: 'ledger lines' },
    'POST /update-balance': {
      callers: GATEWAY,
      actor: 'user',
      self: ['body.userId'],
      adminWhen: { field: 'body.type', values: ['CREDIT'] },
      purpose: 'a user’s own deposit; a CREDIT to anyone only by an admin',
    },
    'POST /block-funds': { callers: ORDER_MANAGER, actor: 'user', self: ['body.userId'], purpose: 'hold what a placed order needs' },
    'POST /release-funds': { callers: ORDER_MANAGER, actor: 'any', purpose: 'release a hold (cancel, undo, janitor)' },
    'POST /settle-trade': { callers: ORDER_MANAGER, actor: 'none', purpose: 'settle one engine trade' },
    'POST /settle-trades': { callers: ORDER_MANAGER, actor: 'none', purpose: 'settle a batch of engine trades' },
  },
  'risk-manager': {
    'GET /markets': { callers: MARKET_READERS, actor: 'any', purpose: 'the market list (tick and lot sizes, status)' },
    'GET /markets/:symbol': { callers: MARKET_READERS, actor: 'any', purpose: 'one market' },
    'POST /markets': { callers: GATEWAY, actor: 'admin', purpose: 'list a market' },
    'PATCH /markets/:symbol': { callers: GATEWAY, actor: 'admin', purpose: 'halt, resume or change a market' },
    'GET /users/:userId/limits': { callers: GATEWAY, actor: 'admin', purpose: 'a user’s risk limits' },
    'PUT /users/:userId/limits': { callers: GATEWAY, actor: 'admin', purpose: 'set a user’s limits or kill switch' },
    'POST /check': { callers: ORDER_MANAGER, actor: 'user', self: ['body.userId'], purpose: 'pre-trade check of the asserted user’s order' },
  },
  'matching-engine': {
    'GET /books/:symbol': { callers: ['operator'], actor: 'none', purpose: 'the engine’s own book, for audits' },
  },
  'market-data': {
    'GET /markets/:symbol/book': { callers: GATEWAY, actor: 'any', purpose: 'public depth' },
    'GET /markets/:symbol/trades': { callers: GATEWAY, actor: 'any', purpose: 'public tape' },
    'GET /markets/:symbol/candles': { callers: GATEWAY, actor: 'any', purpose: 'public candles' },
    'GET /markets/:symbol/ticker': { callers: GATEWAY, actor: 'any', purpose: 'public ticker' },
  },
  notification: {
    'GET /notifications': { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s inbox' },
    'POST /notifications/:id/read': { callers: GATEWAY, actor: 'user', purpose: 'mark one of the asserted user’s notifications read' },
  },
  'reporting-service': {
    'GET /reports/statement': { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s statement' },
    'GET /reports/pnl': { callers: GATEWAY, actor: 'user', purpose: 'the asserted user’s P&L' },
    'GET /reports/volume': { callers: GATEWAY, actor: 'admin', purpose: 'exchange volumes' },
  },
} as const satisfies Record<Exclude<ServiceName, 'client-gateway'>, AccessTable>;

/** The access table of one service's internal routes (the gateway has none: it is the edge). */
export function accessTableOf(service: ServiceName): AccessTable | undefined {
  return service === 'client-gateway' ? undefined : INTERNAL_ACCESS[service];
}
