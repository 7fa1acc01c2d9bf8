import { actorOf, type HttpServer } from '@exchange/platform';
import {
  blockFundsRequestSchema,
  depositResponseSchema,
  holdResponseSchema,
  pageQuerySchema,
  releaseFundsRequestSchema,
  settleTradeRequestSchema,
  settleTradeResponseSchema,
  settleTradesRequestSchema,
  settleTradesResponseSchema,
  updateBalanceRequestSchema,
  walletSchema,
  walletTransactionsSchema,
} from '@exchange/contracts';
import { z } from 'zod';
import { blockFunds } from '../app/block-funds.js';
import { deposit } from '../app/deposit.js';
import { getBalances, listTransactions } from '../app/read-wallet.js';
import { releaseFunds } from '../app/release-funds.js';
import { settleTrade, settleTrades } from '../app/settle-trade.js';
import type { WalletDeps } from '../app/wallet-deps.js';

const userParams = z.object({ userId: z.uuid() });

/**
 * The wallet-service's internal API, called by the gateway and the order manager; who may call each
 * route, and for whom, is the wallet's part of the internal access table.
 */
export function registerRoutes(app: HttpServer, deps: WalletDeps): void {
  app.get('/balance/:userId', { schema: { params: userParams, response: { 200: walletSchema } } }, async (request) =>
    getBalances(deps.ledger, request.params.userId),
  );

  app.get(
    '/transactions/:userId',
    { schema: { params: userParams, querystring: pageQuerySchema, response: { 200: walletTransactionsSchema } } },
    async (request) => listTransactions(deps.ledger, request.params.userId, request.query.limit, request.query.cursor),
  );

  app.post('/update-balance', { schema: { body: updateBalanceRequestSchema, response: { 200: depositResponseSchema } } }, async (request, reply) => {
    const result = await deposit(deps, request.body, actorOf(request).id);
    return reply.status(result.statusCode as 200).send(result.body);
  });

  app.post('/block-funds', { schema: { body: blockFundsRequestSchema, response: { 200: holdResponseSchema } } }, async (request) =>
    blockFunds(deps, request.body),
  );

  app.post('/release-funds', { schema: { body: releaseFundsRequestSchema, response: { 200: holdResponseSchema } } }, async (request) =>
    releaseFunds(deps, request.body),
  );

  app.post('/settle-trade', { schema: { body: settleTradeRequestSchema, response: { 200: settleTradeResponseSchema } } }, async (request) =>
    settleTrade(deps, request.body),
  );

  app.post('/settle-trades', { schema: { body: settleTradesRequestSchema, response: { 200: settleTradesResponseSchema } } }, async (request) => ({
    results: await settleTrades(deps, request.body.trades),
  }));
}
