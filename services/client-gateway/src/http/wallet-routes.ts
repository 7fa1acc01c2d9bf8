import { AppError, actorOf, type ContractClient, type HttpServer, serveRoute } from '@exchange/platform';
import { CASH_ASSET, PUBLIC_API, type USER_SERVICE_API, type WALLET_API } from '@exchange/contracts';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate, callerOf, requireAdmin } from './authenticate.js';

export interface WalletRouteOptions {
  wallet: ContractClient<typeof WALLET_API>;
  users: ContractClient<typeof USER_SERVICE_API>;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

export function registerWalletRoutes(app: HttpServer, options: WalletRouteOptions): void {
  const guarded = { onRequest: authenticate(options.verifier), config: { rateLimit: options.rateLimit } };
  const { wallet, users } = options;

  serveRoute(
    app,
    PUBLIC_API.wallet,
    async ({ request }) => {
      try {
        return await wallet.balances({ params: { userId: callerOf(request).id } }, { actor: actorOf(request) });
      } catch (error) {
        if (error instanceof AppError && error.code === 'WALLET_NOT_FOUND') {
          return { balances: [{ asset: CASH_ASSET, available: '0.00', held: '0.00', total: '0.00' }] };
        }
        throw error;
      }
    },
    guarded,
  );

  serveRoute(
    app,
    PUBLIC_API.addFunds,
    ({ body, request }) => {
      const userId = callerOf(request).id;
      const key = request.headers['idempotency-key'];
      const idempotency = typeof key === 'string' ? { scope: userId, key } : undefined;
      return wallet.updateBalance(
        { body: { userId, type: 'DEPOSIT', asset: body.asset, amount: body.amount, ...(idempotency ? { idempotency } : {}) } },
        { actor: actorOf(request) },
      );
    },
    guarded,
  );

  serveRoute(
    app,
    PUBLIC_API.transactions,
    ({ query, request }) => wallet.transactions({ params: { userId: callerOf(request).id }, query }, { actor: actorOf(request) }),
    guarded,
  );

  serveRoute(
    app,
    PUBLIC_API.adminCredit,
    async ({ body, request }) => {
      const actor = actorOf(request);
      const { user } = body.userId
        ? await users.userById({ params: { id: body.userId } }, { actor })
        : await users.userByEmail({ query: { email: body.email! } }, { actor });
      const key = request.headers['idempotency-key'];
      const idempotency = typeof key === 'string' ? { scope: actor.id, key } : undefined;
      return wallet.updateBalance(
        { body: { userId: user.id, type: 'CREDIT', asset: body.asset, amount: body.amount, ...(idempotency ? { idempotency } : {}) } },
        { actor },
      );
    },
    { ...guarded, onRequest: [authenticate(options.verifier), requireAdmin] },
  );
}
