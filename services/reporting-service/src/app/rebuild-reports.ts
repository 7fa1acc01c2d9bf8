import { withTransaction, type Pool } from '@exchange/platform';
import { READ_MODEL_TABLES, ReportStore, type RawEventRow } from '../store/report-store.js';
import { applyLoggedEvent } from './apply-event.js';

const PAGE_SIZE = 1000;

/**
 * Empties the read models and derives them again from the raw log, in the order the events were
 * received, in one transaction: readers see the old reports until it commits, and the live
 * consumers wait (the raw log is locked against inserts) instead of interleaving with the replay.
 */
export async function rebuildReports(db: Pool): Promise<{ events: number }> {
  const store = new ReportStore(db);
  return withTransaction(
    db,
    async (client) => {
      await client.query('LOCK TABLE report_events IN SHARE ROW EXCLUSIVE MODE');
      // DELETE rather than TRUNCATE: readers keep seeing the old reports (MVCC) until this commits,
      // where TRUNCATE's exclusive lock would make every report wait for the whole rebuild
      for (const table of READ_MODEL_TABLES) await client.query(`DELETE FROM ${table}`);
      let after = '0';
      let events = 0;
      for (;;) {
        const { rows } = await client.query<RawEventRow>('SELECT * FROM report_events WHERE seq > $1 ORDER BY seq LIMIT $2', [after, PAGE_SIZE]);
        for (const row of rows) await applyLoggedEvent(store, client, row);
        events += rows.length;
        if (rows.length < PAGE_SIZE) return { events };
        after = rows.at(-1)!.seq;
      }
    },
    'reports rebuild',
  );
}
