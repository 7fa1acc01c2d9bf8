import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditSets,
  auditSetsFromSql,
  createLogger,
  createPostgresPool,
  enqueueEvents,
  PLATFORM_MIGRATIONS_DIR,
  runMigrations,
  streamAudit,
  withTransaction,
  type Pool,
} from '../src/index.js';
import { defineEvent } from '@exchange/contracts';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.js';

const logger = createLogger('test', 'silent');
const numbered = defineEvent('numbered', 1, z.object({ n: z.number().int() }));

/** The audit's building blocks against a real PostgreSQL: fingerprints computed in SQL equal those computed in code; where a service stands in its streams. */
describe('audit fingerprints and stream positions (real PostgreSQL)', () => {
  let database: TestDatabase;
  let db: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    await runMigrations({ url: database.url, schema: 'svc', dir: PLATFORM_MIGRATIONS_DIR, logger, migrationsTable: 'pgmigrations_platform' });
    db = createPostgresPool({ url: database.url, schema: 'svc', max: 4, applicationName: 'test' });
  });
  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });

  it('a set fingerprinted by PostgreSQL equals the same set fingerprinted in code, whatever its members and order', async () => {
    const member = fc.tuple(fc.constantFrom('AAPL', 'MSFT', null), fc.string({ minLength: 1, maxLength: 40 }));
    await fc.assert(
      fc.asyncProperty(fc.array(member, { maxLength: 30 }), async (members) => {
        const inCode = auditSets(
          'trades',
          members.map(([symbol, text]) => ({ symbol, member: text })),
        );
        const inSql = await auditSetsFromSql(db, 'trades', 'SELECT * FROM unnest($1::text[], $2::text[]) AS m(symbol, member)', [
          members.map(([symbol]) => symbol),
          members.map(([, text]) => text),
        ]);
        const key = (set: { symbol: string | null }) => String(set.symbol);
        expect([...inSql].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...inCode].sort((a, b) => key(a).localeCompare(key(b))));
      }),
      { numRuns: 40 },
    );
  });

  it('a member missing, added or changed changes the fingerprint; the order of members does not', () => {
    const of = (members: string[]) =>
      auditSets(
        'resting',
        members.map((member) => ({ symbol: 'X', member })),
      )[0]!.fingerprint;
    const base = of(['o1:BUY:100:5', 'o2:SELL:101:3']);
    expect(of(['o2:SELL:101:3', 'o1:BUY:100:5'])).toBe(base);
    expect(of(['o1:BUY:100:5'])).not.toBe(base);
    expect(of(['o1:BUY:100:5', 'o2:SELL:101:3', 'o3:BUY:99:1'])).not.toBe(base);
    expect(of(['o1:BUY:100:4', 'o2:SELL:101:3'])).not.toBe(base);
  });

  it('reports the last number of each stream it produces, rows left unpublished past the grace time, and its groups’ positions', async () => {
    await withTransaction(db, (client) =>
      enqueueEvents(
        client,
        [1, 2, 3].map((n) => ({ stream: 'audit:A', contract: numbered, data: { n } })),
      ),
    );
    await db.query("INSERT INTO outbox_sequences (stream, last_seq) VALUES ('audit:B', 7)");
    await db.query("INSERT INTO stream_positions (consumer_group, stream, last_seq) VALUES ('readers', 'audit:B', 5)");
    // two of the three rows written long enough ago to count as waiting
    await db.query(
      "UPDATE outbox SET created_at = now() - interval '1 minute' WHERE stream = 'audit:A' AND id IN (SELECT id FROM outbox WHERE stream = 'audit:A' ORDER BY id LIMIT 2)",
    );
    const { produced, consumed } = await streamAudit(db);
    expect(produced).toEqual([
      { stream: 'audit:A', lastSeq: 0, unpublished: 2 },
      { stream: 'audit:B', lastSeq: 7, unpublished: 0 },
    ]);
    expect(consumed).toEqual([{ group: 'readers', stream: 'audit:B', position: 5 }]);
  });
});
