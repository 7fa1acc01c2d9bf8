import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import { SQL_LOCK_NOT_AVAILABLE, sqlState, type Transaction } from './transaction.js';

export interface IdempotencyKey {
  /** whose key it is (keys are scoped per user) */
  scope: string;
  key: string;
}

export interface StoredResponse<T> {
  statusCode: number;
  body: T;
  /** true when this is the stored answer of an earlier request, not a new effect */
  isReplay: boolean;
}

/** A stable hash of a request body (keys sorted), to tell a retry from a different request. */
export function requestHash(body: unknown): string {
  const canonical = JSON.stringify(body, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Stripe-style idempotency inside the caller's transaction. The key row is inserted first, so a
 * concurrent request with the same key waits on it (up to `waitMs`) and then gets the stored answer;
 * if the first request is still running after that, 409 REQUEST_IN_PROGRESS. The same key with a
 * different body is 422 IDEMPOTENCY_KEY_REUSED. The answer is stored in the same transaction as the
 * effect, so a crash leaves neither (and a retry then runs afresh).
 */
export async function runIdempotent<T>(
  client: Transaction,
  idempotency: IdempotencyKey & { requestHash: string; waitMs: number },
  work: () => Promise<{ statusCode: number; body: T }>,
): Promise<StoredResponse<T>> {
  // No savepoint: a timeout aborts the transaction, and the request is answered 409 anyway.
  await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(idempotency.waitMs))}`);
  let claimed: boolean;
  try {
    const inserted = await client.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, response_status, response_body)
       VALUES ($1, $2, $3, 0, 'null'::jsonb) ON CONFLICT (scope, key) DO NOTHING RETURNING 1`,
      [idempotency.scope, idempotency.key, idempotency.requestHash],
    );
    claimed = (inserted.rowCount ?? 0) > 0;
  } catch (error) {
    if (sqlState(error) === SQL_LOCK_NOT_AVAILABLE) {
      throw new AppError('REQUEST_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry shortly');
    }
    throw error;
  }
  await client.query('SET LOCAL lock_timeout = 0');

  if (!claimed) {
    const stored = await client.query<{ request_hash: string; response_status: number; response_body: T }>(
      'SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2',
      [idempotency.scope, idempotency.key],
    );
    const row = stored.rows[0]!;
    if (row.request_hash !== idempotency.requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
    }
    return { statusCode: row.response_status, body: row.response_body, isReplay: true };
  }

  const result = await work();
  await client.query('UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE scope = $1 AND key = $2', [
    idempotency.scope,
    idempotency.key,
    result.statusCode,
    JSON.stringify(result.body),
  ]);
  return { ...result, isReplay: false };
}
