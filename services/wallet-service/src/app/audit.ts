import { auditSetsFromSql, countCheck, type OwnAudit } from '@exchange/platform';
import type { LedgerStore } from '../store/ledger-store.js';

/**
 * The wallet's answer to the audit: conservation per asset, no account below zero, held balances =
 * open holds, a balanced journal; and the sets the others must agree with — the trades it settled
 * (each once: a settlement's reference is unique) and its open holds.
 */
export async function auditLedger(ledger: LedgerStore): Promise<OwnAudit> {
  const counts = await ledger.auditCounts();
  const unconserved = counts.assets.filter((row) => BigInt(row.users) + BigInt(row.system) !== 0n);
  return {
    checks: [
      {
        name: 'conservation per asset',
        ok: unconserved.length === 0,
        detail:
          unconserved.length === 0
            ? `users’ balances + the exchange’s accounts = 0 in each of ${counts.assets.length} assets`
            : unconserved.map((row) => `${row.asset}: users ${row.users} + exchange ${row.system} ≠ 0`).join('; '),
        numbers: Object.fromEntries(counts.assets.map((row) => [`${row.asset} held by users`, row.users])),
      },
      countCheck('no negative balance', counts.negative, 'accounts below zero'),
      countCheck('held = open holds', counts.heldMismatch, 'accounts whose held balance is not the sum of their open holds'),
      countCheck('every journal entry balances', counts.unbalanced, 'journal entries whose lines do not sum to zero in an asset'),
    ],
    sets: [
      ...(await auditSetsFromSql(
        ledger.db,
        'trades',
        "SELECT split_part(reference, ':', 1) AS symbol, reference AS member FROM transactions WHERE type = 'TRADE'",
      )),
      ...(await auditSetsFromSql(
        ledger.db,
        'holds',
        "SELECT NULL::text AS symbol, reference || ':' || asset || ':' || remaining AS member FROM holds WHERE remaining > 0",
      )),
    ],
  };
}
