import { EXECUTION_EVENTS, WALLET_EVENTS } from '@exchange/contracts';
import { context, readEvent, withSpan, type StreamEvent, type Transaction } from '@exchange/platform';
import { occurredAt, unitsOf } from '../domain/events.js';
import type { LoggedEvent } from '../store/report-store.js';
import type { ReportDeps } from './report-deps.js';
import { applyLoggedEvents } from './apply-event.js';

/**
 * Consumed events, in order, inside the consumer's transaction (which also records them as
 * processed): each is read by its contract (executions of `symbol`, else wallet events), they are
 * logged in `report_events` in one statement, then the read models are derived from the rows
 * logged now. An event logged before (a redelivery) changes nothing. The work is traced under the
 * first event's trace.
 */
export async function recordEvents(deps: ReportDeps, events: StreamEvent[], client: Transaction, symbol?: string): Promise<void> {
  await context.with(events[0]!.context ?? context.active(), () =>
    withSpan(
      'report write',
      async () => {
        let logged: LoggedEvent[];
        if (symbol) {
          const market = await deps.markets.get(symbol);
          if (!market) throw new Error(`executions of ${symbol}, a market the risk-manager does not list`);
          const units = unitsOf(market);
          logged = events.map((event) => {
            const execution = readEvent(EXECUTION_EVENTS, event);
            const at = occurredAt(execution.data.executedAt, event.entryId, event.occurredAt);
            return { stream: event.stream, id: event.id, occurredAt: at, source: 'executions', event: execution, symbol, units };
          });
        } else {
          logged = events.map((event) => ({
            stream: event.stream,
            id: event.id,
            occurredAt: occurredAt(undefined, event.entryId, event.occurredAt),
            source: 'wallet',
            event: readEvent(WALLET_EVENTS, event),
          }));
        }
        await applyLoggedEvents(deps.store, client, await deps.store.logEvents(client, logged));
      },
      { 'exchange.batch.size': events.length, 'messaging.message.id': events[0]!.id },
    ),
  );
}

/** One event: the read of one. */
export function recordEvent(deps: ReportDeps, event: StreamEvent, client: Transaction, symbol?: string): Promise<void> {
  return recordEvents(deps, [event], client, symbol);
}
