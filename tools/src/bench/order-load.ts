import autocannon from 'autocannon';
import { createExchangeClient, type ExchangeClient, type PlaceOrderInput } from '@exchange/client';
import { createRedis, groupInfo, type Redis } from '@exchange/platform';
import { seededRandom } from '@exchange/platform/testing';
import { executionsStream, ordersStream, WALLET_EVENTS_STREAM } from '@exchange/contracts';
import { sendOrder, wallClock } from '../simulator/send.js';
import { percentile } from './bench-support.js';

export { wallClock };
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Trader {
  exchange: ExchangeClient;
  userId: string;
  token: string;
  /** the address it sends from (X-Forwarded-For through the gateway's trusted proxy): its own, as a real client's */
  address: string;
}

export interface OrderRequest {
  trader: Trader;
  body: PlaceOrderInput;
  isCrossing: boolean;
}

export interface Answer {
  status: number;
  /** `201`, or the status and error code of a refusal, or `network error` */
  outcome: string;
  orderId?: string;
  /** when it was due (open loop), sent and answered, wall-clock ms */
  dueAt: number;
  sentAt: number;
  answeredAt: number;
  isCrossing: boolean;
  /** a refusal's Retry-After, when it named one */
  retryAfter?: string;
}

const price = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/**
 * The order flow: half resting GTC limits from the makers (bids 99.00–99.99, asks 100.01–101.00,
 * 1–10 shares), half IOC limits from the takers that cross the whole book (buy at 101.00, sell at
 * 99.00, 1–12 shares), so the book neither runs dry nor grows without end. Makers and takers are
 * different users (self-trade prevention never cancels a taker), taken in turn so that no user
 * goes past the per-user limits of an exchange's ordinary users.
 */
export function orderFlow(symbol: string, makers: Trader[], takers: Trader[], seed: number): (kind?: 'maker' | 'taker') => OrderRequest {
  const random = seededRandom(seed);
  let nextMaker = 0;
  let nextTaker = 0;
  return (kind) => {
    const isCrossing = kind === undefined ? random() < 0.5 : kind === 'taker';
    const side = random() < 0.5 ? ('BUY' as const) : ('SELL' as const);
    if (!isCrossing) {
      const cents = side === 'BUY' ? 9900 + Math.floor(random() * 100) : 10001 + Math.floor(random() * 100);
      const trader = makers[nextMaker++ % makers.length]!;
      return {
        trader,
        isCrossing,
        body: { symbol, side, type: 'LIMIT', price: price(cents), quantity: String(1 + Math.floor(random() * 10)), timeInForce: 'GTC' },
      };
    }
    const trader = takers[nextTaker++ % takers.length]!;
    return {
      trader,
      isCrossing,
      body: { symbol, side, type: 'LIMIT', price: side === 'BUY' ? '101.00' : '99.00', quantity: String(1 + Math.floor(random() * 12)), timeInForce: 'IOC' },
    };
  };
}

/** Places one order (the simulator's `sendOrder`: one way to send and time an order); a refusal is an answer, not an error. */
export async function place(order: OrderRequest, dueAt = wallClock()): Promise<Answer> {
  const { status, outcome, order: placed, sentAt, answeredAt, retryAfter } = await sendOrder(order.trader.exchange, order.body, dueAt);
  return {
    status,
    outcome,
    ...(placed ? { orderId: placed.id } : {}),
    dueAt,
    sentAt,
    answeredAt,
    isCrossing: order.isCrossing,
    ...(retryAfter ? { retryAfter } : {}),
  };
}

/**
 * An open loop: orders sent on a clock at `rate` per second for `seconds`, whatever the answers
 * (coordinated-omission safe: latency counts from when an order was due, so a slow answer cannot
 * hold back the next sends and hide the queue).
 */
export async function openLoop(rate: number, seconds: number, next: () => OrderRequest, onAnswer?: (answer: Answer) => void): Promise<Answer[]> {
  const answers: Answer[] = [];
  const started = wallClock();
  const total = Math.round(rate * seconds);
  const inFlight: Array<Promise<void>> = [];
  let due = 0;
  while (due < total) {
    const dueNow = Math.min(total, Math.floor(((wallClock() - started) * rate) / 1000) + 1);
    for (; due < dueNow; due++) {
      const dueAt = started + (due * 1000) / rate;
      inFlight.push(
        place(next(), dueAt).then((answer) => {
          answers.push(answer);
          onAnswer?.(answer);
        }),
      );
    }
    await sleep(1);
  }
  await Promise.all(inFlight);
  return answers;
}

export interface Spread {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function spreadOf(samplesMs: number[]): Spread {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

export function outcomes(answers: Answer[]): string {
  const counts = new Map<string, number>();
  for (const answer of answers) if (answer.status !== 201) counts.set(answer.outcome, (counts.get(answer.outcome) ?? 0) + 1);
  return counts.size === 0 ? '0' : [...counts].map(([outcome, n]) => `${n} × ${outcome}`).join(', ');
}

/**
 * What is still to do after the load stops: for every consumer group of the order flow, the events
 * it has not read yet or not acknowledged, as Redis counts them (XINFO GROUPS).
 */
export class Backlog {
  private readonly redis: Redis;

  constructor(redisUrl: string, prefix: string) {
    this.redis = createRedis({ url: redisUrl, keyPrefix: prefix, connectionName: 'bench-backlog' });
  }

  async total(symbol: string): Promise<number> {
    const groups: Array<[string, string]> = [
      [ordersStream(symbol), 'matching-engine'],
      ...['order-manager', 'market-data', 'notification', 'reporting'].map((group): [string, string] => [executionsStream(symbol), group]),
      ...['notification', 'reporting'].map((group): [string, string] => [WALLET_EVENTS_STREAM, group]),
    ];
    let total = 0;
    for (const [stream, group] of groups) {
      const info = await groupInfo(this.redis, stream, group);
      if (info) total += info.pending + (info.lag ?? 0);
    }
    return total;
  }

  /** ms until every group has caught up (the backlog stays 0 for two looks), or the timeout. */
  async drainedAfter(symbol: string, timeoutMs: number, quiet: () => Promise<boolean>): Promise<number> {
    const started = wallClock();
    let zeroes = 0;
    for (;;) {
      if ((await this.total(symbol)) === 0 && (await quiet())) zeroes += 1;
      else zeroes = 0;
      if (zeroes >= 2) return wallClock() - started;
      if (wallClock() - started > timeoutMs) return Number.POSITIVE_INFINITY;
      await sleep(50);
    }
  }

  close(): void {
    this.redis.disconnect();
  }
}

/**
 * autocannon against POST /v1/orders for `seconds` at `connections`, each request a resting order
 * of a maker in turn (their tokens and addresses per request), at most `rate` per second when given.
 */
export async function autocannonOrders(
  gateway: string,
  makers: Trader[],
  symbol: string,
  options: { seconds: number; connections: number; rate?: number },
): Promise<autocannon.Result> {
  let turn = 0;
  const random = seededRandom(7);
  return autocannon({
    url: `${gateway}/v1/orders`,
    method: 'POST',
    connections: options.connections,
    duration: options.seconds,
    ...(options.rate ? { overallRate: options.rate } : {}),
    requests: [
      {
        setupRequest: (request) => {
          const maker = makers[turn++ % makers.length]!;
          const side = random() < 0.5 ? 'BUY' : 'SELL';
          const cents = side === 'BUY' ? 9800 + Math.floor(random() * 100) : 10101 + Math.floor(random() * 100);
          return {
            ...request,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${maker.token}`, 'x-forwarded-for': maker.address },
            body: JSON.stringify({ symbol, side, type: 'LIMIT', price: price(cents), quantity: '1', timeInForce: 'GTC' }),
          };
        },
      },
    ],
  });
}

export function clientFor(gateway: string, address: string, token?: string): ExchangeClient {
  return createExchangeClient({ baseUrl: gateway, token, headers: { 'x-forwarded-for': address } });
}
