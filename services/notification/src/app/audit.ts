import { auditSetsFromSql, type OwnAudit, type Pool } from '@exchange/platform';

/**
 * The notification service's answer to the audit: the orders it told their owner were filled, which
 * must be the orders the order-manager has FILLED (no "filled" for an order still open, none missing).
 */
export async function auditNotifications(db: Pool): Promise<OwnAudit> {
  return {
    checks: [],
    sets: await auditSetsFromSql(
      db,
      'filled-orders',
      "SELECT DISTINCT data->>'symbol' AS symbol, data->>'orderId' AS member FROM notifications WHERE type = 'ORDER_FILLED'",
    ),
  };
}
