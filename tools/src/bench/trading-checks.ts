import type pg from 'pg';
import { type GeneratedIdentities, internalHeaders } from '@exchange/platform';

/**
 * Waiting for a market to be quiet after a storm, for the chaos tests and the benchmarks (the
 * invariants themselves are the audit's: `auditSystem`).
 */

type Db = Pick<pg.Client, 'query'>;

async function count(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query(sql, params)).rows[0].count);
}

interface Book {
  sequence: number | string;
  restingOrders: number;
  bids: Array<{ price: number; quantity: number }>;
  asks: Array<{ price: number; quantity: number }>;
}

/** The matching engine, and the keys to read its books as the operator's tools do. */
export interface EngineEndpoint {
  url: string;
  identities: GeneratedIdentities;
}

async function engineBook(engine: EngineEndpoint, symbol: string): Promise<Book> {
  const headers = await internalHeaders(engine.identities, 'operator', 'matching-engine');
  const response = await fetch(`${engine.url}/books/${symbol}?depth=1000`, { headers });
  if (!response.ok) throw new Error(`the matching engine answered ${response.status} for the ${symbol} book`);
  return (await response.json()) as Book;
}

/**
 * Waits until the system is quiet for `symbol`: no placement half done, both outboxes published,
 * and the order-manager has applied every event the engine produced. Returns the ms it took.
 */
export async function waitUntilQuiet(db: Db, engine: EngineEndpoint, symbol: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const isQuiet =
      (await count(db, "SELECT count(*) FROM order_manager.orders WHERE status = 'PENDING'")) === 0 &&
      (await count(db, 'SELECT count(*) FROM order_manager.outbox WHERE published_at IS NULL')) === 0 &&
      (await count(db, 'SELECT count(*) FROM matching_engine.outbox WHERE published_at IS NULL')) === 0 &&
      (await count(db, 'SELECT count(*) FROM order_manager.processed_messages WHERE event_id LIKE $1', [`${symbol}:%`])) ===
        Number((await engineBook(engine, symbol)).sequence);
    if (isQuiet) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`the system was not quiet for ${symbol} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
