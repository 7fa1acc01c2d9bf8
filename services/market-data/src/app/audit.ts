import { auditSetsFromSql, type OwnAudit, type Pool } from '@exchange/platform';

/** The market data's answer to the audit: its public tape, which must hold every trade the engine made, once. */
export async function auditMarketData(db: Pool): Promise<OwnAudit> {
  return { checks: [], sets: await auditSetsFromSql(db, 'trades', "SELECT symbol, symbol || ':' || trade_id AS member FROM trades") };
}
