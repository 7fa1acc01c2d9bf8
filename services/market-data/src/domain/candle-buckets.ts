import { CANDLE_INTERVAL_MS, CANDLE_INTERVALS, type CandleInterval } from '@exchange/contracts';

/** A trade as the tape and the candles count it: cents and shares. */
export interface TapeTrade {
  symbol: string;
  tradeId: number;
  sequence: number;
  priceCents: bigint;
  quantity: bigint;
  takerSide: 'BUY' | 'SELL';
  executedAt: Date;
}

/** What a set of trades adds to one candle; merged into the stored candle by sequence, so order of arrival does not matter. */
export interface CandleUpdate {
  interval: CandleInterval;
  openTime: Date;
  openCents: bigint;
  highCents: bigint;
  lowCents: bigint;
  closeCents: bigint;
  volume: bigint;
  firstSequence: number;
  lastSequence: number;
}

/** The start of the interval that holds `at`, in UTC (epoch-aligned: 1d candles open at midnight UTC). */
export function openTimeOf(at: Date, interval: CandleInterval): Date {
  const length = CANDLE_INTERVAL_MS[interval];
  return new Date(Math.floor(at.getTime() / length) * length);
}

/** One update per interval and bucket the trades touch: open the first by sequence, close the last. */
export function candleUpdates(trades: TapeTrade[]): CandleUpdate[] {
  const updates = new Map<string, CandleUpdate>();
  const bySequence = [...trades].sort((a, b) => a.sequence - b.sequence);
  for (const trade of bySequence) {
    for (const interval of CANDLE_INTERVALS) {
      const openTime = openTimeOf(trade.executedAt, interval);
      const key = `${interval}@${openTime.getTime()}`;
      const candle = updates.get(key);
      if (!candle) {
        updates.set(key, {
          interval,
          openTime,
          openCents: trade.priceCents,
          highCents: trade.priceCents,
          lowCents: trade.priceCents,
          closeCents: trade.priceCents,
          volume: trade.quantity,
          firstSequence: trade.sequence,
          lastSequence: trade.sequence,
        });
        continue;
      }
      if (trade.priceCents > candle.highCents) candle.highCents = trade.priceCents;
      if (trade.priceCents < candle.lowCents) candle.lowCents = trade.priceCents;
      candle.closeCents = trade.priceCents;
      candle.lastSequence = trade.sequence;
      candle.volume += trade.quantity;
    }
  }
  return [...updates.values()];
}
