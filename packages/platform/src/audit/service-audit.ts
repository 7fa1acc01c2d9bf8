import type { AuditCheck, AuditSet, ServiceAudit, ServiceName } from '@exchange/contracts';
import type pg from 'pg';

/** What a service checks of its own data and the sets it holds a copy of. */
export interface OwnAudit {
  checks: AuditCheck[];
  sets: AuditSet[];
}

/** An outbox row still unpublished this long after it was written is a delivery problem, not an event in flight. */
export const AUDIT_UNPUBLISHED_GRACE_MS = 5_000;

/** A check from a count of what is wrong: ok when it is 0. */
export function countCheck(name: string, wrong: number, what: string, numbers: Record<string, string> = {}): AuditCheck {
  return { name, ok: wrong === 0, detail: `${wrong} ${what}`, numbers: { wrong: String(wrong), ...numbers } };
}

/** Where this service stands in the streams it writes (its outbox) and reads (its consumer groups' positions). */
export async function streamAudit(db: Pick<pg.Pool, 'query'>): Promise<Pick<ServiceAudit, 'produced' | 'consumed'>> {
  const produced = await db.query<{ stream: string; last_seq: string; unpublished: number }>(
    `SELECT coalesce(s.stream, u.stream) AS stream, coalesce(s.last_seq, 0)::text AS last_seq, coalesce(u.unpublished, 0)::int AS unpublished
       FROM outbox_sequences s
       FULL JOIN (SELECT stream, count(*) AS unpublished FROM outbox
                   WHERE published_at IS NULL AND created_at < now() - make_interval(secs => $1::double precision / 1000)
                   GROUP BY stream) u ON u.stream = s.stream
      ORDER BY 1`,
    [AUDIT_UNPUBLISHED_GRACE_MS],
  );
  const consumed = await db.query<{ consumer_group: string; stream: string; last_seq: string }>(
    'SELECT consumer_group, stream, last_seq::text FROM stream_positions ORDER BY stream, consumer_group',
  );
  return {
    produced: produced.rows.map((row) => ({ stream: row.stream, lastSeq: Number(row.last_seq), unpublished: row.unpublished })),
    consumed: consumed.rows.map((row) => ({ group: row.consumer_group, stream: row.stream, position: Number(row.last_seq) })),
  };
}

/** The handler of a service's `audit` route: its streams, plus what it checks and holds of its own. */
export function auditHandler(db: Pick<pg.Pool, 'query'>, service: ServiceName, own: () => Promise<OwnAudit>): () => Promise<ServiceAudit> {
  return async () => {
    const [streams, mine] = await Promise.all([streamAudit(db), own()]);
    return { service, ...streams, ...mine };
  };
}
