import { AppError, SQL_UNIQUE_VIOLATION, sqlState } from '@exchange/platform';
import { formatAsset } from '@exchange/contracts';

/**
 * Blocks, releases and settlements are named by a caller's reference and store their first answer
 * with a hash of the request. A retry gets that answer; another request under the same reference
 * is refused.
 */
export function replayOf<T>(prior: { details: Record<string, unknown> }, hash: string, reused: () => AppError): T {
  if (prior.details.requestHash !== hash) throw reused();
  return prior.details.response as T;
}

/**
 * For `.catch` on an operation's transaction: two requests that used one reference at the same
 * moment both passed the replay check, and the database's unique constraint stopped the second.
 */
export function refuseConcurrentReuse(reused: () => AppError): (error: unknown) => never {
  return (error) => {
    if (sqlState(error) === SQL_UNIQUE_VIOLATION) throw reused();
    throw error;
  };
}

export function insufficient(asset: string, available: bigint, requested: bigint): AppError {
  return new AppError('INSUFFICIENT_FUNDS', `Not enough ${asset} available`, {
    asset,
    available: formatAsset(available, asset),
    requested: formatAsset(requested, asset),
  });
}
