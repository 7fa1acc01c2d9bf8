import type pg from 'pg';
import { untraced, withSpan } from '../tracing.js';

export type Transaction = pg.PoolClient;

/**
 * Runs `work` in one PostgreSQL transaction (a "db transaction" span around it): committed when it
 * returns, rolled back when it throws.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: Transaction) => Promise<T>, name = 'db transaction'): Promise<T> {
  return withSpan(name, async () => {
    const client = await pool.connect();
    let isBroken = false;
    try {
      // the transaction's span measures it; a span of the BEGIN alone would only add to each one
      await untraced(() => client.query('BEGIN'));
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        isBroken = true;
      }
      throw error;
    } finally {
      client.release(isBroken);
    }
  });
}

/** PostgreSQL's SQLSTATE of a failed query, if any. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

export const SQL_UNIQUE_VIOLATION = '23505';
export const SQL_LOCK_NOT_AVAILABLE = '55P03';
