import { auditSets, auditSetsFromSql, countCheck, type OwnAudit, type Pool } from '@exchange/platform';
import type { MatchingEngine } from './engine.js';

/**
 * The engine's answer to the audit: every book has applied exactly what its journal of executions
 * holds, and the sets the others must agree with — the trades it made (from the executions it
 * committed, which are never pruned) and the orders resting in its books.
 */
export async function auditEngine(engine: MatchingEngine, db: Pool): Promise<OwnAudit> {
  const { rows } = await db.query<{ symbol: string; last: string }>('SELECT symbol, max(sequence)::text AS last FROM executions GROUP BY symbol');
  const committed = new Map(rows.map((row) => [row.symbol, Number(row.last)]));
  const resting: Array<{ symbol: string; member: string }> = [];
  let ahead = 0;
  for (const symbol of engine.symbols) {
    const book = engine.book(symbol)!;
    if (book.lastSequence !== (committed.get(symbol) ?? 0)) ahead += 1;
    for (const [id, , side, price, remaining] of book.snapshot().orders) resting.push({ symbol, member: `${id}:${side}:${price}:${remaining}` });
  }
  return {
    checks: [
      countCheck('every book = its committed executions', ahead, 'books whose last event is not the last execution committed for them', {
        books: String(engine.symbols.length),
      }),
    ],
    sets: [
      ...(await auditSetsFromSql(db, 'trades', "SELECT symbol, symbol || ':' || (payload->>'tradeId') AS member FROM executions WHERE type = 'trade'")),
      ...auditSets('resting', resting),
    ],
  };
}
