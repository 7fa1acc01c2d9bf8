import { AppError, auditHandler, type HttpServer, type OutboxRelay, outboxReplayHandler, type Pool, type ProducerJournal, serveApi } from '@exchange/platform';
import { auditEngine } from '../app/audit.js';
import { MATCHING_ENGINE_API } from '@exchange/contracts';
import type { MatchingEngine } from '../app/engine.js';

/**
 * The engine's routes (MATCHING_ENGINE_API): its answer to the audit and its own book of a symbol,
 * for the operator; the replay of a market's executions for a consumer that found a gap in them
 * (from the outbox, or past its retention from the executions themselves); the states of open
 * orders for the order-manager's reconciliation.
 */
export function registerRoutes(
  app: HttpServer,
  engine: MatchingEngine,
  relay: Pick<OutboxRelay, 'replay' | 'restore'>,
  db: Pool,
  journal: ProducerJournal,
): void {
  serveApi(app, MATCHING_ENGINE_API, {
    audit: auditHandler(db, 'matching-engine', () => auditEngine(engine, db)),
    // executions the outbox no longer keeps come again from the engine's own record of them
    replayOutbox: outboxReplayHandler(relay, 'matching-engine', journal),
    orderStates: async ({ body }) => {
      if (!engine.book(body.symbol)) throw new AppError('NOT_FOUND', `This engine does not own ${body.symbol}`);
      return engine.orderStates(body.symbol, body.asOfSeq, body.orderIds);
    },
    book: ({ params, query }) => {
      const book = engine.book(params.symbol.toUpperCase());
      if (!book) throw new AppError('NOT_FOUND', `This engine does not own ${params.symbol}`);
      return { symbol: book.symbol, stateHash: book.stateHash(), restingOrders: book.restingOrders, ...book.depth(query.depth) };
    },
  });
}
