import { AppError } from '@exchange/platform';
import type { VolumeReport } from '@exchange/contracts';
import { parseVolumeQuery, volumeDays } from '../domain/report-query.js';
import type { ReportDeps } from './report-deps.js';

/** Exchange-wide order counts and traded volume per symbol and UTC day. */
export async function getVolume(deps: ReportDeps, query: Record<string, unknown>, now = new Date()): Promise<VolumeReport> {
  const range = parseVolumeQuery(query, { now, maxRangeDays: deps.maxRangeDays });
  if (range.symbol !== undefined && !(await deps.markets.get(range.symbol)))
    throw new AppError('UNKNOWN_SYMBOL', `No market ${range.symbol}`, { symbol: range.symbol });
  const { firstDay, endDay } = volumeDays(range);
  return { from: firstDay, to: endDay, items: await deps.store.volume(range.symbol, firstDay, endDay) };
}
