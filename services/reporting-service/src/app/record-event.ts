import { EXECUTION_EVENTS, WALLET_EVENTS } from '@exchange/contracts';
import { context, readEvent, withSpan, type StreamEvent, type Transaction } from '@exchange/platform';
import { occurredAt, unitsOf } from '../domain/events.js';
import type { LoggedEvent } from '../store/report-store.js';
import type { ReportDeps } from './report-deps.js';
import { applyLoggedEvent } from './apply-event.js';

/**
 * One consumed event, inside the consumer's transaction (which also records it as processed): it is
 * read by its contract (an execution of `symbol`, else a wallet event), logged in `report_events`,
 * then the read models are derived from that row. An event logged before (a redelivery) changes
 * nothing.
 */
export async function recordEvent(deps: ReportDeps, event: StreamEvent, client: Transaction, symbol?: string): Promise<void> {
  await context.with(event.context ?? context.active(), () =>
    withSpan(
      'report write',
      async () => {
        const entry = { stream: event.stream, id: event.id };
        let logged: LoggedEvent;
        if (symbol) {
          const market = await deps.markets.get(symbol);
          if (!market) throw new Error(`executions of ${symbol}, a market the risk-manager does not list`);
          const execution = readEvent(EXECUTION_EVENTS, event);
          const at = occurredAt(execution.data.executedAt, event.entryId, event.occurredAt);
          logged = { ...entry, occurredAt: at, source: 'executions', event: execution, symbol, units: unitsOf(market) };
        } else {
          logged = { ...entry, occurredAt: occurredAt(undefined, event.entryId, event.occurredAt), source: 'wallet', event: readEvent(WALLET_EVENTS, event) };
        }
        const raw = await deps.store.logEvent(client, logged);
        if (raw) await applyLoggedEvent(deps.store, client, raw);
      },
      { 'messaging.message.id': event.id, 'exchange.event': event.type },
    ),
  );
}
