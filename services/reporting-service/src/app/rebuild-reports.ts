import { withTransaction, type Pool } from '@exchange/platform';
import { ReportStore } from '../store/report-store.js';
import { applyLoggedEvents } from './apply-event.js';

/**
 * Empties the read models and derives them again from the raw log, in the order the events were
 * received, in one transaction: readers see the old reports until it commits, and the live
 * consumers wait instead of interleaving with the replay.
 */
export async function rebuildReports(db: Pool): Promise<{ events: number }> {
  const store = new ReportStore(db);
  return withTransaction(
    db,
    async (client) => {
      await store.beginRebuild(client);
      let events = 0;
      for await (const page of store.rawEventPages(client)) {
        await applyLoggedEvents(store, client, page);
        events += page.length;
      }
      return { events };
    },
    'reports rebuild',
  );
}
