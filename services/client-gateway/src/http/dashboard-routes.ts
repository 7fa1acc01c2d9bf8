import { type ActorCredential, AppError, actorOf, withSpan, type HttpServer, type ServiceClient } from '@exchange/platform';
import {
  CASH_ASSET,
  dashboardSchema,
  errorBodySchema,
  type Dashboard,
  type DashboardPart,
  type FillList,
  type NotificationList,
  type OrderList,
  type UserEnvelope,
  type Wallet,
} from '@exchange/contracts';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate } from './authenticate.js';

export interface DashboardRouteOptions {
  users: ServiceClient;
  wallet: ServiceClient;
  orders: ServiceClient;
  notifications: ServiceClient;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

/**
 * `GET /v1/dashboard`, an API aggregation: the five parts are fetched from their services at
 * the same time, each in a span of its own; a service that fails costs only its part.
 */
export function registerDashboardRoutes(app: HttpServer, options: DashboardRouteOptions): void {
  app.get(
    '/v1/dashboard',
    {
      onRequest: authenticate(options.verifier),
      config: { rateLimit: options.rateLimit },
      schema: {
        tags: ['aggregation'],
        summary:
          'User, balances, open orders, recent fills and unread notifications in one call; a part whose service is down is null and listed in `unavailable`',
        security: [{ bearerAuth: [] }],
        response: { 200: dashboardSchema, 401: errorBodySchema, 429: errorBodySchema },
      },
    },
    async (request): Promise<Dashboard> => {
      const actor = actorOf(request);
      const unavailable: Dashboard['unavailable'] = [];
      const part = async <T>(name: DashboardPart, fetch: () => Promise<T>): Promise<T | null> => {
        try {
          return await withSpan(`dashboard ${name}`, fetch);
        } catch (error) {
          const failure = error instanceof AppError ? error : new AppError('INTERNAL_ERROR', 'This part could not be read');
          request.log.warn({ err: error, part: name }, 'a dashboard part is unavailable');
          unavailable.push({ part: name, code: failure.code, message: failure.message });
          return null;
        }
      };
      const [user, balances, openOrders, recentTrades, unreadNotifications] = await Promise.all([
        part('user', async () => (await options.users.get<UserEnvelope>('/me', { actor })).body.user),
        part('balances', () => balancesOf(options.wallet, actor)),
        part('openOrders', async () => (await options.orders.get<OrderList>('/orders', { query: { status: 'open', limit: 50 }, actor })).body.items),
        part('recentTrades', async () => (await options.orders.get<FillList>('/trades', { query: { limit: 20 }, actor })).body.items),
        part('unreadNotifications', async () => {
          const { body } = await options.notifications.get<NotificationList>('/notifications', { query: { unread: 'true', limit: 20 }, actor });
          return { count: body.unreadCount, items: body.items };
        }),
      ]);
      unavailable.sort((a, b) => a.part.localeCompare(b.part));
      return { user, balances, openOrders, recentTrades, unreadNotifications, unavailable };
    },
  );
}

async function balancesOf(wallet: ServiceClient, actor: ActorCredential): Promise<Wallet['balances']> {
  try {
    return (await wallet.get<Wallet>(`/balance/${actor.id}`, { actor })).body.balances;
  } catch (error) {
    // no wallet yet: nothing deposited
    if (error instanceof AppError && error.code === 'WALLET_NOT_FOUND') return [{ asset: CASH_ASSET, available: '0.00', held: '0.00', total: '0.00' }];
    throw error;
  }
}
