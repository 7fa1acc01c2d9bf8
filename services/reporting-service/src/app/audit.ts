import { auditSetsFromSql, type OwnAudit, type Pool } from '@exchange/platform';

/** The reporting service's answer to the audit: the trades its reports count, which must be every trade the engine made, once. */
export async function auditReports(db: Pool): Promise<OwnAudit> {
  return { checks: [], sets: await auditSetsFromSql(db, 'trades', "SELECT symbol, symbol || ':' || trade_no AS member FROM report_trades") };
}
