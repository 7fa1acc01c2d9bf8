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
  private readonly counting: CountingRedis;

  constructor(private readonly redis: Redis) {
    redis.defineCommand('riskCountOrder', { numberOfKeys: 2, lua: COUNT_ORDER });
    this.counting = redis as unknown as CountingRedis;
  }

  /**
   * The last trade price the matching engine published for `symbol`, in ticks: `book:{SYMBOL}` holds
   * `{symbol, sequence, bids, asks, lastPrice?}`. Undefined when there is none (no trade yet, no
   * book, or something unreadable: the market's reference price is the safe fallback).
   */
  async lastTradePriceTicks(symbol: string): Promise<bigint | undefined> {
    const text = await this.redis.get(engineBookKey(symbol));
    if (!text) return undefined;
    let state: ReturnType<typeof engineBookStateSchema.safeParse>;
    try {
      state = engineBookStateSchema.safeParse(JSON.parse(text));
    } catch {
      return undefined;
    }
    const lastPrice = state.success ? state.data.lastPrice : undefined;
    return lastPrice !== undefined && lastPrice > 0 ? BigInt(lastPrice) : undefined;
  }

  /** This order's number among its user's orders in the window (1 for the first). */
  countOrder(userId: string, orderId: string, windowIndex: number, windowMs: number): Promise<number> {
    return this.counting.riskCountOrder(`risk:orders-per-minute:${userId}:${windowIndex}`, `risk:order-counted:${orderId}`, windowMs);
  }
}
