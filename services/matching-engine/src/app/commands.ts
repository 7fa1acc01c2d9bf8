import { EXECUTION_EVENTS, orderCancelRequestedSchema, orderCreatedSchema } from '@exchange/contracts';
import type { BookEvent, Command } from '../domain/index.js';

/** A stream entry of `orders:{SYMBOL}` as the engine reads it. */
export interface Inbound {
  stream: string;
  entryId: string;
  /** the producer's message id: the journal's deduplication key */
  commandId: string;
  symbol: string;
  /** undefined when the message could not be understood (journaled and acknowledged, never applied) */
  command: Command | undefined;
  traceparent: string;
  tracestate: string;
}

export function parseEntry(stream: string, entryId: string, flat: string[]): Inbound {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  const symbol = stream.slice(stream.indexOf(':') + 1);
  return {
    stream,
    entryId,
    commandId: fields.id ?? entryId,
    symbol,
    command: toCommand(fields.type, fields.data),
    traceparent: fields.traceparent ?? '',
    tracestate: fields.tracestate ?? '',
  };
}

function toCommand(type: string | undefined, data: string | undefined): Command | undefined {
  let body: unknown;
  try {
    body = JSON.parse(data ?? 'null');
  } catch {
    return undefined;
  }
  if (type === 'order_created') {
    const order = orderCreatedSchema.safeParse(body);
    if (!order.success) return undefined;
    const o = order.data;
    return {
      kind: 'new',
      orderId: o.orderId,
      ownerId: o.userId,
      side: o.side,
      type: o.type,
      // for a MARKET order, priceTicks is its protection price (the worst it may trade at)
      price: Number(o.priceTicks ?? 0),
      quantity: Number(o.quantityLots),
      timeInForce: o.type === 'MARKET' && o.timeInForce === 'GTC' ? 'IOC' : o.timeInForce,
      postOnly: o.postOnly,
      selfTradePrevention: o.selfTradePrevention,
    };
  }
  if (type === 'order_cancel_requested') {
    const cancel = orderCancelRequestedSchema.safeParse(body);
    return cancel.success ? { kind: 'cancel', orderId: cancel.data.orderId } : undefined;
  }
  return undefined;
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
