import { withSpan } from '@exchange/platform';
import { CASH_SCALE, type UpdateUserRiskLimits, type UserRiskLimits } from '@exchange/contracts';
import { FieldProblems } from '../domain/market-terms.js';
import type { LimitsChanges } from '../store/limits-store.js';
import { effectiveLimits } from './get-user-limits.js';
import type { RiskDeps } from './risk-deps.js';

const MAX_INTEGER_COLUMN = 2_147_483_647;

/**
 * Sets a user's own limits or kill switch. An absent field stays as it is; null clears it back to
 * the default. Answers with the limits that now apply.
 */
export async function updateUserLimits(
  deps: Pick<RiskDeps, 'limits' | 'defaults' | 'cache'>,
  userId: string,
  request: UpdateUserRiskLimits,
): Promise<UserRiskLimits> {
  const problems = new FieldProblems();
  for (const field of ['maxOpenOrders', 'maxOrdersPerMinute'] as const) {
    const value = request[field];
    if (typeof value === 'number' && value > MAX_INTEGER_COLUMN) problems.add(field, `must be at most ${MAX_INTEGER_COLUMN}`);
  }
  const changes: LimitsChanges = {
    maxOpenOrders: request.maxOpenOrders,
    maxOrdersPerMinute: request.maxOrdersPerMinute,
    killSwitch: request.killSwitch,
  };
  if (request.maxNotional === null) changes.maxNotionalCents = null;
  else if (request.maxNotional !== undefined) {
    changes.maxNotionalCents = problems.positive('maxNotional', request.maxNotional, CASH_SCALE, 'must be a positive amount of USD in whole cents');
  }
  problems.throwIfAny('The limits are not valid');
  const stored = await withSpan('risk limits update', () => deps.limits.upsert(userId, changes));
  await deps.cache.limitsWritten(stored);
  return effectiveLimits(userId, stored, deps.defaults);
}
