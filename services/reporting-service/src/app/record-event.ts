import { context, withSpan, type StreamEvent, type Transaction } from '@exchange/platform';
import { occurredAt, unitsOf } from '../domain/events.js';
import type { ReportDeps } from './report-deps.js';
import { applyLoggedEvent } from './apply-event.js';

/**
 * One consumed event, inside the consumer's transaction (which also records it as processed): it is
 * logged as it came in `report_events`, then the read models are derived from that row. An event
 * logged before (a redelivery) changes nothing.
 */
export async function recordEvent(deps: ReportDeps, event: StreamEvent, client: Transaction, symbol?: string): Promise<void> {
  await context.with(event.context ?? context.active(), () =>
    withSpan(
      'report write',
      async () => {
        let units: ReturnType<typeof unitsOf> | undefined;
        if (symbol) {
          const market = await deps.markets.get(symbol);
          if (!market) throw new Error(`executions of ${symbol}, a market the risk-manager does not list`);
          units = unitsOf(market);
        }
        const row = await deps.store.logEvent(client, {
          stream: event.stream,
          id: event.id,
          type: event.type,
          data: event.data,
          occurredAt: occurredAt(event.data, event.entryId, event.occurredAt),
          units,
        });
        if (row) await applyLoggedEvent(deps.store, client, row);
      },
      { 'messaging.message.id': event.id, 'exchange.event': event.type },
    ),
  );
}
