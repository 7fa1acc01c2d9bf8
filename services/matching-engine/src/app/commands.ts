import { decodeEvent, EXECUTION_EVENTS, executionsStream, ORDER_COMMANDS } from '@exchange/contracts';
import type { ProducerJournal } from '@exchange/platform';
import type { EngineStore } from '../store/engine-store.js';
import type { BookEvent, Command } from '../domain/index.js';

/** A stream entry of `orders:{SYMBOL}` as the engine reads it. */
export interface Inbound {
  stream: string;
  entryId: string;
  /** the producer's message id: the journal's deduplication key */
  commandId: string;
  /** its number in the stream, given by the order-manager's relay (absent on entries from before numbers travelled) */
  seq?: number;
  symbol: string;
  /** undefined when the message could not be understood (journaled and acknowledged, never applied) */
  command: Command | undefined;
  /** an order sent again by the order-manager's reconciliation: applied only if the engine never saw it */
  resubmitted?: boolean;
  traceparent: string;
  tracestate: string;
}

/**
 * A stream entry as the engine reads it: the command its contract reads, or undefined for one no
 * contract reads (it is journaled and acknowledged, never applied, so a bad message cannot stop the
 * market). A command of a version newer than this engine reads stops the batch instead: it is
 * retried until an engine that reads it takes over, never guessed at.
 */
export function parseEntry(stream: string, entryId: string, flat: string[]): Inbound {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  const symbol = stream.slice(stream.indexOf(':') + 1);
  return {
    stream,
    entryId,
    commandId: fields.id ?? entryId,
    ...(fields.seq && /^[1-9]\d*$/.test(fields.seq) ? { seq: Number(fields.seq) } : {}),
    symbol,
    command: toCommand(fields.type ?? '', Number(fields.v ?? 1) || 1, fields.data),
    ...(fields.type === 'order_resubmitted' ? { resubmitted: true } : {}),
    traceparent: fields.traceparent ?? '',
    tracestate: fields.tracestate ?? '',
  };
}

export class NewerCommandVersion extends Error {}

function toCommand(type: string, version: number, data: string | undefined): Command | undefined {
  let body: unknown;
  try {
    body = JSON.parse(data ?? 'null');
  } catch {
    return undefined;
  }
  const decoding = decodeEvent(ORDER_COMMANDS, type, version, body);
  if (!decoding.ok) {
    if (decoding.retry) throw new NewerCommandVersion(decoding.reason);
    return undefined;
  }
  const { event } = decoding;
  if (event.type === 'order_cancel_requested') return { kind: 'cancel', orderId: event.data.orderId };
  const order = event.data;
  return {
    kind: 'new',
    orderId: order.orderId,
    ownerId: order.userId,
    side: order.side,
    type: order.type,
    // for a MARKET order, priceTicks is its protection price (the worst it may trade at)
    price: Number(order.priceTicks ?? 0),
    quantity: Number(order.quantityLots),
    timeInForce: order.timeInForce,
    postOnly: order.postOnly,
    selfTradePrevention: order.selfTradePrevention,
  };
}

const EXECUTION_TYPES: Record<BookEvent['type'], keyof typeof EXECUTION_EVENTS> = {
  accepted: 'order_accepted',
  trade: 'trade',
  canceled: 'order_canceled',
  expired: 'order_expired',
  rejected: 'order_rejected',
  reduced: 'order_reduced',
  commandRejected: 'cancel_rejected',
};

/**
 * A book event as published on `executions:{SYMBOL}`: the architecture's event names, and the time
 * the engine committed it (the book itself has no clock; the service stamps its batches).
 */
export function executionOf(symbol: string, event: BookEvent, executedAt: string) {
  const { type, ...fields } = event;
  return { id: `${symbol}:${event.sequence}`, contract: EXECUTION_EVENTS[EXECUTION_TYPES[type]], data: { symbol, ...fields, executedAt } };
}

/**
 * The engine's executions as the journal a consumer's missing events are restored from once the
 * outbox no longer keeps them (executions are never pruned): only a whole, aligned range.
 */
export function executionsJournal(store: Pick<EngineStore, 'executionsAsPublished'>): ProducerJournal {
  return async (stream, fromSeq, toSeq) => {
    const prefix = executionsStream('');
    if (!stream.startsWith(prefix)) return [];
    const symbol = stream.slice(prefix.length);
    const rows = await store.executionsAsPublished(symbol, stream, fromSeq, toSeq);
    if (!rows || rows.length !== toSeq - fromSeq + 1) return [];
    const events = [];
    for (const row of rows) {
      const contract = Object.hasOwn(EXECUTION_EVENTS, row.type) ? EXECUTION_EVENTS[row.type as keyof typeof EXECUTION_EVENTS] : undefined;
      if (!contract) return [];
      events.push({ seq: row.sequence, id: `${symbol}:${row.sequence}`, stream, contract, data: row.payload as never });
    }
    return events;
  };
}
