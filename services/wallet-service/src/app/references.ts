import { AppError, SQL_UNIQUE_VIOLATION, sqlState } from '@exchange/platform';
import { formatAsset } from '@exchange/contracts';
import type { z } from 'zod';

/**
 * Blocks, releases and settlements are named by a caller's reference and store their first answer
 * with a hash of the request. A retry gets that answer; another request under the same reference
 * is refused.
 */
export function replayOf<S extends z.ZodType>(prior: { details: Record<string, unknown> }, hash: string, reused: () => AppError, response: S): z.output<S> {
  if (prior.details.requestHash !== hash) throw reused();
  // the stored answer is read by the same schema that answers the caller
  return response.parse(prior.details.response);
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
