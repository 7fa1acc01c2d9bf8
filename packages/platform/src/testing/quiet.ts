/**
 * When a running system has finished what its requests set off: every committed event published
 * and every published event handled. Tests that compare the state before and after a refused
 * request need that point, not a guess at how long the asynchronous tail takes.
 */
import type pg from 'pg';
import { createRedis } from '../redis.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

/** Committed outbox events not yet published, over every schema that keeps an outbox. */
async function unpublishedEvents(db: Queryable): Promise<number> {
  const { rows: schemas } = await db.query<{ schema: string }>(
    "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'outbox' AND table_type = 'BASE TABLE'",
  );
  if (schemas.length === 0) return 0;
  const sql = schemas.map(({ schema }) => `(SELECT count(*) FROM ${JSON.stringify(schema)}.outbox WHERE published_at IS NULL)`).join(' + ');
  const { rows } = await db.query<{ events: string }>(`SELECT ${sql} AS events`);
  return Number(rows[0]!.events);
}

function fields(entry: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (Array.isArray(entry)) for (let i = 0; i + 1 < entry.length; i += 2) map.set(String(entry[i]), entry[i + 1]);
  return map;
}

/**
 * Events some consumer group has not read yet or not acknowledged, over every stream under the key
 * prefix (all of a stream's events while no group reads it yet; dead-letter streams aside). When Redis cannot count a group's lag (after a trim), a group whose last delivered id is
 * behind the stream's last id counts as one.
 */
async function unhandledEvents(redisUrl: string, prefix: string): Promise<number> {
  const redis = createRedis({ url: redisUrl, keyPrefix: '', connectionName: 'test-quiet' });
  try {
    let total = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500, 'TYPE', 'stream');
      cursor = next;
      for (const key of keys) {
        if (key.endsWith(':dead-letter')) continue;
        const groups: unknown = await redis.xinfo('GROUPS', key);
        if (!Array.isArray(groups)) continue;
        // a stream no group reads yet (its consumers have not learnt of it, e.g. a new market's)
        if (groups.length === 0) {
          total += await redis.xlen(key);
          continue;
        }
        const stream = fields(await redis.xinfo('STREAM', key));
        for (const group of groups.map(fields)) {
          total += Number(group.get('pending') ?? 0);
          const lag = group.get('lag');
          if (typeof lag === 'number') total += lag;
          else if (group.get('last-delivered-id') !== stream.get('last-generated-id')) total += 1;
        }
      }
    } while (cursor !== '0');
    return total;
  } finally {
    redis.disconnect();
  }
}

/** Events committed or published and not yet handled everywhere (0 when the system is quiet). */
export async function eventBacklog(system: { db: Queryable; redisUrl: string; redisKeyPrefix: string }): Promise<number> {
  const [unpublished, unhandled] = await Promise.all([unpublishedEvents(system.db), unhandledEvents(system.redisUrl, system.redisKeyPrefix)]);
  return unpublished + unhandled;
}

/**
 * The system's fingerprint once it is quiet: no event waits anywhere, and the fingerprint reads the
 * same before and after that check (so nothing was in flight between a handler's commit and its
 * acknowledgement). Fails after `timeoutMs`.
 */
export async function quietFingerprint(
  system: { db: Queryable; redisUrl: string; redisKeyPrefix: string },
  fingerprint: () => Promise<string>,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let previous: string | undefined;
  for (;;) {
    const before = await fingerprint();
    const backlog = await eventBacklog(system);
    const after = await fingerprint();
    if (backlog === 0 && before === after && after === previous) return after;
    previous = backlog === 0 && before === after ? after : undefined;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the system to be quiet (${backlog} events waiting)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
