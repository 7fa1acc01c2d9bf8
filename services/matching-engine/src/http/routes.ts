import { AppError, auditHandler, type HttpServer, type OutboxRelay, outboxReplayHandler, type Pool, serveApi } from '@exchange/platform';
import { auditEngine } from '../app/audit.js';
import { executionsJournal } from '../app/commands.js';
import type { EngineStore } from '../store/engine-store.js';
import { MATCHING_ENGINE_API } from '@exchange/contracts';
import type { MatchingEngine } from '../app/engine.js';

/**
 * The engine's routes (MATCHING_ENGINE_API): its own book of a symbol, for the operator's audits, and
 * the replay of a market's executions for a consumer that found a gap in them.
 */
export function registerRoutes(app: HttpServer, engine: MatchingEngine, relay: Pick<OutboxRelay, 'replay' | 'restore'>, db: Pool, store: EngineStore): void {
  serveApi(app, MATCHING_ENGINE_API, {
    audit: auditHandler(db, 'matching-engine', () => auditEngine(engine, db)),
    // executions the outbox no longer keeps come again from the engine's own record of them
    replayOutbox: outboxReplayHandler(relay, 'matching-engine', executionsJournal(store)),
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
