import type pg from 'pg';
import type { Redis } from '@exchange/platform';

/** One statement's (or one Redis command's) totals at a moment. */
interface Counter {
  text: string;
  calls: number;
  ms: number;
}

export interface CountedWork {
  /** statements (or commands), most expensive first: calls and ms over the interval */
  rows: Counter[];
  calls: number;
  ms: number;
}

/**
 * What PostgreSQL ran for this database between two snapshots of `pg_stat_statements` (no reset:
 * other databases' numbers are left alone). Undefined when the extension is not loaded
 * (`shared_preload_libraries = 'pg_stat_statements'`): the bench then says so and goes on.
 */
export class StatementStats {
  private constructor(private readonly db: pg.Client) {}

  static async open(db: pg.Client): Promise<StatementStats | undefined> {
    try {
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await db.query('SELECT 1 FROM pg_stat_statements LIMIT 1');
      return new StatementStats(db);
    } catch {
      return undefined;
    }
  }

  async snapshot(): Promise<Map<string, Counter>> {
    const { rows } = await this.db.query<{ id: string; query: string; calls: string; ms: number }>(
      `SELECT queryid::text || ':' || userid::text AS id, query, calls::text, total_exec_time AS ms FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return new Map(rows.map((row) => [row.id, { text: row.query, calls: Number(row.calls), ms: row.ms }]));
  }
}

/** Redis's per-command totals (`INFO commandstats`), for the whole server: the bench is its only busy client. */
export async function redisCommandStats(redis: Redis): Promise<Map<string, Counter>> {
  const info = await redis.info('commandstats');
  const stats = new Map<string, Counter>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    stats.set(match[1]!, { text: match[1]!, calls: Number(match[2]), ms: Number(match[3]) / 1000 });
  }
  return stats;
}

/** What happened between two snapshots, most expensive first. */
export function countedBetween(before: Map<string, Counter>, after: Map<string, Counter>): CountedWork {
  const rows: Counter[] = [];
  for (const [id, now] of after) {
    const then = before.get(id);
    const calls = now.calls - (then?.calls ?? 0);
    if (calls > 0) rows.push({ text: now.text, calls, ms: now.ms - (then?.ms ?? 0) });
  }
  rows.sort((a, b) => b.ms - a.ms);
  return { rows, calls: rows.reduce((sum, row) => sum + row.calls, 0), ms: rows.reduce((sum, row) => sum + row.ms, 0) };
}

/** A statement's text on one table row: whitespace folded, cut, pipes escaped. */
export function statementCell(text: string, length = 110): string {
  const folded = text.replace(/\s+/g, ' ').trim();
  return `\`${(folded.length > length ? `${folded.slice(0, length)}…` : folded).replace(/\|/g, '\\|').replace(/`/g, "'")}\``;
}
