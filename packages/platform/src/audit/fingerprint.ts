import { createHash } from 'node:crypto';
import type { AuditedSet, AuditSet } from '@exchange/contracts';

/**
 * A set's fingerprint: the sum of its members' hashes (the first 60 bits of each one's MD5), so two
 * services can tell whether they hold the same set without sending it, in any order, computed in
 * SQL or in code alike. Equal sets have equal fingerprints; a missing, extra or changed member
 * changes it (two different sets collide with a chance of about 2^-60).
 */
export function memberHash(member: string): bigint {
  return BigInt(`0x${createHash('md5').update(member).digest('hex').slice(0, 15)}`);
}

/** The same hash summed in SQL over `expression` (text), as exact decimal text; '0' for no rows. */
export function fingerprintSql(expression: string): string {
  return `coalesce(sum(('x' || substr(md5(${expression}), 1, 15))::bit(60)::bigint), 0)::text`;
}

/** Sets computed in code: members grouped by symbol (null: one set for all). */
export function auditSets(name: AuditedSet, members: Iterable<{ symbol: string | null; member: string }>): AuditSet[] {
  const bySymbol = new Map<string | null, { count: number; sum: bigint }>();
  for (const { symbol, member } of members) {
    const set = bySymbol.get(symbol) ?? { count: 0, sum: 0n };
    set.count += 1;
    set.sum += memberHash(member);
    bySymbol.set(symbol, set);
  }
  return [...bySymbol].map(([symbol, set]) => ({ name, symbol, count: set.count, fingerprint: set.sum.toString() }));
}

/**
 * Sets computed by PostgreSQL: `sql` selects `symbol` (text, or NULL) and `member` (text), one row
 * per member; the grouping and the fingerprint are added here.
 */
export async function auditSetsFromSql(
  db: { query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> },
  name: AuditedSet,
  sql: string,
  params: unknown[] = [],
): Promise<AuditSet[]> {
  const { rows } = await db.query(
    `SELECT symbol, count(*)::int AS count, ${fingerprintSql('member')} AS fingerprint FROM (${sql}) members GROUP BY symbol`,
    params,
  );
  return rows.map((row) => ({ name, symbol: (row.symbol as string | null) ?? null, count: row.count as number, fingerprint: row.fingerprint as string }));
}
