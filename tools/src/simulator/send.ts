import { ExchangeApiError, type ExchangeClient, type Order, type PlaceOrderInput } from '@exchange/client';

/** Wall-clock ms with sub-ms precision. */
export const wallClock = () => performance.timeOrigin + performance.now();

/** One placement and how it went: what the simulator's bots and the order bench's load both record. */
export interface SentOrder {
  /** 201, the refusal's status, or 0 when the exchange could not be reached */
  status: number;
  /** `201`, or the status and error code of a refusal, or `network error` */
  outcome: string;
  order?: Order;
  /** the refusal, when it was one */
  refusal?: ExchangeApiError;
  /** when it was due (an open loop's schedule), sent and answered, wall-clock ms */
  dueAt: number;
  sentAt: number;
  answeredAt: number;
  /** a refusal's Retry-After, when it named one */
  retryAfter?: string;
}

/**
 * Places one order through the typed client (signed however the client signs), timing it from
 * when it was due: a refusal is an answer, not an error. The one way the simulator's bots and the
 * order bench's open loop send an order, so both measure it alike.
 */
export async function sendOrder(client: ExchangeClient, body: PlaceOrderInput, dueAt = wallClock()): Promise<SentOrder> {
  const sentAt = wallClock();
  try {
    const { order } = await client.placeOrder({ body });
    return { status: 201, outcome: '201', order, dueAt, sentAt, answeredAt: wallClock() };
  } catch (error) {
    const answeredAt = wallClock();
    if (!(error instanceof ExchangeApiError)) throw error;
    const outcome = error.status === 0 ? 'network error' : `${error.status} ${error.code}`;
    return { status: error.status, outcome, refusal: error, dueAt, sentAt, answeredAt, ...(error.retryAfter ? { retryAfter: error.retryAfter } : {}) };
  }
}
