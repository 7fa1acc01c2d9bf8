import type { PnlReport } from '@exchange/contracts';
import { pnlReport } from '../domain/pnl.js';
import type { ReportDeps } from './report-deps.js';

/** The user's positions with average cost, realized and unrealized P&L at the last trade prices. */
export async function getPnl(deps: ReportDeps, userId: string): Promise<PnlReport> {
  const positions = await deps.store.positions(userId);
  const prices = await deps.store.lastPrices([...positions.keys()]);
  return pnlReport(positions, prices);
}
