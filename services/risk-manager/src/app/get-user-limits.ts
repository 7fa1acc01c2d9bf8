import type { UserRiskLimits } from '@exchange/contracts';
import { formatCents } from '../domain/market-terms.js';
import type { StoredLimits } from '../store/limits-store.js';
import type { RiskDeps, RiskDefaults } from './risk-deps.js';

/** The limits that apply to a user: their own where set, the defaults elsewhere. */
export function effectiveLimits(userId: string, stored: StoredLimits | undefined, defaults: RiskDefaults): UserRiskLimits {
  return {
    userId,
    maxOpenOrders: stored?.maxOpenOrders ?? defaults.maxOpenOrders,
    maxOrdersPerMinute: stored?.maxOrdersPerMinute ?? defaults.maxOrdersPerMinute,
    // null: only the market's own limit applies
    maxNotional: stored?.maxNotionalCents == null ? null : formatCents(stored.maxNotionalCents),
    killSwitch: stored?.killSwitch ?? false,
    updatedAt: stored ? stored.updatedAt.toISOString() : null,
  };
}

export async function getUserLimits(deps: Pick<RiskDeps, 'limits' | 'defaults'>, userId: string): Promise<UserRiskLimits> {
  return effectiveLimits(userId, await deps.limits.find(userId), deps.defaults);
}
