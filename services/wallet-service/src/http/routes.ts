import { actorOf, auditHandler, type HttpServer, outboxReplayHandler, serveApi } from '@exchange/platform';
import { WALLET_API } from '@exchange/contracts';
import { auditLedger } from '../app/audit.js';
import { blockFunds, blockFundsMany } from '../app/block-funds.js';
import { deposit } from '../app/deposit.js';
import { getBalances, listTransactions } from '../app/read-wallet.js';
import { releaseFunds } from '../app/release-funds.js';
import { settleTrade, settleTrades } from '../app/settle-trade.js';
import { toHold, type WalletDeps } from '../app/wallet-deps.js';

/**
 * The wallet-service's internal API (WALLET_API): who may call each route, and for whom, is in its
 * contract; the gateway and the order manager call it through a client built from the same.
 */
export function registerRoutes(app: HttpServer, deps: WalletDeps): void {
  serveApi(app, WALLET_API, {
    // a reader of wallet-events found a gap: the events are published again from the outbox
    replayOutbox: outboxReplayHandler(deps.outbox, 'wallet-service'),
    audit: auditHandler(deps.ledger.db, 'wallet-service', () => auditLedger(deps.ledger)),
    balances: ({ params }) => getBalances(deps.ledger, params.userId),
    transactions: ({ params, query }) => listTransactions(deps.ledger, params.userId, query.limit, query.cursor),
    updateBalance: async ({ body, request, reply }) => {
      const result = await deposit(deps, body, actorOf(request).id);
      reply.status(result.statusCode);
      return result.body;
    },
    blockFunds: ({ body }) => blockFunds(deps, body),
    // each hold's user was checked against its own assertion by the access guard
    blockFundsBatch: async ({ body }) => ({
      results: await blockFundsMany(
        deps,
        body.holds.map(({ assertion: _assertion, ...hold }) => hold),
      ),
    }),
    openHolds: async ({ body }) => ({ holds: (await deps.ledger.openHolds(body.olderThanMs, body.after, body.limit)).map(toHold) }),
    releaseFunds: ({ body }) => releaseFunds(deps, body),
    settleTrade: ({ body }) => settleTrade(deps, body),
    settleTrades: async ({ body }) => ({ results: await settleTrades(deps, body.trades) }),
  });
}
