import type { Logger } from '@exchange/platform';
import type { MarketDirectory } from '@exchange/markets';
import type { ReportStore } from '../store/report-store.js';

/** What the reporting use-cases need. */
export interface ReportDeps {
  store: ReportStore;
  /** tick and lot sizes, to read the engine's events; the known symbols */
  markets: Pick<MarketDirectory, 'get'>;
  logger: Logger;
  maxRangeDays: number;
}
