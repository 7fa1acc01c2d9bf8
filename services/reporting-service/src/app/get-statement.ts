import { statementFilename, type Statement } from '@exchange/contracts';
import { statementCsv } from '../domain/csv.js';
import { parseStatementQuery } from '../domain/report-query.js';
import { buildStatement } from '../domain/statement.js';
import type { ReportDeps } from './report-deps.js';

export type StatementAnswer = { format: 'json'; statement: Statement } | { format: 'csv'; csv: string; filename: string };

/** The user's statement for [from, to), as JSON or CSV. */
export async function getStatement(deps: ReportDeps, userId: string, query: Record<string, unknown>, now = new Date()): Promise<StatementAnswer> {
  const { from, to, format } = parseStatementQuery(query, { now, maxRangeDays: deps.maxRangeDays });
  const [openings, entries, fills] = await Promise.all([
    deps.store.balancesBefore(userId, from),
    deps.store.entries(userId, from, to),
    deps.store.fills(userId, from, to),
  ]);
  for (const [asset, total] of openings) if (total === 0n) openings.delete(asset);
  const statement = buildStatement({ from, to, openings, entries, fills });
  if (format === 'json') return { format, statement };
  return { format, csv: statementCsv(statement), filename: statementFilename(statement.from, statement.to) };
}
