import type { Redis } from '@exchange/platform';
import { engineBookKey, engineBookStateSchema } from '@exchange/contracts';

/**
 * Counts an order once in its user's window: a retried check of the same order id gets the count
 * of its first attempt instead of counting again. One round trip, atomic.
 * KEYS[1] the user's window counter, KEYS[2] the order's marker; ARGV[1] the window length in ms.
 */
const COUNT_ORDER = `
local counted = redis.call('GET', KEYS[2])
if counted then return tonumber(counted) end
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
redis.call('SET', KEYS[2], count, 'PX', ARGV[1])
return count
`;

interface CountingRedis {
  riskCountOrder(windowKey: string, orderKey: string, windowMs: number): Promise<number>;
}

/** What the risk-manager keeps in Redis or reads from it: the engine's last trade prices and per-user order counters. */
export class OrderFlowStore {
  constructor(private readonly redis: Redis) {
    // a script ioredis loads once and then calls by its hash, also inside a pipeline
    redis.defineCommand('riskCountOrder', { numberOfKeys: 2, lua: COUNT_ORDER });
  }

  /**
   * The last trade price the matching engine published for each symbol, in ticks, in one round trip:
   * `book:{SYMBOL}` holds the engine's book state with `lastPrice`. A symbol without one (no trade
   * yet, no book, or something unreadable) is left out: the market's reference price is the safe
   * fallback.
   */
  async lastTradePricesTicks(symbols: string[]): Promise<Map<string, bigint>> {
    const prices = new Map<string, bigint>();
    if (symbols.length === 0) return prices;
    const texts = await this.redis.mget(...symbols.map(engineBookKey));
    for (const [index, text] of texts.entries()) {
      if (!text) continue;
      let state: ReturnType<typeof engineBookStateSchema.safeParse>;
      try {
        state = engineBookStateSchema.safeParse(JSON.parse(text));
      } catch {
        continue;
      }
      const lastPrice = state.success ? state.data.lastPrice : undefined;
      if (lastPrice !== undefined && lastPrice > 0) prices.set(symbols[index]!, BigInt(lastPrice));
    }
    return prices;
  }

  /** Each order's number among its user's orders in its window (1 for the first), all in one round trip. */
  async countOrders(orders: Array<{ userId: string; orderId: string }>, windowIndex: number, windowMs: number): Promise<number[]> {
    if (orders.length === 0) return [];
    const pipeline = this.redis.pipeline() as unknown as CountingRedis & { exec(): Promise<Array<[Error | null, unknown]> | null> };
    for (const { userId, orderId } of orders) pipeline.riskCountOrder(windowKey(userId, windowIndex), orderKey(orderId), windowMs);
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, count]) => {
      if (error) throw error;
      return Number(count);
    });
  }
}

const windowKey = (userId: string, windowIndex: number) => `risk:orders-per-minute:${userId}:${windowIndex}`;
const orderKey = (orderId: string) => `risk:order-counted:${orderId}`;
