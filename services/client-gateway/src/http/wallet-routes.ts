import { AppError, actorOf, type HttpServer, type ServiceClient } from '@exchange/platform';
import {
  addFundsRequestSchema,
  adminCreditRequestSchema,
  CASH_ASSET,
  depositResponseSchema,
  errorBodySchema,
  IDEMPOTENCY_KEY_PATTERN,
  pageQuerySchema,
  walletSchema,
  walletTransactionsSchema,
  type DepositResponse,
  type UserEnvelope,
  type Wallet,
  type WalletTransactions,
} from '@exchange/contracts';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { authenticate, callerOf, requireAdmin } from './authenticate.js';

export interface WalletRouteOptions {
  wallet: ServiceClient;
  users: ServiceClient;
  verifier: TokenVerifier;
  rateLimit: { max: number; timeWindow: number };
}

const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN, 'must be 1 to 255 visible ASCII characters')
    .optional()
    .meta({ description: 'Makes a retry safe: the same key and body return the first answer without a second effect' }),
});

const errors = { 400: errorBodySchema, 401: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema, 429: errorBodySchema };

export function registerWalletRoutes(app: HttpServer, options: WalletRouteOptions): void {
  const guarded = { onRequest: authenticate(options.verifier), config: { rateLimit: options.rateLimit } };
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/wallet',
    { ...guarded, schema: { tags: ['wallet'], summary: 'Balances per asset', security, response: { 200: walletSchema, 401: errorBodySchema } } },
    async (request) => {
      try {
        return (await options.wallet.get<Wallet>(`/balance/${callerOf(request).id}`, { actor: actorOf(request) })).body;
      } catch (error) {
        if (error instanceof AppError && error.code === 'WALLET_NOT_FOUND') {
          return { balances: [{ asset: CASH_ASSET, available: '0.00', held: '0.00', total: '0.00' }] };
        }
        throw error;
      }
    },
  );

  app.post(
    '/v1/wallet/add-funds',
    {
      ...guarded,
      schema: {
        tags: ['wallet'],
        summary: 'Deposit cash (USD)',
        security,
        headers: idempotencyHeaders,
        body: addFundsRequestSchema,
        response: { 200: depositResponseSchema, ...errors },
      },
    },
    async (request) => {
      const userId = callerOf(request).id;
      const key = request.headers['idempotency-key'];
      const { body } = await options.wallet.post<DepositResponse>(
        '/update-balance',
        {
          userId,
          type: 'DEPOSIT',
          asset: request.body.asset,
          amount: request.body.amount,
          ...(key ? { idempotency: { scope: userId, key } } : {}),
        },
        { actor: actorOf(request) },
      );
      return body;
    },
  );

  app.get(
    '/v1/wallet/transactions',
    {
      ...guarded,
      schema: {
        tags: ['wallet'],
        summary: 'Ledger lines, newest first',
        security,
        querystring: pageQuerySchema,
        response: { 200: walletTransactionsSchema, 400: errorBodySchema, 401: errorBodySchema },
      },
    },
    async (request) =>
      (await options.wallet.get<WalletTransactions>(`/transactions/${callerOf(request).id}`, { query: request.query, actor: actorOf(request) })).body,
  );

  app.post(
    '/v1/admin/credit',
    {
      ...guarded,
      onRequest: [authenticate(options.verifier), requireAdmin],
      schema: {
        tags: ['admin'],
        summary: 'Credit cash or shares to a user (journaled like a deposit)',
        security,
        headers: idempotencyHeaders,
        body: adminCreditRequestSchema,
        response: { 200: depositResponseSchema, 404: errorBodySchema, ...errors },
      },
    },
    async (request) => {
      const admin = callerOf(request);
      const { userId, email, asset, amount } = request.body;
      const lookup = userId ? `/users/${userId}` : `/users?email=${encodeURIComponent(email!)}`;
      const { user } = (await options.users.get<UserEnvelope>(lookup, { actor: actorOf(request) })).body;
      const key = request.headers['idempotency-key'];
      const { body } = await options.wallet.post<DepositResponse>(
        '/update-balance',
        {
          userId: user.id,
          type: 'CREDIT',
          asset,
          amount,
          ...(key ? { idempotency: { scope: admin.id, key } } : {}),
        },
        { actor: actorOf(request) },
      );
      return body;
    },
  );
}
