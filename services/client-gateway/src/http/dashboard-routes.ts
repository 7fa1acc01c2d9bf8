import { type ActorCredential, AppError, actorOf, type ContractClient, type HttpServer, serveRoute, withSpan } from '@exchange/platform';
import {
  CASH_ASSET,
  type Dashboard,
  type DashboardPart,
  type NOTIFICATION_API,
  type ORDER_MANAGER_API,
  PUBLIC_API,
  type USER_SERVICE_API,
  type Wallet,
  type WALLET_API,
} from '@exchange/contracts';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate } from './authenticate.js';

export interface DashboardRouteOptions {
  users: ContractClient<typeof USER_SERVICE_API>;
  wallet: ContractClient<typeof WALLET_API>;
  orders: ContractClient<typeof ORDER_MANAGER_API>;
  notifications: ContractClient<typeof NOTIFICATION_API>;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

/**
 * `GET /v1/dashboard`, an API aggregation: the five parts are fetched from their services at
 * the same time, each in a span of its own; a service that fails costs only its part.
 */
export function registerDashboardRoutes(app: HttpServer, options: DashboardRouteOptions): void {
  serveRoute(
    app,
    PUBLIC_API.dashboard,
    async ({ request }): Promise<Dashboard> => {
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
        part('user', async () => (await options.users.me({}, { actor })).user),
        part('balances', () => balancesOf(options.wallet, actor)),
        part('openOrders', async () => (await options.orders.listOrders({ query: { status: 'open', limit: 50 } }, { actor })).items),
        part('recentTrades', async () => (await options.orders.listFills({ query: { limit: 20 } }, { actor })).items),
        part('unreadNotifications', async () => {
          const inbox = await options.notifications.list({ query: { unread: 'true', limit: 20 } }, { actor });
          return { count: inbox.unreadCount, items: inbox.items };
        }),
      ]);
      unavailable.sort((a, b) => a.part.localeCompare(b.part));
      return { user, balances, openOrders, recentTrades, unreadNotifications, unavailable };
    },
    { onRequest: authenticate(options.verifier), config: { rateLimit: options.rateLimit } },
  );
}

async function balancesOf(wallet: ContractClient<typeof WALLET_API>, actor: ActorCredential): Promise<Wallet['balances']> {
  try {
    return (await wallet.balances({ params: { userId: actor.id } }, { actor })).balances;
  } catch (error) {
    // no wallet yet: nothing deposited
    if (error instanceof AppError && error.code === 'WALLET_NOT_FOUND') return [{ asset: CASH_ASSET, available: '0.00', held: '0.00', total: '0.00' }];
    throw error;
  }
}
